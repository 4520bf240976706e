package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"ee/kovmon/ingest"
	"ee/kovmon/ledger"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/report"
	"ee/kovmon/store"
	"ee/kovmon/surveys"
)

// baseSurveySet is the survey definitions: the shipped ones and KOVMON_SURVEYS's folder.
func baseSurveySet() (*surveys.Set, error) { return surveys.LoadSet(os.Getenv(surveys.EnvDir)) }

// surveySet is the survey definitions checked against the catalogue, which says which
// question feeds which indicator.
func surveySet(cat *catalogue.Catalogue) (*surveys.Set, error) {
	set, err := baseSurveySet()
	if err != nil {
		return nil, err
	}
	return set.For(cat.SurveyFeeds())
}

// loader is an ingest loader that checks survey answers against the definitions of
// cat, the catalogue in force, and refreshes the indicators after a run that added rows.
func (m *Main) loader(s store.Store, cat *catalogue.Catalogue) (*ingest.Loader, error) {
	set, err := surveySet(cat)
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
		return m.reportFromServer(ctx, err, *year, *lang, *out)
	}
	err = report.Run(ctx, s, cat, *year, *lang, *out, m.reportCache(), m.Stdout)
	if errors.Is(err, report.ErrBadRequest) {
		return usageError{err.Error()}
	}
	return err
}

// reportCache is where printed reports are kept (report.Options.CacheDir): beside the
// embedded engine's tables, or the user's cache folder with a ClickHouse server.
func (m *Main) reportCache() string {
	if m.DSN == "" {
		return filepath.Join(m.DataDir, "report-cache")
	}
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "kovmon", "report")
	}
	return ""
}

// reportFromServer writes the report that the running kovmon serve builds, when it
// holds the data folder: the same document (its content hash is the server's).
func (m *Main) reportFromServer(ctx context.Context, openErr error, year int, lang, out string) error {
	format := strings.ToLower(strings.TrimPrefix(filepath.Ext(out), "."))
	if format == "htm" {
		format = "html"
	}
	if format != "html" && format != "pdf" {
		return usageError{fmt.Sprintf("--out %q must end in .html or .pdf", out)}
	}
	start := time.Now()
	q := url.Values{"year": {strconv.Itoa(year)}, "lang": {lang}, "format": {format}}
	handled, err := m.askRunningServer(ctx, openErr, http.MethodGet, "/report", q, nil, func(resp *http.Response) error {
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if err := report.WriteFile(out, body); err != nil {
			return err
		}
		_, err = fmt.Fprintf(m.Stdout, "report %d (%s): %s, %d bytes, %.1f s\ncontent sha256: %s (from kovmon serve)\n",
			year, lang, out, len(body), time.Since(start).Seconds(), resp.Header.Get("X-Content-SHA256"))
		return err
	})
	if !handled {
		return openErr
	}
	return asUsage(err)
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
	s, cat, err := m.openWithCatalogue(ctx)
	if err != nil {
		q := url.Values{"year": {strconv.Itoa(*year)}, "format": {*format}}
		if handled, ferr := m.fromRunningServer(ctx, err, http.MethodGet, "/api/surveys/responses", q, nil); handled {
			return asUsage(ferr)
		}
		return err
	}
	set, err := surveySet(cat)
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
	rows, err := ledger.Quarantine(ctx, s, *file, *run, *limit)
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
	files, err := ledger.Files(ctx, s, *limit)
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
