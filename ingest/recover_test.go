package ingest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"ee/kovmon/ledger"
	"ee/kovmon/store"
)

// TestRecoverRollsBackWhatAKilledRunLeft plays what a load killed in its commit
// leaves: a run still "running" (of no live process) whose first file is in and in
// the ledger, whose second file has part of its rows in the table, quarantine rows
// and no ledger row, and one registry row of a third file. Recover removes the
// second and third files' rows and quarantine, keeps the first file whole, marks the
// run interrupted, rewrites the attribution, and removes a dead process's upload
// folder; run again it changes nothing.
func TestRecoverRollsBackWhatAKilledRunLeft(t *testing.T) {
	l, s := newLoader(t)
	ctx := context.Background()
	good := loadOne(t, l, "usage", filepath.Join("testdata", "good", "usage.csv"))
	if good.Status != "loaded" || good.Loaded == 0 {
		t.Fatalf("load: %+v", good)
	}
	before := snapshotCounts(t, s)
	orphans := func() int64 {
		return queryInt(t, s, "SELECT (SELECT count() FROM usage WHERE file_id = 'file-b') + (SELECT count() FROM municipalities WHERE file_id = 'file-c')", nil)
	}
	exec := func(q string) {
		t.Helper()
		if err := s.Exec(ctx, q, store.Params{"fid": good.FileID}); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	const dead = "19700101T000000-dead"
	exec("INSERT INTO ingest_runs (run_id, trigger, started_at, status, message) VALUES ('" + dead + "', 'http', now64(3), 'running', '')")
	// File A: complete and in the ledger in the dead run.
	exec("INSERT INTO usage SELECT * REPLACE ('file-a' AS file_id, '" + dead + "' AS run_id, concat('a-', event_id) AS event_id) FROM (SELECT * FROM usage WHERE file_id = {fid:String})")
	exec("INSERT INTO ingest_files (run_id, file_id, file_name, kind, size_bytes, rows_read, loaded, duplicates, quarantined, status, message, finished_at) " +
		"SELECT '" + dead + "', 'file-a', 'a.csv', 'usage', 1, count(), count(), 0, 0, 'loaded', '', now64(3) FROM usage WHERE file_id = 'file-a'")
	exec("INSERT INTO quarantine (run_id, file_id, file_name, kind, line, column, reason, raw, at) VALUES ('" + dead + "', 'file-a', 'a.csv', 'usage', 7, 'ehak_code', 'unknown municipality', 'x', now64(3))")
	// File B: half committed, never recorded.
	exec("INSERT INTO usage SELECT * REPLACE ('file-b' AS file_id, '" + dead + "' AS run_id, concat('b-', event_id) AS event_id) FROM (SELECT * FROM usage WHERE file_id = {fid:String} LIMIT 3)")
	exec("INSERT INTO quarantine (run_id, file_id, file_name, kind, line, column, reason, raw, at) VALUES ('" + dead + "', 'file-b', 'b.csv', 'usage', 9, 'ehak_code', 'unknown municipality', 'y', now64(3))")
	// File C: a registry row, never recorded.
	exec("INSERT INTO municipalities SELECT * REPLACE ('9998' AS ehak_code, 'file-c' AS file_id, '" + dead + "' AS run_id) FROM (SELECT * FROM municipalities LIMIT 1)")

	if n := orphans(); n != 4 {
		t.Fatalf("the test's killed run left %d rows, want 4", n)
	}
	uploads := t.TempDir()
	ended := exec2(t)
	leftFolder := filepath.Join(uploads, scratchPrefix+strconv.Itoa(ended)+"-upload-1")
	os.Mkdir(leftFolder, 0o700)
	os.WriteFile(filepath.Join(leftFolder, "big.csv"), []byte("x"), 0o600)

	for round := range 2 {
		if err := Recover(ctx, s, RecoverOptions{ScratchDirs: []string{uploads}}); err != nil {
			t.Fatal(err)
		}
		if n := queryInt(t, s, "SELECT count() FROM usage WHERE file_id = 'file-b'", nil); n != 0 {
			t.Errorf("round %d: %d rows of the unrecorded file stay", round, n)
		}
		if n, want := queryInt(t, s, "SELECT count() FROM usage WHERE file_id = 'file-a'", nil), good.Loaded; n != want {
			t.Errorf("round %d: the recorded file has %d rows, want %d", round, n, want)
		}
		if n := queryInt(t, s, "SELECT count() FROM quarantine WHERE run_id = '"+dead+"'", nil); n != 1 {
			t.Errorf("round %d: %d quarantine rows of the run, want the recorded file's 1", round, n)
		}
		if n := queryInt(t, s, "SELECT count() FROM municipalities WHERE file_id = 'file-c'", nil); n != 0 {
			t.Errorf("round %d: the unrecorded registry row stays", round)
		}
		if after := snapshotCounts(t, s); after.attribution != before.attribution {
			t.Errorf("round %d: attribution rows %d, want %d as before the registry row", round, after.attribution, before.attribution)
		}
		runs, err := ledger.Runs(ctx, s, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range runs {
			if r.RunID == dead && r.Status != "interrupted" {
				t.Errorf("round %d: the dead run is %q, want interrupted", round, r.Status)
			}
		}
		if _, err := os.Stat(leftFolder); !os.IsNotExist(err) {
			t.Errorf("round %d: the ended process's upload folder is still there", round)
		}
	}
}

type counts struct{ attribution int64 }

func snapshotCounts(t *testing.T, s store.Store) counts {
	return counts{attribution: queryInt(t, s, "SELECT count() FROM attribution", nil)}
}

// exec2 runs a process that ends at once and returns its (now free) process id.
func exec2(t *testing.T) int {
	t.Helper()
	c := exec.Command("true")
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	return c.Process.Pid
}

// TestLiveRunIsNotRolledBack: a run this process is still loading is not left over.
func TestLiveRunIsNotRolledBack(t *testing.T) {
	l, s := newLoader(t)
	ctx := context.Background()
	good := loadOne(t, l, "usage", filepath.Join("testdata", "good", "usage.csv"))
	const live = "19700101T000000-live"
	if err := StartRun(ctx, s, live, "test"); err != nil {
		t.Fatal(err)
	}
	if err := s.Exec(ctx, "INSERT INTO usage SELECT * REPLACE ('"+live+"' AS run_id, concat('l-', event_id) AS event_id) FROM (SELECT * FROM usage WHERE file_id = {fid:String})", store.Params{"fid": good.FileID}); err != nil {
		t.Fatal(err)
	}
	if err := Recover(ctx, s, RecoverOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := queryInt(t, s, "SELECT count() FROM usage WHERE run_id = '"+live+"'", nil); n != good.Loaded {
		t.Errorf("a live run's rows: %d, want %d", n, good.Loaded)
	}
	FinishRun(ctx, s, live, "test", "done", "")
}
