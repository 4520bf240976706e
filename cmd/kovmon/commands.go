package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"ee/kovmon/ingest"
)

func cmdReport(ctx context.Context, m *Main, args []string) error {
	return notYet("kovmon report")
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
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\t%s\n", r.RunID, r.File, r.Line, r.Column, r.Reason, r.Raw)
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
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\n", f.Finished, f.RunID, f.FileName, f.Kind, f.Status, f.RowsRead, f.Loaded, f.Duplicates, f.Quarantined)
	}
	return w.Flush()
}
