package ingest

import (
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKilledLoadIsCompletedByRerun is issue 3's crash test: a real `kovmon ingest`
// of a large usage file is killed with SIGKILL at random moments of a load (see the
// rounds below), and the same command run again must leave exactly the rows of one
// complete load, each quarantined row once, no stage table and none of the killed
// process's scratch files (its named pipe). KOVMON_CRASH_ROWS sets the file's size
// (default 1 000 000 rows, about 100 MB).
func TestKilledLoadIsCompletedByRerun(t *testing.T) {
	rows := 1_000_000
	if v := os.Getenv("KOVMON_CRASH_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			t.Fatalf("KOVMON_CRASH_ROWS=%q: a number >= 1000", v)
		}
		rows = n
	}
	tmp := t.TempDir()
	// The loads' scratch files go here, where the test can see what a kill left.
	scratch := t.TempDir()
	t.Setenv("TMPDIR", scratch)
	bin := filepath.Join(tmp, "kovmon")
	if out, err := exec.Command("go", "build", "-o", bin, "ee/kovmon/cmd/kovmon").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	uf, err := writeUsageFile(filepath.Join(tmp, "usage.csv"), usageSpec{Rows: rows, BadEvery: 5000, DupEvery: 2000}, registryCodes(t))
	if err != nil {
		t.Fatal(err)
	}
	load := []string{"ingest", "--kind", "usage", uf.Path}
	// A small file whose keys are the large one's first, loaded first, makes the
	// large file's commit a copy that leaves out stored keys (rather than attaching
	// its partitions to an empty table): slower, and a wider window to kill in.
	small, err := writeUsageFile(filepath.Join(tmp, "small.csv"), usageSpec{Rows: 1000, BadEvery: 5000, DupEvery: 2000}, registryCodes(t))
	if err != nil {
		t.Fatal(err)
	}

	// Complete loads: how long they take, and that they store what they should.
	took := map[bool]time.Duration{}
	for _, preloaded := range []bool{false, true} {
		dir := newDataDir(t, bin, tmp, "full-"+strconv.FormatBool(preloaded))
		if preloaded {
			runKovmon(t, bin, dir, "ingest", "--kind", "usage", small.Path)
		}
		start := time.Now()
		runKovmon(t, bin, dir, load...)
		took[preloaded] = time.Since(start)
		checkCompleteLoad(t, dir, uf)
		t.Logf("%d rows (%d MB), table preloaded %v: a complete load took %.2f s", uf.Rows, uf.SizeBytes>>20, preloaded, took[preloaded].Seconds())
	}

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 0))
	killed := 0
	// Rounds 0-2 kill at a random moment in each third of a load into an empty table,
	// round 3 in the last third of one into a table that holds rows (the copy).
	for round := range 4 {
		preloaded := round == 3
		dir := newDataDir(t, bin, tmp, "round"+strconv.Itoa(round))
		if preloaded {
			runKovmon(t, bin, dir, "ingest", "--kind", "usage", small.Path)
		}
		at := time.Duration((float64(min(round, 2)) + rng.Float64()) / 3 * float64(took[preloaded]))
		cmd := exec.Command(bin, append([]string{"--data", dir}, load...)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(at)
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		var exit *exec.ExitError
		wasKilled := errors.As(err, &exit) && exit.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL
		if wasKilled {
			killed++
		}
		var left usageCounts
		runTestChild(t, "counts", map[string]string{"KOVMON_CHILD_DATA": dir}, &left)
		t.Logf("round %d (seed %d, preloaded %v): kill after %.2f s (killed: %v) left %d usage rows, %d quarantined, %d stage tables",
			round, seed, preloaded, at.Seconds(), wasKilled, left.Rows, left.Quarantined, left.Stages)

		runKovmon(t, bin, dir, load...)
		checkCompleteLoad(t, dir, uf)
		if left, _ := filepath.Glob(filepath.Join(scratch, scratchPrefix+strconv.Itoa(cmd.Process.Pid)+"-*")); len(left) > 0 {
			t.Errorf("round %d: the rerun left the killed load's scratch files: %v", round, left)
		}
	}
	if killed == 0 {
		t.Fatalf("every load finished before its kill: nothing was tested")
	}
}

// newDataDir makes a data folder holding the registry, loaded by the binary.
func newDataDir(t *testing.T, bin, tmp, name string) string {
	t.Helper()
	dir := filepath.Join(tmp, name)
	runKovmon(t, bin, dir, "ingest", filepath.Join(registryDir, "municipalities.csv"), filepath.Join(registryDir, "mergers.csv"))
	return dir
}

func runKovmon(t testing.TB, bin, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--data", dir}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kovmon %s: %v\n%s\n%s", strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// checkCompleteLoad checks that a data folder holds exactly one complete load of uf.
func checkCompleteLoad(t *testing.T, dir string, uf usageFile) {
	t.Helper()
	var got usageCounts
	runTestChild(t, "counts", map[string]string{"KOVMON_CHILD_DATA": dir}, &got)
	want := usageCounts{Rows: uf.Keys, Keys: uf.Keys, SumLines: uf.SumLines, Quarantined: uf.Bad, QuarantineKey: uf.Bad}
	if got != want {
		t.Fatalf("%s holds %+v; one complete load is %+v", dir, got, want)
	}
}
