package catalogue

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ee/kovmon/kov"
)

// A catalogue loaded from a file reads an indicator's SQL from a file beside it and
// carries it: the source (what is stored and served) has it inline, the hash covers
// it, and the stored bytes parse again to the same definition without the file.
func TestLoadReadsTheSQLBesideTheFile(t *testing.T) {
	dir := t.TempDir()
	minimal, err := os.ReadFile(filepath.Join("testdata", "minimal.good.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// The entry names a query of its own instead of giving the SQL inline.
	entry := string(minimal)
	start := strings.Index(entry, "    sql: |")
	end := strings.Index(entry, "    denominator:")
	inline := entry[start:end]
	withFile := entry[:start] + "    query: my.X1\n" + entry[end:]
	sqlText := "-- the ministry's own rule\n" + strings.ReplaceAll(strings.TrimPrefix(inline, "    sql: |\n"), "\n      ", "\n")
	sqlText = strings.TrimPrefix(sqlText, "      ")
	path := filepath.Join(dir, "catalogue.yaml")
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("catalogue.yaml", withFile)
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "no SQL: kovmon has no query my.X1") {
		t.Fatalf("without the file: %v", err)
	}
	write("my.X1.sql", sqlText)
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ind, _ := c.Indicator("X.1")
	if ind.Definition() != sqlText || ind.BuiltIn() || ind.QueryName() != "my.X1" {
		t.Errorf("definition %q (built in %v, query %s), want the file's text", ind.Definition(), ind.BuiltIn(), ind.QueryName())
	}
	if !strings.Contains(string(c.Source()), "the ministry's own rule") || !strings.Contains(string(c.Source()), "# read from my.X1.sql") {
		t.Errorf("the catalogue's source does not carry the SQL:\n%s", c.Source())
	}
	again, err := Parse(c.Source(), "stored")
	if err != nil {
		t.Fatalf("the stored form does not parse alone: %v", err)
	}
	if again.Hash() != c.Hash() {
		t.Error("the stored form has another hash")
	}
	if ind2, _ := again.Indicator("X.1"); ind2.Definition() != sqlText {
		t.Errorf("stored definition %q", ind2.Definition())
	}
	write("my.X1.sql", sqlText+"  AND year > 2016\n")
	edited, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if edited.Hash() == c.Hash() {
		t.Error("editing the SQL file must change the catalogue's hash")
	}
	// Inline SQL wins over a file beside the catalogue.
	write("catalogue.yaml", entry)
	inlined, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(inlined.Source()) != entry {
		t.Error("a catalogue with its SQL inline must be kept byte for byte")
	}
}

// A catalogue written before definitions were data (version 2026-12-01.1, as an admin
// may have stored it) still reads: its indicators take the shipped definitions, and a
// survey_question it gives is the question the indicator reads.
func TestLegacyCatalogueReads(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "legacy-2026-12-01.1.good.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	old, err := Parse(data, "legacy")
	if err != nil {
		t.Fatal(err)
	}
	shipped := Default()
	for _, id := range shipped.IDs() {
		a, _ := old.Indicator(id)
		b, _ := shipped.Indicator(id)
		if a == nil || a.Definition() != b.Definition() || fmt.Sprint(a.QueryParams()) != fmt.Sprint(b.QueryParams()) ||
			a.QuestionType != b.QuestionType || a.UnitWithoutRows != b.UnitWithoutRows {
			t.Errorf("%s: the legacy entry does not read as the shipped definition", id)
		}
	}
	moved, err := Parse([]byte(strings.Replace(string(data), "survey_question: network_standard", "survey_question: network_policy", 1)), "legacy")
	if err != nil {
		t.Fatal(err)
	}
	if ind, _ := moved.Indicator("II.2"); ind.StringParam(kov.SurveyQuestionParam) != "network_policy" {
		t.Errorf("II.2 reads %q, want the legacy survey_question", ind.StringParam(kov.SurveyQuestionParam))
	}
	// In the new form, the two names must agree.
	conflict := strings.Replace(string(Shipped()), "params: {question: network_standard,", "survey_question: network_policy\n    params: {question: network_standard,", 1)
	if _, err := Parse([]byte(conflict), "conflict"); err == nil || !strings.Contains(err.Error(), `survey_question "network_policy" and params.question "network_standard" differ`) {
		t.Errorf("conflicting survey_question: %v", err)
	}
}

func TestCheckStatement(t *testing.T) {
	for _, tc := range []struct {
		sql  string
		want string // "" when accepted; else part of the error
		pars string
	}{
		{"SELECT {a:String}, {b: Array( String )} FROM t", "", "map[a:String b:Array(String)]"},
		{"  with x AS (SELECT 1) SELECT * FROM x", "", "map[]"},
		{"SELECT 1;", "without ';'", ""},
		{"(SELECT 1) UNION ALL (SELECT 2)", "", "map[]"},
		{"SELECT ';' AS semicolon, 'settings' AS word -- SETTINGS in a comment\n", "", "map[]"},
		{"SELECT 1 /* {not:String} */", "", "map[]"},
		{"SELECT {a:String} = {a:UInt8}", "read as String and as UInt8", ""},
		{"SELECT 1; SELECT 2", "one statement", ""},
		{"DROP TABLE usage", "one SELECT", ""},
		{"SELECT 1 settings max_threads = 1", "SETTINGS", ""},
		{"SELECT 'unclosed", "not closed", ""},
		{"SELECT 1 /* unclosed", "not closed", ""},
		{"-- only a comment", "empty", ""},
	} {
		got, err := checkStatement(tc.sql)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: %v", tc.sql, err)
		case tc.want == "" && fmt.Sprint(got) != tc.pars:
			t.Errorf("%q: placeholders %v, want %s", tc.sql, got, tc.pars)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%q: error %v, want %q", tc.sql, err, tc.want)
		}
	}
}

