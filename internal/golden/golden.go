// Package golden compares test output with files under testdata/, the way every
// package's golden tests do: on a difference it writes the output beside the golden
// file (FILE.got) and names the first differing line; with update it rewrites the file.
package golden

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// Compare checks got against the file at path, or rewrites the file when update is set.
func Compare(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	os.WriteFile(path+".got", got, 0o644)
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	line := 0
	for line < len(gl) && line < len(wl) && gl[line] == wl[line] {
		line++
	}
	var g, w string
	if line < len(gl) {
		g = gl[line]
	}
	if line < len(wl) {
		w = wl[line]
	}
	t.Errorf("%s differs at line %d (output written to %s.got; rerun with -update if it is right):\n got: %.200s\nwant: %.200s",
		path, line+1, path, g, w)
}
