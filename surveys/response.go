package surveys

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"

	"ee/kovmon/kov"
	"ee/kovmon/spreadsheet"
)

// ResponseReport says how many municipalities answered a year's survey, who did
// not, and how the answers are distributed. Percentages are 0-100 with full
// precision; a rate with a zero denominator is null (JSON) or empty (CSV).
type ResponseReport struct {
	Year     int    `json:"year"`
	SurveyID string `json:"survey_id"`
	// SurveyIDs are the survey ids the year's stored answers carry (Responses).
	SurveyIDs []string `json:"survey_ids,omitempty"`
	Active    int      `json:"active"`
	// Responded counts active municipalities with at least one answer.
	Responded    int      `json:"responded"`
	ResponseRate *float64 `json:"response_rate"`
	// RateLow and RateHigh are the 95 % Wilson score interval of ResponseRate.
	RateLow        *float64           `json:"rate_low"`
	RateHigh       *float64           `json:"rate_high"`
	Questions      []QuestionResponse `json:"questions"`
	NonRespondents []kov.Municipality `json:"non_respondents"`
	// OutsideActive lists codes that answered but are not active in the year. After
	// attribution there should be none; they are left out of every count.
	OutsideActive []string `json:"outside_active"`
}

// QuestionResponse is the response to one question.
type QuestionResponse struct {
	QuestionID string `json:"question_id"`
	Indicator  string `json:"indicator,omitempty"`
	// Defined is false for a question no definition knows (an unmapped question).
	Defined      bool     `json:"defined"`
	Answered     int      `json:"answered"`
	ResponseRate *float64 `json:"response_rate"`
	RateLow      *float64 `json:"rate_low"`
	RateHigh     *float64 `json:"rate_high"`
	// Distribution counts each answer value. It is left empty for free-text and
	// undefined questions: their answers may hold personal data, which never goes
	// into reports (spec/data-contract.md, feedback comments).
	Distribution []ValueCount `json:"distribution"`
}

// ValueCount is how many municipalities gave one answer.
type ValueCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Track computes the response report of a survey year from the year's active
// municipalities (their codes and names) and the answers, with attribution and latest-wins already applied
// (LatestWins). def, which may be nil, gives the questions in their order, so that a
// question nobody answered is reported with a rate of 0 rather than left out.
func Track(year int, def *Definition, active []kov.Municipality, answers []Answer) *ResponseReport {
	report := &ResponseReport{Year: year, Active: len(active), Questions: []QuestionResponse{}, NonRespondents: []kov.Municipality{}, OutsideActive: []string{}}
	if def != nil {
		report.SurveyID = def.ID
	}
	isActive := map[string]bool{}
	for _, m := range active {
		isActive[m.Code] = true
	}

	responded := map[string]bool{}
	outside := map[string]bool{}
	// answered[question][ehak] holds the answer: a set, so that a caller who forgot
	// LatestWins cannot count a municipality twice.
	answered := map[string]map[string]string{}
	for _, a := range answers {
		if !isActive[a.EhakCode] {
			outside[a.EhakCode] = true
			continue
		}
		responded[a.EhakCode] = true
		if answered[a.QuestionID] == nil {
			answered[a.QuestionID] = map[string]string{}
		}
		answered[a.QuestionID][a.EhakCode] = a.Answer
	}

	report.Responded = len(responded)
	report.ResponseRate, report.RateLow, report.RateHigh = rateWithInterval(report.Responded, report.Active)
	for _, m := range active {
		if !responded[m.Code] {
			report.NonRespondents = append(report.NonRespondents, m)
		}
	}
	sort.Slice(report.NonRespondents, func(i, j int) bool { return report.NonRespondents[i].Code < report.NonRespondents[j].Code })
	for code := range outside {
		report.OutsideActive = append(report.OutsideActive, code)
	}
	sort.Strings(report.OutsideActive)

	// Defined questions in their order, then the others by id.
	var questions []*Question
	seen := map[string]bool{}
	if def != nil {
		for _, q := range def.Questions {
			questions = append(questions, q)
			seen[q.ID] = true
		}
	}
	var others []string
	for id := range answered {
		if !seen[id] {
			others = append(others, id)
		}
	}
	sort.Strings(others)
	for _, id := range others {
		questions = append(questions, &Question{ID: id})
	}

	for _, q := range questions {
		values := answered[q.ID]
		qr := QuestionResponse{QuestionID: q.ID, Indicator: q.Indicator, Defined: seen[q.ID], Answered: len(values), Distribution: []ValueCount{}}
		qr.ResponseRate, qr.RateLow, qr.RateHigh = rateWithInterval(qr.Answered, report.Active)
		if qr.Defined && q.Type != Text {
			qr.Distribution = distribution(q, values)
		}
		report.Questions = append(report.Questions, qr)
	}
	return report
}

// distribution counts answers, listing every value the question admits (also with a
// count of 0, so charts of different years line up) before any other value.
func distribution(q *Question, answers map[string]string) []ValueCount {
	counts := map[string]int{}
	for _, v := range answers {
		counts[v]++
	}
	var expected []string
	switch q.Type {
	case YesNo:
		expected = []string{"yes", "no"}
	case Scale1to5:
		expected = []string{"1", "2", "3", "4", "5"}
	case Choice:
		expected = q.choiceValues()
	}
	out := []ValueCount{}
	for _, v := range expected {
		out = append(out, ValueCount{v, counts[v]})
		delete(counts, v)
	}
	var rest []string
	for v := range counts {
		rest = append(rest, v)
	}
	sort.Slice(rest, func(i, j int) bool { // numbers by value, then anything else
		a, errA := strconv.ParseFloat(rest[i], 64)
		b, errB := strconv.ParseFloat(rest[j], 64)
		switch {
		case errA == nil && errB == nil && a != b:
			return a < b
		case (errA == nil) != (errB == nil):
			return errA == nil
		}
		return rest[i] < rest[j]
	})
	for _, v := range rest {
		out = append(out, ValueCount{v, counts[v]})
	}
	return out
}

