package metrics

import (
	"context"
	"strconv"

	kovsql "ee/kovmon/sql"
	"ee/kovmon/store"
)

// ForecastRow is the projection of one series to a later year (metrics/forecast).
type ForecastRow struct {
	IndicatorID string   `json:"indicator_id"`
	Level       string   `json:"level"`
	EhakCode    string   `json:"ehak_code"`
	Year        int      `json:"year"`
	Value       float64  `json:"value"`
	Low80       float64  `json:"low80"`
	High80      float64  `json:"high80"`
	PReach      *float64 `json:"p_reach"`
	Target      *float64 `json:"target"`
	Method      string   `json:"method"`
	Points      int      `json:"points"`
}

// Forecasts reads the forecasts of the latest refresh; empty indicator or ehak mean all.
func Forecasts(ctx context.Context, s store.Store, boundaries, indicator, ehak string) ([]ForecastRow, error) {
	if boundaries == "" {
		boundaries = BoundariesAsOf
	}
	res, err := s.Query(ctx, kovsql.Query("metrics.Forecasts"), store.Params{"boundaries": boundaries, "indicator": indicator, "ehak": ehak})
	if err != nil {
		return nil, err
	}
	out := make([]ForecastRow, 0, len(res.Rows))
	for _, r := range res.Rows {
		f := ForecastRow{IndicatorID: r[0], Level: r[1], EhakCode: r[2], Method: r[11]}
		f.Year, _ = strconv.Atoi(r[3])
		f.Value, _ = strconv.ParseFloat(r[4], 64)
		f.Low80, _ = strconv.ParseFloat(r[5], 64)
		f.High80, _ = strconv.ParseFloat(r[6], 64)
		f.PReach = nullableFloat(r[7], r[8])
		f.Target = nullableFloat(r[9], r[10])
		f.Points, _ = strconv.Atoi(r[12])
		out = append(out, f)
	}
	return out, nil
}

// Refresh describes one complete computation of the indicator tables.
type Refresh struct {
	ID               string  `json:"refresh_id"`
	Started          string  `json:"started_at"`
	Finished         string  `json:"finished_at"`
	CatalogueVersion string  `json:"catalogue_version"`
	CatalogueHash    string  `json:"catalogue_hash"`
	DataSnapshot     string  `json:"data_snapshot"` // a hash of the ingest ledger the figures were computed from
	Figures          int64   `json:"figures"`
	Seconds          float64 `json:"seconds"`
}

// LatestRefresh returns the latest complete refresh; ok is false before the first.
func LatestRefresh(ctx context.Context, s store.Store) (r Refresh, ok bool, err error) {
	res, err := s.Query(ctx, kovsql.Query("metrics.LatestRefresh"), nil)
	if err != nil || len(res.Rows) == 0 {
		return r, false, err
	}
	row := res.Rows[0]
	r = Refresh{ID: row[0], Started: row[1], Finished: row[2], CatalogueVersion: row[3], CatalogueHash: row[4], DataSnapshot: row[5]}
	r.Figures, _ = strconv.ParseInt(row[6], 10, 64)
	r.Seconds, _ = strconv.ParseFloat(row[7], 64)
	return r, true, nil
}
