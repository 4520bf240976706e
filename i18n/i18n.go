// Package i18n holds the user-facing texts of the dashboards and the annual report in
// Estonian and English, and formats numbers the way each language writes them.
//
// Estonian is the primary language: a text missing in another language falls back to
// Estonian, then to the key itself, so a missing translation shows up as a visible key
// rather than as an empty cell. The texts live in texts.yaml, embedded at build time;
// the test suite checks that every key has both languages with the same placeholders.
package i18n

import (
	"bytes"
	_ "embed"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Languages.
const (
	ET = "et"
	EN = "en"
)

// Default is the language used when none, or an unknown one, is asked for.
const Default = ET

var langs = []string{ET, EN}

//go:embed texts.yaml
var textsFile []byte

// texts maps key → language → text.
var texts = mustParse(textsFile)

func mustParse(data []byte) map[string]map[string]string {
	m, err := parse(data)
	if err != nil {
		// The file is embedded: TestTextsFile makes sure this never happens in a build.
		panic(err)
	}
	return m
}

// parse decodes and checks a texts file: every entry has exactly the known languages,
// none empty, and the same placeholders in each.
func parse(data []byte) (map[string]map[string]string, error) {
	var m map[string]map[string]string
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&m); err != nil {
		return nil, fmt.Errorf("i18n texts.yaml: %w", err)
	}
	var problems []string
	for _, key := range sortedKeys(m) {
		entry := m[key]
		for lang := range entry {
			if !isLang(lang) {
				problems = append(problems, fmt.Sprintf("%s: unknown language %q", key, lang))
			}
		}
		for _, lang := range langs {
			if strings.TrimSpace(entry[lang]) == "" {
				problems = append(problems, fmt.Sprintf("%s: %s text is missing", key, lang))
			}
		}
		for _, lang := range langs {
			if strings.Contains(strings.ReplaceAll(entry[lang], "%%", ""), "% ") {
				problems = append(problems, fmt.Sprintf("%s: %s text has a lone %% sign: write a literal percent sign as %%%%", key, lang))
			}
		}
		if a, b := placeholders(entry[ET]), placeholders(entry[EN]); a != b {
			problems = append(problems, fmt.Sprintf("%s: placeholders differ: et %q, en %q", key, a, b))
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("i18n texts.yaml: %s", strings.Join(problems, "; "))
	}
	return m, nil
}

var verb = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// placeholders returns the fmt verbs of s, sorted, so that a translation that swaps
// word order with %[1]d/%[2]d still matches.
func placeholders(s string) string {
	found := verb.FindAllString(s, -1)
	kept := found[:0]
	for _, v := range found {
		if v != "%%" {
			kept = append(kept, v)
		}
	}
	sort.Strings(kept)
	return strings.Join(kept, " ")
}

// Langs lists the supported languages, the primary one first.
func Langs() []string { return append([]string(nil), langs...) }

// Other is the other language of the two: the target of a page's language switch.
func Other(lang string) string {
	if lang == EN {
		return ET
	}
	return EN
}

// Normalize returns lang if supported, else the default language; use it on a
// language taken from a request or a flag.
func Normalize(lang string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if isLang(lang) {
		return lang
	}
	return Default
}

func isLang(lang string) bool {
	for _, l := range langs {
		if l == lang {
			return true
		}
	}
	return false
}

// Keys lists every text key, sorted.
func Keys() []string { return sortedKeys(texts) }

// Has tells whether key is in the catalogue.
func Has(key string) bool {
	_, ok := texts[key]
	return ok
}

// T returns the text of key in lang, with args substituted for its fmt verbs (every
// text goes through fmt, so a literal %% in the file becomes %). It falls back to
// Estonian, then to the key itself.
func T(lang, key string, args ...any) string {
	entry, ok := texts[key]
	if !ok {
		return key
	}
	s := entry[lang]
	if s == "" {
		s = entry[Default]
	}
	if s == "" {
		return key
	}
	return fmt.Sprintf(s, args...)
}

// Separators by language, following CLDR: Estonian writes 12 345,6 with a no-break
// space between groups (so a number never breaks across lines) and does not group
// four-digit numbers (1000, but 10 000); English writes 12,345.6 and 1,000.
const (
	nbsp = "\u00a0"
)

type numberStyle struct {
	decimal, group string
	minGroupDigits int // the integer part is grouped only from this many digits up
	percent        string
}

var styles = map[string]numberStyle{
	ET: {decimal: ",", group: nbsp, minGroupDigits: 5, percent: nbsp + "%"},
	EN: {decimal: ".", group: ",", minGroupDigits: 4, percent: "%"},
}

// Number formats v with the given number of decimals in lang. NaN and infinities,
// which mean "no value" here, become an en dash.
func Number(lang string, v float64, decimals int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	st := styles[Normalize(lang)]
	if decimals < 0 {
		decimals = 0
	}
	digits := strconv.FormatFloat(math.Abs(v), 'f', decimals, 64)
	intPart, frac, _ := strings.Cut(digits, ".")
	if len(intPart) >= st.minGroupDigits {
		intPart = group(intPart, st.group)
	}
	out := intPart
	if frac != "" {
		out += st.decimal + frac
	}
	// -0.04 rounded to one decimal is 0,0, not -0,0.
	if v < 0 && strings.Trim(digits, "0.") != "" {
		out = "-" + out
	}
	return out
}

// Percent formats a 0–100 value as a percentage: "45,6 %" in Estonian (no-break
// space before the sign), "45.6%" in English.
func Percent(lang string, v float64, decimals int) string {
	n := Number(lang, v, decimals)
	if n == "–" {
		return n
	}
	return n + styles[Normalize(lang)].percent
}

func group(digits, sep string) string {
	var b strings.Builder
	lead := len(digits) % 3
	if lead == 0 {
		lead = 3
	}
	b.WriteString(digits[:lead])
	for i := lead; i < len(digits); i += 3 {
		b.WriteString(sep)
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// estonianOrder is the Estonian alphabet's order of the letters that sort differently
// from their code points: š and ž follow s, z comes between them, and õ ä ö ü x y
// follow w.
const estonianOrder = "abcdefghijklmnopqrsšzžtuvwõäöüxy"

// collationKey is a rune's place in the Estonian alphabet (case folded); other runes
// sort after the letters, by code point.
func collationKey(r rune) int {
	r = unicode.ToLower(r)
	if i := strings.IndexRune(estonianOrder, r); i >= 0 {
		return utf8.RuneCountInString(estonianOrder[:i])
	}
	return 64 + int(r)
}

// Less orders names as an Estonian reader looks them up (Jõgeva before Järva, Saue
// before Šmidt before Tartu): municipality and county names are Estonian in both
// languages.
func Less(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	for i := 0; i < len(ra) && i < len(rb); i++ {
		if ka, kb := collationKey(ra[i]), collationKey(rb[i]); ka != kb {
			return ka < kb
		}
	}
	if len(ra) != len(rb) {
		return len(ra) < len(rb)
	}
	return a < b
}
