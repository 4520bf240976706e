package catalogue

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ee/kovmon/internal/golden"
	"ee/kovmon/kov"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func TestShippedCatalogueIsValid(t *testing.T) {
	c, err := Parse(shippedFile, ShippedName)
	if err != nil {
		t.Fatalf("the shipped catalogue must be valid: %v", err)
	}
	if c.Version == "" {
		t.Error("shipped catalogue has no version")
	}
	// Default must not panic and must be the same file.
	if Default().Hash() != c.Hash() {
		t.Error("Default() does not return the embedded file")
	}
}

// The spec's table, typed in independently of the YAML: order, goal, source,
// denominator, the 2017/2018 targets and the values of every rule (the catalogue's
// params, which the definitions read and nothing else states) must match it exactly.
func TestShippedCatalogueMatchesSpecTable(t *testing.T) {
	type row struct {
		id, goal    string
		source      kov.Source
		denominator kov.Denominator
		params      string // the params as %v prints them, keys sorted
		targets     map[int]float64
	}
	spec := []row{
		{"I.1", "I", kov.SourceFeedback, kov.DenominatorRows, "map[satisfied_score:4 systems:[KOVTP VOLIS RPIS KOVMEN]]", map[int]float64{2018: 50}},
		{"I.2", "I", kov.SourceServices, kov.DenominatorActiveMunicipalities, "map[]", map[int]float64{2018: 50}},
		{"I.3", "I", kov.SourceServices, kov.DenominatorActiveMunicipalities, "map[min_eservices:20]", map[int]float64{2018: 50}},
		{"I.4", "I", kov.SourceUsage, kov.DenominatorRows, "map[channels:[web portal email xroad] events:[submit decision notification]]", map[int]float64{2018: 50}},
		{"II.1", "II", kov.SourceAudits, kov.DenominatorActiveMunicipalities, "map[window_years:3]", map[int]float64{2018: 30}},
		{"II.2", "II", kov.SourceSurvey, kov.DenominatorActiveMunicipalities, "map[answers:[yes] question:network_standard]", map[int]float64{2018: 50}},
		{"II.3a", "II", kov.SourceSurvey, kov.DenominatorActiveMunicipalities, "map[answers:[yes] question:security_policy]", map[int]float64{2018: 50}},
		{"II.3b", "II", kov.SourceSurvey, kov.DenominatorActiveMunicipalities, "map[answers:[yes] question:asset_register]", map[int]float64{2018: 50}},
		{"III.1", "III", kov.SourceSurvey, kov.DenominatorMergedMunicipalities, "map[answers:[yes] question:eservices_unified]", map[int]float64{2018: 50}},
		{"III.2", "III", kov.SourceSurvey, kov.DenominatorMergedMunicipalities, "map[answers:[done in_progress] question:lan_rebuild]", map[int]float64{2018: 50}},
		{"IV.1a", "IV", kov.SourceOrgGoals, kov.DenominatorGoals, "map[]", map[int]float64{2018: 70}},
		{"IV.1b", "IV", kov.SourceSurvey, kov.DenominatorRespondents, "map[question:competence_centre_satisfaction satisfied_score:4]", map[int]float64{2018: 60}},
		{"IV.2", "IV", kov.SourceTrainings, kov.DenominatorActiveMunicipalities, "map[]", map[int]float64{2017: 50, 2018: 70}},
	}
	// For II.1 and IV.2 a unit without rows did not do the thing (spec: "every unit
	// has data").
	notMet := map[string]bool{"II.1": true, "IV.2": true}
	c := Default()
	if len(c.Indicators) != len(spec) {
		t.Fatalf("catalogue has %d indicators, the spec %d", len(c.Indicators), len(spec))
	}
	for i, want := range spec {
		t.Run(want.id, func(t *testing.T) {
			ind, ok := c.Indicator(want.id)
			if !ok {
				t.Fatalf("indicator %s missing", want.id)
			}
			if got := c.Order(want.id); got != i {
				t.Errorf("Order = %d, want %d", got, i)
			}
			params := fmt.Sprint(ind.QueryParams())
			if ind.Goal != want.goal || ind.Source != want.source || ind.Denominator != want.denominator || params != want.params {
				t.Errorf("got goal %s source %s denominator %s params %s, want %s %s %s %s",
					ind.Goal, ind.Source, ind.Denominator, params,
					want.goal, want.source, want.denominator, want.params)
			}
			if ind.UnitsWithoutRowsMeetNothing() != notMet[want.id] {
				t.Errorf("unit_without_rows %q", ind.UnitWithoutRows)
			}
			for year := 2016; year <= 2021; year++ {
				got, gotOK := ind.Target(year)
				w, wantOK := want.targets[year]
				if gotOK != wantOK || got != w {
					t.Errorf("Target(%d) = %v, %v; want %v, %v", year, got, gotOK, w, wantOK)
				}
			}
			// 2019–2021 must be present as editable placeholders.
			for year := 2019; year <= 2021; year++ {
				if _, ok := ind.Targets[year]; !ok {
					t.Errorf("no placeholder key for %d", year)
				}
			}
			wantNational := want.id == "IV.1a"
			if ind.HasLevel(kov.LevelMunicipality) == wantNational || !ind.HasLevel(kov.LevelNational) {
				t.Errorf("levels %v", ind.Levels)
			}
		})
	}
	if got := c.Order("no.such"); got != len(spec) {
		t.Errorf("Order(unknown) = %d, want %d (after all known)", got, len(spec))
	}
	if _, ok := c.Indicator("no.such"); ok {
		t.Error("Indicator(unknown) reported found")
	}
}

