package metrics

import (
	"context"
	"fmt"

	"ee/kovmon/kov"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/store"
)

// The definition rows a refresh stored with its figures answer what else is asked of
// the figures' sources, so that it is the same rows every time: explain (explain.go),
// coverage and the years with data.

// CoverageRow is how many source rows stand behind an indicator's figures of a year.
type CoverageRow struct {
	Indicator string `json:"indicator_id" ch:"indicator_id" csv:"indicator_id"`
	Year      int    `json:"year" ch:"year" csv:"year"`
	Rows      int64  `json:"rows" ch:"rows" csv:"rows"`
}

// Coverage counts the source rows behind each indicator's figures per year, of one
// unit (by its attribution in the boundary mode) or, with unit "", of all; in the
// catalogue's order.
func Coverage(ctx context.Context, s store.Store, cat *catalogue.Catalogue, boundaries kov.Boundaries, unit string) ([]CoverageRow, error) {
	rows, err := store.Select[CoverageRow](ctx, s, "metrics.Coverage", store.Params{"boundaries": boundaries, "unit": unit, "order": cat.IDs()})
	if err != nil {
		return nil, fmt.Errorf("coverage: %w", err)
	}
	return rows, nil
}

// YearsWithData lists the years in which an indicator has source data in a boundary
// mode (a row of its definition attributed to a unit of the year); every other year
// reported is "no source data" (spec 1.1).
func YearsWithData(ctx context.Context, s store.Store, indicator string, boundaries kov.Boundaries) ([]int, error) {
	rows, err := store.Select[yearRow](ctx, s, "metrics.YearsWithData", store.Params{"boundaries": boundaries, "indicator": indicator})
	if err != nil {
		return nil, fmt.Errorf("years with data of %s: %w", indicator, err)
	}
	return yearsOf(rows), nil
}

// yearRow is a query's answer of one year a row.
type yearRow struct {
	Year int `ch:"year"`
}

func yearsOf(rows []yearRow) []int {
	out := make([]int, len(rows))
	for i, r := range rows {
		out[i] = r.Year
	}
	return out
}