func TestConvertParam(t *testing.T) {
	for _, tc := range []struct {
		v    any
		typ  string
		want string // %T %v of the result, or the error
	}{
		{"x", "String", "string x"},
		{[]any{"a", "b"}, "Array(String)", "[]string [a b]"},
		{[]any{1, 2}, "Array(UInt16)", "[]int [1 2]"},
		{[]any{}, "Array(String)", "[]string []"},
		{4, "UInt8", "int 4"},
		{4, "Float64", "float64 4"},
		{0.6, "Float64", "float64 0.6"},
		{true, "Bool", "bool true"},
		{-1, "UInt8", "-1 is outside UInt8"},
		{4.5, "UInt8", "not a whole number"},
		{"yes", "Bool", "give true or false"},
		{[]any{"a", 1}, "Array(String)", "item 2 (1) is not a string"},
		{"2018-01-01", "Date", "cannot be Date"},
		{4, "String", "not a string; quote it"},
	} {
		v, err := convertParam(tc.v, tc.typ)
		got := fmt.Sprintf("%T %v", v, v)
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, tc.want) {
			t.Errorf("convertParam(%v, %s) = %s, want %s", tc.v, tc.typ, got, tc.want)
		}
	}
}

// The surveys package learns from the catalogue which question feeds which indicator.
func TestSurveyFeeds(t *testing.T) {
	var got []string
	for _, f := range Default().SurveyFeeds() {
		got = append(got, fmt.Sprintf("%s:%s:%s:%v", f.Indicator, f.Question, f.AnswerType, f.Answers))
	}
	want := "II.2:network_standard:yes_no:[yes] II.3a:security_policy:yes_no:[yes] II.3b:asset_register:yes_no:[yes] " +
		"III.1:eservices_unified:yes_no:[yes] III.2:lan_rebuild:choice:[done in_progress] IV.1b:competence_centre_satisfaction:scale_1_5:[]"
	if strings.Join(got, " ") != want {
		t.Errorf("feeds\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
}

// Reading a file beside the catalogue into it rewrites the YAML: everything else must
// read the same (long folded texts, flow maps, comments aside). A file beside the
// catalogue also takes the place of kovmon's own query of that name.
func TestInliningKeepsTheRestOfTheCatalogue(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "catalogue.yaml")
	if err := os.WriteFile(path, Shipped(), 0o600); err != nil {
		t.Fatal(err)
	}
	shipped := Default()
	i4, _ := shipped.Indicator("I.4")
	own := "-- the ministry's I.4\n" + i4.Definition()
	if err := os.WriteFile(filepath.Join(dir, "indicator.I4.sql"), []byte(own), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(c.Source()) == string(Shipped()) {
		t.Fatal("the file beside the catalogue was not read into it")
	}
	for _, want := range shipped.Indicators {
		got, ok := c.Indicator(want.ID)
		if !ok {
			t.Fatalf("%s lost", want.ID)
		}
		if got.Name != want.Name || got.Description != want.Description || fmt.Sprint(got.TargetMap()) != fmt.Sprint(want.TargetMap()) ||
			fmt.Sprint(got.QueryParams()) != fmt.Sprint(want.QueryParams()) || got.Baseline.Note != want.Baseline.Note {
			t.Errorf("%s reads otherwise after inlining", want.ID)
		}
		if wantSQL := want.Definition(); want.ID == "I.4" {
			if got.Definition() != own || got.BuiltIn() {
				t.Errorf("I.4: the file beside the catalogue is not its definition")
			}
		} else if got.Definition() != wantSQL || !got.BuiltIn() {
			t.Errorf("%s: definition changed", want.ID)
		}
	}
	if c.Version != shipped.Version || c.Forecast != shipped.Forecast || len(c.Goals) != len(shipped.Goals) {
		t.Error("version, goals or forecast read otherwise after inlining")
	}
}
