package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"ee/kovmon/ledger"
	"ee/kovmon/refdata"
	"ee/kovmon/store"
	"ee/kovmon/store/storetest"
)

// registryDir holds the real registry (refdata), so that the tests
// run on a fresh clone.
var registryDir = refdata.Dir()

// newLoader returns a loader on a fresh store that holds the real registry.
func newLoader(t testing.TB) (*Loader, store.Store) {
	t.Helper()
	s := storetest.New(t)
	l := &Loader{Store: s}
	for _, name := range []string{"municipalities.csv", "mergers.csv"} {
		runFiles(t, l, "", filepath.Join(registryDir, name))
	}
	return l, s
}

// runFiles loads files in one run and fails the test on a run error; the results may
// still be rejections.
func runFiles(t testing.TB, l *Loader, kind string, files ...string) []FileResult {
	t.Helper()
	res, err := Run(context.Background(), l, "test", files, kind)
	if err != nil {
		t.Fatalf("run %v: %v", files, err)
	}
	return res
}

func loadOne(t testing.TB, l *Loader, kind, path string) FileResult {
	t.Helper()
	return runFiles(t, l, kind, path)[0]
}

func queryInt(t testing.TB, s store.Store, query string, params store.Params) int64 {
	t.Helper()
	r, err := s.Query(context.Background(), query, params)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.ParseInt(r.Rows[0][0], 10, 64)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// validRow returns the input fields of a valid row of kind k whose key is made of i:
// every string column carries i, and every kind's key has a string column.
func validRow(t testing.TB, k *Kind, i int, ehak string) []string {
	t.Helper()
	row := make([]string, len(k.Columns))
	for ci, c := range k.Columns {
		switch c.Type {
		case TypeString:
			row[ci] = fmt.Sprintf("%s-%d", c.Name, i)
		case TypeTimestamp:
			row[ci] = "2018-03-01T10:00:00Z"
		case TypeDate:
			row[ci] = "2018-03-01"
		case TypeBool:
			row[ci] = "jah"
		case TypeEHAK:
			row[ci] = ehak
		case TypeEnum:
			row[ci] = c.Enum[i%len(c.Enum)]
		case TypeUint:
			row[ci] = strconv.FormatUint(max(c.Min, 1), 10)
		case TypeYear:
			row[ci] = "2018"
		case TypeAnswer:
			row[ci] = "yes"
		default:
			t.Fatalf("kind %s column %s: no test value for type %d; teach validRow", k.Name, c.Name, c.Type)
		}
	}
	return row
}

// writeKindCSV writes a CSV file of kind k with all its input columns.
func writeKindCSV(t testing.TB, dir, name string, k *Kind, rows [][]string) string {
	t.Helper()
	var b strings.Builder
	w := csv.NewWriter(&b)
	header := make([]string, len(k.Columns))
	for i, c := range k.Columns {
		header[i] = c.Name
	}
	w.Write(header)
	w.WriteAll(rows)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func checkResult(t testing.TB, what string, r FileResult, status string, read, loaded, dups, quarantined int64) {
	t.Helper()
	if r.Status != status || r.RowsRead != read || r.Loaded != loaded || r.Duplicates != dups || r.Quarantined != quarantined {
		t.Fatalf("%s: got status %s read %d loaded %d duplicates %d quarantined %d (%s); want %s %d %d %d %d",
			what, r.Status, r.RowsRead, r.Loaded, r.Duplicates, r.Quarantined, r.Error, status, read, loaded, dups, quarantined)
	}
}

// keyTuple is kind k's key as one SQL expression.
func keyTuple(k *Kind) string { return "tuple(" + strings.Join(k.Key, ", ") + ")" }

// TestLoadEveryKind runs every measurement kind through the loader: a first load, the
// same file again, an overlapping file, a key repeated within a file, an unknown
// municipality, a file whose rows all fail, and what the ledger and quarantine say.
//
// It runs in each of loadModes.
func TestLoadEveryKind(t *testing.T) {
	inEachLoadMode(t, func(t *testing.T, l *Loader, s store.Store) {
		for _, k := range Kinds() {
			t.Run(k.Name, func(t *testing.T) { checkKindLoads(t, l, s, k) })
		}
	})
}

// opaqueStore hides the embedded engine from the loader, which then loads as it does
// into a server.
type opaqueStore struct{ store.Store }

// loadMode is a way a commit can go.
type loadMode struct {
	name string
	// server: as a server's loads go (batches of INSERT statements, all
	// deduplication in the commit copy), the store being wrapped so that the loader
	// does not see the engine; otherwise as the embedded engine loads (a direct
	// stage, rows through a named pipe; the keys held deleted from the stage, which
	// is attached).
	server bool
	// inPasses: the keys taken in passes of eight rows (rowsPerPass), as a file of
	// millions of rows takes them.
	inPasses bool
}

var loadModes = []loadMode{
	{name: "direct"},
	{name: "direct-in-passes", inPasses: true},
	{name: "batched", server: true},
	{name: "batched-in-passes", server: true, inPasses: true},
}

// inEachLoadMode runs check as a subtest in each of loadModes, with a new loader.
func inEachLoadMode(t *testing.T, check func(t *testing.T, l *Loader, s store.Store)) {
	for _, mode := range loadModes {
		t.Run(mode.name, func(t *testing.T) {
			l, s := newLoader(t)
			if mode.server {
				l.Store = opaqueStore{s}
			}
			if mode.inPasses {
				saved := rowsPerPass
				rowsPerPass = 8
				t.Cleanup(func() { rowsPerPass = saved })
			}
			check(t, l, s)
		})
	}
}

func checkKindLoads(t *testing.T, l *Loader, s store.Store, k *Kind) {
	ctx := context.Background()
	dir := t.TempDir()
	hasEHAK := k.column("ehak_code") >= 0

	// File A: keys 0-19 (lines 2-21), keys 0-2 again (lines 22-24), then one bad row
	// (line 25): an unknown municipality, or for kinds without one a missing key.
	var rows [][]string
	for i := range 20 {
		rows = append(rows, validRow(t, k, i, "784"))
	}
	for i := range 3 {
		rows = append(rows, validRow(t, k, i, "0784"))
	}
	bad := validRow(t, k, 99, "9999")
	badColumn, badReason := "ehak_code", ReasonUnknownMunicipality
	if !hasEHAK {
		badColumn, badReason = k.Columns[slices.IndexFunc(k.Columns, func(c Column) bool { return c.Type == TypeString })].Name, ReasonMissing
		bad[k.column(badColumn)] = ""
	}
	rows = append(rows, bad)
	fileA := writeKindCSV(t, dir, k.Name+"_a.csv", k, rows)

	count := func(where string, params store.Params) int64 {
		return queryInt(t, s, "SELECT count() FROM "+k.Table+" WHERE "+where, params)
	}
	first := loadOne(t, l, k.Name, fileA)
	checkResult(t, "first load", first, "loaded", 24, 20, 3, 1)
	fid := store.Params{"fid": first.FileID}
	if n := count("file_id = {fid:String}", fid); n != 20 {
		t.Fatalf("table holds %d rows of file A, want 20", n)
	}
	// The repeated keys were stored from their first line, not their second.
	if n := queryInt(t, s, "SELECT max(line) FROM "+k.Table+" WHERE file_id = {fid:String}", fid); n != 21 {
		t.Fatalf("latest stored line %d, want 21: a repeated key was stored from its later line", n)
	}

	again := loadOne(t, l, k.Name, fileA)
	checkResult(t, "second load of the same file", again, "loaded", 24, 0, 23, 1)
	if again.FileID != first.FileID || again.RunID == first.RunID {
		t.Fatalf("second load: file id %s run %s; first %s run %s", again.FileID, again.RunID, first.FileID, first.RunID)
	}

	// File B overlaps A by half: keys 10-29.
	rows = rows[:0]
	for i := 10; i < 30; i++ {
		rows = append(rows, validRow(t, k, i, "784"))
	}
	fileB := writeKindCSV(t, dir, k.Name+"_b.csv", k, rows)
	overlap := loadOne(t, l, k.Name, fileB)
	checkResult(t, "overlapping file", overlap, "loaded", 20, 10, 10, 0)
	if n, keys := count("1", nil), queryInt(t, s, "SELECT uniqExact("+keyTuple(k)+") FROM "+k.Table, nil); n != 30 || keys != 30 {
		t.Fatalf("table holds %d rows with %d keys, want 30 and 30", n, keys)
	}
	// Each stored row's key hash (migration 0013) is the hash the commit looks for.
	hash := keyHash(strings.Join(k.Key, ", "))
	if n := count(keyHashColumn+" != "+hash, nil); n != 0 {
		t.Fatalf("%d stored rows have a %s other than %s", n, keyHashColumn, hash)
	}

	// File C: no row is valid.
	rows = rows[:0]
	for i := 100; i < 104; i++ {
		row := validRow(t, k, i, "784")
		row[k.column(badColumn)] = ""
		if hasEHAK {
			row[k.column(badColumn)] = "9999"
		}
		rows = append(rows, row)
	}
	fileC := writeKindCSV(t, dir, k.Name+"_c.csv", k, rows)
	rejected := loadOne(t, l, k.Name, fileC)
	checkResult(t, "file with no valid row", rejected, "rejected", 4, 0, 0, 4)
	if n := count("1", nil); n != 30 {
		t.Fatalf("table holds %d rows after a rejected file, want 30", n)
	}

	// The quarantine: file A's bad row once, despite two loads; file C's rows kept.
	qa, err := ledger.Quarantine(ctx, s, filepath.Base(fileA), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	rawBad := strings.TrimSuffix(csvLine(bad), "\n")
	want := ledger.QuarantinedRow{RunID: first.RunID, File: filepath.Base(fileA), FileID: first.FileID, Kind: k.Name, Line: 25, Column: badColumn, Reason: badReason, Raw: rawBad}
	if len(qa) != 1 || qa[0] != want {
		t.Fatalf("quarantine of file A:\n got %+v\nwant [%+v]", qa, want)
	}
	if q, err := ledger.Quarantine(ctx, s, filepath.Base(fileA), again.RunID, 100); err != nil || len(q) != 0 {
		t.Fatalf("quarantine of file A in the second run: %+v, %v; want none (not stored twice)", q, err)
	}
	if q, err := ledger.Quarantine(ctx, s, "", first.RunID, 100); err != nil || len(q) != 1 || q[0].File != filepath.Base(fileA) {
		t.Fatalf("quarantine of the first run: %+v, %v", q, err)
	}
	qc, err := ledger.Quarantine(ctx, s, filepath.Base(fileC), rejected.RunID, 100)
	if err != nil || len(qc) != 4 {
		t.Fatalf("quarantine of the rejected file: %d rows, %v; want 4", len(qc), err)
	}
	for _, q := range qc {
		if q.Column != badColumn || q.Reason != badReason || q.Line < 2 || q.Line > 5 || q.Raw == "" {
			t.Fatalf("quarantined row of the rejected file: %+v", q)
		}
	}

	checkLedger(t, s, k, map[string][]FileResult{fileA: {first, again}, fileB: {overlap}, fileC: {rejected}})

	// File D: keys 30-39, none of them held, key 35 twice: into a table that holds
	// rows (a direct stage is attached as it is, as into an empty table), each new key
	// once from its first line, the rows held untouched.
	rows = rows[:0]
	for i := 30; i < 40; i++ {
		rows = append(rows, validRow(t, k, i, "784"))
	}
	rows = append(rows, validRow(t, k, 35, "0784"))
	fileD := writeKindCSV(t, dir, k.Name+"_d.csv", k, rows)
	fresh := loadOne(t, l, k.Name, fileD)
	checkResult(t, "file of new keys", fresh, "loaded", 11, 10, 1, 0)
	if n, keys := count("1", nil), queryInt(t, s, "SELECT uniqExact("+keyTuple(k)+") FROM "+k.Table, nil); n != 40 || keys != 40 {
		t.Fatalf("table holds %d rows with %d keys, want 40 and 40", n, keys)
	}
	if n := count("file_id = {fid:String}", fid); n != 20 {
		t.Fatalf("table holds %d rows of file A after file D, want 20", n)
	}
	fidD := store.Params{"fid": fresh.FileID, "run": fresh.RunID}
	if n := count("file_id = {fid:String} AND run_id = {run:String} AND line <= 11", fidD); n != 10 {
		t.Fatalf("table holds %d rows of file D from its first lines, want 10", n)
	}
}

func csvLine(fields []string) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write(fields)
	w.Flush()
	return b.String()
}

// checkLedger compares the ledger with the results of loading each file.
func checkLedger(t *testing.T, s store.Store, k *Kind, loads map[string][]FileResult) {
	t.Helper()
	files, err := ledger.Files(context.Background(), s, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for path, results := range loads {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		for _, r := range results {
			i := slices.IndexFunc(files, func(f ledger.File) bool { return f.RunID == r.RunID && f.FileName == filepath.Base(path) })
			if i < 0 {
				t.Fatalf("ledger lacks %s of run %s", path, r.RunID)
			}
			f := files[i]
			want := ledger.File{Finished: f.Finished, RunID: r.RunID, FileID: hex.EncodeToString(sum[:]), FileName: filepath.Base(path),
				Kind: k.Name, Size: int64(len(data)), Status: r.Status, RowsRead: r.RowsRead, Loaded: r.Loaded,
				Duplicates: r.Duplicates, Quarantined: r.Quarantined, Message: f.Message}
			if f != want || f.Finished == "" {
				t.Fatalf("ledger row of %s:\n got %+v\nwant %+v", path, f, want)
			}
			if r.Status == "rejected" && !strings.Contains(f.Message, "every row failed") {
				t.Fatalf("ledger message of a rejected file: %q", f.Message)
			}
		}
	}
}

// TestLoadFixtures loads the good fixture of every kind and format (CSV, ';' with a
// BOM, JSON Lines, gzip) with the kind inferred, and compares what the table holds
// with the parser's golden output.
func TestLoadFixtures(t *testing.T) {
	l, s := newLoader(t)
	files, err := filepath.Glob("testdata/good/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			r := loadOne(t, l, "", path)
			golden, err := os.ReadFile(filepath.Join("testdata/golden", filepath.Base(path)+".golden"))
			if err != nil {
				t.Fatal(err)
			}
			kind, wantRows := goldenRows(t, string(golden))
			checkResult(t, "load", r, "loaded", int64(len(wantRows)), int64(len(wantRows)), 0, 0)
			if r.Kind != kind.Name {
				t.Fatalf("kind %s, want %s", r.Kind, kind.Name)
			}
			if got := storedRows(t, s, kind, r.FileID); !slices.Equal(got, wantRows) {
				t.Fatalf("stored rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantRows, "\n"))
			}
			checkResult(t, "second load", loadOne(t, l, "", path), "loaded", int64(len(wantRows)), 0, int64(len(wantRows)), 0)
		})
	}
}

// goldenRows reads the kind and the TSV rows of a golden file of TestGoodFixtures.
func goldenRows(t *testing.T, golden string) (*Kind, []string) {
	t.Helper()
	var (
		kind *Kind
		rows []string
		cols bool
	)
	for _, line := range strings.Split(strings.TrimSuffix(golden, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "kind: "):
			k, ok := KindByName(strings.TrimPrefix(line, "kind: "))
			if !ok {
				t.Fatalf("golden kind %q", line)
			}
			kind = k
		case strings.HasPrefix(line, "columns: "):
			cols = true
		case strings.HasPrefix(line, "problem: "):
			t.Fatalf("a good fixture has a problem: %s", line)
		case cols:
			rows = append(rows, line)
		}
	}
	return kind, rows
}

// storedRows reads a file's rows back from the kind's table as the parser's TSV.
func storedRows(t *testing.T, s store.Store, k *Kind, fileID string) []string {
	t.Helper()
	exprs := make([]string, 0, len(k.stored))
	for _, c := range k.stored {
		exprs = append(exprs, `ifNull(toString(`+c+`), '\\N')`)
	}
	r, err := s.Query(context.Background(), "SELECT "+strings.Join(exprs, ", ")+" FROM "+k.Table+" WHERE file_id = {fid:String} ORDER BY line",
		store.Params{"fid": fileID})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, row := range r.Rows {
		var b []byte
		for i, f := range row {
			if i > 0 {
				b = append(b, '\t')
			}
			if f == `\N` {
				b = append(b, f...) // NULL, as the parser writes it
			} else {
				b = store.EscapeTSV(b, f)
			}
		}
		out = append(out, string(b))
	}
	return out
}

// TestRerunAfterPartialCommit loads a usage file (five years, repeated keys, unknown
// municipalities) into an empty table, takes two years' partitions away again as a
// commit killed between attaching partitions would have left them, and loads the
// file again: it must add exactly the missing rows, each from its first line.
func TestRerunAfterPartialCommit(t *testing.T) {
	l, s := newLoader(t)
	uf, err := writeUsageFile(filepath.Join(t.TempDir(), "usage.csv"), usageSpec{Rows: 20_000, BadEvery: 1000, DupEvery: 500}, registryCodes(t))
	if err != nil {
		t.Fatal(err)
	}
	complete := usageCounts{Rows: uf.Keys, Keys: uf.Keys, SumLines: uf.SumLines, Quarantined: uf.Bad, QuarantineKey: uf.Bad}
	check := func(when string) {
		t.Helper()
		if got, err := countUsage(s); err != nil || got != complete {
			t.Fatalf("%s: store holds %+v (%v); one complete load is %+v", when, got, err, complete)
		}
	}
	if !store.Embedded(l.Store) {
		t.Fatal("not the embedded engine")
	}
	first := loadOne(t, l, "usage", uf.Path)
	checkResult(t, "first load", first, "loaded", uf.Rows, uf.Keys, uf.Rows-uf.Keys-uf.Bad, uf.Bad)
	check("after the first load")

	ctx := context.Background()
	for _, year := range []string{"2017", "2019"} {
		// The commit counts each partition as it attaches it (aggregates.go).
		for _, table := range []string{"usage", "usage_counts"} {
			if err := s.Exec(ctx, "ALTER TABLE "+table+" DROP PARTITION "+year, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	missing := uf.Keys - queryInt(t, s, "SELECT count() FROM usage", nil)
	if missing == 0 {
		t.Fatal("dropping two years took no rows away")
	}
	again := loadOne(t, l, "usage", uf.Path)
	checkResult(t, "load after a partial commit", again, "loaded", uf.Rows, missing, uf.Rows-uf.Bad-missing, uf.Bad)
	check("after the second load")
}

// TestStoredHashOfAStagedKeyUnderAnotherKey: the stored key hash only narrows the
// search for held keys. A stored row of another key that has the hash of a staged
// key (a collision, made here by writing the hash by hand) neither keeps the staged
// key out nor makes it stored twice, in each of loadModes; the other row stays as it
// was.
func TestStoredHashOfAStagedKeyUnderAnotherKey(t *testing.T) {
	inEachLoadMode(t, func(t *testing.T, l *Loader, s store.Store) {
		dir := t.TempDir()
		ctx := context.Background()
		exec := func(query string, params store.Params) {
			t.Helper()
			if err := s.Exec(ctx, query, params); err != nil {
				t.Fatal(err)
			}
		}
		uf, err := writeUsageFile(filepath.Join(dir, "usage.csv"), usageSpec{Rows: 50}, registryCodes(t)[:5])
		if err != nil {
			t.Fatal(err)
		}
		first := loadOne(t, l, "usage", uf.Path)
		checkResult(t, "first load", first, "loaded", 50, 50, 0, 0)
		// Take one stored key out and put in its place a row of another key with
		// its hash; then the file again: the key it lacks is loaded, once.
		params := store.Params{"fid": first.FileID}
		r, err := s.Query(ctx, "SELECT min(event_id) FROM usage WHERE file_id = {fid:String}", params)
		if err != nil || len(r.Rows) != 1 {
			t.Fatalf("a stored key: %v", err)
		}
		victim := r.Rows[0][0]
		params["key"] = victim
		exec("INSERT INTO usage (event_id, event_time, year, ehak_code, system, service_code, channel, event, session_id, user_hash, duration_ms, file_id, run_id, line, "+keyHashColumn+")"+
			" SELECT 'other-key', event_time, year, ehak_code, system, service_code, channel, event, session_id, user_hash, duration_ms, file_id, run_id, line, "+keyHash("event_id")+
			" FROM usage WHERE event_id = {key:String} SETTINGS insert_allow_materialized_columns = 1", params)
		exec("DELETE FROM usage WHERE event_id = {key:String}", params)
		if n := queryInt(t, s, "SELECT count() FROM usage WHERE "+keyHashColumn+" = "+keyHash("{key:String}"), params); n != 1 {
			t.Fatalf("%d stored rows with the hash of %s, want the other key's alone", n, victim)
		}

		again := loadOne(t, l, "usage", uf.Path)
		checkResult(t, "the file again", again, "loaded", 50, 1, 49, 0)
		if n := queryInt(t, s, "SELECT count() FROM usage WHERE event_id = {key:String}", params); n != 1 {
			t.Fatalf("key %s stored %d times, want once", victim, n)
		}
		if n := queryInt(t, s, "SELECT count() FROM usage WHERE event_id = 'other-key'", nil); n != 1 {
			t.Fatalf("the other key stored %d times, want once", n)
		}
		if n := queryInt(t, s, "SELECT count() FROM usage", nil); n != 51 {
			t.Fatalf("usage holds %d rows, want 51", n)
		}
	})
}
