package ingest

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKilledAttachBesideHeldRowsIsRolledBack: a `kovmon ingest` of a file of new
// keys into a table that holds rows attaches its stage (attachNewKeys); killed
// between two attached partitions, it leaves part of its file beside the rows held,
// and the same command run again leaves the rows held and exactly one complete load
// of the file, each quarantined row once, no stage table. Without the attach into a
// table that holds rows the load copies, never reaches the failpoint, and the test
// fails.
func TestKilledAttachBesideHeldRowsIsRolledBack(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", t.TempDir())
	bin := filepath.Join(tmp, "kovmon")
	if out, err := exec.Command("go", "build", "-o", bin, "ee/kovmon/cmd/kovmon").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	codes := registryCodes(t)
	// Events of five years: five partitions, attached one by one.
	uf, err := writeUsageFile(filepath.Join(tmp, "usage.csv"), usageSpec{Rows: 50_000, BadEvery: 5000, DupEvery: 2000}, codes)
	if err != nil {
		t.Fatal(err)
	}
	held, err := writeUsageFile(filepath.Join(tmp, "held.csv"), usageSpec{Rows: 1000, BadEvery: 300, DupEvery: 200, FirstID: 50_000}, codes)
	if err != nil {
		t.Fatal(err)
	}
	dir := newDataDir(t, bin, tmp, "data")
	runKovmon(t, bin, dir, "ingest", "--kind", "usage", held.Path)

	cmd := exec.Command(bin, "--data", dir, "ingest", "--kind", "usage", uf.Path)
	cmd.Env = append(os.Environ(), failpointEnv+"=attached-partition")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := make(chan bool, 1)
	go func() {
		lines := bufio.NewScanner(stderr)
		for lines.Scan() {
			if strings.Contains(lines.Text(), "stopped at failpoint attached-partition") {
				stopped <- true
				return
			}
		}
		stopped <- false // the process ended without stopping there
	}()
	select {
	case ok := <-stopped:
		if !ok {
			cmd.Wait()
			t.Fatalf("the load into a table holding rows ended without attaching a partition")
		}
	case <-time.After(2 * time.Minute):
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		t.Fatalf("the load into a table holding rows did not reach its first attached partition in 2 minutes")
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	var left usageCounts
	runTestChild(t, "counts", map[string]string{"KOVMON_CHILD_DATA": dir}, &left)
	if left.Rows <= held.Keys || left.Rows >= held.Keys+uf.Keys {
		t.Fatalf("killed after one attached partition, the table holds %d rows; want more than the %d held and fewer than %d", left.Rows, held.Keys, held.Keys+uf.Keys)
	}

	runKovmon(t, bin, dir, "ingest", "--kind", "usage", uf.Path)
	var got usageCounts
	runTestChild(t, "counts", map[string]string{"KOVMON_CHILD_DATA": dir}, &got)
	want := usageCounts{Rows: held.Keys + uf.Keys, Keys: held.Keys + uf.Keys, SumLines: held.SumLines + uf.SumLines,
		Quarantined: held.Bad + uf.Bad, QuarantineKey: held.Bad + uf.Bad}
	if got != want {
		t.Fatalf("after the rerun the folder holds %+v; the rows held and one complete load are %+v", got, want)
	}
}
