package metrics

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/registry"
	kovsql "ee/kovmon/sql"
	"ee/kovmon/store"
)

// Explanation says how one figure was made, down to the files it came from: the
// rows of the indicator's definition that the refresh stored with the figure.
type Explanation struct {
	Figure     Figure         `json:"figure"`
	Boundaries string         `json:"boundaries"`
	Rule       catalogue.Text `json:"rule"`
	Source     string         `json:"source"`
	Query      string         `json:"query"` // the definition behind the figure
	// Params are the values of the rule the definition was run with (catalogue params).
	Params       map[string]any `json:"params"`
	Contributors []Contribution `json:"contributors"`
	Predecessors []string       `json:"predecessor_codes"` // pre-merger codes whose rows count for the unit
	Catalogue    string         `json:"catalogue_version"`
}

// Contribution is what one file of one ingest run gave to a figure: its rows that
// qualify for the indicator (for a share of municipalities, those that decided it:
// the latest snapshot, the latest answer).
type Contribution struct {
	FileID   string `json:"file_id"`
	FileName string `json:"file_name"`
	RunID    string `json:"run_id"`
	Rows     int64  `json:"rows"`
	// Numerator and Denominator are the file's part of a figure of counted rows (nil
	// for a share of municipalities).
	Numerator       *int64   `json:"numerator,omitempty"`
	Denominator     *int64   `json:"denominator,omitempty"`
	RecordedCodes   []string `json:"recorded_codes"`
	FileQuarantined int64    `json:"file_quarantined"`
}

// Explain reads one figure and how it was made.
func Explain(ctx context.Context, s store.Store, cat *catalogue.Catalogue, indicatorID string, year int, code, mode string) (*Explanation, error) {
	f := Filter{Indicator: indicatorID, Year: year, Boundaries: mode}
	if code != NationalCode {
		f.EhakCode = code
	}
	figures, err := Figures(ctx, s, cat, f)
	if err != nil {
		return nil, err
	}
	var fig *Figure
	for i := range figures {
		if figures[i].EhakCode == code {
			fig = &figures[i]
		}
	}
	if fig == nil {
		return nil, fmt.Errorf("%w: no figure of %s for %s in %d (%s boundaries)", ErrNotFound, indicatorID, code, year, f.Boundaries)
	}
	ind, _ := cat.Indicator(indicatorID)
	ex := &Explanation{Figure: *fig, Boundaries: f.Boundaries, Rule: ind.Description, Source: string(ind.Source),
		Query: DefinitionName(ind), Params: ind.QueryParams(), Catalogue: fig.CatalogueVersion}
	if ex.Contributors, err = contributions(ctx, s, ind, year, code, f.Boundaries); err != nil {
		return nil, err
	}
	if code != NationalCode {
		reg, err := registry.Load(ctx, s)
		if err != nil {
			return nil, err
		}
		ex.Predecessors = reg.PredecessorsOf(code, reg.BoundaryDate(f.Boundaries, year))
	}
	return ex, nil
}

// DefinitionName says where an indicator's definition is read from, for readers.
func DefinitionName(ind *catalogue.Indicator) string {
	if ind.BuiltIn() {
		return "sql/" + ind.QueryName() + ".sql"
	}
	return ind.QueryName() + " (SQL in the catalogue)"
}

// ErrNotFound marks a figure that does not exist (HTTP 404).
var ErrNotFound = fmt.Errorf("not found")

// contributions reads the stored definition rows of the figure, by file and run.
func contributions(ctx context.Context, s store.Store, ind *catalogue.Indicator, year int, code, mode string) ([]Contribution, error) {
	res, err := s.Query(ctx, kovsql.Query("metrics.Contributions"), store.Params{
		"boundaries": mode, "indicator": ind.ID, "year": year, "unit": code, "national": NationalCode})
	if err != nil {
		return nil, fmt.Errorf("explain %s: %w", ind.ID, err)
	}
	var out []Contribution
	for _, r := range res.Rows {
		c := Contribution{FileID: r[0], RunID: r[1], FileName: r[2], RecordedCodes: parseArray(r[6])}
		c.Rows, _ = strconv.ParseInt(r[3], 10, 64)
		c.FileQuarantined, _ = strconv.ParseInt(r[7], 10, 64)
		if counted(ind) {
			num, _ := strconv.ParseInt(r[4], 10, 64)
			den, _ := strconv.ParseInt(r[5], 10, 64)
			c.Numerator, c.Denominator = &num, &den
		}
		out = append(out, c)
	}
	return out, nil
}

// parseArray reads a ClickHouse Array(String) printed as ['a','b'], leaving out empty
// strings (rows kept without a code: IV.1a's goals).
func parseArray(s string) []string {
	s = strings.Trim(s, "[]")
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.Trim(p, "'"); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// WriteText prints an explanation for a person, in English (the figures are the
// spec's; the rule is in the language asked for).
func (ex *Explanation) WriteText(w io.Writer, lang string) {
	f := ex.Figure
	fmt.Fprintf(w, "%s %d %s %s (%s boundaries)\n", f.IndicatorID, f.Year, f.EhakCode, f.Name, ex.Boundaries)
	value := "no value"
	if f.Value != nil {
		value = FormatNumber(f.Value) + " %"
	}
	fmt.Fprintf(w, "value: %s = %d / %d × 100", value, f.Numerator, f.Denominator)
	if f.Target != nil {
		fmt.Fprintf(w, "; target %s", FormatNumber(f.Target))
	}
	fmt.Fprintf(w, "; status %s", f.Status)
	if len(f.Flags) > 0 {
		fmt.Fprintf(w, "; flags %s", strings.Join(f.Flags, ";"))
	}
	if f.Coverage != nil {
		fmt.Fprintf(w, "; coverage %s %%", FormatNumber(f.Coverage))
	}
	fmt.Fprintf(w, "\nrule: %s\n", strings.TrimSpace(ex.Rule.In(lang)))
	fmt.Fprintf(w, "computed by %s from %s rows%s, catalogue %s\n", ex.Query, ex.Source, formatParams(ex.Params), ex.Catalogue)
	if len(ex.Predecessors) > 0 {
		fmt.Fprintf(w, "rows recorded under these earlier codes count for it: %s\n", strings.Join(ex.Predecessors, ", "))
	}
	if len(ex.Contributors) == 0 {
		fmt.Fprintln(w, "no source rows")
		return
	}
	fmt.Fprintln(w, "source rows by file and ingest run:")
	for _, c := range ex.Contributors {
		fmt.Fprintf(w, "  %s (run %s, file %.12s): %d rows", c.FileName, c.RunID, c.FileID, c.Rows)
		if len(c.RecordedCodes) > 0 {
			fmt.Fprintf(w, " under codes %s", strings.Join(c.RecordedCodes, ","))
		}
		if c.Numerator != nil {
			fmt.Fprintf(w, " (numerator %d, denominator %d)", *c.Numerator, *c.Denominator)
		}
		fmt.Fprintf(w, "; %d rows of the file were quarantined\n", c.FileQuarantined)
	}
}

// formatParams prints the rule's params as " with a=1, b=[x y]", keys sorted.
func formatParams(params map[string]any) string {
	if len(params) == 0 {
		return ""
	}
	parts := make([]string, 0, len(params))
	for _, k := range slices.Sorted(maps.Keys(params)) {
		parts = append(parts, fmt.Sprintf("%s=%v", k, params[k]))
	}
	return " with " + strings.Join(parts, ", ")
}
