package ingest

import (
	"context"
	"fmt"
	"slices"
)

// Why a process that ends after its run holds the merges of the tables it attached
// to (Loader.EndsAfterRun). The first load into an empty table attaches the stage's
// parts (stage.go), which are smaller than the engine's own load makes them, since the
// stage's blocks are bounded for memory (sink.go): 5 M usage rows of five years came
// in as 90 parts of about 60 000 rows, against 25 of about 222 000 from the engine's
// CSV load. The engine sets about merging parts that small as soon as they are
// attached, on both cores, while the commit counts them and the indicators are
// refreshed (about 0.9 s); when the process then ends, it cancels the merges and
// throws their work away. Measured on 2026-12-02 on `kovmon ingest` of those 5 M rows
// (load average under 0.7): the refresh and the end of the process took 0.99-1.57
// CPU-s with the merges running (five runs) and 0.43-0.51 with them held from the
// commit (eight), and after a process with the merges running every part was still
// unmerged. BenchmarkIngestProcess's CPU ratio went from 0.99 to 0.89 (three pairs
// each, one after the other). The merges are left to the next process that opens the
// store, which runs them as the engine schedules them (kovmon serve, or the next load,
// whose parse takes seconds): holding them is not persistent. They are deferred, not
// saved: the engine's larger parts would need none.
//
// While a table's merges are held, a mutation of it waits for them: nothing in the
// run mutates the kind's table after the commit begins (the commit's delete is of the
// stage), and a further run of the same loader, whose recovery may delete from the
// table, releases the merges first (releaseMerges).

// holdMerges stops the engine's merges of table until releaseMerges or the process
// ends.
func (l *Loader) holdMerges(ctx context.Context, table string) error {
	l.mergesMu.Lock()
	defer l.mergesMu.Unlock()
	if slices.Contains(l.mergesHeld, table) {
		return nil
	}
	if err := l.Store.Exec(ctx, "SYSTEM STOP MERGES "+table, nil); err != nil {
		return fmt.Errorf("hold the merges of %s: %w", table, err)
	}
	l.mergesHeld = append(l.mergesHeld, table)
	return nil
}

// releaseMerges lets the engine merge again the tables whose merges holdMerges held.
func (l *Loader) releaseMerges(ctx context.Context) error {
	l.mergesMu.Lock()
	defer l.mergesMu.Unlock()
	for len(l.mergesHeld) > 0 {
		table := l.mergesHeld[0]
		if err := l.Store.Exec(ctx, "SYSTEM START MERGES "+table, nil); err != nil {
			return fmt.Errorf("release the merges of %s: %w", table, err)
		}
		l.mergesHeld = l.mergesHeld[1:]
	}
	return nil
}
