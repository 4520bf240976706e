package surveys

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultDefinitions(t *testing.T) {
	set, err := Default()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	feeds := map[string]string{
		"network_standard":               "II.2",
		"security_policy":                "II.3a",
		"asset_register":                 "II.3b",
		"eservices_unified":              "III.1",
		"lan_rebuild":                    "III.2",
		"competence_centre_satisfaction": "IV.1b",
	}
	var years []string
	for _, d := range set.Surveys() {
		years = append(years, fmt.Sprint(d.Year))
		if want := fmt.Sprintf("kov-ikt-%d.yaml", d.Year); d.File != want {
			t.Errorf("survey %s of %d is in %s, want %s", d.ID, d.Year, d.File, want)
		}
		extra := 0
		for _, q := range d.Questions {
			if want, ok := feeds[q.ID]; ok {
				if q.Indicator != want {
					t.Errorf("%s: %s feeds %q, want %q", d.File, q.ID, q.Indicator, want)
				}
			} else {
				extra++
				if q.Indicator != "" {
					t.Errorf("%s: extra question %s feeds %s", d.File, q.ID, q.Indicator)
				}
			}
		}
		for qid := range feeds {
			if _, ok := d.Question(qid); !ok {
				t.Errorf("%s: missing indicator question %s", d.File, qid)
			}
		}
		if extra < 3 || extra > 5 {
			t.Errorf("%s: %d extra questions, want 3-5", d.File, extra)
		}
	}
	if got := strings.Join(years, ","); got != "2016,2017,2018,2019,2020,2021" {
		t.Errorf("survey years %s, want 2016-2021", got)
	}
}

func TestSetLookups(t *testing.T) {
	set, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                 string
		surveyID, questionID string
		lookup               func(s *Set, surveyID, questionID string) (*Question, bool)
		wantFound            bool
		wantType             AnswerType
	}{
		{"question of its survey", "kov-ikt-2018", "lan_rebuild", (*Set).Question, true, Choice},
		{"question the survey does not ask", "kov-ikt-2016", "cloud_backup", (*Set).Question, false, ""},
		{"unknown survey", "kov-ikt-1999", "network_standard", (*Set).Question, false, ""},
		{"known in any survey", "", "cloud_backup", func(s *Set, _, q string) (*Question, bool) { return s.KnownQuestion(q) }, true, YesNo},
		{"known nowhere", "", "favourite_colour", func(s *Set, _, q string) (*Question, bool) { return s.KnownQuestion(q) }, false, ""},
		{"lookup falls back for an undefined survey", "kov-ikt-2018-kordus", "remote_work_ready", (*Set).Lookup, true, YesNo},
		{"lookup does not fall back for a defined survey", "kov-ikt-2016", "cloud_backup", (*Set).Lookup, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, ok := tt.lookup(set, tt.surveyID, tt.questionID)
			if ok != tt.wantFound {
				t.Fatalf("found = %v, want %v", ok, tt.wantFound)
			}
			if ok && (q.ID != tt.questionID || q.Type != tt.wantType) {
				t.Errorf("got %s of type %s, want %s of type %s", q.ID, q.Type, tt.questionID, tt.wantType)
			}
		})
	}
	if _, ok := set.Survey("kov-ikt-2021"); !ok {
		t.Error("Survey(kov-ikt-2021) not found")
	}
}

