package surveys

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"ee/kovmon/kov"
	"ee/kovmon/registry"
	kovsql "ee/kovmon/sql"
	"ee/kovmon/store"
)

// The years a survey may be of; the web layer and the command line check a year
// asked for with CheckYear, so that a year outside is a bad request, not a failure.
const (
	MinYear = 2000
	MaxYear = 2100
)

// ErrBadYear is wrapped by CheckYear's error.
var ErrBadYear = errors.New("no survey is of that year")

// CheckYear refuses a survey year outside MinYear-MaxYear.
func CheckYear(year int) error {
	if year < MinYear || year > MaxYear {
		return fmt.Errorf("%w: a survey year is %d-%d, not %d", ErrBadYear, MinYear, MaxYear, year)
	}
	return nil
}

// Responses tracks the response to the survey of a year from the stored answers:
// every answer whose year is year, whatever its survey id (spec/indicators.md,
// "Survey of year Y"), attributed to the unit its code counts for at the end of the
// year, the latest answer per unit and question, against the units active then. The
// report's questions are those of the set's definition for the year (see
// definitionFor), then any others answered.
func Responses(ctx context.Context, s store.Store, set *Set, year int) (*ResponseReport, error) {
	if err := CheckYear(year); err != nil {
		return nil, err
	}
	res, err := s.Query(ctx, kovsql.Query("surveys.Answers"), store.Params{"year": year})
	if err != nil {
		return nil, fmt.Errorf("survey responses %d: %w", year, err)
	}
	answers := make([]Answer, 0, len(res.Rows))
	rowsBySurvey := map[string]int{}
	for _, row := range res.Rows {
		ms, err := strconv.ParseInt(row[4], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("survey responses %d: submitted_at %q: %w", year, row[4], err)
		}
		rowsBySurvey[row[1]]++
		answers = append(answers, Answer{EhakCode: row[0], SurveyID: row[1], QuestionID: row[2], RespondentID: row[3],
			SubmittedAt: time.UnixMilli(ms).UTC(), Answer: row[5]})
	}
	reg, err := registry.Load(ctx, s)
	if err != nil {
		return nil, err
	}
	units := reg.ActiveUnits(kov.BoundariesAsOf, year)
	active := make([]kov.Municipality, len(units))
	for i, u := range units {
		active[i] = kov.Municipality{Code: u.Code, Name: u.Name} // the report names them by code and name only
	}
	def := definitionFor(set, year, rowsBySurvey)
	report := Track(year, def, active, LatestWins(answers))
	for id := range rowsBySurvey {
		report.SurveyIDs = append(report.SurveyIDs, id)
	}
	sort.Strings(report.SurveyIDs)
	if report.SurveyID == "" && len(report.SurveyIDs) == 1 {
		report.SurveyID = report.SurveyIDs[0]
	}
	return report, nil
}

// definitionFor picks the definition whose questions a year's report lists: of the
// set's surveys measuring the year, the one with the most stored answers, then the
// first by id; nil when the set has none for the year.
func definitionFor(set *Set, year int, rowsBySurvey map[string]int) *Definition {
	if set == nil {
		return nil
	}
	var best *Definition
	for _, d := range set.Surveys() { // ordered by year, then id
		if d.Year == year && (best == nil || rowsBySurvey[d.ID] > rowsBySurvey[best.ID]) {
			best = d
		}
	}
	return best
}

// ResponseYears lists the years that have survey answers, oldest first.
func ResponseYears(ctx context.Context, s store.Store) ([]int, error) {
	res, err := s.Query(ctx, kovsql.Query("surveys.Years"), nil)
	if err != nil {
		return nil, fmt.Errorf("survey years: %w", err)
	}
	years := make([]int, 0, len(res.Rows))
	for _, row := range res.Rows {
		y, err := strconv.Atoi(row[0])
		if err != nil {
			return nil, fmt.Errorf("survey years: %q: %w", row[0], err)
		}
		years = append(years, y)
	}
	return years, nil
}
