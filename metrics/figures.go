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
	"fmt"
	"io"
	"strconv"
	"strings"

	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/spreadsheet"
	kovsql "ee/kovmon/sql"
	"ee/kovmon/store"
)

// Levels and boundary modes of the spec.
const (
	LevelNational     = "national"
	LevelMunicipality = "municipality"
	BoundariesAsOf    = "asof"
	BoundariesCurrent = "current"
	NationalCode      = "EE"
	NationalName      = "Eesti"
)

// Figure is one row of the indicator table.
type Figure struct {
	IndicatorID      string   `json:"indicator_id"`
	Year             int      `json:"year"`
	Level            string   `json:"level"`
	EhakCode         string   `json:"ehak_code"`
	Name             string   `json:"name"`
	Value            *float64 `json:"value"`
	Numerator        int64    `json:"numerator"`
	Denominator      int64    `json:"denominator"`
	Coverage         *float64 `json:"coverage"`
	Target           *float64 `json:"target"`
	Status           string   `json:"status"`
	Flags            Flags    `json:"flags"`
	CILow            *float64 `json:"ci_low"` // 95 % Wilson interval of survey shares
	CIHigh           *float64 `json:"ci_high"`
	CountyCode       string   `json:"county_code"`
	UnitType         string   `json:"unit_type"`
	CatalogueVersion string   `json:"catalogue_version"`
}

// HasFlag reports whether the figure carries flag.
func (f Figure) HasFlag(flag string) bool {
	for _, x := range f.Flags {
		if x == flag {
			return true
		}
	}
	return false
}

// Filter narrows what Figures returns; zero values mean all.
type Filter struct {
	Year       int
	Level      string // national, municipality, or "" / "all"
	Boundaries string // asof (default) or current
	Indicator  string
	EhakCode   string // one municipality (national rows are kept)
	County     string // county code (national rows are kept)
	UnitType   string // linn or vald (national rows are kept)
}

// Validate checks a filter against the closed lists of the spec.
func (f *Filter) Validate(cat *catalogue.Catalogue) error {
	if f.Boundaries == "" {
		f.Boundaries = BoundariesAsOf
	}
	if f.Level == "all" {
		f.Level = ""
	}
	switch {
	case f.Boundaries != BoundariesAsOf && f.Boundaries != BoundariesCurrent:
		return fmt.Errorf("boundaries must be asof or current, not %q", f.Boundaries)
	case f.Level != "" && f.Level != LevelNational && f.Level != LevelMunicipality:
		return fmt.Errorf("level must be national, municipality or all, not %q", f.Level)
	case f.Year != 0 && (f.Year < 1970 || f.Year > 2100):
		return fmt.Errorf("year must be between 1970 and 2100, not %d", f.Year)
	case f.UnitType != "" && f.UnitType != "linn" && f.UnitType != "vald":
		return fmt.Errorf("type must be linn or vald, not %q", f.UnitType)
	case f.EhakCode != "" && !isDigits(f.EhakCode, 4):
		return fmt.Errorf("municipality must be a 4-digit EHAK code, not %q", f.EhakCode)
	case f.County != "" && !isDigits(f.County, 4):
		return fmt.Errorf("county must be a 4-digit EHAK code, not %q", f.County)
	}
	if f.Indicator != "" {
		if _, ok := cat.Indicator(f.Indicator); !ok {
			return fmt.Errorf("unknown indicator %q", f.Indicator)
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
func Figures(ctx context.Context, s store.Store, cat *catalogue.Catalogue, f Filter) ([]Figure, error) {
	if err := f.Validate(cat); err != nil {
		return nil, err
	}
	res, err := s.Query(ctx, kovsql.Query("metrics.Figures"), store.Params{
		"boundaries": f.Boundaries, "year": f.Year, "level": f.Level, "indicator": f.Indicator,
		"ehak": f.EhakCode, "county": f.County, "unit_type": f.UnitType, "order": cat.IDs(),
	})
	if err != nil {
		return nil, err
	}
	out := make([]Figure, 0, len(res.Rows))
	for _, r := range res.Rows {
		fig := Figure{IndicatorID: r[0], Level: r[2], EhakCode: r[3], Name: r[4], Status: r[10],
			CountyCode: r[14], UnitType: r[15], CatalogueVersion: r[16]}
		fig.Year, _ = strconv.Atoi(r[1])
		fig.Numerator, _ = strconv.ParseInt(r[6], 10, 64)
		fig.Denominator, _ = strconv.ParseInt(r[7], 10, 64)
		fig.Value = nullableFloat(r[5], r[17])
		fig.Coverage = nullableFloat(r[8], r[18])
		fig.Target = nullableFloat(r[9], r[19])
		fig.CILow = nullableFloat(r[12], r[20])
		fig.CIHigh = nullableFloat(r[13], r[20])
		if r[11] != "" {
			fig.Flags = strings.Split(r[11], ";")
		}
		out = append(out, fig)
	}
	return out, nil
}

func nullableFloat(text, isNull string) *float64 {
	if isNull == "1" {
		return nil
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return nil
	}
	return &v
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

// record is a figure as the extract's fields.
func (f Figure) record() []string {
	return []string{f.IndicatorID, strconv.Itoa(f.Year), f.Level, f.EhakCode, f.Name, FormatNumber(f.Value),
		strconv.FormatInt(f.Numerator, 10), strconv.FormatInt(f.Denominator, 10), FormatNumber(f.Coverage),
		FormatNumber(f.Target), f.Status, strings.Join(f.Flags, ";"), FormatNumber(f.CILow), FormatNumber(f.CIHigh)}
}

// WriteCSV writes the extract: the same bytes from the command line and the API, every
// cell safe for a spreadsheet (spreadsheet.Cell: a name cannot be a formula).
func WriteCSV(w io.Writer, figures []Figure) error {
	cw := spreadsheet.NewWriter(w)
	cw.Write(Columns)
	for _, f := range figures {
		cw.Write(f.record())
	}
	cw.Flush()
	return cw.Error()
}

// Flags are a figure's flags; in JSON, as in the CSV, one ";"-separated string.
type Flags []string

// MarshalJSON writes the flags as the extract's flags column.
func (f Flags) MarshalJSON() ([]byte, error) { return json.Marshal(strings.Join(f, ";")) }

// UnmarshalJSON reads the flags as MarshalJSON writes them (a client of the API, such
// as `kovmon explain` asking a running server).
func (f *Flags) UnmarshalJSON(b []byte) error {
	var joined string
	if err := json.Unmarshal(b, &joined); err != nil {
		return err
	}
	*f = nil
	if joined != "" {
		*f = strings.Split(joined, ";")
	}
	return nil
}

// WriteJSON writes the figures as a JSON array.
// The keys are the extract's columns in its order, then the unit's county and type and
// the catalogue version; empty numbers are null.
func WriteJSON(w io.Writer, figures []Figure) error {
	if figures == nil {
		figures = []Figure{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(figures)
}
