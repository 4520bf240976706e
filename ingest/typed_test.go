package ingest

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/ClickHouse/ch-go/proto"
)

// TestOffsetOfEveryHour: the offset cache gives every local hour of the years a
// timestamp may have the offset of the hour's own earliest instant, as worked out
// hour by hour (tallinnHourStart), on the days it keeps one offset for and on the
// days the offset changes.
func TestOffsetOfEveryHour(t *testing.T) {
	var cache offsetCache
	changes := 0
	for day := daysFromCivil(minYear-1, 1, 1); day <= daysFromCivil(maxYear, 12, 31); day++ {
		y, mo, d := civilFromDays(day)
		for h := range 24 {
			local := day*86400 + int64(h)*3600
			want := local - tallinnHourStart(y, mo, d, h)
			if got := cache.offset(local+1799, y, mo, d, h); got != want {
				t.Fatalf("%04d-%02d-%02d %02d:29:59: offset %d s, want %d s", y, mo, d, h, got, want)
			}
		}
		if cache.day[day-cacheFirstDay] == offsetChanges {
			changes++
		}
	}
	// Two changes a year in most years since 1981 (none in 2000 and 2001).
	if changes < 200 {
		t.Fatalf("the offset changes on %d days only: the days it changes on were not checked", changes)
	}
}

// TestSplitOfRepeatsKeepsTheBlockSmall: a block all of whose rows are repeats is
// not sent but filled again with the next batch; split by repeats batch after batch
// (a file of one row repeated), its strings take no more room than one batch's.
func TestSplitOfRepeatsKeepsTheBlockSmall(t *testing.T) {
	layout := &blockLayout{names: []string{"id"}, kinds: []columnKind{columnString}, nullable: []bool{false}}
	b, aside := newRowBlock(layout), newRowBlock(layout)
	const batch = 100
	row := []value{{s: strings.Repeat("k", 40)}}
	verdicts := make([]keyVerdict, batch)
	for i := range verdicts {
		verdicts[i] = keyRepeat
	}
	for round := range 50 {
		for range batch {
			b.add(row)
		}
		b.split(verdicts, aside)
		if b.rows != 0 {
			t.Fatalf("round %d: %d rows kept of repeats", round, b.rows)
		}
		if n := len(b.cols[0].str.Buf); n > batch*len(row[0].s) {
			t.Fatalf("round %d: the block's strings take %d bytes, more than a batch's %d", round, n, batch*len(row[0].s))
		}
	}
}

// TestSplitKeepsFirstRowsInOrder: a block split by the key filter's verdicts keeps
// the first rows of their keys in order, appends the rows set aside to the other
// block in order and drops the certain repeats, in every column, whether the first
// row not kept is the block's first row or a later one.
func TestSplitKeepsFirstRowsInOrder(t *testing.T) {
	layout := &blockLayout{names: []string{"id", "duration", "at"}, kinds: []columnKind{columnString, columnUInt64, columnDateTime64},
		nullable: []bool{false, true, false}}
	const F, A, R = keyFirst, keySetAside, keyRepeat
	for _, verdicts := range [][]keyVerdict{
		{F, F, R, F, A, F, A, A, F, F},
		{A, F, R, R, F, F, A, F, F, R},
		{F, F, F, F, F, F, F, F, F, F},
	} {
		b, aside := newRowBlock(layout), newRowBlock(layout)
		for i := range verdicts {
			b.add([]value{{s: strings.Repeat("x", i) + strconv.Itoa(i)}, {u: uint64(i), null: i%3 == 0}, {ms: int64(1000 * i)}})
		}
		var wantKept, wantAside []int
		for i, v := range verdicts {
			switch v {
			case F:
				wantKept = append(wantKept, i)
			case A:
				wantAside = append(wantAside, i)
			}
		}
		if got := b.split(verdicts, aside); got != (len(wantAside) > 0) {
			t.Errorf("%v: split reported %v, want %v", verdicts, got, len(wantAside) > 0)
		}
		for name, check := range map[string]struct {
			b    *rowBlock
			rows []int
		}{"kept": {b, wantKept}, "set aside": {aside, wantAside}} {
			if check.b.rows != len(check.rows) {
				t.Fatalf("%v: %s: %d rows, want %d", verdicts, name, check.b.rows, len(check.rows))
			}
			c := check.b.cols
			if c[0].str.Rows() != len(check.rows) || len(c[1].u64) != len(check.rows) || len(c[1].nulls) != len(check.rows) || len(c[2].time.Data) != len(check.rows) {
				t.Fatalf("%v: %s: columns of %d, %d, %d, %d rows, want %d", verdicts, name, c[0].str.Rows(), len(c[1].u64), len(c[1].nulls), len(c[2].time.Data), len(check.rows))
			}
			// The engine reads a column as its Native encoding, from the kept
			// positions, not as the column's buffer holds it.
			var enc proto.Buffer
			c[0].str.EncodeColumn(&enc)
			var decoded proto.ColStr
			if err := decoded.DecodeColumn(proto.NewReader(bytes.NewReader(enc.Buf)), len(check.rows)); err != nil {
				t.Fatalf("%v: %s: decoding the Native string column: %v", verdicts, name, err)
			}
			for j, i := range check.rows {
				if s := decoded.Row(j); s != strings.Repeat("x", i)+strconv.Itoa(i) {
					t.Errorf("%v: %s: the Native encoding's row %d is %q, want row %d's", verdicts, name, j, s, i)
				}
				wantNull := uint8(0)
				if i%3 == 0 {
					wantNull = 1
				}
				if s := c[0].str.Row(j); s != strings.Repeat("x", i)+strconv.Itoa(i) || c[1].u64[j] != uint64(i) || c[1].nulls[j] != wantNull || int64(c[2].time.Data[j]) != int64(1000*i) {
					t.Errorf("%v: %s row %d: %q, %d (null %d), %d; want row %d's", verdicts, name, j, s, c[1].u64[j], c[1].nulls[j], c[2].time.Data[j], i)
				}
			}
		}
	}
}
