package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"ee/kovmon/ingest"
	"ee/kovmon/surveys"
)

func cmdIngest(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("ingest")
	kind := fs.String("kind", "", "the kind of every file: "+strings.Join(ingest.AllKindNames(), ", ")+" (default: inferred from each file's header)")
	asJSON := fs.Bool("json", false, "print the summary as JSON (as POST /api/ingest answers)")
	mapping := fs.String("mapping", "", "survey: the files are wide exports (one row per respondent) and this YAML maps their columns to question ids")
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usageError{"name at least one FILE"}
	}
	if *kind != "" && !slices.Contains(ingest.AllKindNames(), *kind) {
		return usageError{fmt.Sprintf("unknown --kind %q (one of %s)", *kind, strings.Join(ingest.AllKindNames(), ", "))}
	}
	s, err := m.Open(ctx)
	if err != nil {
		return err
	}
	cat, err := activeCatalogue(ctx, s)
	if err != nil {
		return err
	}
	loader, err := m.loader(s, cat)
	if err != nil {
		return err
	}
	loader.EndsAfterRun = true // the command ends with its run
	if f, ok := m.Stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		loader.Progress = progressBar(m.Stderr)
	}
	var results []ingest.FileResult
	if *mapping != "" {
		if *kind != "survey" {
			return usageError{"--mapping is for --kind survey (wide survey exports)"}
		}
		results, err = surveys.IngestWide(ctx, loader, "cli", *mapping, files)
	} else {
		results, err = ingest.Run(ctx, loader, "cli", files, *kind)
	}
	if err != nil {
		// What each file got is worth telling even when the run could not be
		// recorded (the server went away): the files' lines say why.
		if !*asJSON {
			for _, r := range results {
				printResult(m.Stdout, r)
			}
		}
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(results)
	} else {
		for _, r := range results {
			printResult(m.Stdout, r)
		}
	}
	var rejected []string
	for _, r := range results {
		if r.Status != "loaded" {
			rejected = append(rejected, r.Error)
		}
	}
	if len(rejected) > 0 {
		return fmt.Errorf("%s", strings.Join(rejected, "; "))
	}
	return nil
}

// printResult prints one file's summary as `kovmon ingest` promises: loaded,
// duplicates skipped, quarantined with the first reasons.
func printResult(w io.Writer, r ingest.FileResult) {
	if r.Status != "loaded" {
		fmt.Fprintf(w, "%s: REJECTED (%s): %s\n", r.File, r.Kind, r.Error)
	} else {
		fmt.Fprintf(w, "%s: %s: %d rows read, %d loaded, %d duplicates skipped, %d quarantined (%.1f s)\n",
			r.File, r.Kind, r.RowsRead, r.Loaded, r.Duplicates, r.Quarantined, r.Seconds)
		if r.Loaded == 0 {
			fmt.Fprintf(w, "  no new rows: everything in this file was stored already / uusi ridu polnud\n")
		}
	}
	for _, reason := range r.Reasons {
		fmt.Fprintf(w, "  quarantined %s\n", reason)
	}
	for _, warning := range r.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", warning)
	}
}

// progressBarMinBytes: smaller files load too fast for a bar to help.
const progressBarMinBytes = 4 << 20

func progressBar(w io.Writer) func(file string, size, read, rows int64) {
	var (
		bar     *progressbar.ProgressBar
		current string
	)
	return func(file string, size, read, rows int64) {
		if size < progressBarMinBytes {
			return
		}
		if file != current {
			current = file
			bar = progressbar.NewOptions64(size, progressbar.OptionSetWriter(w), progressbar.OptionShowBytes(true),
				progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(200*time.Millisecond),
				progressbar.OptionShowElapsedTimeOnFinish(), progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
		}
		bar.Describe(fmt.Sprintf("%s: %d rows", filepath.Base(file), rows))
		bar.Set64(read)
	}
}
