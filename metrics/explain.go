package metrics

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"ee/kovmon/kov"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/registry"
	"ee/kovmon/store"
)

// Explain reads one figure and how it was made; a figure that does not exist is a
// kov.NotFound error.
func Explain(ctx context.Context, s store.Store, cat *catalogue.Catalogue, indicatorID string, year int, code string, mode kov.Boundaries) (*kov.Explanation, error) {
	f := Filter{Indicator: indicatorID, Year: year, Boundaries: mode}
	if code != kov.NationalCode {
		f.EhakCode = code
	}
	figures, err := Figures(ctx, s, cat, f)
	if err != nil {
		return nil, err
	}
	var fig *kov.Figure
	for i := range figures {
		if figures[i].EhakCode == code {
			fig = &figures[i]
		}
	}
	if fig == nil {
		return nil, kov.Errorf(kov.NotFound, "no figure of %s for %s in %d (%s boundaries)", indicatorID, code, year, f.Boundaries)
	}
	ind, _ := cat.Indicator(indicatorID)
	ex := &kov.Explanation{Figure: *fig, Boundaries: f.Boundaries, Rule: ind.Description, Source: ind.Source,
		Query: ind.DefinitionName(), Params: ind.QueryParams(), Catalogue: fig.CatalogueVersion}
	if ex.Contributors, err = contributions(ctx, s, ind, year, code, f.Boundaries); err != nil {
		return nil, err
	}
	if code != kov.NationalCode {
		reg, err := registry.Load(ctx, s)
		if err != nil {
			return nil, err
		}
		ex.Predecessors = reg.PredecessorsOf(code, reg.BoundaryDate(f.Boundaries, year))
	}
	return ex, nil
}

// contributionRow is one file and run behind a figure (metrics.Contributions).
type contributionRow struct {
	FileID          string   `ch:"file_id"`
	RunID           string   `ch:"run_id"`
	FileName        string   `ch:"file_name"`
	SourceRows      int64    `ch:"source_rows"`
	Numerator       int64    `ch:"numerator"`
	Denominator     int64    `ch:"denominator"`
	RecordedCodes   []string `ch:"recorded_codes"`
	FileQuarantined int64    `ch:"file_quarantined"`
}

// contributions reads the stored definition rows of the figure, by file and run.
func contributions(ctx context.Context, s store.Store, ind *kov.Indicator, year int, code string, mode kov.Boundaries) ([]kov.Contribution, error) {
	rows, err := store.Select[contributionRow](ctx, s, "metrics.Contributions", store.Params{
		"boundaries": mode, "indicator": ind.ID, "year": year, "unit": code, "national": kov.NationalCode})
	if err != nil {
		return nil, fmt.Errorf("explain %s: %w", ind.ID, err)
	}
	var out []kov.Contribution
	for _, r := range rows {
		c := kov.Contribution{FileID: r.FileID, RunID: r.RunID, FileName: r.FileName, Rows: r.SourceRows,
			RecordedCodes:   slices.DeleteFunc(r.RecordedCodes, func(code string) bool { return code == "" }),
			FileQuarantined: r.FileQuarantined}
		if len(c.RecordedCodes) == 0 {
			c.RecordedCodes = nil // rows kept without a code: IV.1a's goals
		}
		if ind.Counted() {
			c.Numerator, c.Denominator = &r.Numerator, &r.Denominator
		}
		out = append(out, c)
	}
	return out, nil
}

// WriteExplanation prints an explanation for a person, in English (the figures are
// the spec's; the rule is in the language asked for).
func WriteExplanation(w io.Writer, ex *kov.Explanation, lang string) {
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
		fmt.Fprintf(w, "; flags %s", f.Flags.String())
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
