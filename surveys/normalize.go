package surveys

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The reasons an answer is rejected. They are short and stable because they end up
// in the quarantine table, where people count and filter by them.
var (
	ErrEmptyAnswer = errors.New("empty answer")
	ErrNotYesNo    = errors.New("not a yes/no answer")
	ErrScale       = errors.New("scale answer must be 1-5")
	ErrNotNumber   = errors.New("not a number")
	ErrPercent     = errors.New("percent must be 0-100")
	// ErrNotAChoice is wrapped with the allowed values: "not one of: done, in_progress".
	ErrNotAChoice = errors.New("not one of")
)

// yesNoWords are the words respondents use, in Estonian and English, compared in
// lower case. Spreadsheets also turn checkboxes into true/false or 1/0.
var yesNoWords = map[string]string{
	"jah": "yes", "yes": "yes", "true": "yes", "1": "yes",
	"ei": "no", "no": "no", "false": "no", "0": "no",
}

// Normalize turns a raw answer into the form stored and compared by the indicators:
// yes/no, 1..5, a choice value, a decimal number with a dot, or trimmed text.
func (q *Question) Normalize(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", ErrEmptyAnswer
	}
	switch q.Type {
	case YesNo:
		if v, ok := yesNoWords[strings.ToLower(s)]; ok {
			return v, nil
		}
		return "", ErrNotYesNo
	case Scale1to5:
		n, ok := wholeNumber(s)
		if !ok || n < 1 || n > 5 {
			return "", ErrScale
		}
		return strconv.Itoa(n), nil
	case Choice:
		key := strings.ToLower(s)
		for _, c := range q.Values {
			if strings.ToLower(c.Value) == key {
				return c.Value, nil
			}
			for _, label := range c.Labels {
				if strings.ToLower(strings.TrimSpace(label)) == key {
					return c.Value, nil
				}
			}
		}
		return "", fmt.Errorf("%w: %s", ErrNotAChoice, strings.Join(q.choiceValues(), ", "))
	case Number:
		f, err := parseDecimal(s)
		if err != nil {
			return "", ErrNotNumber
		}
		return formatDecimal(f), nil
	case Percent:
		f, err := parseDecimal(strings.TrimSpace(strings.TrimSuffix(s, "%")))
		if err != nil {
			return "", ErrNotNumber
		}
		if f < 0 || f > 100 {
			return "", ErrPercent
		}
		return formatDecimal(f), nil
	case Text:
		return s, nil
	}
	return "", fmt.Errorf("question %q has unknown type %q", q.ID, q.Type)
}

func (q *Question) choiceValues() []string {
	values := make([]string, len(q.Values))
	for i, c := range q.Values {
		values[i] = c.Value
	}
	return values
}

// parseDecimal reads a number written the Estonian way (decimal comma, spaces between
// thousands) or the English way (decimal dot). A number with both a comma and a dot is
// ambiguous ("1.234,5" or "1,234.5") and is rejected rather than guessed.
func parseDecimal(s string) (float64, error) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u00a0' || r == '\u202f' { // thousands separators
			return -1
		}
		return r
	}, s)
	if strings.Contains(s, ",") && strings.Contains(s, ".") {
		return 0, ErrNotNumber
	}
	s = strings.Replace(s, ",", ".", 1)
	f, err := strconv.ParseFloat(s, 64)
	// ParseFloat also reads "NaN", "Inf" and hexadecimal; none is an answer.
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || strings.ContainsAny(s, "xXpPnN") {
		return 0, ErrNotNumber
	}
	return f, nil
}

// wholeNumber reads a whole number written in digits, optionally with a zero fraction
// after a decimal point or comma ("4", "4.0", "4,00": spec/indicators.md 1.1). A sign,
// an exponent, a fraction that is not zero ("4.5") or a separator without digits ("4.")
// does not write a whole number.
func wholeNumber(s string) (int, bool) {
	digits, fraction, hasFraction := strings.Cut(strings.Replace(s, ",", ".", 1), ".")
	if digits == "" || len(digits) > 9 || strings.Trim(digits, "0123456789") != "" ||
		(hasFraction && (fraction == "" || strings.Trim(fraction, "0") != "")) {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	return n, err == nil
}

// formatDecimal writes the shortest decimal that reads back as f, never in exponent
// form, so that "12,5" and "12.50" are stored alike as "12.5".
func formatDecimal(f float64) string {
	if f == 0 {
		return "0" // not "-0"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// NormalizeAnswer normalises an answer to a question of a survey. Answers to a
// question that no definition knows are kept trimmed with known = false, so the
// caller can store them and report them as unmapped (spec/data-contract.md).
func (s *Set) NormalizeAnswer(surveyID, questionID, raw string) (answer string, known bool, err error) {
	q, ok := s.Lookup(surveyID, questionID)
	if !ok {
		answer = strings.TrimSpace(raw)
		if answer == "" {
			return "", false, ErrEmptyAnswer
		}
		return answer, false, nil
	}
	answer, err = q.Normalize(raw)
	return answer, true, err
}

// CheckAnswer is NormalizeAnswer in the shape of the ingest's hook
// (ingest.Options.SurveyAnswer, ingest.Loader.SurveyAnswer): the reason an answer
// is quarantined for, or "". Pass the method value: Loader{SurveyAnswer: set.CheckAnswer}.
func (s *Set) CheckAnswer(surveyID, questionID, raw string) (normalised string, known bool, reason string) {
	answer, known, err := s.NormalizeAnswer(surveyID, questionID, raw)
	if err != nil {
		return "", known, err.Error()
	}
	return answer, known, ""
}

// Reasons lists the fixed reasons an answer is quarantined for; a choice answer's
// reason is ErrNotAChoice followed by ": " and the allowed values.
func Reasons() []error {
	return []error{ErrEmptyAnswer, ErrNotYesNo, ErrScale, ErrNotNumber, ErrPercent, ErrNotAChoice}
}
