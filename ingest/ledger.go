package ingest

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"

	kovsql "ee/kovmon/sql"
	"ee/kovmon/store"
)

// ledgerVersion counts the changes this process has made to the ledger (a file
// recorded, a run ended), so that what is built from the ledger can be kept until it
// changes: an embedded data folder has this one process writing it.
var ledgerVersion atomic.Uint64

// LedgerVersion is the number of ledger changes this process has made.
func LedgerVersion() uint64 { return ledgerVersion.Load() }

type ledgerVersionKey struct{}

// WithLedgerVersion makes LedgerVersionOf(ctx) answer v: a server answering from a
// state it prepared earlier (web's live state) gives its pages the ledger version that
// state was built on, so that a page kept for it stays in use until the next one is
// ready.
func WithLedgerVersion(ctx context.Context, v uint64) context.Context {
	return context.WithValue(ctx, ledgerVersionKey{}, v)
}

// LedgerVersionOf is the ledger version ctx carries (WithLedgerVersion), or this
// process's.
func LedgerVersionOf(ctx context.Context) uint64 {
	if v, ok := ctx.Value(ledgerVersionKey{}).(uint64); ok {
		return v
	}
	return LedgerVersion()
}

// QuarantinedRow is one row that failed validation.
type QuarantinedRow struct {
	RunID  string `json:"run_id"`
	File   string `json:"file"`
	FileID string `json:"file_id"`
	Kind   string `json:"kind"`
	Line   int64  `json:"line"`
	Column string `json:"column"`
	Reason string `json:"reason"`
	Raw    string `json:"raw"`
}

// Quarantine lists quarantined rows, newest first, optionally of one file name or run.
func Quarantine(ctx context.Context, s store.Store, fileName, runID string, limit int) ([]QuarantinedRow, error) {
	res, err := s.Query(ctx, kovsql.Query("ingest.Quarantine"), store.Params{"file": fileName, "run": runID, "limit": limit})
	if err != nil {
		return nil, err
	}
	out := make([]QuarantinedRow, 0, len(res.Rows))
	for _, r := range res.Rows {
		line, _ := strconv.ParseInt(r[4], 10, 64)
		out = append(out, QuarantinedRow{RunID: r[0], File: r[1], FileID: r[2], Kind: r[3], Line: line, Column: r[5], Reason: r[6], Raw: r[7]})
	}
	return out, nil
}

// LedgerFile is one file of the ledger.
type LedgerFile struct {
	Finished    string `json:"finished"`
	RunID       string `json:"run_id"`
	FileID      string `json:"file_id"`
	FileName    string `json:"file_name"`
	Kind        string `json:"kind"`
	Size        int64  `json:"size_bytes"`
	Status      string `json:"status"`
	RowsRead    int64  `json:"rows_read"`
	Loaded      int64  `json:"loaded"`
	Duplicates  int64  `json:"duplicates"`
	Quarantined int64  `json:"quarantined"`
	Message     string `json:"message"`
}

// Files lists the ledger, newest first.
func Files(ctx context.Context, s store.Store, limit int) ([]LedgerFile, error) {
	res, err := s.Query(ctx, kovsql.Query("ingest.Files"), store.Params{"limit": limit})
	if err != nil {
		return nil, err
	}
	out := make([]LedgerFile, 0, len(res.Rows))
	for _, r := range res.Rows {
		n := func(i int) int64 { v, _ := strconv.ParseInt(r[i], 10, 64); return v }
		out = append(out, LedgerFile{Finished: r[0], RunID: r[1], FileID: r[2], FileName: r[3], Kind: r[4], Size: n(5), Status: r[6],
			RowsRead: n(7), Loaded: n(8), Duplicates: n(9), Quarantined: n(10), Message: r[11]})
	}
	return out, nil
}

// RunInfo is one ingest run as it ended (or is still running).
type RunInfo struct {
	RunID    string `json:"run_id"`
	Trigger  string `json:"trigger"`
	Started  string `json:"started_at"`
	Finished string `json:"finished_at"`
	Status   string `json:"status"`
	Message  string `json:"message"`
}

// Runs lists the latest ingest runs with their latest status, newest first.
func Runs(ctx context.Context, s store.Store, limit int) ([]RunInfo, error) {
	res, err := s.Query(ctx, kovsql.Query("ingest.Runs"), store.Params{"limit": limit})
	if err != nil {
		return nil, err
	}
	out := make([]RunInfo, 0, len(res.Rows))
	for _, r := range res.Rows {
		out = append(out, RunInfo{RunID: r[0], Trigger: r[1], Started: r[2], Finished: r[3], Status: r[4], Message: r[5]})
	}
	return out, nil
}

// QuarantineColumns are the quarantine table's columns as AppendQuarantineRow writes them.
var QuarantineColumns = []string{"run_id", "file_id", "file_name", "kind", "line", "column", "reason", "raw", "at"}

// AppendQuarantineRow appends problem p of a file as one TSV row of QuarantineColumns.
func AppendQuarantineRow(dst []byte, runID, fileID, fileName, kind string, p Problem, at string) []byte {
	return store.AppendTSVRow(dst, runID, fileID, fileName, kind, strconv.FormatInt(p.Line, 10), p.Column, p.Reason, p.Raw, at)
}

// maxReasons is how many quarantine reasons a file's summary lists.
const maxReasons = 5

// NoteProblem lists p among the file's first reasons, as the summary prints them.
func (r *FileResult) NoteProblem(p Problem) {
	if len(r.Reasons) >= maxReasons {
		return
	}
	if p.Column == "" {
		r.Reasons = append(r.Reasons, fmt.Sprintf("line %d: %s", p.Line, p.Reason))
		return
	}
	r.Reasons = append(r.Reasons, fmt.Sprintf("line %d: %s: %s", p.Line, p.Column, p.Reason))
}
