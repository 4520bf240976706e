package main

import (
	"context"
	"encoding/json"
	"fmt"
	iofs "io/fs"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"ee/kovmon/demo"
	"ee/kovmon/ingest"
	"ee/kovmon/kov"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/refdata"
	"ee/kovmon/store"
)

// pinnedCatalogue is the file KOVMON_CATALOGUE names: when set, it is the catalogue,
// whatever the store holds, and changing it from the admin page is refused (the
// operator chose the file).
func pinnedCatalogue() string { return os.Getenv("KOVMON_CATALOGUE") }

// activeCatalogue is the catalogue in force: the pinned file, else the one an admin
// put in force in the store, else the shipped one.
func activeCatalogue(ctx context.Context, s store.Store) (*catalogue.Catalogue, error) {
	if path := pinnedCatalogue(); path != "" {
		return catalogue.Load(path)
	}
	return metrics.ActiveCatalogue(ctx, s)
}

func cmdIndicators(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("indicators")
	var f metrics.Filter
	fs.IntVar(&f.Year, "year", 0, "only this year (default: every year with data)")
	level := fs.String("level", "all", "national, municipality or all")
	boundaries := fs.String("boundaries", string(kov.BoundariesAsOf), "asof (units of each year) or current (today's units)")
	format := fs.String("format", "csv", "csv or json")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "csv" && *format != "json" {
		return usageError{fmt.Sprintf("--format must be csv or json, not %q", *format)}
	}
	f.Level, f.Boundaries = kov.Level(*level), kov.Boundaries(*boundaries)
	s, cat, err := m.openFresh(ctx)
	if err != nil {
		q := url.Values{"level": {*level}, "boundaries": {*boundaries}, "format": {*format}}
		if f.Year != 0 {
			q.Set("year", strconv.Itoa(f.Year))
		}
		if handled, ferr := m.fromRunningServer(ctx, err, http.MethodGet, "/api/indicators", q, nil); handled {
			return ferr
		}
		return err
	}
	if err := f.Validate(cat); err != nil {
		return usageError{err.Error()}
	}
	figures, err := metrics.Figures(ctx, s, cat, f)
	if err != nil {
		return err
	}
	if *format == "json" {
		return metrics.WriteJSON(m.Stdout, figures)
	}
	return metrics.WriteCSV(m.Stdout, figures)
}

func cmdDemo(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("demo")
	seed := fs.Int64("seed", 1, "random seed: the same seed gives the same data")
	scale := fs.String("scale", "small", "small (seconds) or full (tens of millions of events)")
	registryDir := fs.String("registry", "", "folder with municipalities.csv and mergers.csv (default: the real registry kovmon ships; synthetic: a small made-up one)")
	keep := fs.String("out", "", "write the demo files to this folder and keep them (default: a temporary folder)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *scale != "small" && *scale != "full" {
		return usageError{fmt.Sprintf("--scale must be small or full, not %q", *scale)}
	}
	s, err := m.Open(ctx)
	if err != nil {
		return err
	}
	dir := *keep
	if dir == "" {
		if dir, err = os.MkdirTemp("", "kovmon-demo-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	start := time.Now()
	manifest, err := demo.Generate(dir, demo.Options{Seed: *seed, Scale: *scale, Registry: demoRegistry(*registryDir)})
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "demo: wrote %d files in %.1f s; loading them through the ingest\n", len(manifest.Files), time.Since(start).Seconds())
	cat, err := activeCatalogue(ctx, s)
	if err != nil {
		return err
	}
	loader, err := m.loader(s, cat)
	if err != nil {
		return err
	}
	loader.AfterLoad = nil // computed once, below
	// The demo's files hold a few deliberately bad rows (about one in a thousand: a
	// wrong date, an unknown code) to show the quarantine at work; they are counted
	// here, not listed line by line as a real load lists them.
	var failed []string
	quarantined := int64(0)
	for _, f := range manifest.Files {
		results, err := ingest.Run(ctx, loader, "demo", []string{f.Path}, f.Kind)
		if err != nil {
			return err
		}
		for _, r := range results {
			r.Reasons = nil
			printResult(m.Stdout, r)
			quarantined += r.Quarantined
			if r.Status != "loaded" {
				failed = append(failed, r.File)
			}
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("demo files rejected: %v", failed)
	}
	if quarantined > 0 {
		fmt.Fprintf(m.Stdout, "demo: %d rows were deliberately bad, to show the quarantine, and were quarantined as intended: "+
			"see /data or `kovmon quarantine` / %d rida olid meelega vigased ja jäid karantiini, nagu pidi\n", quarantined, quarantined)
	}
	r, err := metrics.Run(ctx, s, cat)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "demo: loaded and computed %d figures in %.1f s (refresh %s)\n", r.Figures, time.Since(start).Seconds(), r.ID)
	return nil
}

// demoRegistry is the registry the demo is made on: the real one kovmon ships
// (refdata) by default, a small made-up one for "synthetic", or a folder's files.
func demoRegistry(dir string) iofs.FS {
	switch dir {
	case "":
		return refdata.FS()
	case "synthetic":
		return nil
	}
	return os.DirFS(dir)
}

func cmdExplain(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("explain")
	boundaries := fs.String("boundaries", string(kov.BoundariesAsOf), "asof or current")
	lang := fs.String("lang", "en", "language of the rule: et or en")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 3 {
		return usageError{"usage: kovmon explain INDICATOR YEAR EHAK (EHAK: a 4-digit code or EE)"}
	}
	year, err := strconv.Atoi(pos[1])
	if err != nil {
		return usageError{fmt.Sprintf("YEAR %q is not a year", pos[1])}
	}
	var ex *kov.Explanation
	s, cat, err := m.openFresh(ctx)
	if err != nil {
		q := url.Values{"indicator": {pos[0]}, "year": {pos[1]}, "ehak": {pos[2]}, "boundaries": {*boundaries}}
		handled, ferr := m.askRunningServer(ctx, err, http.MethodGet, "/api/explain", q, nil, func(resp *http.Response) error {
			ex = &kov.Explanation{}
			return json.NewDecoder(resp.Body).Decode(ex)
		})
		if !handled {
			return err
		}
		if ferr != nil {
			return asUsage(ferr)
		}
	} else if ex, err = metrics.Explain(ctx, s, cat, pos[0], year, pos[2], kov.Boundaries(*boundaries)); err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ex)
	}
	metrics.WriteExplanation(m.Stdout, ex, *lang)
	return nil
}

// openFresh opens the store with the catalogue and brings the computed indicators up
// to date with the data first, so that every command answers from current figures.
func (m *Main) openFresh(ctx context.Context) (store.Store, *catalogue.Catalogue, error) {
	s, cat, err := m.openWithCatalogue(ctx)
	if err != nil {
		return nil, nil, err
	}
	return s, cat, metrics.EnsureFresh(ctx, s, cat)
}

// openWithCatalogue opens the store and reads the catalogue in force.
func (m *Main) openWithCatalogue(ctx context.Context) (store.Store, *catalogue.Catalogue, error) {
	s, err := m.Open(ctx)
	if err != nil {
		return nil, nil, err
	}
	cat, err := activeCatalogue(ctx, s)
	if err != nil {
		return nil, nil, err
	}
	return s, cat, nil
}
