package ledger_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"ee/kovmon/ingest"
	"ee/kovmon/internal/fixture"
	"ee/kovmon/ledger"
	"ee/kovmon/store"
	"ee/kovmon/store/storetest"
)

// The ledger's questions are asked of a real server and cluster too, which this test
// binary starts (storetest.Main).
func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// TestEachRunOnce loads files in runs of their own — the registry, a good file, a
// file rejected whole — and leaves one run running, as a load in progress does, then
// lists the runs: each once, with the status of its latest record, the start of its
// first, and what its files did. (Before issue 17 the data page listed every run once
// per record: once done and once running.)
func TestEachRunOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		fixture.RealRegistry(t, s)
		loader := &ingest.Loader{Store: s}
		good, err := ingest.Run(ctx, loader, "test", []string{filepath.Join("..", "ingest", "testdata", "good", "usage.csv")}, "usage")
		if err != nil {
			t.Fatal(err)
		}
		bad, err := ingest.Run(ctx, loader, "schedule", []string{filepath.Join("..", "ingest", "testdata", "bad", "all_rows_bad.csv")}, "trainings")
		if err != nil {
			t.Fatal(err)
		}
		if good[0].Status != "loaded" || bad[0].Status != "rejected" {
			t.Fatalf("loads: %+v %+v", good[0], bad[0])
		}
		const running = "29991231T235959-running"
		if err := s.Exec(ctx, "INSERT INTO ingest_runs (run_id, trigger, started_at, status, message) VALUES ({r:String}, 'http', now64(3), 'running', '')",
			store.Params{"r": running}); err != nil {
			t.Fatal(err)
		}

		runs, err := ledger.Runs(ctx, s, 100)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, r := range runs {
			seen[r.RunID]++
		}
		// The registry's two files, the good one, the rejected one, the running one.
		if len(runs) != 5 || len(seen) != 5 {
			t.Fatalf("%d runs listed, %d distinct, want 5 of each: %+v", len(runs), len(seen), runs)
		}
		byID := func(id string) ledger.Run {
			i := slices.IndexFunc(runs, func(r ledger.Run) bool { return r.RunID == id })
			if i < 0 {
				t.Fatalf("run %s is not listed: %+v", id, runs)
			}
			return runs[i]
		}
		if r := byID(good[0].RunID); r.Status != "done" || r.Trigger != "test" || r.Files != 1 || r.Loaded != good[0].Loaded || r.Rejected != 0 ||
			r.Finished == "" || r.Started > r.Finished || r.Started < "2000" {
			t.Errorf("the good file's run: %+v (loaded %d)", r, good[0].Loaded)
		}
		if r := byID(bad[0].RunID); r.Trigger != "schedule" || r.Files != 1 || r.Loaded != 0 || r.Rejected != 1 {
			t.Errorf("the rejected file's run: %+v", r)
		}
		if r := byID(running); r.Status != "running" || r.Finished != "" || r.Files != 0 {
			t.Errorf("the running run: %+v", r)
		}
		if runs[0].RunID != running {
			t.Errorf("the newest run first: %s, want %s", runs[0].RunID, running)
		}

		files, err := ledger.Files(ctx, s, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != 4 || files[0].RunID != bad[0].RunID || files[0].Status != "rejected" || files[0].FileName != "all_rows_bad.csv" {
			t.Errorf("files: %+v", files)
		}
		quarantined, err := ledger.Quarantine(ctx, s, "all_rows_bad.csv", "", 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(quarantined) == 0 || int64(len(quarantined)) != bad[0].Quarantined || quarantined[0].Kind != "trainings" {
			t.Errorf("quarantine of the rejected file: %d rows, the ledger says %d: %+v", len(quarantined), bad[0].Quarantined, quarantined)
		}
		reasons, err := ledger.Reasons(ctx, s, 100)
		if err != nil {
			t.Fatal(err)
		}
		var rows int64
		for _, r := range reasons {
			rows += r.Rows
		}
		if rows != good[0].Quarantined+bad[0].Quarantined {
			t.Errorf("the reasons count %d rows, the ledger %d + %d", rows, good[0].Quarantined, bad[0].Quarantined)
		}
	})
}
