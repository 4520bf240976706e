package i18n

import (
	"flag"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"ee/kovmon/internal/golden"
	"ee/kovmon/kov"
	"ee/kovmon/metrics/catalogue"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func TestTextsFile(t *testing.T) {
	m, err := parse(textsFile)
	if err != nil {
		t.Fatalf("the shipped texts.yaml must be valid: %v", err)
	}
	if len(m) < 60 {
		t.Errorf("only %d keys", len(m))
	}
	for _, key := range Keys() {
		for _, lang := range Langs() {
			if got := T(lang, key); got == "" || got == key {
				t.Errorf("%s has no %s text", key, lang)
			}
		}
	}
}

// Every key the other packages rely on must exist.
func TestRequiredKeys(t *testing.T) {
	required := []string{
		"status.achieved", "status.not_achieved", "status.on_track", "status.off_track",
		"status.baseline", "status.no_target", "status.no_data",
		"level.national", "level.municipality", "nav.overview", "nav.data", "report.title",
		"boundaries.asof", "boundaries.current", "flag.small_n", "flag.no_data", "flag.definition_changed",
		"source.feedback", "source.services", "source.usage", "source.audits", "source.survey",
		"source.trainings", "source.org_goals",
	}
	for _, key := range required {
		if !Has(key) {
			t.Errorf("missing key %s", key)
		}
	}
}

func TestBadTextFiles(t *testing.T) {
	cases := []struct{ name, yaml, want string }{
		{"missing en", "a.b: {et: Tere}\n", "a.b: en text is missing"},
		{"empty et", "a.b: {et: \"\", en: Hello}\n", "a.b: et text is missing"},
		{"unknown language", "a.b: {et: Tere, en: Hello, fi: Moi}\n", `a.b: unknown language "fi"`},
		{"placeholders differ", "a.b: {et: \"Aasta %d\", en: \"Year %s\"}\n", "a.b: placeholders differ"},
		{"lone percent", "a.b: {et: \"80% vahemik\", en: \"80%% range\"}\n", "write a literal percent sign as %%"},
		{"not yaml", "a.b: {et: [\n", "i18n texts.yaml"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
	// Reordered placeholders are fine.
	if _, err := parse([]byte("a.b: {et: \"%[2]d / %[1]d\", en: \"%[1]d of %[2]d\"}\n")); err != nil {
		t.Errorf("reordered placeholders rejected: %v", err)
	}
}

func TestT(t *testing.T) {
	cases := []struct {
		lang, key string
		args      []any
		want      string
	}{
		{"et", "status.achieved", nil, "Saavutatud"},
		{"en", "status.achieved", nil, "Achieved"},
		{"fi", "status.achieved", nil, "Saavutatud"}, // unknown language → Estonian
		{"", "status.off_track", nil, "Graafikust maas"},
		{"en", "no.such.key", nil, "no.such.key"}, // unknown key → the key
		{"en", "report.title", []any{2018}, "KOV ICT strategy 2017–2021 monitoring report 2018"},
		{"et", "report.page", []any{3, 12}, "Lk 3 / 12"},
		{"et", "chart.interval80", nil, "80\u00a0% prognoosivahemik"}, // %% in the file; Estonian spaces the sign
		{"en", "overview.achieved_count", []any{4, 13}, "4 of 13 indicators achieved"},
	}
	for _, tc := range cases {
		if got := T(tc.lang, tc.key, tc.args...); got != tc.want {
			t.Errorf("T(%q, %q, %v) = %q, want %q", tc.lang, tc.key, tc.args, got, tc.want)
		}
	}
}

func TestNumber(t *testing.T) {
	cases := []struct {
		lang     string
		v        float64
		decimals int
		want     string
	}{
		{"et", 45.6, 1, "45,6"},
		{"en", 45.6, 1, "45.6"},
		{"et", 1234.5, 1, "1234,5"}, // Estonian leaves four digits ungrouped
		{"en", 1234.5, 1, "1,234.5"},
		{"et", 12345.678, 2, "12\u00a0345,68"},
		{"en", 12345.678, 2, "12,345.68"},
		{"et", 1234567, 0, "1\u00a0234\u00a0567"},
		{"en", 1234567, 0, "1,234,567"},
		{"en", 999.96, 1, "1,000.0"}, // rounding carries into a new group
		{"et", 0.05, 1, "0,1"},
		{"et", -1234567.25, 1, "-1\u00a0234\u00a0567,2"},
		{"en", -0.04, 1, "0.0"}, // no negative zero
		{"en", 100, 0, "100"},
		{"et", math.NaN(), 1, "–"},
		{"en", 7, -1, "7"},
	}
	for _, tc := range cases {
		if got := Number(tc.lang, tc.v, tc.decimals); got != tc.want {
			t.Errorf("Number(%q, %v, %d) = %q, want %q", tc.lang, tc.v, tc.decimals, got, tc.want)
		}
	}
}

func TestPercent(t *testing.T) {
	cases := []struct {
		lang     string
		v        float64
		decimals int
		want     string
	}{
		{"et", 45.6, 1, "45,6\u00a0%"},
		{"en", 45.6, 1, "45.6%"},
		{"et", 100, 0, "100\u00a0%"},
		{"en", 33.333333, 1, "33.3%"},
		{"et", 0, 1, "0,0\u00a0%"},
		{"et", math.Inf(1), 1, "–"},
	}
	for _, tc := range cases {
		if got := Percent(tc.lang, tc.v, tc.decimals); got != tc.want {
			t.Errorf("Percent(%q, %v, %d) = %q, want %q", tc.lang, tc.v, tc.decimals, got, tc.want)
		}
	}
}

// The golden file lists every text in both languages side by side, for translators
// and reviewers: a changed wording shows up as a diff.
func TestTextsGolden(t *testing.T) {
	var b strings.Builder
	for _, key := range Keys() {
		fmt.Fprintf(&b, "%s\n  et: %s\n  en: %s\n", key, T(ET, key), T(EN, key))
	}
	golden.Compare(t, filepath.Join("testdata", "texts.golden"), []byte(b.String()), *update)
}

// Every status, source and denominator kind the catalogue can produce has a text, so a
// new one added there cannot reach a page as a raw key.
func TestCatalogueTermsHaveTexts(t *testing.T) {
	c := catalogue.Default()
	var keys []string
	for _, s := range kov.AllStatuses {
		keys = append(keys, "status."+string(s))
	}
	for _, s := range c.Sources {
		keys = append(keys, "source."+string(s))
	}
	for _, ind := range c.Indicators {
		keys = append(keys, "denominator."+string(ind.Denominator))
		for _, l := range ind.Levels {
			keys = append(keys, "level."+string(l))
		}
	}
	keys = append(keys, "forecast.method."+c.Forecast.Method)
	for _, key := range keys {
		if !Has(key) {
			t.Errorf("no text for %s", key)
		}
	}
}

// TestLessIsEstonianOrder: names sort by the Estonian alphabet, not by code point.
func TestLessIsEstonianOrder(t *testing.T) {
	names := []string{"Järva maakond", "Tartu linn", "Šmidt", "Zooloogia", "Saue vald", "Jõgeva maakond", "Ülenurme", "Võru linn", "Õismäe", "harju"}
	sort.Slice(names, func(i, j int) bool { return Less(names[i], names[j]) })
	want := []string{"harju", "Jõgeva maakond", "Järva maakond", "Saue vald", "Šmidt", "Zooloogia", "Tartu linn", "Võru linn", "Õismäe", "Ülenurme"}
	if strings.Join(names, "|") != strings.Join(want, "|") {
		t.Errorf("sorted %q,\nwant   %q", names, want)
	}
}
