// Package metrics is the indicator engine: it computes the catalogue's indicators (the
// strategy's 13, and any a catalogue adds) per year and municipality
// (spec/indicators.md). Each indicator's definition is one SQL statement that returns
// the rows qualifying for it, attributed (sql/indicator.*.sql or the catalogue's own,
// with the params of its catalogue entry); one engine for every indicator makes the
// values, the national pooling, coverage and the years without source data from those
// rows, judges every figure against its target and projects the series forward. The
// figures and the rows behind them are kept in computed tables that the dashboards,
// the report, explain, the command line and the API read.
package metrics

import (
	"context"
	"encoding/json"
	"io"
	"strconv"

	"ee/kovmon/kov"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/spreadsheet"
	"ee/kovmon/store"
)

// Filter narrows what Figures returns; zero values mean all.
type Filter struct {
	Year       int
	Level      kov.Level      // national, municipality, or "" / "all"
	Boundaries kov.Boundaries // asof (default) or current
	Indicator  string
	EhakCode   string // one municipality (national rows are kept)
	County     string // county code (national rows are kept)
	UnitType   string // linn or vald (national rows are kept)
}

// Validate checks a filter against the closed lists of the spec; a value outside them
// is a kov.Invalid error.
func (f *Filter) Validate(cat *catalogue.Catalogue) error {
	if f.Boundaries == "" {
		f.Boundaries = kov.BoundariesAsOf
	}
	if f.Level == "all" {
		f.Level = ""
	}
	switch {
	case !f.Boundaries.Valid():
		return kov.Errorf(kov.Invalid, "boundaries must be asof or current, not %q", f.Boundaries)
	case f.Level != "" && f.Level != kov.LevelNational && f.Level != kov.LevelMunicipality:
		return kov.Errorf(kov.Invalid, "level must be national, municipality or all, not %q", f.Level)
	case f.Year != 0 && (f.Year < 1970 || f.Year > 2100):
		return kov.Errorf(kov.Invalid, "year must be between 1970 and 2100, not %d", f.Year)
	case f.UnitType != "" && f.UnitType != "linn" && f.UnitType != "vald":
		return kov.Errorf(kov.Invalid, "type must be linn or vald, not %q", f.UnitType)
	case f.EhakCode != "" && !isDigits(f.EhakCode, 4):
		return kov.Errorf(kov.Invalid, "municipality must be a 4-digit EHAK code, not %q", f.EhakCode)
	case f.County != "" && !isDigits(f.County, 4):
		return kov.Errorf(kov.Invalid, "county must be a 4-digit EHAK code, not %q", f.County)
	}
	if f.Indicator != "" {
		if _, ok := cat.Indicator(f.Indicator); !ok {
			return kov.Errorf(kov.Invalid, "unknown indicator %q", f.Indicator)
		}
	}
	return nil
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Figures reads the computed table.
func Figures(ctx context.Context, s store.Store, cat *catalogue.Catalogue, f Filter) ([]kov.Figure, error) {
	if err := f.Validate(cat); err != nil {
		return nil, err
	}
	return store.Select[kov.Figure](ctx, s, "metrics.Figures", store.Params{
		"boundaries": f.Boundaries, "year": f.Year, "level": f.Level, "indicator": f.Indicator,
		"ehak": f.EhakCode, "county": f.County, "unit_type": f.UnitType, "order": cat.IDs(),
	})
}

// Columns are the extract's columns: the spec's twelve, then the Wilson interval.
var Columns = []string{"indicator_id", "year", "level", "ehak_code", "name", "value", "numerator", "denominator",
	"coverage", "target", "status", "flags", "ci_low", "ci_high"}

// FormatNumber prints a figure at full precision, never in exponent form; nil is "".
func FormatNumber(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// WriteCSV writes the extract, a record per figure with the columns of kov.Figure's
// csv tags (Columns), through gocsv; the same bytes from the command line and the
// API, every cell safe for a spreadsheet (spreadsheet.Cell: a name cannot be a
// formula). Numbers are written at full precision, never in exponent form (gocsv's
// 'f', -1, as FormatNumber), an empty number is "".
func WriteCSV(w io.Writer, figures []kov.Figure) error {
	return spreadsheet.NewWriter(w).WriteRecords(figures)
}

// WriteJSON writes the figures as a JSON array.
// The keys are the extract's columns in its order, then the unit's county and type and
// the catalogue version; empty numbers are null.
func WriteJSON(w io.Writer, figures []kov.Figure) error {
	if figures == nil {
		figures = []kov.Figure{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(figures)
}