func TestBadDefinitions(t *testing.T) {
	tests := []struct {
		file string
		want string // part of the message
	}{
		{"missing-id.bad.yaml", "missing-id.bad.yaml: missing survey id"},
		{"missing-title-en.bad.yaml", "missing English title (title.en)"},
		{"missing-title-et.bad.yaml", "missing Estonian title (title.et)"},
		{"missing-year.bad.yaml", "year 0 is outside 2000-2100"},
		{"year-out-of-range.bad.yaml", "year 1999 is outside 2000-2100"},
		{"duplicate-question.bad.yaml", `duplicate-question.bad.yaml:9:5: question "network_standard": duplicate question id`},
		{"unknown-type.bad.yaml", `question "staff": unknown type "integer"`},
		{"choice-without-values.bad.yaml", `question "hosting": choice question without values`},
		{"unknown-indicator.bad.yaml", `question "staff_trained": feeds unknown indicator "IV.2"`},
		{"indicator-fed-twice.bad.yaml", `indicator II.2 is already fed by question "network_standard"`},
		{"indicator-wrong-type.bad.yaml", "indicator IV.1b needs type scale_1_5, not yes_no"},
		// The engine reads II.2 from network_standard whatever the definition says.
		{"indicator-question-wrong-type.bad.yaml", "indicator II.2 needs type yes_no, not text"},
		{"indicator-missing-choice-value.bad.yaml", `indicator III.2 needs the choice value "in_progress"`},
		{"misspelt-key.bad.yaml", "field indicater not found"},
		{"ambiguous-choice-label.bad.yaml", `choice word "Oma" is used by both "own" and "cloud"`},
		{"missing-question-text-en.bad.yaml", `question "hosting": missing English text (text.en)`},
	}
	files, err := filepath.Glob(filepath.Join("testdata", "bad", "*.bad.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(tests) {
		t.Errorf("%d bad fixtures, %d test cases: every fixture needs a case", len(files), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "bad", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			d, err := ParseDefinition(tt.file, data)
			if err == nil {
				t.Fatalf("accepted: %+v", d)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\ndoes not contain %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.file) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestLoadDirDuplicateSurveyIDs(t *testing.T) {
	_, err := LoadDir(filepath.Join("testdata", "dup-ids"))
	if err == nil {
		t.Fatal("two files with survey id kov-ikt-2018 were accepted")
	}
	want := `b.yaml: survey id "kov-ikt-2018" is already defined in a.yaml`
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q\ndoes not contain %q", err, want)
	}
}

func TestLoadDirAndMerge(t *testing.T) {
	extra, err := LoadDir(filepath.Join("testdata", "extra"))
	if err != nil {
		t.Fatal(err)
	}
	def, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	both, err := Merge(def, extra)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(both.Surveys()), len(def.Surveys())+1; got != want {
		t.Errorf("merged set has %d surveys, want %d", got, want)
	}
	if q, ok := both.Question("vallad-2022", "hosting"); !ok || q.Type != Choice {
		t.Errorf("hosting question of vallad-2022: %+v, %v", q, ok)
	}
	// The 2022 survey is the latest to ask it_staff_fte, so its wording wins.
	if q, _ := both.KnownQuestion("it_staff_fte"); q == nil || q != mustQuestion(t, both, "vallad-2022", "it_staff_fte") {
		t.Errorf("KnownQuestion(it_staff_fte) is not the latest survey's question")
	}
	if _, err := Merge(def, def); err == nil {
		t.Error("merging the default set with itself was accepted")
	}
}

func mustQuestion(t *testing.T, s *Set, surveyID, questionID string) *Question {
	t.Helper()
	q, ok := s.Question(surveyID, questionID)
	if !ok {
		t.Fatalf("no question %s in %s", questionID, surveyID)
	}
	return q
}

func TestLoadSet(t *testing.T) {
	shipped, err := LoadSet("")
	if err != nil {
		t.Fatal(err)
	}
	both, err := LoadSet(filepath.Join("testdata", "extra"))
	if err != nil {
		t.Fatal(err)
	}
	if len(both.Surveys()) != len(shipped.Surveys())+1 {
		t.Errorf("%d surveys with the extra folder, %d without", len(both.Surveys()), len(shipped.Surveys()))
	}
	if _, err := LoadSet(filepath.Join("testdata", "no-such-folder")); err == nil || !strings.Contains(err.Error(), "no-such-folder") {
		t.Errorf("err = %v, want the folder named", err)
	}
}
