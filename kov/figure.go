package kov

import (
	"encoding/json"
	"slices"
	"strings"
)

// Figure is one row of the indicator table (spec/indicators.md, "Output"): the value
// of an indicator for a year and a unit, the fraction it was computed from, its target
// and status. The json names are the API's, the ch names the columns of
// indicator_values it is stored in, the csv names the extract's columns (the spec's
// twelve, then the Wilson interval).
type Figure struct {
	IndicatorID string   `json:"indicator_id" ch:"indicator_id" csv:"indicator_id"`
	Year        int      `json:"year" ch:"year" csv:"year"`
	Level       Level    `json:"level" ch:"level" csv:"level"`
	EhakCode    string   `json:"ehak_code" ch:"ehak_code" csv:"ehak_code"`
	Name        string   `json:"name" ch:"name" csv:"name"`
	Value       *float64 `json:"value" ch:"value" csv:"value"`
	Numerator   int64    `json:"numerator" ch:"numerator" csv:"numerator"`
	Denominator int64    `json:"denominator" ch:"denominator" csv:"denominator"`
	Coverage    *float64 `json:"coverage" ch:"coverage" csv:"coverage"`
	Target      *float64 `json:"target" ch:"target" csv:"target"`
	Status      Status   `json:"status" ch:"status" csv:"status"`
	Flags       Flags    `json:"flags" ch:"flags" csv:"flags"`
	// CILow and CIHigh are the 95 % Wilson interval of a survey share.
	CILow            *float64 `json:"ci_low" ch:"ci_low" csv:"ci_low"`
	CIHigh           *float64 `json:"ci_high" ch:"ci_high" csv:"ci_high"`
	CountyCode       string   `json:"county_code" ch:"county_code" csv:"-"`
	UnitType         string   `json:"unit_type" ch:"unit_type" csv:"-"`
	CatalogueVersion string   `json:"catalogue_version" ch:"catalogue_version" csv:"-"`
}

// HasFlag reports whether the figure carries flag.
func (f Figure) HasFlag(flag Flag) bool {
	for _, x := range f.Flags {
		if x == flag {
			return true
		}
	}
	return false
}

// Flag marks something a reader of a figure must know (spec/indicators.md).
type Flag string

// The flags.
const (
	FlagNoData Flag = "no_data"
	FlagSmallN Flag = "small_n"
	// FlagDefinitionChanged marks the first year of a revised definition (catalogue
	// `revisions`): a break in the series.
	FlagDefinitionChanged Flag = "definition_changed"
)

// Flags are a figure's flags. Stored, in CSV and in JSON they are one ";"-separated
// string, the extract's flags column.
type Flags []Flag

// String joins the flags with ";".
func (f Flags) String() string {
	parts := make([]string, len(f))
	for i, x := range f {
		parts[i] = string(x)
	}
	return strings.Join(parts, ";")
}

// ParseFlags reads flags as String writes them.
func ParseFlags(joined string) Flags {
	if joined == "" {
		return nil
	}
	parts := strings.Split(joined, ";")
	out := make(Flags, len(parts))
	for i, p := range parts {
		out[i] = Flag(p)
	}
	return out
}

// MarshalText writes the flags as the extract's flags column.
func (f Flags) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText reads the flags column.
func (f *Flags) UnmarshalText(b []byte) error {
	*f = ParseFlags(string(b))
	return nil
}

// MarshalJSON writes the flags as one string (not an array), as the CSV does.
func (f Flags) MarshalJSON() ([]byte, error) { return json.Marshal(f.String()) }

// UnmarshalJSON reads the flags as MarshalJSON writes them (a client of the API, such
// as `kovmon explain` asking a running server).
func (f *Flags) UnmarshalJSON(b []byte) error {
	var joined string
	if err := json.Unmarshal(b, &joined); err != nil {
		return err
	}
	*f = ParseFlags(joined)
	return nil
}

// MarshalCSV writes the flags as the extract's flags column (gocsv).
func (f Flags) MarshalCSV() (string, error) { return f.String(), nil }

// Meets reports whether a municipality's yes/no figure says it meets the condition
// (value 100, within Tolerance); false when it has no value.
func (f Figure) Meets() bool { return f.Value != nil && *f.Value >= 100-Tolerance }

// YearsWithValue lists, ascending, the years in which some national figure has a
// value: the years the annual report can be built for.
func YearsWithValue(figures []Figure) []int {
	var years []int
	for _, f := range figures {
		if f.Level == LevelNational && f.Value != nil && !slices.Contains(years, f.Year) {
			years = append(years, f.Year)
		}
	}
	slices.Sort(years)
	return years
}
