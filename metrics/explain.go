package metrics

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/registry"
	kovsql "ee/kovmon/sql"
	"ee/kovmon/store"
)

// Explanation says how one figure was made, down to the files it came from.
type Explanation struct {
	Figure       Figure         `json:"figure"`
	Boundaries   string         `json:"boundaries"`
	Rule         catalogue.Text `json:"rule"`
	Source       string         `json:"source"`
	Query        string         `json:"query"` // the SQL file behind the figure
	Contributors []Contribution `json:"contributors"`
	Predecessors []string       `json:"predecessor_codes"` // pre-merger codes whose rows count for the unit
	Catalogue    string         `json:"catalogue_version"`
}

// Contribution is what one file of one ingest run gave to a figure.
type Contribution struct {
	FileID          string   `json:"file_id"`
	FileName        string   `json:"file_name"`
	RunID           string   `json:"run_id"`
	Rows            int64    `json:"rows"`
	RecordedCodes   []string `json:"recorded_codes"`
	FileQuarantined int64    `json:"file_quarantined"`
}

// sourceTables maps a catalogue source to its table and the rows of it that feed
// indicators: a closed list, the only text ExplainRows.sql is filled in with.
var sourceTables = map[catalogue.Source]struct{ table, filter string }{
	catalogue.SourceFeedback:  {"feedback", "r.system IN ('KOVTP', 'VOLIS', 'RPIS', 'KOVMEN')"},
	catalogue.SourceUsage:     {"usage", "r.event IN ('submit', 'decision', 'notification')"},
	catalogue.SourceServices:  {"services", "1"},
	catalogue.SourceAudits:    {"audits", "r.infra_consulted"},
	catalogue.SourceSurvey:    {"survey_answers", "r.question_id = {question:String}"},
	catalogue.SourceTrainings: {"trainings", "1"},
	catalogue.SourceOrgGoals:  {"org_goals", "1"},
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
		Query: "sql/" + QueryName(ind.ID) + ".sql", Catalogue: fig.CatalogueVersion}
	if ind.Source != catalogue.SourceOrgGoals {
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
	}
	return ex, nil
}

// ErrNotFound marks a figure that does not exist (HTTP 404).
var ErrNotFound = fmt.Errorf("not found")

func contributions(ctx context.Context, s store.Store, ind *catalogue.Indicator, year int, code, mode string) ([]Contribution, error) {
	src := sourceTables[ind.Source]
	query := strings.NewReplacer("SOURCE_TABLE", src.table, "SOURCE_FILTER", src.filter).Replace(kovsql.Query("metrics.ExplainRows"))
	from := year
	if ind.Source == catalogue.SourceAudits {
		from = year - 2
	}
	res, err := s.Query(ctx, query, store.Params{"mode": mode, "year": year, "from": from, "unit": code, "question": ind.SurveyQuestion})
	if err != nil {
		return nil, fmt.Errorf("explain %s: %w", ind.ID, err)
	}
	var out []Contribution
	for _, r := range res.Rows {
		c := Contribution{FileID: r[0], RunID: r[1], FileName: r[2], RecordedCodes: parseArray(r[4])}
		c.Rows, _ = strconv.ParseInt(r[3], 10, 64)
		c.FileQuarantined, _ = strconv.ParseInt(r[5], 10, 64)
		out = append(out, c)
	}
	return out, nil
}

// parseArray reads a ClickHouse Array(String) printed as ['a','b'].
func parseArray(s string) []string {
	s = strings.Trim(s, "[]")
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	for i, p := range parts {
		parts[i] = strings.Trim(p, "'")
	}
	return parts
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
	fmt.Fprintf(w, "computed by %s from %s rows, catalogue %s\n", ex.Query, ex.Source, ex.Catalogue)
	if len(ex.Predecessors) > 0 {
		fmt.Fprintf(w, "rows recorded under these earlier codes count for it: %s\n", strings.Join(ex.Predecessors, ", "))
	}
	if len(ex.Contributors) == 0 {
		fmt.Fprintln(w, "no source rows")
		return
	}
	fmt.Fprintln(w, "source rows by file and ingest run:")
	for _, c := range ex.Contributors {
		fmt.Fprintf(w, "  %s (run %s, file %.12s): %d rows under codes %s; %d rows of the file were quarantined\n",
			c.FileName, c.RunID, c.FileID, c.Rows, strings.Join(c.RecordedCodes, ","), c.FileQuarantined)
	}
}
