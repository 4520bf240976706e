package ingest

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"ee/kovmon/ledger"
	"ee/kovmon/store"
)

// QuarantineSample is how many quarantined rows of a file the quarantine keeps: the
// first by line, each with its reason and raw line, for a person to fix the file.
// Beyond that only counts are kept (QuarantineCounts, the quarantine_counts table,
// and the ledger's count of the file), so that a file of ten million bad rows costs
// the quarantine, and the load's memory, no more than one of ten thousand.
const QuarantineSample = 10_000

// maxCountKeys bounds the (column, reason) pairs counted for one file; reasons are a
// short fixed list (validate.go), so this is reached only by a file of many columns
// each failing many ways, whose further pairs are counted under otherReasons.
const maxCountKeys = 1000

const otherReasons = "other reasons"

type countKey struct{ column, reason string }

// QuarantineCounts counts a file's quarantined rows by column and reason, in fixed
// memory.
type QuarantineCounts struct {
	n     map[countKey]int64
	order []countKey // first seen first, so that rows are written in a stable order
}

// Add counts one quarantined row.
func (c *QuarantineCounts) Add(column, reason string) {
	if c.n == nil {
		c.n = map[countKey]int64{}
	}
	k := countKey{column, reason}
	if _, ok := c.n[k]; !ok {
		if len(c.n) >= maxCountKeys {
			k = countKey{"", otherReasons}
		}
		if _, ok := c.n[k]; !ok {
			c.order = append(c.order, k)
		}
	}
	c.n[k]++
}

// Len is the number of (column, reason) pairs counted.
func (c *QuarantineCounts) Len() int { return len(c.order) }

// quarantineCountColumns are the columns StoreQuarantineCounts writes.
var quarantineCountColumns = []string{"run_id", "file_id", "file_name", "kind", "column", "reason", "rows", "at"}

// StoreQuarantineCounts adds the counts of a file's quarantined rows to
// quarantine_counts, each (column, reason) of a file once however often the file is
// loaded: a pair already counted for the file keeps its first count.
func StoreQuarantineCounts(ctx context.Context, s store.Store, runID, fileID, fileName, kind string, c *QuarantineCounts) error {
	if c.Len() == 0 {
		return nil
	}
	counted, err := ledger.CountedFor(ctx, s, fileID)
	if err != nil {
		return fmt.Errorf("quarantine counts: %w", err)
	}
	stored := map[countKey]bool{}
	for _, c := range counted {
		stored[countKey{c.Column, c.Reason}] = true
	}
	now := nowText()
	var tsv []byte
	for _, k := range c.order {
		if stored[k] {
			continue
		}
		tsv = store.AppendTSVRow(tsv, runID, fileID, fileName, kind, k.column, k.reason, strconv.FormatInt(c.n[k], 10), now)
	}
	if len(tsv) == 0 {
		return nil
	}
	if err := s.InsertTSV(ctx, "quarantine_counts", quarantineCountColumns, tsv); err != nil {
		return fmt.Errorf("quarantine counts: %w", err)
	}
	return nil
}

// nowText is the time now as the ledger's DateTime64(3) columns take it.
func nowText() string { return time.Now().UTC().Format("2006-01-02 15:04:05.000") }
