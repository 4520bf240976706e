package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"

	"ee/kovmon/ingest"
	"ee/kovmon/metrics"
	"ee/kovmon/report"
	"ee/kovmon/store"
	"ee/kovmon/surveys"
)

// surveySet is the survey definitions: the shipped ones and KOVMON_SURVEYS's folder.
func surveySet() (*surveys.Set, error) { return surveys.LoadSet(os.Getenv(surveys.EnvDir)) }

// loader is an ingest loader that checks survey answers against the definitions and
// refreshes the indicators after a run that added rows.
func (m *Main) loader(s store.Store) (*ingest.Loader, error) {
	set, err := surveySet()
	if err != nil {
		return nil, err
	}
	return &ingest.Loader{Store: s, Log: m.Log, SurveyAnswer: set.CheckAnswer,
		AfterLoad: func(ctx context.Context) error {
			cat, err := activeCatalogue(ctx, s)
			if err != nil {
				return err
			}
			return metrics.EnsureFresh(ctx, s, cat)
		}}, nil
}

func cmdReport(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("report")
	year := fs.Int("year", 0, "the year the report is about (required)")
	lang := fs.String("lang", "et", "et or en")
	out := fs.String("out", "", "FILE.html or FILE.pdf (required)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *year == 0 || *out == "" {
		return usageError{"--year and --out are required"}
	}
	if *lang != "et" && *lang != "en" {
		return usageError{fmt.Sprintf("--lang must be et or en, not %q", *lang)}
	}
	s, cat, err := m.openFresh(ctx)
	if err != nil {
		return err
	}
	err = report.Run(ctx, s, cat, *year, *lang, *out, m.Stdout)
	if errors.Is(err, report.ErrBadRequest) {
		return usageError{err.Error()}
	}
	return err
}

func cmdSurveys(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("surveys")
	year := fs.Int("year", 0, "the survey year (required)")
	format := fs.String("format", "csv", "csv (response rates), nonresponse (CSV of who did not answer), distribution (CSV) or json (all of it)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *year == 0 {
		return usageError{"--year is required"}
	}
	if err := surveys.CheckYear(*year); err != nil {
		return usageError{"--year: " + err.Error()}
	}
	s, err := m.Open(ctx)
	if err != nil {
		return err
	}
	set, err := surveySet()
	if err != nil {
		return err
	}
	rep, err := surveys.Responses(ctx, s, set, *year)
	if err != nil {
		return err
	}
	switch *format {
	case "csv":
		return rep.WriteCSV(m.Stdout)
	case "nonresponse":
		return rep.WriteNonRespondentsCSV(m.Stdout)
	case "distribution":
		return rep.WriteDistributionCSV(m.Stdout)
	case "json":
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return usageError{fmt.Sprintf("--format must be csv, nonresponse, distribution or json, not %q", *format)}
}

func cmdQuarantine(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("quarantine")
	file := fs.String("file", "", "only rows of this file name")
	run := fs.String("run", "", "only rows of this ingest run")
	limit := fs.Int("limit", 100, "at most this many rows")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	s, err := m.Open(ctx)
	if err != nil {
		return err
	}
	rows, err := ingest.Quarantine(ctx, s, *file, *run, *limit)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "run_id\tfile\tline\tcolumn\treason\traw")
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\t%s\n", r.RunID, cell(r.File), r.Line, cell(r.Column), cell(r.Reason), cell(r.Raw))
	}
	return w.Flush()
}

func cmdRuns(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("runs")
	limit := fs.Int("limit", 20, "at most this many files")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	s, err := m.Open(ctx)
	if err != nil {
		return err
	}
	files, err := ingest.Files(ctx, s, *limit)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "finished\trun_id\tfile\tkind\tstatus\tread\tloaded\tduplicates\tquarantined")
	for _, f := range files {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\n", f.Finished, f.RunID, cell(f.FileName), f.Kind, f.Status, f.RowsRead, f.Loaded, f.Duplicates, f.Quarantined)
	}
	return w.Flush()
}

// cell keeps a value of a table on its line and in its column: a control character
// (a newline or tab in a file name or a quarantined line) is shown escaped, as Go
// writes it in a string ("\n", "\t").
func cell(v string) string {
	if !strings.ContainsFunc(v, unicode.IsControl) {
		return v
	}
	q := strconv.Quote(v)
	return q[1 : len(q)-1]
}
