package dashboards

import (
	"context"

	"ee/kovmon/kov"
	"ee/kovmon/metrics"
	"ee/kovmon/registry"
	"ee/kovmon/store"
)

// coverage reads the source rows behind each indicator's figures per year, for one
// unit (by attribution under the view's boundaries) or, with ehak "", for all: the
// rows the published figures were made from (metrics.Coverage).
func (s *server) coverage(ctx context.Context, v view, ehak string) ([]metrics.CoverageRow, error) {
	return metrics.Coverage(ctx, s.store, s.cat, v.Boundaries, ehak)
}

// responseRow is the survey response of one year.
type responseRow struct {
	Year       int   `ch:"year"`
	Responding int   `ch:"responding"`
	Answers    int64 `ch:"answers"`
	Active     int   `ch:"-"` // from the registry
}

// surveyResponse is, per survey year, how many of the year's active municipalities
// answered at least once.
func (s *server) surveyResponse(ctx context.Context, reg *registry.Registry) ([]responseRow, error) {
	out, err := store.Select[responseRow](ctx, s.store, "dashboards.SurveyResponse", nil)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Active = len(reg.ActiveOn(kov.YearEnd(out[i].Year)))
	}
	return out, nil
}
