package surveys

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"ee/kovmon/kov"
	"ee/kovmon/registry"
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
	rows, err := store.Select[storedAnswer](ctx, s, "surveys.Answers", store.Params{"year": year})
	if err != nil {
		return nil, fmt.Errorf("survey responses %d: %w", year, err)
	}
	answers := make([]Answer, len(rows))
	rowsBySurvey := map[string]int{}
	for i, row := range rows {
		rowsBySurvey[row.SurveyID]++
		answers[i] = Answer{EhakCode: row.Unit, SurveyID: row.SurveyID, QuestionID: row.QuestionID, RespondentID: row.RespondentID,
			SubmittedAt: time.UnixMilli(row.SubmittedMs).UTC(), Answer: row.Answer}
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

// storedAnswer is an answer as surveys.Answers reads it, attributed to its unit.
type storedAnswer struct {
	Unit         string `ch:"unit"`
	SurveyID     string `ch:"survey_id"`
	QuestionID   string `ch:"question_id"`
	RespondentID string `ch:"respondent_id"`
	SubmittedMs  int64  `ch:"submitted_ms"`
	Answer       string `ch:"answer"`
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
	rows, err := store.Select[struct {
		Year int `ch:"year"`
	}](ctx, s, "surveys.Years", nil)
	if err != nil {
		return nil, fmt.Errorf("survey years: %w", err)
	}
	years := make([]int, len(rows))
	for i, r := range rows {
		years[i] = r.Year
	}
	return years, nil
}
