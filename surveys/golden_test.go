package surveys

import (
	"flag"
	"path/filepath"
	"strconv"
	"testing"

	"ee/kovmon/internal/golden"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// checkGolden compares got with testdata/name, or rewrites the file with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Compare(t, filepath.Join("testdata", name), got, *update)
}

func itoa(i int) string { return strconv.Itoa(i) }
