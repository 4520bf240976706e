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
	f := newKeyFilter(200_000)
	row := []byte("same-id\t2018-01-01 00:00:00.000\t0784\tweb\n")
	var tsv []byte
	for range 100_000 {
		tsv = append(tsv, row...)
	}
	for i := range 1000 {
		tsv = fmt.Appendf(tsv, "id-%d\t2018-01-01 00:00:00.000\t0784\tweb\n", i)
	}
	first, repeated := splitTSV(f, []int{0}, tsv, nil, nil)
	if n := bytes.Count(first, []byte{'\n'}); n != 1001 {
		t.Errorf("%d rows passed as first of their key, want 1001", n)
	}
	if n := bytes.Count(repeated, []byte{'\n'}); n != 1 {
		t.Errorf("%d rows set aside, want 1 (the others are certain repeats)", n)
	}

	// Keys of more than one column: a row is a repeat only of its whole key.
	f = newKeyFilter(1000)
	first, repeated = splitTSV(f, []int{0, 2}, []byte("a\tx\t1\na\ty\t2\na\tz\t1\na\tw\t1\n"), nil, nil)
	if string(first) != "a\tx\t1\na\ty\t2\n" || string(repeated) != "a\tz\t1\n" {
		t.Errorf("two-column key: first %q, set aside %q", first, repeated)
	}
}

// splitTSV appends each '\n'-terminated TSV row of tsv to first or to repeated, by the
// key fields at keyCols (ascending), in line order; certain repeats are dropped. The
// filter as a load uses it, over text rows: the tests' way to feed it.
func splitTSV(f *keyFilter, keyCols []int, tsv, first, repeated []byte) ([]byte, []byte) {
	var key []byte
	for len(tsv) > 0 {
		end := bytes.IndexByte(tsv, '\n') + 1
		if end == 0 {
			end = len(tsv)
		}
		row := tsv[:end]
		tsv = tsv[end:]
		key = appendTSVKey(key[:0], row, keyCols)
		switch f.classifyAll(key, []int{len(key)}, nil)[0] {
		case keyFirst:
			first = append(first, row...)
		case keySetAside:
			repeated = append(repeated, row...)
		}
	}
	return first, repeated
}

// appendTSVKey appends the key fields of a TSV row, each followed by a tab.
func appendTSVKey(dst, row []byte, keyCols []int) []byte {
	k := 0
	for col := 0; col <= keyCols[len(keyCols)-1]; col++ {
		i := bytes.IndexAny(row, "\t\n")
		if i < 0 {
			i = len(row)
		}
		if col == keyCols[k] {
			dst = append(append(dst, row[:i]...), '\t')
			k++
		}
		row = row[min(i+1, len(row)):]
	}
	return dst
}
