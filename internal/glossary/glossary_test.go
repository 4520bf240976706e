package glossary

import (
	"regexp"
	"slices"
	"testing"

	"ee/kovmon/i18n"
	"ee/kovmon/metrics/catalogue"
)

// TestCoversTheCatalogue: every code a method text names (snake_case words,
// "x = true", the usage events and channels of the spec) has a label, so that the
// pages show it beside its meaning; and Explain puts the labels and the year in.
func TestCoversTheCatalogue(t *testing.T) {
	code := regexp.MustCompile(`\b[a-z]+(_[a-z]+)+( = true)?\b`)
	for _, ind := range catalogue.Default().Indicators {
		for _, lang := range i18n.Langs() {
			for _, c := range code.FindAllString(ind.Description.In(lang), -1) {
				if !slices.Contains(Codes, c) {
					t.Errorf("%s (%s) names the code %q, which has no label in Codes", ind.ID, lang, c)
				}
			}
		}
	}
	for _, c := range Codes {
		if !i18n.Has("code." + c) {
			t.Errorf("the code %q has no text code.%s", c, c)
		}
	}
	if got, want := Explain("olenemata survey_id-st", i18n.ET, 0), "olenemata survey_id-st (uuringu tunnus)"; got != want {
		t.Errorf("a code with a case ending: %q, want %q", got, want)
	}
	got := Explain("Aasta Y sündmustest submit kanalil xroad, aastatel Y-2 kuni Y, hiljemalt Y-12-31 (infra_consulted = true).", i18n.ET, 2018)
	want := "Aasta 2018 sündmustest taotlus (submit) kanalil X-tee (xroad), aastatel 2016 kuni 2018, hiljemalt 2018-12-31 (taristu korrastati EMOL-i nõustamisel (infra_consulted = true))."
	if got != want {
		t.Errorf("explainText:\n got %q\nwant %q", got, want)
	}
}
