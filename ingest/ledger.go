package ingest

import (
	"fmt"
	"strconv"

	"ee/kovmon/ledger"
	"ee/kovmon/store"
)

// ledgerVersion is the ledger's count of this process's changes (ledger.Changes):
// every change ingest makes to the ledger adds one.
var ledgerVersion = &ledger.Changes

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