// z95 is the 0.975 quantile of the standard normal distribution.
const z95 = 1.959963984540054

// Wilson returns the 95 % Wilson score interval of the share successes/n, as
// proportions 0-1. Unlike the textbook p ± z·SE it stays inside 0-1 and does not
// collapse to a point at 0 or n successes, which matters with 79 municipalities and
// rates near 0 % or 100 %. With n = 0 it is the whole range 0-1: nothing is known.
func Wilson(successes, n int) (low, high float64) {
	if n <= 0 {
		return 0, 1
	}
	nf := float64(n)
	p := float64(successes) / nf
	z2 := z95 * z95
	centre := (p + z2/(2*nf)) / (1 + z2/nf)
	half := z95 / (1 + z2/nf) * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return math.Max(0, centre-half), math.Min(1, centre+half)
}

// rateWithInterval gives a percentage and its Wilson interval, or nils when the
// denominator is 0: no data is not 0 %.
func rateWithInterval(num, den int) (rate, low, high *float64) {
	if den == 0 {
		return nil, nil, nil
	}
	r := 100 * float64(num) / float64(den)
	l, h := Wilson(num, den)
	l, h = 100*l, 100*h
	return &r, &l, &h
}

// rateRecord is a row of the response-rate CSV: the survey as a whole (scope
// "survey") or one question.
type rateRecord struct {
	Year         int      `csv:"year"`
	SurveyID     string   `csv:"survey_id"`
	Scope        string   `csv:"scope"`
	QuestionID   string   `csv:"question_id"`
	Indicator    string   `csv:"indicator"`
	Answered     int      `csv:"answered"`
	Active       int      `csv:"active"`
	ResponseRate *float64 `csv:"response_rate"`
	RateLow      *float64 `csv:"rate_low"`
	RateHigh     *float64 `csv:"rate_high"`
}

// nonRespondentRecord is a row of the non-respondents CSV.
type nonRespondentRecord struct {
	Year     int    `csv:"year"`
	SurveyID string `csv:"survey_id"`
	EhakCode string `csv:"ehak_code"`
	Name     string `csv:"name"`
}

// distributionRecord is a row of the answer distribution CSV; Share is the % of the
// question's answers (empty when none).
type distributionRecord struct {
	Year       int      `csv:"year"`
	SurveyID   string   `csv:"survey_id"`
	QuestionID string   `csv:"question_id"`
	Value      string   `csv:"value"`
	Count      int      `csv:"count"`
	Answered   int      `csv:"answered"`
	Share      *float64 `csv:"share"`
}

// WriteCSV writes the response rates: one `survey` row for the survey as a whole,
// then one `question` row per question.
func (r *ResponseReport) WriteCSV(w io.Writer) error {
	records := []rateRecord{{Year: r.Year, SurveyID: r.SurveyID, Scope: "survey", Answered: r.Responded, Active: r.Active,
		ResponseRate: r.ResponseRate, RateLow: r.RateLow, RateHigh: r.RateHigh}}
	for _, q := range r.Questions {
		records = append(records, rateRecord{Year: r.Year, SurveyID: r.SurveyID, Scope: "question", QuestionID: q.QuestionID,
			Indicator: q.Indicator, Answered: q.Answered, Active: r.Active, ResponseRate: q.ResponseRate, RateLow: q.RateLow, RateHigh: q.RateHigh})
	}
	return writeRecords(w, records, "response rates")
}

// WriteNonRespondentsCSV writes the active municipalities that did not answer.
func (r *ResponseReport) WriteNonRespondentsCSV(w io.Writer) error {
	records := make([]nonRespondentRecord, len(r.NonRespondents))
	for i, m := range r.NonRespondents {
		records[i] = nonRespondentRecord{Year: r.Year, SurveyID: r.SurveyID, EhakCode: m.Code, Name: m.Name}
	}
	return writeRecords(w, records, "non-respondents")
}

// WriteDistributionCSV writes the answer counts per question; share is the % of the
// question's answers.
func (r *ResponseReport) WriteDistributionCSV(w io.Writer) error {
	var records []distributionRecord
	for _, q := range r.Questions {
		for _, d := range q.Distribution {
			record := distributionRecord{Year: r.Year, SurveyID: r.SurveyID, QuestionID: q.QuestionID, Value: d.Value, Count: d.Count, Answered: q.Answered}
			if q.Answered > 0 {
				share := 100 * float64(d.Count) / float64(q.Answered)
				record.Share = &share
			}
			records = append(records, record)
		}
	}
	return writeRecords(w, records, "answer distribution")
}

// writeRecords writes a table for spreadsheets (gocsv, by the records' csv tags):
// every cell through spreadsheet.Cell, so that a question id or a name from the data
// cannot be a formula.
func writeRecords(w io.Writer, records any, what string) error {
	if err := spreadsheet.NewWriter(w).WriteRecords(records); err != nil {
		return fmt.Errorf("write %s: %w", what, err)
	}
	return nil
}
