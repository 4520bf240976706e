package ingest

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestQuarantineKeepsASampleAndWholeCounts: of a file with more bad rows than
// QuarantineSample the quarantine keeps the first QuarantineSample by line, the
// counts by column and reason are whole, as is the ledger's count; an all-invalid
// file, which is rejected, adds no more than its sample either (issue 15, point 4:
// a rejected 10 M-row file added 10 M rows).
func TestQuarantineKeepsASampleAndWholeCounts(t *testing.T) {
	l, s := newLoader(t)
	const bad, good = QuarantineSample + 2500, 100
	write := func(name string, good int) string {
		path := filepath.Join(t.TempDir(), name)
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriter(f)
		fmt.Fprintln(w, "feedback_id,submitted_at,ehak_code,system,service_code,score,comment")
		for i := range bad {
			if i%2 == 0 {
				fmt.Fprintf(w, "b%d,2018-05-01T10:00:00Z,9999,KOVTP,S1,4,\n", i) // unknown municipality
			} else {
				fmt.Fprintf(w, "b%d,2018-05-01T10:00:00Z,0784,KOVTP,S1,9,\n", i) // score out of range
			}
		}
		for i := range good {
			fmt.Fprintf(w, "g%d,2018-05-01T10:00:00Z,0784,KOVTP,S1,4,\n", i)
		}
		w.Flush()
		f.Close()
		return path
	}
	for _, c := range []struct {
		name   string
		good   int
		status string
	}{{"mixed.csv", good, "loaded"}, {"all-bad.csv", 0, "rejected"}} {
		res := loadOne(t, l, "feedback", write(c.name, c.good))
		if res.Status != c.status || res.Quarantined != bad || res.Loaded != int64(c.good) {
			t.Fatalf("%s: %+v", c.name, res)
		}
		p := map[string]any{"fid": res.FileID}
		if n := queryInt(t, s, "SELECT count() FROM quarantine WHERE file_id = {fid:String}", p); n != QuarantineSample {
			t.Errorf("%s: the quarantine holds %d rows of the file, want the sample of %d", c.name, n, QuarantineSample)
		}
		if n := queryInt(t, s, "SELECT max(line) FROM quarantine WHERE file_id = {fid:String}", p); n != QuarantineSample+1 {
			t.Errorf("%s: the sample ends at line %d, want %d (the first rows)", c.name, n, QuarantineSample+1)
		}
		if n := queryInt(t, s, "SELECT sum(rows) FROM quarantine_counts WHERE file_id = {fid:String}", p); n != bad {
			t.Errorf("%s: the counts add up to %d, want %d", c.name, n, bad)
		}
		if n := queryInt(t, s, "SELECT rows FROM quarantine_counts WHERE file_id = {fid:String} AND column = 'score'", p); n != bad/2 {
			t.Errorf("%s: %d rows counted for score, want %d", c.name, n, bad/2)
		}
		if n := queryInt(t, s, "SELECT quarantined FROM ingest_files WHERE file_id = {fid:String}", p); n != bad {
			t.Errorf("%s: the ledger counts %d quarantined, want %d", c.name, n, bad)
		}
		// Loaded again, nothing is quarantined or counted twice.
		loadOne(t, l, "feedback", write(c.name, c.good))
		if n := queryInt(t, s, "SELECT count() FROM quarantine WHERE file_id = {fid:String}", p) + queryInt(t, s, "SELECT sum(rows) FROM quarantine_counts WHERE file_id = {fid:String}", p); n != QuarantineSample+bad {
			t.Errorf("%s loaded twice: %d sample rows and counts, want %d", c.name, n, QuarantineSample+bad)
		}
	}
}
