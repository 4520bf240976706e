package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// uploadState is what a data folder holds of the crash test's upload, asked of a
// running serve.
type uploadState struct {
	Rows         int    // usage rows (coverage: the rows behind I.4, every row of the file is a submit)
	LedgerLoaded int    // ledger rows of big.csv with status loaded
	LedgerRows   int64  // rows those ledger rows say they loaded
	RunningRuns  int    // runs still marked running
	Interrupted  int    // runs marked interrupted
	Fresh        bool   // /api/status: the figures follow the data
	ScratchLeft  string // scratch files left in the serve's temporary folder
}

// TestKilledUploadIsAllOrNothing is issue 15's crash test of the HTTP upload: serve is
// killed (SIGKILL) while a large usage file is being uploaded, at a random moment of
// each phase — the body arriving, staging, the commit into an empty table (attaching
// partitions) and into one that holds rows (the copy), the refresh — and once exactly
// between two attached partitions (a failpoint), where the issue found 836,373 of
// 5,000,000 rows left behind. After each restart the folder holds either the whole
// file, in the ledger, or nothing of it; no run is left running, no scratch file is
// left, and the figures are fresh. When nothing is in, the file is sent again and
// loads whole. KOVMON_CRASH_ROWS sets the file's rows (default 600 000),
// KOVMON_CRASH_ROUNDS the random rounds per phase (default 1).
func TestKilledUploadIsAllOrNothing(t *testing.T) {
	rows := envInt("KOVMON_CRASH_ROWS", 600_000)
	perPhase := envInt("KOVMON_CRASH_ROUNDS", 1)
	tmp := t.TempDir()
	big := filepath.Join(tmp, "big.csv")
	usageFileOfYears(t, big, rows)
	small := filepath.Join(tmp, "small.csv")
	usageFileOfYears(t, small, 1000) // the big file's first rows: its commit is then a copy

	// A complete upload into each kind of table, to time the phases.
	type phases struct{ stage, commit, refresh time.Duration }
	took := map[bool]phases{}
	for _, preloaded := range []bool{false, true} {
		h := newCrashHarness(t, tmp, "timing-"+strconv.FormatBool(preloaded), preloaded, small)
		s := h.start(nil)
		start := time.Now()
		marks := map[string]time.Duration{}
		done := make(chan error, 1)
		go func() { done <- upload(s.addr, big, -1) }()
		for _, m := range []string{"ingest: reading and staging", "ingest: committing", "refreshing the figures", "figures refreshed"} {
			waitLog(t, s, m, 5*time.Minute)
			marks[m] = time.Since(start)
		}
		if err := <-done; err != nil {
			t.Fatalf("a complete upload: %v\n%s", err, s.logText())
		}
		took[preloaded] = phases{stage: marks["ingest: committing"] - marks["ingest: reading and staging"],
			commit: marks["refreshing the figures"] - marks["ingest: committing"], refresh: marks["figures refreshed"] - marks["refreshing the figures"]}
		h.check(t, s, rows, "complete")
		s.cmd.Process.Kill()
		s.cmd.Wait()
		t.Logf("complete upload of %d rows, table preloaded %v: staging %.2f s, commit %.2f s, refresh %.2f s", rows, preloaded,
			took[preloaded].stage.Seconds(), took[preloaded].commit.Seconds(), took[preloaded].refresh.Seconds())
	}

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 15))
	type round struct {
		phase     string
		preloaded bool
		failpoint string
	}
	var rounds []round
	for range perPhase {
		rounds = append(rounds, round{phase: "body"}, round{phase: "stage"}, round{phase: "commit"},
			round{phase: "commit", preloaded: true}, round{phase: "refresh"})
	}
	rounds = append(rounds, round{phase: "commit", failpoint: "attached-partition"})
	killedMidway, whole, none := 0, 0, 0
	for i, rd := range rounds {
		name := fmt.Sprintf("round%d-%s", i, rd.phase)
		h := newCrashHarness(t, tmp, name, rd.preloaded, small)
		var env []string
		if rd.failpoint != "" {
			env = []string{"KOVMON_FAILPOINT=" + rd.failpoint}
		}
		s := h.start(env)
		done := make(chan error, 1)
		// The client gives up on a body it cannot finish once the server is gone (the
		// transport does not notice while it waits for more body to send).
		ctx, cancel := context.WithCancel(context.Background())
		var at time.Duration
		switch rd.phase {
		case "body":
			// The client sends part of the body, then the server dies.
			size, _ := os.Stat(big)
			part := int64(float64(size.Size()) * (0.1 + 0.8*rng.Float64()))
			go func() { done <- uploadCtx(ctx, s.addr, big, part) }()
			for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
				if left, _ := filepath.Glob(filepath.Join(h.scratch, "kovmon-scratch-*-upload-*", "big.csv")); len(left) > 0 {
					if st, err := os.Stat(left[0]); err == nil && st.Size() >= part/2 {
						break
					}
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s: the body never arrived: %s", name, s.logText())
				}
			}
		default:
			go func() { done <- upload(s.addr, big, -1) }()
			mark := map[string]string{"stage": "ingest: reading and staging", "commit": "ingest: committing", "refresh": "refreshing the figures"}[rd.phase]
			if rd.failpoint != "" {
				mark = "stopped at failpoint " + rd.failpoint
			}
			waitLog(t, s, mark, 5*time.Minute)
			if rd.failpoint == "" {
				span := map[string]time.Duration{"stage": took[rd.preloaded].stage, "commit": took[rd.preloaded].commit, "refresh": took[rd.preloaded].refresh}[rd.phase]
				at = time.Duration(rng.Float64() * float64(span))
				time.Sleep(at)
			}
		}
		pid := s.cmd.Process.Pid
		s.cmd.Process.Signal(syscall.SIGKILL)
		s.cmd.Wait()
		if rd.phase == "body" {
			cancel()
		}
		err := <-done
		cancel()
		if err != nil {
			killedMidway++
		}
		s = h.start(nil)
		st := h.state(t, s, pid)
		t.Logf("%s (seed %d, preloaded %v, after %.2f s of the phase): upload error %v; after the restart %d of %d rows, %d ledger rows loaded (%d rows), %d runs running, %d interrupted, fresh %v",
			name, seed, rd.preloaded, at.Seconds(), err != nil, st.Rows, rows, st.LedgerLoaded, st.LedgerRows, st.RunningRuns, st.Interrupted, st.Fresh)
		switch {
		case st.Rows == rows && st.LedgerLoaded == 1 && st.LedgerRows == int64(rows-h.preloadedRows()):
			whole++
		case st.Rows == h.preloadedRows() && st.LedgerLoaded == 0:
			none++
			// The client was told the upload failed: it sends the file again.
			if err == nil {
				t.Errorf("%s: the upload was answered, yet none of it is in", name)
			}
			if err := upload(s.addr, big, -1); err != nil {
				t.Fatalf("%s: sending the file again: %v", name, err)
			}
			h.check(t, s, rows, name+", sent again")
		default:
			t.Errorf("%s: half-loaded after the restart: %d of %d rows, %d ledger rows loaded (%d rows)", name, st.Rows, rows, st.LedgerLoaded, st.LedgerRows)
		}
		if st.RunningRuns != 0 || st.ScratchLeft != "" || !st.Fresh {
			t.Errorf("%s: after the restart %d runs running, scratch left %q, fresh %v", name, st.RunningRuns, st.ScratchLeft, st.Fresh)
		}
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
	t.Logf("%d rounds: %d uploads cut off, %d left the whole file in, %d none of it", len(rounds), killedMidway, whole, none)
	if killedMidway == 0 {
		t.Fatal("every upload finished before its kill: nothing was tested")
	}
}

