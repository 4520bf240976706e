package metrics

import (
	"context"
	"fmt"
	"strconv"

	"golang.org/x/sync/errgroup"

	"ee/kovmon/kov"
	"ee/kovmon/store"
)

// Computed is one refresh's output for one boundary mode.
type Computed struct {
	Boundaries kov.Boundaries
	Figures    []kov.Figure
	Forecasts  []ForecastRow
	// Rows are the definition rows the figures were made from (indicator_rows).
	Rows []definitionRow
}

var valueColumns = []string{"refresh_id", "boundaries", "indicator_id", "year", "level", "ehak_code", "name", "county_code", "unit_type",
	"value", "numerator", "denominator", "coverage", "target", "status", "flags", "ci_low", "ci_high", "catalogue_version"}

var rowColumns = []string{"refresh_id", "boundaries", "indicator_id", "year", "unit", "recorded_code", "file_id", "run_id",
	"source_rows", "numerator", "denominator", "meets", "in_figures"}

var forecastColumns = []string{"refresh_id", "boundaries", "indicator_id", "level", "ehak_code", "year", "value", "low80", "high80",
	"p_reach", "target", "method", "points"}

// Publish writes a refresh's figures, forecasts and the definition rows behind them,
// counting the figures into r.Figures, then records the refresh — the moment readers
// switch to it — and drops the partitions of older refreshes.
func Publish(ctx context.Context, s store.Store, r *Refresh, results []Computed) error {
	var forecastRows, definitionRows int
	for _, c := range results {
		r.Figures += int64(len(c.Figures))
		forecastRows += len(c.Forecasts)
		definitionRows += len(c.Rows)
	}
	// The three tables are written at once (the embedded engine and a server run
	// them in parallel), each made as TabSeparated text, in a buffer made once (about
	// the bytes of its rows), while another is inserted.
	tables := []struct {
		table, what   string
		columns       []string
		rows, rowSize int
		write         func(dst []byte) []byte
	}{
		{"indicator_values", "figures", valueColumns, int(r.Figures), 200, func(dst []byte) []byte {
			for _, c := range results {
				for _, f := range c.Figures {
					dst = store.AppendTSVRow(dst, r.ID, string(c.Boundaries), f.IndicatorID, strconv.Itoa(f.Year), string(f.Level), f.EhakCode, f.Name, f.CountyCode, f.UnitType,
						nullNumber(f.Value), strconv.FormatInt(f.Numerator, 10), strconv.FormatInt(f.Denominator, 10), nullNumber(f.Coverage),
						nullNumber(f.Target), string(f.Status), f.Flags.String(), nullNumber(f.CILow), nullNumber(f.CIHigh), r.CatalogueVersion)
				}
			}
			return dst
		}},
		{"indicator_forecasts", "forecasts", forecastColumns, forecastRows, 160, func(dst []byte) []byte {
			for _, c := range results {
				for _, f := range c.Forecasts {
					dst = store.AppendTSVRow(dst, r.ID, string(c.Boundaries), f.IndicatorID, string(f.Level), f.EhakCode, strconv.Itoa(f.Year), FormatNumber(&f.Value),
						FormatNumber(&f.Low80), FormatNumber(&f.High80), nullNumber(f.PReach), nullNumber(f.Target), f.Method, strconv.Itoa(f.Points))
				}
			}
			return dst
		}},
		{"indicator_rows", "the rows behind the figures", rowColumns, definitionRows, 160, func(dst []byte) []byte {
			for _, c := range results {
				for _, d := range c.Rows {
					dst = store.AppendTSVRow(dst, r.ID, string(c.Boundaries), d.indicator, strconv.Itoa(d.year), d.unit, d.recordedCode, d.fileID, d.runID,
						strconv.FormatInt(d.sourceRows, 10), strconv.FormatInt(d.numerator, 10), strconv.FormatInt(d.denominator, 10),
						flag(d.meets), flag(d.inFigures))
				}
			}
			return dst
		}},
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, t := range tables {
		g.Go(func() error {
			if err := s.InsertTSV(gctx, t.table, t.columns, t.write(make([]byte, 0, t.rows*t.rowSize))); err != nil {
				return fmt.Errorf("publish %s: %w", t.what, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	err := s.Exec(ctx, `INSERT INTO indicator_refreshes (refresh_id, started_at, finished_at, catalogue_version, catalogue_hash, data_snapshot, figures, seconds)
VALUES ({id:String}, parseDateTime64BestEffort({started:String}, 3, 'UTC'), now64(3), {version:String}, {hash:String}, {snapshot:String}, {figures:UInt64}, {seconds:Float64})`,
		store.Params{"id": r.ID, "started": r.Started, "version": r.CatalogueVersion, "hash": r.CatalogueHash, "snapshot": r.DataSnapshot,
			"figures": uint64(r.Figures), "seconds": r.Seconds})
	if err != nil {
		return fmt.Errorf("publish refresh: %w", err)
	}
	published.Add(1) // readers switch now: their cached figures are of an older refresh
	return dropOldRefreshes(ctx, s, r.ID)
}

// refreshTables are the tables partitioned by refresh.
var refreshTables = []string{"indicator_values", "indicator_forecasts", "indicator_rows"}

// dropOldRefreshes removes every refresh's partitions but the one just published.
func dropOldRefreshes(ctx context.Context, s store.Store, keep string) error {
	var g errgroup.Group
	for _, table := range refreshTables {
		g.Go(func() error { return store.DropPartitionsExcept(ctx, s, table, keep) })
	}
	return g.Wait()
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func nullNumber(v *float64) string {
	if v == nil {
		return store.Null
	}
	return FormatNumber(v)
}