// The golden file is the human-readable summary of the shipped catalogue: a change to
// any definition or text shows up as a diff in review.
func TestShippedCatalogueGolden(t *testing.T) {
	c := Default()
	var b strings.Builder
	fmt.Fprintf(&b, "version %s\n", c.Version)
	for _, g := range c.Goals {
		fmt.Fprintf(&b, "goal %s\n  et: %s\n  en: %s\n", g.ID, g.Name.ET, g.Name.EN)
	}
	for _, ind := range c.Indicators {
		fmt.Fprintf(&b, "%d %s goal=%s source=%s denominator=%s levels=%v query=%s params=%v question_type=%q unit_without_rows=%q targets=",
			c.Order(ind.ID), ind.ID, ind.Goal, ind.Source, ind.Denominator, ind.Levels, ind.QueryName(), ind.QueryParams(),
			ind.QuestionType, ind.UnitWithoutRows)
		for _, y := range ind.TargetYears() {
			v, _ := ind.Target(y)
			fmt.Fprintf(&b, "%d:%g ", y, v)
		}
		fmt.Fprintf(&b, "\n  et: %s\n  en: %s\n", ind.Name.In("et"), ind.Name.In("en"))
	}
	compareGolden(t, filepath.Join("testdata", "shipped.golden"), b.String())
}

func TestHashIsSHA256OfTheFile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "minimal.good.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(data, "minimal")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if c.Hash() != hex.EncodeToString(sum[:]) {
		t.Errorf("Hash = %s", c.Hash())
	}
	edited, err := Parse(append(data, []byte("# a comment changes the file\n")...), "edited")
	if err != nil {
		t.Fatal(err)
	}
	if edited.Hash() == c.Hash() {
		t.Error("a changed file must change the hash")
	}
}

// An edited copy on disk sets a 2019 target without a rebuild.
func TestLoadEditedCopy(t *testing.T) {
	edited := strings.Replace(string(Shipped()), "targets: {2017: 50, 2018: 70, 2019: null", "targets: {2017: 50, 2018: 70, 2019: 80", 1)
	if edited == string(Shipped()) {
		t.Fatal("test setup: IV.2 targets line not found in the shipped file")
	}
	path := filepath.Join(t.TempDir(), "catalogue.yaml")
	if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ind, _ := c.Indicator("IV.2")
	if v, ok := ind.Target(2019); !ok || v != 80 {
		t.Errorf("Target(2019) = %v, %v; want 80", v, ok)
	}
	if c.Name() != path {
		t.Errorf("Name = %q", c.Name())
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("Load of a missing file: error %v should name the file", err)
	}
}

func TestMinimalGood(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "minimal.good.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ind, _ := c.Indicator("X.1")
	got := ind.TargetMap()
	if len(got) != 2 || got[2018] != 50 || got[2019] != 60.5 {
		t.Errorf("TargetMap = %v; want 2018:50 2019:60.5 and no null 2020", got)
	}
}

func TestBadCatalogues(t *testing.T) {
	cases := []struct {
		file string
		want []string // every fragment must be in the error
	}{
		{"unknown_source", []string{`unknown source "twitter"`, `indicator "X.1"`}},
		{"target_above_100", []string{`target 2019: 160.5 is outside 0–100`}},
		{"target_below_0", []string{`target 2018: -1 is outside 0–100`}},
		{"unknown_goal", []string{`unknown goal "V"`}},
		{"missing_en", []string{`description: English text (en) is missing`}},
		{"missing_et", []string{`name: Estonian text (et) is missing`}},
		{"year_out_of_range", []string{`year 218 is outside 2000–2100`}},
		{"unknown_denominator", []string{`unknown denominator "households"`}},
		{"unknown_field", []string{`field targest not found`}},
		{"missing_survey_question", []string{`a survey indicator names its question in params.question`, `needs question_type`}},
		{"sql_not_select", []string{`indicator "X.1": indicator.X1: the SQL must be one SELECT`}},
		{"sql_two_statements", []string{`the SQL must be one statement`}},
		{"sql_settings", []string{`may not have a SETTINGS clause`}},
		{"sql_no_such_query", []string{`no SQL: kovmon has no query my.X1; give it inline (sql: |) or in my.X1.sql beside the catalogue file`}},
		{"param_missing", []string{`the SQL reads {threshold:UInt8}, and params has no threshold`}},
		{"param_unused", []string{`param colour is not read by its SQL`}},
		{"param_wrong_type", []string{`param systems: the SQL reads it as Array(String): give a list`, `param threshold: 300 is outside UInt8`}},
		{"unit_without_rows_unknown", []string{`unit_without_rows "zero"`}},
		{"missing_version", []string{`version is missing`}},
		{"duplicate_id", []string{`indicator "X.1": duplicate id`}},
		{"bad_yaml", []string{`yaml`}},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", tc.file+".bad.yaml")
			seen[path] = true
			_, err := Load(path)
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if !strings.Contains(msg, path) {
				t.Errorf("error %q does not name the file", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
		})
	}
	// Every bad fixture on disk must be exercised above.
	files, _ := filepath.Glob(filepath.Join("testdata", "*.bad.yaml"))
	for _, f := range files {
		if !seen[f] {
			t.Errorf("fixture %s has no test case", f)
		}
	}
}

func TestTextIn(t *testing.T) {
	txt := kov.Text{ET: "jah", EN: "yes"}
	for lang, want := range map[string]string{"et": "jah", "en": "yes", "": "jah", "fi": "jah"} {
		if got := txt.In(lang); got != want {
			t.Errorf("In(%q) = %q, want %q", lang, got, want)
		}
	}
}

func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	golden.Compare(t, path, []byte(got), *update)
}

func TestShippedHashIsTheDefaultsHash(t *testing.T) {
	if ShippedHash() != Default().Hash() {
		t.Fatalf("ShippedHash %s, Default().Hash() %s", ShippedHash(), Default().Hash())
	}
}