// crashHarness is one data folder of the crash test and the serve on it.
type crashHarness struct {
	t         *testing.T
	data      string
	config    string
	scratch   string // the serve's temporary folder (TMPDIR)
	preloaded bool
}

func newCrashHarness(t *testing.T, tmp, name string, preloaded bool, small string) *crashHarness {
	t.Helper()
	h := &crashHarness{t: t, data: filepath.Join(tmp, name, "data"), scratch: filepath.Join(tmp, name, "tmp"), preloaded: preloaded}
	os.MkdirAll(h.scratch, 0o755)
	for _, kind := range []string{"municipalities", "mergers"} {
		if r := kovmon(t, nil, "--data", h.data, "ingest", "--kind", kind, filepath.Join(registryDir, kind+".csv")); r.code != 0 {
			t.Fatalf("%s: %+v", kind, r)
		}
	}
	if preloaded && small != "" {
		if r := kovmon(t, nil, "--data", h.data, "ingest", "--kind", "usage", small); r.code != 0 {
			t.Fatalf("small: %+v", r)
		}
	}
	h.config = writeFile(t, filepath.Join(tmp, name, "serve.yaml"), fmt.Sprintf("addr: %s\ninbox: %s\nschedules:\n  - cron: \"@every 1h\"\n", freeAddr(t), filepath.Join(tmp, name, "inbox")))
	return h
}

func (h *crashHarness) preloadedRows() int {
	if h.preloaded {
		return 1000
	}
	return 0
}

func (h *crashHarness) start(env []string) *served {
	return startServedEnv(h.t, h.data, h.config, append([]string{"TMPDIR=" + h.scratch}, env...))
}

// state asks a serve what its folder holds of big.csv, and lists the scratch files of
// the killed process pid.
func (h *crashHarness) state(t *testing.T, s *served, pid int) uploadState {
	t.Helper()
	st := uploadState{Rows: coverageRows(t, s.addr, "", "I.4")}
	var files []struct {
		FileName string `json:"file_name"`
		Status   string `json:"status"`
		Loaded   int64  `json:"loaded"`
	}
	if err := json.Unmarshal([]byte(getOK(t, s.addr, "/api/files?limit=1000")), &files); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.FileName == "big.csv" && f.Status == "loaded" {
			st.LedgerLoaded++
			st.LedgerRows += f.Loaded
		}
	}
	runs := getOK(t, s.addr, "/api/runs?limit=1000")
	st.RunningRuns = strings.Count(runs, `"status": "running"`)
	st.Interrupted = strings.Count(runs, `"status": "interrupted"`)
	st.Fresh = strings.Contains(getOK(t, s.addr, "/api/status"), `"fresh": true`)
	if pid > 0 {
		left, _ := filepath.Glob(filepath.Join(h.scratch, "kovmon-scratch-"+strconv.Itoa(pid)+"-*"))
		st.ScratchLeft = strings.Join(left, " ")
	}
	return st
}

