package ingest

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"ee/kovmon/store"
)

// TestCountsFollowTheRows: the counts kept at insert (aggregates.go) equal a recount of
// the stored rows after every sort of load of usage and feedback — the first load (on
// the embedded engine: the stage's partitions attached), the same file again (all of
// it duplicates), an overlapping file (its held keys left out), keys repeated within a
// file — in each of loadModes; and after Recover rolled back a killed run whose rows
// came in both ways, by an insert (which the views count) and by an attach (which the
// commit counts).
func TestCountsFollowTheRows(t *testing.T) {
	inEachLoadMode(t, func(t *testing.T, l *Loader, s store.Store) {
		codes := registryCodes(t)[:40]
		for _, name := range []string{"usage", "feedback"} {
			k, _ := KindByName(name)
			t.Run(name, func(t *testing.T) { checkCountsFollow(t, l, s, k, codes) })
		}
	})
}

func checkCountsFollow(t *testing.T, l *Loader, s store.Store, k *Kind, codes []string) {
	ctx := context.Background()
	dir := t.TempDir()
	counts := countTables[k.Table]
	check := func(when string) {
		t.Helper()
		differ, err := CountsDisagree(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if len(differ) > 0 {
			t.Fatalf("%s: the counts kept at insert differ from a recount of the rows:\n%v", when, differ)
		}
		rows, kept := queryInt(t, s, "SELECT count() FROM "+k.Table, nil), queryInt(t, s, "SELECT sum(source_rows) FROM "+counts, nil)
		if rows == 0 || kept != rows {
			t.Fatalf("%s: %d rows, %d counted", when, rows, kept)
		}
	}
	rowsOf := func(from, to int) [][]string {
		var rows [][]string
		for i := from; i < to; i++ {
			rows = append(rows, countedRow(t, k, i, codes))
		}
		return rows
	}

	// File A: keys 0-399, and 0-49 again (the first line of a key is the one stored).
	fileA := writeKindCSV(t, dir, "a.csv", k, append(rowsOf(0, 400), rowsOf(0, 50)...))
	first := loadOne(t, l, k.Name, fileA)
	checkResult(t, "first load", first, "loaded", 450, 400, 50, 0)
	check("after the first load")
	if n := queryInt(t, s, "SELECT uniqExact(year) FROM "+counts, nil); n < 2 {
		t.Fatalf("the rows span %d years: the test wants more than one partition", n)
	}
	again := loadOne(t, l, k.Name, fileA)
	checkResult(t, "the same file again", again, "loaded", 450, 0, 450, 0)
	check("after the same file again")
	fileB := writeKindCSV(t, dir, "b.csv", k, rowsOf(200, 700))
	overlap := loadOne(t, l, k.Name, fileB)
	checkResult(t, "an overlapping file", overlap, "loaded", 500, 300, 200, 0)
	check("after an overlapping file")

	// A killed run: rows of a file of it came in by an insert (a copy), rows of another
	// by attaching a stage's partition (a first load); neither is in the ledger.
	const dead = "19700101T000000-dead"
	exec := func(q string) {
		t.Helper()
		if err := s.Exec(ctx, q, nil); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	key := k.Key[0]
	exec("INSERT INTO ingest_runs (run_id, trigger, started_at, status, message) VALUES ('" + dead + "', 'http', now64(3), 'running', '')")
	exec("INSERT INTO " + k.Table + " SELECT * REPLACE ('file-x' AS file_id, '" + dead + "' AS run_id, concat('x-', " + key + ") AS " + key + ") FROM " + k.Table)
	stage := stagePrefix + k.Table + "_counts_test"
	exec("CREATE TABLE " + stage + " AS " + k.Table)
	defer s.Exec(ctx, "DROP TABLE IF EXISTS "+stage, nil)
	exec("INSERT INTO " + stage + " SELECT * REPLACE ('file-y' AS file_id, '" + dead + "' AS run_id, concat('y-', " + key + ") AS " + key + ") FROM " + k.Table + " WHERE year = 2017")
	exec("ALTER TABLE " + k.Table + " ATTACH PARTITION ID '2017' FROM " + stage)
	if err := feedCounts(ctx, s, k.Table, stage, "2017", store.Params{"fid": "file-y", "run": dead}); err != nil {
		t.Fatal(err)
	}
	check("with a killed run's rows in")
	deadCounts := func() int64 {
		return queryInt(t, s, "SELECT count() FROM "+counts+" WHERE run_id = '"+dead+"'", nil)
	}
	if n := deadCounts(); n == 0 {
		t.Fatal("the killed run's rows were not counted")
	}
	if err := Recover(ctx, s, RecoverOptions{}); err != nil {
		t.Fatal(err)
	}
	check("after Recover rolled the killed run back")
	if n := deadCounts(); n != 0 {
		t.Fatalf("%d counts of the killed run stay", n)
	}
	// The rows of the loads above are as they were.
	if n := queryInt(t, s, "SELECT sum(source_rows) FROM "+counts, nil); n != 700 {
		t.Fatalf("%d rows counted after the recovery, want the loads' 700", n)
	}
}

// countedRow is a valid row of kind k whose key is made of i, spread over the years
// 2016-2019, the codes and every value of the counted columns (enumerations, scores).
func countedRow(t *testing.T, k *Kind, i int, codes []string) []string {
	row := validRow(t, k, i, codes[i%len(codes)])
	for ci, c := range k.Columns {
		switch c.Type {
		case TypeTimestamp:
			row[ci] = fmt.Sprintf("%d-%02d-01T10:00:00Z", 2016+i%4, 1+i%12)
		case TypeEnum:
			row[ci] = c.Enum[(i/(ci+1))%len(c.Enum)]
		case TypeUint:
			if c.Max > 0 {
				row[ci] = strconv.FormatUint(c.Min+uint64(i)%(c.Max-c.Min+1), 10)
			}
		}
	}
	return row
}
