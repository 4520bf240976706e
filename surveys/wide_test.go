package surveys

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func loadExample(t *testing.T) ([]LongRow, WideStats) {
	t.Helper()
	m, err := LoadMapping(filepath.Join("testdata", "lime-2018.mapping.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join("testdata", "lime-2018.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []LongRow
	stats, err := WideToLong(f, "lime-2018.csv", m, func(r LongRow) error {
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		t.Fatalf("WideToLong: %v", err)
	}
	return rows, stats
}

// TestWideToLongGolden converts the example LimeSurvey export (';', BOM, a quoted
// answer with a ';' and one with a line break, a short row, a row without an EHAK
// code, unmapped and ignored columns) and pins the long CSV and the summary.
func TestWideToLongGolden(t *testing.T) {
	rows, stats := loadExample(t)
	var long bytes.Buffer
	if err := WriteLongCSV(&long, rows); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "lime-2018.long.golden.csv", long.Bytes())
	summary, err := json.MarshalIndent(stats, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "lime-2018.stats.golden.json", append(summary, '\n'))

	// Facts the goldens must show, checked here so a careless -update cannot hide them.
	if got := strings.Join(stats.UnmappedHeaders, "|"); got != "Vastaja e-post" {
		t.Errorf("unmapped headers %q, want only the respondent's e-mail column", got)
	}
	if got := strings.Join(stats.MissingHeaders, "|"); got != "Kas töötajad saavad turvaliselt kaugtööd teha?" {
		t.Errorf("missing headers %q", got)
	}
	if len(stats.Problems) != 2 {
		t.Errorf("problems %v, want the short row and the row without EHAK code", stats.Problems)
	}
	header, _, _ := strings.Cut(long.String(), "\n")
	if header != "survey_id,year,ehak_code,respondent_id,submitted_at,question_id,answer,source_line" {
		t.Errorf("long CSV header %q is not the contract's survey header and source_line", header)
	}
	for _, r := range rows {
		if r.Line < 2 || r.Column == "" || r.Year != 2018 {
			t.Errorf("row without its origin: %+v", r)
		}
	}
}

func TestWideToLongSeparatorsAndYearColumn(t *testing.T) {
	mapping := &WideMapping{
		SurveyID: "kov-ikt-2019", YearColumn: "Aasta", Year: 2019,
		EhakCodeColumn: "EHAK", RespondentIDColumn: "ID", SubmittedAtColumn: "Aeg",
		Columns: map[string]string{"Võrk standardne?": "network_standard"},
	}
	tests := []struct {
		name        string
		input       string
		wantRows    string // question=answer@year per row, ';'-joined
		wantProblem string
		wantErr     string
	}{
		{"comma", "ID,Aeg,EHAK,Aasta,Võrk standardne?\n1,2019-05-01,0784,2019,jah\n", "network_standard=jah@2019", "", ""},
		{"semicolon with BOM", "\xef\xbb\xbfID;Aeg;EHAK;Aasta;Võrk standardne?\n1;2019-05-01;0784;;ei\n", "network_standard=ei@2019", "", ""},
		{"header case and spaces differ", "id,AEG,ehak,aasta,  võrk   STANDARDNE? \n1,2019-05-01,0784,2020,jah\n", "network_standard=jah@2020", "", ""},
		{"quoted comma in semicolon file", "ID;Aeg;EHAK;Aasta;Võrk standardne?\n1;2019-05-01;0784;2019;\"jah, osaliselt\"\n", "network_standard=jah, osaliselt@2019", "", ""},
		{"bad year", "ID,Aeg,EHAK,Aasta,Võrk standardne?\n1,2019-05-01,0784,19,jah\n", "", `line 2 column "Aasta": year must be a whole number 2000-2100`, ""},
		{"missing respondent id", "ID,Aeg,EHAK,Aasta,Võrk standardne?\n,2019-05-01,0784,2019,jah\n", "", `line 2 column "ID": missing respondent id`, ""},
		{"too many fields", "ID,Aeg,EHAK,Aasta,Võrk standardne?\n1,2019-05-01,0784,2019,jah,extra\n", "", "line 2 column \"\": row has 6 fields, header has 5", ""},
		{"missing EHAK column", "ID,Aeg,Aasta,Võrk standardne?\n1,2019-05-01,2019,jah\n", "", "", `t.csv: missing column "EHAK"`},
		{"duplicate header", "ID,Aeg,EHAK,Aasta,Võrk standardne?,võrk standardne?\n", "", "", `header "võrk standardne?" appears twice`},
		{"empty file", "", "", "", "t.csv: empty file: no header row"},
		{"unterminated quote", "ID,Aeg,EHAK,Aasta,Võrk standardne?\n1,2019-05-01,0784,2019,\"jah\n", "", "", "t.csv: parse error on line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			stats, err := WideToLong(strings.NewReader(tt.input), "t.csv", mapping, func(r LongRow) error {
				got = append(got, r.QuestionID+"="+r.Answer+"@"+itoa(r.Year))
				return nil
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g := strings.Join(got, ";"); g != tt.wantRows {
				t.Errorf("rows %q, want %q", g, tt.wantRows)
			}
			var problems []string
			for _, p := range stats.Problems {
				problems = append(problems, p.String())
			}
			if g := strings.Join(problems, ";"); g != tt.wantProblem {
				t.Errorf("problems %q, want %q", g, tt.wantProblem)
			}
		})
	}
}

func TestWideToLongStopsOnEmitError(t *testing.T) {
	mapping := &WideMapping{SurveyID: "s", Year: 2018, EhakCodeColumn: "EHAK", RespondentIDColumn: "ID", SubmittedAtColumn: "Aeg",
		Columns: map[string]string{"Q": "q"}}
	stop := errors.New("disk full")
	_, err := WideToLong(strings.NewReader("ID,Aeg,EHAK,Q\n1,t,0784,jah\n"), "t.csv", mapping, func(LongRow) error { return stop })
	if !errors.Is(err, stop) || !strings.Contains(err.Error(), `t.csv line 2 column "Q"`) {
		t.Errorf("err = %v, want the emit error with file, line and column", err)
	}
}

func TestBadMappings(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"no survey id", "year: 2018\nehak_code_column: E\nrespondent_id_column: R\nsubmitted_at_column: S\ncolumns: {Q: q}\n", "m.yaml: missing survey_id"},
		{"no year", "survey_id: s\nehak_code_column: E\nrespondent_id_column: R\nsubmitted_at_column: S\ncolumns: {Q: q}\n", "year must be 2000-2100, or year_column"},
		{"no respondent column", "survey_id: s\nyear: 2018\nehak_code_column: E\nsubmitted_at_column: S\ncolumns: {Q: q}\n", "missing respondent_id_column"},
		{"no columns", "survey_id: s\nyear: 2018\nehak_code_column: E\nrespondent_id_column: R\nsubmitted_at_column: S\n", "columns maps no header"},
		{"two headers for one question", "survey_id: s\nyear: 2018\nehak_code_column: E\nrespondent_id_column: R\nsubmitted_at_column: S\ncolumns: {A: q, B: q}\n", `columns "A" and "B" both map to question "q"`},
		{"not a question id", "survey_id: s\nyear: 2018\nehak_code_column: E\nrespondent_id_column: R\nsubmitted_at_column: S\ncolumns: {A: Q 1}\n", `column "A": "Q 1" is not a question id`},
		{"misspelt key", "survey_id: s\nyaer: 2018\n", "field yaer not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMapping("m.yaml", []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestLongCSVQuoting(t *testing.T) {
	var buf bytes.Buffer
	row := LongRow{SurveyID: "kov-ikt-2018", Year: 2018, EhakCode: "0784", RespondentID: "1", SubmittedAt: "2018-03-01 10:00:00", QuestionID: "comments", Answer: "Hea, \"väga\" hea\nteine rida"}
	if err := WriteLongCSV(&buf, []LongRow{row}); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 2 || records[1][6] != row.Answer || records[1][1] != "2018" {
		t.Errorf("round trip gave %q", records)
	}
}

// TestConvertWide converts the example export file to file: the output is the long
// golden, and a conversion that fails leaves no half-written file behind.
func TestConvertWide(t *testing.T) {
	out := filepath.Join(t.TempDir(), "lime-2018.csv")
	stats, err := ConvertWide(filepath.Join("testdata", "lime-2018.csv"), filepath.Join("testdata", "lime-2018.mapping.yaml"), out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "lime-2018.long.golden.csv", got)
	if stats.Answers != 43 || len(stats.Problems) != 2 || stats.Problems[0].Raw == "" {
		t.Errorf("stats %+v, want 43 answers and 2 problems with their rows", stats)
	}

	bad := filepath.Join(t.TempDir(), "bad.csv")
	_, err = ConvertWide(filepath.Join("testdata", "answers-2018.long.csv"), filepath.Join("testdata", "lime-2018.mapping.yaml"), bad)
	if err == nil || !strings.Contains(err.Error(), `missing column "KOV EHAK kood"`) {
		t.Errorf("err = %v, want the missing column named", err)
	}
	if _, statErr := os.Stat(bad); !os.IsNotExist(statErr) {
		t.Errorf("a failed conversion left %s behind (%v)", bad, statErr)
	}
}
