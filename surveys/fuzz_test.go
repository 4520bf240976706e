package surveys

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// addFiles seeds a fuzz target with the files that match pattern.
func addFiles(f *testing.F, pattern string) {
	names, _ := filepath.Glob(pattern)
	for _, name := range names {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
}

// FuzzWideToLong feeds arbitrary survey-tool exports to the wide converter with a
// real mapping: it must never panic, and what it emits must be one long row per
// answered mapped question, each of a respondent it counted, with the mapping's
// survey and year.
func FuzzWideToLong(f *testing.F) {
	m, err := LoadMapping(filepath.Join("testdata", "lime-2018.mapping.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	addFiles(f, filepath.Join("testdata", "lime-2018.csv"))
	addFiles(f, filepath.Join("testdata", "kov-ikt-2018-79.csv"))
	f.Add([]byte("id;kov\n1;0784\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var rows []LongRow
		stats, err := WideToLong(bytes.NewReader(data), "fuzz.csv", m, func(r LongRow) error {
			rows = append(rows, r)
			return nil
		})
		if err != nil {
			return
		}
		if len(rows) != stats.Answers {
			t.Fatalf("%d rows emitted, stats say %d answers", len(rows), stats.Answers)
		}
		for _, r := range rows {
			if r.QuestionID == "" || strings.TrimSpace(r.Answer) == "" || r.Line < 2 {
				t.Fatalf("emitted an empty or headless row: %+v", r)
			}
		}
	})
}

// FuzzParseDefinition: a survey definition file never panics the parser, and one it
// accepts has an id, a year and questions with ids.
func FuzzParseDefinition(f *testing.F) {
	addFiles(f, filepath.Join("definitions", "*.yaml"))
	addFiles(f, filepath.Join("testdata", "bad", "*.yaml"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseDefinition("fuzz.yaml", data)
		if err != nil {
			return
		}
		if d.ID == "" || d.Year == 0 {
			t.Fatalf("accepted a definition without id or year: %+v", d)
		}
		for _, q := range d.Questions {
			if q == nil || q.ID == "" {
				t.Fatalf("accepted a question without an id: %+v", q)
			}
		}
	})
}

// FuzzParseMapping: a wide-export mapping never panics the parser, and one it
// accepts names the survey, where each row's municipality, respondent and time are,
// and maps each header to a question id of its own.
func FuzzParseMapping(f *testing.F) {
	addFiles(f, filepath.Join("testdata", "*.mapping.yaml"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMapping("fuzz.yaml", data)
		if err != nil {
			return
		}
		if m.SurveyID == "" || m.EhakCodeColumn == "" || m.RespondentIDColumn == "" || m.SubmittedAtColumn == "" || len(m.Columns) == 0 {
			t.Fatalf("accepted an incomplete mapping: %+v", m)
		}
		seen := map[string]bool{}
		for _, qid := range m.Columns {
			if !questionIDPattern.MatchString(qid) || seen[qid] {
				t.Fatalf("accepted question id %q twice or malformed", qid)
			}
			seen[qid] = true
		}
	})
}
