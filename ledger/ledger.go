// Package ledger reads the ingest ledger: the files each load took (ingest_files), the
// runs (ingest_runs), the quarantined rows kept as a sample of each file (quarantine)
// and their counts by column and reason (quarantine_counts). Package ingest writes
// the ledger; the pages, the report, the API and the command line read it here, one
// query a question (sql/ledger.*.sql), scanned by column name.
package ledger

import (
	"context"
	"fmt"
	"sync/atomic"

	"ee/kovmon/store"
)

// Changes counts the changes this process has made to the ledger (a file recorded, a
// run ended): the writer, package ingest, adds one for each, so that what is built
// from the ledger can be kept until it changes. An embedded data folder has this one
// process writing it.
var Changes atomic.Uint64

// Version is the number of ledger changes this process has made.
func Version() uint64 { return Changes.Load() }

type versionKey struct{}

// WithVersion makes VersionOf(ctx) answer v: a server answering from a state it
// prepared earlier gives its pages the ledger version that state was built on, so
// that a page kept for it stays in use until the next one is ready.
func WithVersion(ctx context.Context, v uint64) context.Context {
	return context.WithValue(ctx, versionKey{}, v)
}

// VersionOf is the ledger version ctx carries (WithVersion), or this process's.
func VersionOf(ctx context.Context) uint64 {
	if v, ok := ctx.Value(versionKey{}).(uint64); ok {
		return v
	}
	return Version()
}

// File is one file of the ledger.
type File struct {
	Finished    string `json:"finished" ch:"finished"`
	RunID       string `json:"run_id" ch:"run_id"`
	FileID      string `json:"file_id" ch:"file_id"`
	FileName    string `json:"file_name" ch:"file_name"`
	Kind        string `json:"kind" ch:"kind"`
	Size        int64  `json:"size_bytes" ch:"size_bytes"`
	Status      string `json:"status" ch:"status"`
	RowsRead    int64  `json:"rows_read" ch:"rows_read"`
	Loaded      int64  `json:"loaded" ch:"loaded"`
	Duplicates  int64  `json:"duplicates" ch:"duplicates"`
	Quarantined int64  `json:"quarantined" ch:"quarantined"`
	Message     string `json:"message" ch:"message"`
}

// Files lists the ledger's files, newest first.
func Files(ctx context.Context, s store.Store, limit int) ([]File, error) {
	return list[File](ctx, s, "ledger.Files", store.Params{"limit": limit})
}

// Run is one ingest run as it ended (or is still running), with what its files did.
type Run struct {
	RunID    string `json:"run_id" ch:"run_id"`
	Trigger  string `json:"trigger" ch:"trigger"`
	Started  string `json:"started_at" ch:"started_at"`
	Finished string `json:"finished_at" ch:"finished_at"` // "" while it runs
	Status   string `json:"status" ch:"status"`
	Message  string `json:"message" ch:"message"`
	// Files counts the files the run recorded, Loaded the rows they loaded, Rejected
	// the files refused whole.
	Files    int64 `json:"files" ch:"files"`
	Loaded   int64 `json:"loaded" ch:"loaded"`
	Rejected int64 `json:"rejected" ch:"rejected"`
}

// Runs lists the latest ingest runs, newest first, each once with the status of its
// latest record (a run writes one record when it starts and one when it ends).
func Runs(ctx context.Context, s store.Store, limit int) ([]Run, error) {
	return list[Run](ctx, s, "ledger.Runs", store.Params{"limit": limit})
}

// QuarantinedRow is one row that failed validation.
type QuarantinedRow struct {
	RunID  string `json:"run_id" ch:"run_id"`
	File   string `json:"file" ch:"file_name"`
	FileID string `json:"file_id" ch:"file_id"`
	Kind   string `json:"kind" ch:"kind"`
	Line   int64  `json:"line" ch:"line"`
	Column string `json:"column" ch:"column"`
	Reason string `json:"reason" ch:"reason"`
	Raw    string `json:"raw" ch:"raw"`
}

// Quarantine lists quarantined rows, newest first, optionally of one file name or run
// ("" for all).
func Quarantine(ctx context.Context, s store.Store, fileName, runID string, limit int) ([]QuarantinedRow, error) {
	return list[QuarantinedRow](ctx, s, "ledger.Quarantine", store.Params{"file": fileName, "run": runID, "limit": limit})
}

// Reason is how many quarantined rows of a kind of file one reason stands for, over
// every file (the whole counts, not the sample the quarantine keeps).
type Reason struct {
	Kind   string `ch:"kind"`
	Reason string `ch:"reason"`
	Rows   int64  `ch:"rows"`
	Files  int64  `ch:"files"`
}

// Reasons lists the quarantine's reasons by kind, most frequent first.
func Reasons(ctx context.Context, s store.Store, limit int) ([]Reason, error) {
	return list[Reason](ctx, s, "ledger.Reasons", store.Params{"limit": limit})
}

// Counted is a column and reason already counted for a file in quarantine_counts.
type Counted struct {
	Column string `ch:"column"`
	Reason string `ch:"reason"`
}

// CountedFor lists the columns and reasons counted for the file of fileID: a load of
// the same file again adds no second count of them.
func CountedFor(ctx context.Context, s store.Store, fileID string) ([]Counted, error) {
	return list[Counted](ctx, s, "ledger.Counted", store.Params{"fid": fileID})
}

// Cell is a line and column of a file in the quarantine.
type Cell struct {
	Line   int64  `ch:"line"`
	Column string `ch:"column"`
}

// CellsOf lists the lines and columns of the file of fileID that the quarantine
// holds: a load of the same file again quarantines none of them twice.
func CellsOf(ctx context.Context, s store.Store, fileID string) ([]Cell, error) {
	return list[Cell](ctx, s, "ledger.Cells", store.Params{"fid": fileID})
}

// list runs the ledger's query name and scans its rows.
func list[T any](ctx context.Context, s store.Store, name string, params store.Params) ([]T, error) {
	rows, err := store.Select[T](ctx, s, name, params)
	if err != nil {
		return nil, fmt.Errorf("ingest ledger: %w", err)
	}
	return rows, nil
}
