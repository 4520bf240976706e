// Package glossary writes the indicator catalogue's method texts for a reader. The
// texts are exact: they name the codes the data carry (submit, xroad,
// infra_consulted = true, network_standard) and the year as Y. A page or the report
// reads them to someone who knows neither, so each code is shown with its label in
// the reader's language ("taotlus (submit)") and Y is the year being read about.
package glossary

import (
	"regexp"
	"strconv"
	"strings"

	"ee/kovmon/i18n"
)

// Codes are the codes of the method texts that have a label, text key
// "code.<code>". TestCoversTheCatalogue fails when a method text names a code
// that is not here.
var Codes = []string{"submit", "decision", "notification", "web", "portal", "email", "xroad",
	"infra_consulted = true", "network_standard", "security_policy", "asset_register", "eservices_unified",
	"lan_rebuild", "in_progress", "not_started", "competence_centre_satisfaction",
	"no_data", "no_target", "small_n", "survey_id", "respondent_id", "submitted_at", "iske_level"}

var (
	glossaryPattern = regexp.MustCompile(`\b(` + alternatives(Codes) + `)\b`)
	yearDate        = regexp.MustCompile(`\bY-(\d{2})-(\d{2})\b`)
	yearMinus       = regexp.MustCompile(`\bY-(\d)\b`)
	yearAlone       = regexp.MustCompile(`\bY\b`)
)

func alternatives(codes []string) string {
	quoted := make([]string, len(codes))
	for i, c := range codes {
		quoted[i] = regexp.QuoteMeta(c)
	}
	return strings.Join(quoted, "|")
}

// labelled is what follows a code that its text has labelled already: „done“ (tehtud).
var labelled = regexp.MustCompile(`^[“”„"]? \(`)

// caseEnding is an Estonian case ending on a code (survey_id-st): the label follows it.
var caseEnding = regexp.MustCompile(`^-\p{Ll}+`)

// Explain is a method text for a reader of lang: codes with their labels, Y as the
// year (0: Y stays).
func Explain(text, lang string, year int) string {
	var b strings.Builder
	last := 0
	for _, m := range glossaryPattern.FindAllStringIndex(text, -1) {
		code := text[m[0]:m[1]]
		b.WriteString(text[last:m[0]])
		label := i18n.T(lang, "code."+code)
		end := m[1]
		switch {
		case strings.EqualFold(label, code) || labelled.MatchString(text[end:]):
			b.WriteString(code)
		case caseEnding.MatchString(text[end:]):
			end += len(caseEnding.FindString(text[end:]))
			b.WriteString(text[m[0]:end] + " (" + label + ")")
		default:
			b.WriteString(label + " (" + code + ")")
		}
		last = end
	}
	b.WriteString(text[last:])
	text = b.String()
	if year == 0 {
		return text
	}
	text = yearDate.ReplaceAllString(text, strconv.Itoa(year)+"-$1-$2")
	text = yearMinus.ReplaceAllStringFunc(text, func(m string) string {
		n, _ := strconv.Atoi(m[2:])
		return strconv.Itoa(year - n)
	})
	return yearAlone.ReplaceAllString(text, strconv.Itoa(year))
}
