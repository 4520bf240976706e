package metrics

import (
	"context"

	"ee/kovmon/kov"
	"ee/kovmon/store"
)

// ForecastRow is the projection of one series to a later year (metrics/forecast).
type ForecastRow struct {
	IndicatorID string    `json:"indicator_id" ch:"indicator_id"`
	Level       kov.Level `json:"level" ch:"level"`
	EhakCode    string    `json:"ehak_code" ch:"ehak_code"`
	Year        int       `json:"year" ch:"year"`
	Value       float64   `json:"value" ch:"value"`
	Low80       float64   `json:"low80" ch:"low80"`
	High80      float64   `json:"high80" ch:"high80"`
	PReach      *float64  `json:"p_reach" ch:"p_reach"`
	Target      *float64  `json:"target" ch:"target"`
	Method      string    `json:"method" ch:"method"`
	Points      int       `json:"points" ch:"points"`
}

// Forecasts reads the forecasts of the latest refresh; empty indicator or ehak mean all.
func Forecasts(ctx context.Context, s store.Store, boundaries kov.Boundaries, indicator, ehak string) ([]ForecastRow, error) {
	if boundaries == "" {
		boundaries = kov.BoundariesAsOf
	}
	return store.Select[ForecastRow](ctx, s, "metrics.Forecasts", store.Params{"boundaries": boundaries, "indicator": indicator, "ehak": ehak})
}

// Refresh describes one complete computation of the indicator tables.
type Refresh struct {
	ID               string  `json:"refresh_id" ch:"refresh_id"`
	Started          string  `json:"started_at" ch:"started_at"`
	Finished         string  `json:"finished_at" ch:"finished_at"`
	CatalogueVersion string  `json:"catalogue_version" ch:"catalogue_version"`
	CatalogueHash    string  `json:"catalogue_hash" ch:"catalogue_hash"`
	DataSnapshot     string  `json:"data_snapshot" ch:"data_snapshot"` // a hash of the ingest ledger the figures were computed from
	Figures          int64   `json:"figures" ch:"figures"`
	Seconds          float64 `json:"seconds" ch:"seconds"`
}

// LatestRefresh returns the latest complete refresh; ok is false before the first.
func LatestRefresh(ctx context.Context, s store.Store) (r Refresh, ok bool, err error) {
	return store.SelectOne[Refresh](ctx, s, "metrics.LatestRefresh", nil)
}
