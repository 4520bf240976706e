package ingest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// TestOrphanScratchIsRemoved: the scratch files of a process that has ended go; this
// process's own, and a live process's, stay.
func TestOrphanScratchIsRemoved(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	ended := exec.Command("true")
	if err := ended.Run(); err != nil {
		t.Fatal(err)
	}
	live := exec.Command("sleep", "30")
	if err := live.Start(); err != nil {
		t.Fatal(err)
	}
	defer live.Process.Kill()
	names := map[string]bool{ // name → kept
		scratchPrefix + strconv.Itoa(ended.Process.Pid) + "-stage-1":        false,
		scratchPrefix + strconv.Itoa(ended.Process.Pid) + "-problems-2.tsv": false,
		scratchPattern() + "stage-3":                                        true,
		scratchPrefix + strconv.Itoa(live.Process.Pid) + "-stage-4":         true,
		"kovmon-bench":                  true,
		scratchPrefix + "notapid-stage": true,
	}
	for name := range names {
		if err := os.Mkdir(filepath.Join(os.TempDir(), name), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := removeOrphanScratch(); err != nil {
		t.Fatal(err)
	}
	for name, kept := range names {
		_, err := os.Stat(filepath.Join(os.TempDir(), name))
		if (err == nil) != kept {
			t.Errorf("%s: kept %v, want %v", name, err == nil, kept)
		}
	}
}
