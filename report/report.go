// Package report writes the annual report on the KOV ICT strategy (issue 7): one
// self-contained HTML document — summary of the 13 indicators, a chapter per goal with
// charts and sentences written from the figures, the municipal figures, where the
// data came from, the methodology and the provenance — and the same document printed
// to PDF by headless Chromium.
//
// The report reads only computed tables (the latest indicator refresh) and the ingest
// ledger; it never recomputes a figure, so that the report, the dashboards and the CSV
// extract always agree. The same data and catalogue give a byte-identical HTML file:
// chart IDs are derived from indicator ids, everything is sorted, and the only date in
// the document comes from the data (the refresh), never from the clock.
package report

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"ee/kovmon/i18n"
	"ee/kovmon/kov"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/store"
)

// Options say which report to build from which store.
type Options struct {
	Store     store.Store
	Catalogue *catalogue.Catalogue
	Year      int
	Lang      string // "et" or "en"
	// EChartsPath is echarts.min.js, inlined into the document; empty means the
	// KOVMON_ECHARTS environment variable, then the copy `make deps` installs.
	EChartsPath string
	// Now gives the date printed on the title page. Nil means the date the latest
	// refresh finished, so that the document depends on the data alone.
	Now func() time.Time
	// Figures, when set, tells Handler the latest refresh from memory (its cache
	// key) instead of asking the store on every request.
	Figures *metrics.Reader
	// CacheDir keeps printed PDFs by the hash of their HTML, so that a document is
	// printed once whatever restarts and refreshes come between ("": no disk cache).
	CacheDir string
}

// Report is a built report.
type Report struct {
	HTML []byte
	// Hash is the hex sha256 of HTML: equal hashes mean identical documents.
	Hash string
	// Snapshot is the data snapshot (a hash of the ingest ledger) the figures were
	// computed from, and RefreshID the computation.
	Snapshot  string
	RefreshID string
	Year      int
	Lang      string
}

// NoDataError says that the asked year has no figures, and which years do.
type NoDataError struct {
	Year     int
	HaveData []int
}

// ErrorCode: a report of a year without figures is not found (404), naming the years
// that have them.
func (e *NoDataError) ErrorCode() kov.Code { return kov.NotFound }

func (e *NoDataError) Error() string {
	if len(e.HaveData) == 0 {
		return fmt.Sprintf("no indicator figures for %d: nothing has been computed yet; load data with `kovmon ingest` (or `kovmon demo`) first", e.Year)
	}
	years := make([]string, len(e.HaveData))
	for i, y := range e.HaveData {
		years[i] = strconv.Itoa(y)
	}
	return fmt.Sprintf("no indicator figures for %d: the data cover %s; choose one of those years", e.Year, strings.Join(years, ", "))
}

// ErrBadRequest marks options that can never build a report (a language or year
// outside the closed lists): kov.Invalid, 400 over HTTP.
var ErrBadRequest error = &kov.Error{Code: kov.Invalid, Message: "bad report request"}

// Years outside this range are typos, not years of the strategy's data.
const (
	minYear = 2000
	maxYear = 2100
)

func (o *Options) validate() error {
	switch {
	case o.Store == nil || o.Catalogue == nil:
		return errors.New("report: Options need a Store and a Catalogue")
	case o.Lang != i18n.ET && o.Lang != i18n.EN:
		return fmt.Errorf("%w: language must be et or en, not %q", ErrBadRequest, o.Lang)
	case o.Year < minYear || o.Year > maxYear:
		return fmt.Errorf("%w: year must be between %d and %d, not %d", ErrBadRequest, minYear, maxYear, o.Year)
	}
	return nil
}

// Build gathers the figures of the latest refresh and writes the report.
func Build(ctx context.Context, opts Options) (*Report, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	script, err := loadECharts(opts.EChartsPath)
	if err != nil {
		return nil, err
	}
	in, err := gather(ctx, opts)
	if err != nil {
		return nil, err
	}
	doc := compose(in, opts.Lang)
	html, err := renderHTML(doc, script)
	if err != nil {
		return nil, fmt.Errorf("report %d %s: %w", opts.Year, opts.Lang, err)
	}
	sum := sha256.Sum256(html)
	return &Report{HTML: html, Hash: hex.EncodeToString(sum[:]), Snapshot: in.refresh.DataSnapshot,
		RefreshID: in.refresh.ID, Year: opts.Year, Lang: opts.Lang}, nil
}
