package ingest

import (
	"bytes"
	"fmt"
	"testing"
)

// TestRepeatsOfASetAsideKeyAreDropped: of a row repeated 100 000 times the filter
// passes the first and sets aside one repeat; the others are certain repeats and are
// not set aside (issue 15, point 4: a file of one row repeated 42.9 million times set
// them all aside, and sorting them out took 3.9 GB). A key seen for the first time
// is never dropped, mistaken or not.
func TestRepeatsOfASetAsideKeyAreDropped(t *testing.T) {
	f := newKeyFilter(200_000, []int{0})
	row := []byte("same-id\t2018-01-01 00:00:00.000\t0784\tweb\n")
	var tsv []byte
	for range 100_000 {
		tsv = append(tsv, row...)
	}
	for i := range 1000 {
		tsv = fmt.Appendf(tsv, "id-%d\t2018-01-01 00:00:00.000\t0784\tweb\n", i)
	}
	first, repeated := f.split(tsv, nil, nil)
	if n := bytes.Count(first, []byte{'\n'}); n != 1001 {
		t.Errorf("%d rows passed as first of their key, want 1001", n)
	}
	if n := bytes.Count(repeated, []byte{'\n'}); n != 1 {
		t.Errorf("%d rows set aside, want 1 (the others are certain repeats)", n)
	}

	// Keys of more than one column: a row is a repeat only of its whole key.
	f = newKeyFilter(1000, []int{0, 2})
	first, repeated = f.split([]byte("a\tx\t1\na\ty\t2\na\tz\t1\na\tw\t1\n"), nil, nil)
	if string(first) != "a\tx\t1\na\ty\t2\n" || string(repeated) != "a\tz\t1\n" {
		t.Errorf("two-column key: first %q, set aside %q", first, repeated)
	}
}
