package catalogue

import (
	"slices"
	"strings"
	"testing"
)

// TestMethodTextsStateTheRules checks that the shipped catalogue's method text of
// every indicator states, in Estonian and in English, each rule of
// spec/indicators.md 1.1 that affects it and each choice kovmon makes where the spec
// leaves one, so that explain, the indicator pages and the report say what the code
// does. Each rule is found by words of its own in each language.
func TestMethodTextsStateTheRules(t *testing.T) {
	all := []string{"I.1", "I.2", "I.3", "I.4", "II.1", "II.2", "II.3a", "II.3b", "III.1", "III.2", "IV.1a", "IV.1b", "IV.2"}
	attributed := slices.DeleteFunc(slices.Clone(all), func(id string) bool { return id == "IV.1a" })
	survey := []string{"II.2", "II.3a", "II.3b", "III.1", "III.2", "IV.1b"}
	yesNo := []string{"II.2", "II.3a", "II.3b", "III.1"}
	shares := []string{"I.2", "I.3", "II.1", "II.2", "II.3a", "II.3b", "III.1", "III.2", "IV.1b", "IV.2"}
	rules := []struct {
		rule       string
		indicators []string
		et, en     []string
	}{
		{"status compares exactly", all, []string{"võrreldakse täpselt"}, []string{"compared exactly"}},
		{"baseline, path and no_target", all, []string{"algtase", "sirgjoon", "no_target"}, []string{"baseline", "straight line", "no_target"}},
		{"a year between two targets (a choice)", all, []string{"kahe sihtaasta vahel"}, []string{"between two target years"}},
		{"attribution along the merger chain, both modes", attributed, []string{"asof", "current", "liitumiste ahelat"}, []string{"asof", "current", "merger chain"}},
		{"equal area shares: the smallest code", attributed, []string{"suurima pindala", "väikseima koodiga"}, []string{"largest area share", "smallest code"}},
		{"no source data: no row attributed to a unit of the year", shares, []string{"omistatud selle aasta omavalitsusele", "mitte 0%"}, []string{"attributed to a unit of the year", "not 0 %"}},
		{"coverage is empty wherever the value is", shares, []string{"on tühi ka kaetus"}, []string{"coverage is empty too"}},
		{"pooled national figure of counted rows", []string{"I.1", "I.4"}, []string{"liidab kõigi omavalitsuste"}, []string{"pools the"}},
		{"pooled national figure of shares", shares, []string{"lugejate summa jagatud nimetajate summaga"}, []string{"sum of the numerators over the sum of the denominators"}},
		{"the Tallinn clock and the repeated hour", append([]string{"I.1", "I.4"}, survey...), []string{"Tallinna kohalik aeg", "varasem hetk"}, []string{"Tallinn local time", "earlier instant"}},
		{"the skipped hour (a choice)", []string{"I.1", "I.4"}, []string{"+02:00"}, []string{"+02:00"}},
		{"enumerations in any case, others quarantined", []string{"I.1", "I.4", "II.1", "IV.2"}, []string{"suur- ja väiketähti eristamata", "karantiini"}, []string{"in any case", "quarantined"}},
		{"small samples", []string{"I.1", "I.4"}, []string{"small_n"}, []string{"small_n"}},
		{"survey of the year, latest answer, ties", survey, []string{"olenemata survey_id", "suurema respondent_id", "suurema survey_id"}, []string{"whatever its survey_id", "larger respondent_id", "larger survey_id"}},
		{"an answer not admitted never counts", survey, []string{"karantiini", "varasem lubatud vastus jääb viimaseks"}, []string{"quarantined", "earlier admitted answer stays the latest"}},
		{"yes/no answers, booleans too", yesNo, []string{"jah, true ja 1", "ei, false ja 0"}, []string{"jah, true and 1", "ei, false and 0"}},
		{"choice answers in any case", []string{"III.2"}, []string{"suur- ja väiketähti eristamata", "in_progress"}, []string{"in any case", "in_progress"}},
		{"the 1-5 question: a zero fraction, not 4.5", []string{"IV.1b"}, []string{"4,0", "4.5"}, []string{"4,0", "4.5"}},
		{"I.3 counts distinct service codes", []string{"I.3"}, []string{"erinevaid teenusekoode"}, []string{"distinct service codes"}},
		{"the latest snapshot among all attributed rows", []string{"I.2", "I.3"}, []string{"kõigi talle omistatud ridade"}, []string{"among all rows attributed to it"}},
		{"I.2 judges every e-form row (a choice)", []string{"I.2"}, []string{"igal oma real"}, []string{"in each of its rows"}},
		{"merged: itself a successor, also in current mode", []string{"III.1", "III.2"}, []string{"ise vähemalt ühe", "varasema aasta liitunud"}, []string{"itself the successor", "not a merged municipality of an earlier year"}},
		{"a recode is not a merger", []string{"III.1", "III.2"}, []string{"Koodimuutus", "täpselt siis, kui tema eelkäija"}, []string{"recode", "exactly when its predecessor"}},
		{"II.1: any audit is source data (a choice)", []string{"II.1"}, []string{"nõustamisega või ilma"}, []string{"with or without the consultation"}},
		{"IV.2: every kind counts (a choice)", []string{"IV.2"}, []string{"seminar"}, []string{"seminar"}},
		{"IV.1b: respondents and their coverage", []string{"IV.1b"}, []string{"vastanud omavalitsused", "vastanute osakaal"}, []string{"municipalities that answered", "share of active municipalities that answered"}},
	}
	cat := Default()
	for _, r := range rules {
		for _, id := range r.indicators {
			ind, ok := cat.Indicator(id)
			if !ok {
				t.Fatalf("no indicator %s", id)
			}
			for lang, words := range map[string][]string{"et": r.et, "en": r.en} {
				text := strings.Join(strings.Fields(ind.Description.In(lang)), " ")
				for _, w := range words {
					if !strings.Contains(text, w) {
						t.Errorf("%s (%s) does not state %q: no %q", id, lang, r.rule, w)
					}
				}
			}
		}
	}
}
