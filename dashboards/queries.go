package dashboards

import (
	"context"
	"fmt"
	"strconv"

	"ee/kovmon/kov"
	"ee/kovmon/metrics"
	"ee/kovmon/registry"
	kovsql "ee/kovmon/sql"
	"ee/kovmon/store"
)

// coverage reads the source rows behind each indicator's figures per year, for one
// unit (by attribution under the view's boundaries) or, with ehak "", for all: the
// rows the published figures were made from (metrics.Coverage).
func (s *server) coverage(ctx context.Context, v view, ehak string) ([]metrics.CoverageRow, error) {
	return metrics.Coverage(ctx, s.store, s.cat, v.Boundaries, ehak)
}

// rows runs a query file and returns its rows as text.
func (s *server) rows(ctx context.Context, name string, params store.Params) ([][]string, error) {
	res, err := s.store.Query(ctx, kovsql.Query(name), params)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return res.Rows, nil
}

// responseRow is the survey response of one year.
type responseRow struct {
	Year               int
	Responding, Active int
	Answers            int64
}

// surveyResponse is, per survey year, how many of the year's active municipalities
// answered at least once.
func (s *server) surveyResponse(ctx context.Context, reg *registry.Registry) ([]responseRow, error) {
	rows, err := s.rows(ctx, "dashboards.SurveyResponse", nil)
	if err != nil {
		return nil, err
	}
	out := make([]responseRow, 0, len(rows))
	for _, r := range rows {
		var row responseRow
		row.Year, _ = strconv.Atoi(r[0])
		row.Responding, _ = strconv.Atoi(r[1])
		row.Answers, _ = strconv.ParseInt(r[2], 10, 64)
		row.Active = len(reg.ActiveOn(kov.YearEnd(row.Year)))
		out = append(out, row)
	}
	return out, nil
}
