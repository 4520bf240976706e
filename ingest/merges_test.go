package ingest

import (
	"context"
	"runtime/debug"
	"strings"
	"testing"

	"ee/kovmon/store"
)

// TestEndsAfterRunHoldsMergesUntilTheNextRun: a loader whose process ends after its
// run holds the merges of the table its commit attached to (the engine refuses to
// merge it), and of that table only; a further run releases them before it recovers,
// and its loads are whole. A server's loads, which copy rather than attach, hold
// nothing.
func TestEndsAfterRunHoldsMergesUntilTheNextRun(t *testing.T) {
	k, _ := KindByName("usage")
	file := func(dir, name string, from, to int) string {
		var rows [][]string
		for i := from; i < to; i++ {
			rows = append(rows, validRow(t, k, i, "0784"))
		}
		return writeKindCSV(t, dir, name, k, rows)
	}
	optimize := func(s store.Store, table string) error {
		return s.Exec(context.Background(), "OPTIMIZE TABLE "+table+" FINAL", nil)
	}
	t.Run("embedded", func(t *testing.T) {
		l, s := newLoader(t)
		dir := t.TempDir()
		l.EndsAfterRun = true
		checkResult(t, "first load", loadOne(t, l, "usage", file(dir, "a.csv", 0, 40)), "loaded", 40, 40, 0, 0)
		if err := optimize(s, k.Table); err == nil || !strings.Contains(err.Error(), "ABORTED") {
			t.Fatalf("merging %s after a run that ends its process: %v; want the engine's refusal (ABORTED)", k.Table, err)
		}
		if err := optimize(s, "ingest_files"); err != nil {
			t.Fatalf("merging ingest_files, whose merges were not held: %v", err)
		}
		l.EndsAfterRun = false
		checkResult(t, "second load", loadOne(t, l, "usage", file(dir, "b.csv", 20, 60)), "loaded", 40, 20, 20, 0)
		if err := optimize(s, k.Table); err != nil {
			t.Fatalf("merging %s after a further run: %v", k.Table, err)
		}
		if c, err := countUsage(s); err != nil || c.Rows != 60 || c.CountsDiffer != "" {
			t.Fatalf("after the second load: %+v, %v; want 60 rows and the counts agreeing", c, err)
		}
	})
	t.Run("server", func(t *testing.T) {
		l, s := newLoader(t)
		l.Store, l.EndsAfterRun = opaqueStore{s}, true
		checkResult(t, "load", loadOne(t, l, "usage", file(t.TempDir(), "a.csv", 0, 40)), "loaded", 40, 40, 0, 0)
		if err := optimize(s, k.Table); err != nil {
			t.Fatalf("merging %s after a server's load: %v", k.Table, err)
		}
	})
}

// TestLowerGCPercent: a load lowers the collector's target to loadGCPercent, never
// raises it (nor turns the collector on), and puts back what it found.
func TestLowerGCPercent(t *testing.T) {
	saved := debug.SetGCPercent(100)
	defer debug.SetGCPercent(saved)
	for _, before := range []int{100, 400, loadGCPercent / 2, -1} {
		debug.SetGCPercent(before)
		restore := lowerGCPercent()
		during := debug.SetGCPercent(0) // read it, and set it back
		debug.SetGCPercent(during)
		restore()
		after := debug.SetGCPercent(before)
		if want := min(before, loadGCPercent); during != want {
			t.Errorf("GOGC %d: %d during a load, want %d", before, during, want)
		}
		if after != before {
			t.Errorf("GOGC %d: %d after a load", before, after)
		}
	}
}
