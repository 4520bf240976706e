package metrics

import (
	"context"
	"fmt"
	"strconv"

	"ee/kovmon/metrics/catalogue"
	kovsql "ee/kovmon/sql"
	"ee/kovmon/store"
)

// The definition rows a refresh stored with its figures answer what else is asked of
// the figures' sources, so that it is the same rows every time: explain (explain.go),
// coverage and the years with data.

// CoverageRow is how many source rows stand behind an indicator's figures of a year.
type CoverageRow struct {
	Indicator string `json:"indicator_id"`
	Year      int    `json:"year"`
	Rows      int64  `json:"rows"`
}

// Coverage counts the source rows behind each indicator's figures per year, of one
// unit (by its attribution in the boundary mode) or, with unit "", of all; in the
// catalogue's order.
func Coverage(ctx context.Context, s store.Store, cat *catalogue.Catalogue, boundaries, unit string) ([]CoverageRow, error) {
	res, err := s.Query(ctx, kovsql.Query("metrics.Coverage"), store.Params{"boundaries": boundaries, "unit": unit, "order": cat.IDs()})
	if err != nil {
		return nil, fmt.Errorf("coverage: %w", err)
	}
	out := make([]CoverageRow, 0, len(res.Rows))
	for _, r := range res.Rows {
		c := CoverageRow{Indicator: r[0]}
		c.Year, _ = strconv.Atoi(r[1])
		c.Rows, _ = strconv.ParseInt(r[2], 10, 64)
		out = append(out, c)
	}
	return out, nil
}

// YearsWithData lists the years in which an indicator has source data in a boundary
// mode (a row of its definition attributed to a unit of the year); every other year
// reported is "no source data" (spec 1.1).
func YearsWithData(ctx context.Context, s store.Store, indicator, boundaries string) ([]int, error) {
	res, err := s.Query(ctx, kovsql.Query("metrics.YearsWithData"), store.Params{"boundaries": boundaries, "indicator": indicator})
	if err != nil {
		return nil, fmt.Errorf("years with data of %s: %w", indicator, err)
	}
	out := make([]int, 0, len(res.Rows))
	for _, r := range res.Rows {
		y, _ := strconv.Atoi(r[0])
		out = append(out, y)
	}
	return out, nil
}