// check: the folder holds the whole file, once, in the ledger.
func (h *crashHarness) check(t *testing.T, s *served, rows int, what string) {
	t.Helper()
	st := h.state(t, s, 0)
	if st.Rows != rows || st.LedgerLoaded != 1 || st.LedgerRows != int64(rows-h.preloadedRows()) || !st.Fresh {
		t.Fatalf("%s: %d of %d rows, %d ledger rows loaded (%d rows), fresh %v", what, st.Rows, rows, st.LedgerLoaded, st.LedgerRows, st.Fresh)
	}
}

// upload sends the file (its first limit bytes, then waits, when limit >= 0) to POST
// /api/ingest/usage and returns an error unless it was answered 200.
func upload(addr, path string, limit int64) error {
	return uploadCtx(context.Background(), addr, path, limit)
}

func uploadCtx(ctx context.Context, addr, path string, limit int64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	size, _ := f.Stat()
	var body io.Reader = f
	if limit >= 0 {
		// Part of the body, then nothing: the server waits for the rest until it dies.
		body = io.MultiReader(io.LimitReader(f, limit), blockingReader{ctx})
	}
	req, err := http.NewRequestWithContext(ctx, "POST", "http://"+addr+"/api/ingest/usage?name=big.csv", body)
	if err != nil {
		return err
	}
	req.ContentLength = size.Size()
	resp, err := (&http.Client{Timeout: 10 * time.Minute}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%d %s", resp.StatusCode, b)
	}
	return nil
}

// blockingReader returns nothing until its context ends. (The transport waits for
// a body being sent before Do returns, even once the request is cancelled.)
type blockingReader struct{ ctx context.Context }

func (b blockingReader) Read([]byte) (int, error) {
	<-b.ctx.Done()
	return 0, b.ctx.Err()
}

// waitLog waits until the serve's log holds text.
func waitLog(t *testing.T, s *served, text string, limit time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(limit); !strings.Contains(s.logText(), text); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the serve never logged %q: %s", text, s.logText())
		}
	}
}

// usageFileOfYears writes n valid usage rows for Tallinn over 2016-2020, so that the
// usage table gets five partitions (an attach is then five statements).
func usageFileOfYears(t *testing.T, path string, n int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("event_id,event_time,ehak_code,system,service_code,channel,event\n")
	for i := range n {
		fmt.Fprintf(&b, "y-%d,%d-%02d-%02dT%02d:%02d:00Z,0784,KOVTP,S%d,web,submit\n", i, 2016+i%5, 1+i%12, 1+i%28, i%24, i%60, i%50)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestKilledIngestIsRolledBackByTheNextCommand: a `kovmon ingest` killed between two
// attached partitions leaves part of its file; the next command that opens the data
// folder (here `kovmon runs`) removes it and marks the run interrupted, not the next
// `kovmon serve` (issue 15, point 6), and its scratch files go too.
func TestKilledIngestIsRolledBackByTheNextCommand(t *testing.T) {
	tmp := t.TempDir()
	scratch := filepath.Join(tmp, "tmp")
	os.MkdirAll(scratch, 0o755)
	h := newCrashHarness(t, tmp, "cli", false, "")
	big := filepath.Join(tmp, "years.csv")
	usageFileOfYears(t, big, 50_000)
	cmd := exec.Command(binary, "--data", h.data, "ingest", "--kind", "usage", big)
	cmd.Env = append(os.Environ(), "KOVMON_FAILPOINT=attached-partition", "TMPDIR="+scratch)
	stderr := &served{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitLog(t, stderr, "stopped at failpoint attached-partition", 2*time.Minute)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	if r := kovmon(t, []string{"TMPDIR=" + scratch}, "--data", h.data, "runs"); r.code != 0 {
		t.Fatalf("kovmon runs: %+v", r)
	}
	if left, _ := filepath.Glob(filepath.Join(scratch, "kovmon-scratch-"+strconv.Itoa(cmd.Process.Pid)+"-*")); len(left) > 0 {
		t.Errorf("the killed load's scratch files are still there after the next command: %v", left)
	}
	s := h.start(nil)
	st := h.state(t, s, 0)
	if st.Rows != 0 || st.RunningRuns != 0 || st.Interrupted != 1 {
		t.Errorf("after the kill and `kovmon runs`: %d usage rows, %d runs running, %d interrupted; want 0, 0, 1", st.Rows, st.RunningRuns, st.Interrupted)
	}
}
