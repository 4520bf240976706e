package ingest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"ee/kovmon/store"
)

// stage is the pair of scratch tables one file is read into before it is committed:
// its valid rows and its quarantined rows.
//
// On the embedded engine the stage is direct: its rows table has the kind's table's
// own definition (partitions and order), the rows get their file and run ids as they
// stream in, and a key repeated within the file is set aside as it is read (a Bloom
// filter of the keys, repeats.go) and resolved when the file is in. The stage then
// holds each key once, and when the kind's table is empty — the first load, the
// large one — its partitions are attached to the table as they are, with no copy.
// On a server the stage is a plain MergeTree filled in batches, and the commit does
// all the deduplication.
type stage struct {
	s          store.Store
	kind       *Kind
	table      string // the kind's table
	rows       string // stage of valid rows: the kind's columns
	problems   string // stage of quarantined rows: the quarantine's columns
	keyList    string // key columns, comma-separated
	keyTuple   string // the key as one expression
	direct     bool
	stagedRows int64
	structure  string // rowStructure, once asked
	// priority is ", os_thread_priority = N" for the settings of a load's heavy
	// statements (Loader.Nice), or "".
	priority string
}

// rowStructure is the structure of the stage of valid rows, for file(); asked of the
// engine once per load.
func (st *stage) rowStructure(ctx context.Context) (string, error) {
	if st.structure == "" {
		s, err := tableStructure(ctx, st.s, st.rows, st.kind.StoredColumns())
		if err != nil {
			return "", err
		}
		st.structure = s
	}
	return st.structure, nil
}

// stagePrefix names scratch tables, so that DropStaleStages finds those a killed
// process left behind.
const stagePrefix = "stage_"

func newStage(ctx context.Context, s store.Store, kind *Kind, nice int) (*stage, error) {
	var b [6]byte
	rand.Read(b[:])
	suffix := hex.EncodeToString(b[:])
	st := &stage{s: s, kind: kind, table: kind.Table, rows: stagePrefix + kind.Table + "_" + suffix, problems: stagePrefix + "q_" + suffix,
		direct: store.Embedded(s)}
	if nice > 0 && st.direct {
		st.priority = ", os_thread_priority = " + strconv.Itoa(min(nice, 19))
	}
	st.keyList = strings.Join(kind.Key, ", ")
	st.keyTuple = st.keyList
	if len(kind.Key) > 1 {
		st.keyTuple = "(" + st.keyList + ")"
	}
	for table, source := range map[string]string{st.rows: kind.Table, st.problems: "quarantine"} {
		engine := " ENGINE = MergeTree ORDER BY tuple()"
		source = store.LocalTable(s, source) // the stage lives on the host this connection talks to
		if st.direct && table == st.rows {
			engine = "" // the kind's table's own engine, partitions and order
		}
		if err := s.Exec(ctx, "CREATE TABLE "+table+" AS "+source+engine, nil); err != nil {
			return nil, fmt.Errorf("stage for %s: %w", kind.Name, err)
		}
	}
	if st.direct {
		// Merging a stage's parts is wasted work (the kind's table merges them once
		// attached) and memory taken from the load.
		if err := s.Exec(ctx, "SYSTEM STOP MERGES "+st.rows, nil); err != nil {
			return nil, fmt.Errorf("stage for %s: %w", kind.Name, err)
		}
	}
	return st, nil
}

// keyColumns are the positions of the key's columns in a staged TSV row.
func (st *stage) keyColumns() []int {
	stored := st.kind.StoredColumns()
	cols := make([]int, len(st.kind.Key))
	for i, k := range st.kind.Key {
		cols[i] = slices.Index(stored, k)
	}
	return cols
}

func (st *stage) drop(ctx context.Context) {
	st.s.Exec(ctx, "DROP TABLE IF EXISTS "+st.rows, nil)
	st.s.Exec(ctx, "DROP TABLE IF EXISTS "+st.problems, nil)
}

// rowsPerPass bounds the rows deduplicated at once, and with it the memory of the
// commit: the keys of one pass are held in hash sets by the engine.
const rowsPerPass = 4_000_000

// commit puts the staged rows into the kind's table, each key once (from its first
// line in the file), leaving out keys the table already holds; then the quarantined
// rows, each (line, column) of the file once. res gets the counts.
func (st *stage) commit(ctx context.Context, res *FileResult, fileName string, counts *QuarantineCounts) error {
	params := store.Params{"fid": res.FileID, "run": res.RunID}
	var err error
	attached := false
	if st.direct {
		if attached, err = st.attachIfEmpty(ctx); err != nil {
			return fmt.Errorf("%s: commit: %w", fileName, err)
		}
	}
	if !attached {
		if err := st.copyNewKeys(ctx, params); err != nil {
			return fmt.Errorf("%s: commit: %w", fileName, err)
		}
	}
	loaded, err := st.count(ctx, "SELECT count() FROM "+st.table+" WHERE file_id = {fid:String} AND run_id = {run:String}", params)
	if err != nil {
		return err
	}
	res.Loaded = loaded
	res.Duplicates = res.RowsRead - res.Quarantined - loaded
	return st.commitProblems(ctx, res, fileName, counts)
}

// attachIfEmpty moves a direct stage's partitions into the kind's table when that
// holds no row, and reports whether it did. A process killed midway leaves some
// partitions attached; the load run again finds the table not empty and copies the
// missing rows.
func (st *stage) attachIfEmpty(ctx context.Context) (bool, error) {
	n, err := st.count(ctx, "SELECT count() FROM "+st.table, nil)
	if err != nil || n > 0 {
		return false, err
	}
	r, err := st.s.Query(ctx, "SELECT DISTINCT partition_id FROM system.parts WHERE database = currentDatabase() AND table = {t:String} AND active",
		store.Params{"t": st.rows})
	if err != nil {
		return false, err
	}
	for _, row := range r.Rows {
		if !partitionID.MatchString(row[0]) {
			return false, fmt.Errorf("unexpected partition id %q", row[0])
		}
		if err := st.s.Exec(ctx, "ALTER TABLE "+st.table+" ATTACH PARTITION ID '"+row[0]+"' FROM "+st.rows, nil); err != nil {
			return false, err
		}
		// No materialized view sees an attach (aggregates.go).
		if err := feedCounts(ctx, st.s, st.table, st.rows, row[0]); err != nil {
			return false, err
		}
		failpoint("attached-partition")
	}
	return true, nil
}

// partitionID matches the partition ids ClickHouse makes (a value, "all", or a hash).
var partitionID = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// copyNewKeys copies the staged rows into the kind's table, leaving out keys it
// holds, and of a key repeated in the stage (not a direct one) the first line. The keys are taken in
// passes (by hash), so that the engine's hash sets hold one pass's keys.
//
// Keys repeated within the file are rare, so rather than sort the whole stage by key
// and line, the commit finds the repeated keys (a hash aggregation) and their first
// lines, and lets every other row through as it is read.
func (st *stage) copyNewKeys(ctx context.Context, params store.Params) error {
	passes := (st.stagedRows + rowsPerPass - 1) / rowsPerPass
	if passes < 1 {
		passes = 1
	}
	params["passes"] = uint64(passes)
	inPass := "cityHash64(" + st.keyList + ") % {passes:UInt64} = {pass:UInt64}"
	repeated := "SELECT " + st.keyList + " FROM " + st.rows + " WHERE " + inPass + " GROUP BY " + st.keyList + " HAVING count() > 1"
	// On a cluster the kind's table is Distributed: the keys it holds are looked up on
	// every shard, and GLOBAL sends them the stage's keys (the stage lives on this
	// host only). On one node GLOBAL IN is IN.
	query := "INSERT INTO " + st.table + " SELECT * REPLACE ({fid:String} AS file_id, {run:String} AS run_id) FROM " + st.rows +
		" WHERE " + inPass +
		" AND " + st.keyTuple + " NOT IN (SELECT " + st.keyList + " FROM " + st.table +
		" WHERE " + inPass + " AND " + st.keyTuple + " GLOBAL IN (SELECT " + st.keyList + " FROM " + st.rows + " WHERE " + inPass + "))"
	if !st.direct { // a direct stage holds each key once already
		query += " AND (" + st.keyTuple + " NOT IN (" + repeated + ") OR (" + st.keyList + ", line) IN (SELECT " + st.keyList + ", min(line) FROM " + st.rows +
			" WHERE " + inPass + " AND " + st.keyTuple + " IN (" + repeated + ") GROUP BY " + st.keyList + "))"
	}
	if st.priority != "" {
		query += " SETTINGS" + strings.TrimPrefix(st.priority, ",")
	}
	for pass := uint64(0); pass < uint64(passes); pass++ {
		params["pass"] = pass
		if err := st.s.Exec(ctx, query, params); err != nil {
			return err
		}
	}
	return nil
}

// commitProblems stores the sample of the file's quarantined rows, each (line,
// column) once however often the file is loaded, and the counts of all of them.
func (st *stage) commitProblems(ctx context.Context, res *FileResult, fileName string, counts *QuarantineCounts) error {
	params := store.Params{"fid": res.FileID}
	err := st.s.Exec(ctx, "INSERT INTO quarantine SELECT * REPLACE ({fid:String} AS file_id) FROM "+st.problems+
		" WHERE (line, column) NOT IN (SELECT line, column FROM quarantine WHERE file_id = {fid:String}) ORDER BY line", params)
	if err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	return StoreQuarantineCounts(ctx, st.s, res.RunID, res.FileID, fileName, st.kind.Name, counts)
}

func (st *stage) count(ctx context.Context, query string, params store.Params) (int64, error) {
	r, err := st.s.Query(ctx, query, params)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(r.Rows[0][0], 10, 64)
}

// stageWriter is the Output of Parse for a load. Valid rows go to the stage from a
// goroutine of their own, so that parsing (one core) and the engine's insert (the
// other) overlap; problems are kept aside and staged when the rows are in (close).
// For a direct stage the goroutine also sets aside the rows whose key may have come
// before (keyFilter), which close resolves.
type stageWriter struct {
	ctx      context.Context
	st       *stage
	res      *FileResult
	fileName string
	rows     rowSink
	batches  chan []byte
	free     chan []byte
	done     chan error
	problems problemSink
	prob     []byte
	sampled  int64            // problems staged, at most QuarantineSample
	counts   QuarantineCounts // every problem, by column and reason
	now      string
	once     sync.Once
	err      error

	// A direct stage's repeated keys.
	expectBytes int64 // the file's size, uncompressed if known, for the filter's size
	filter      *keyFilter
	repeated    *tempTSV
	repeatBuf   []byte
}

// newStageWriter starts staging a file of fileBytes bytes (0: unknown; its
// uncompressed size for a compressed file).
func newStageWriter(ctx context.Context, st *stage, res *FileResult, fileBytes int64) (*stageWriter, error) {
	w := &stageWriter{ctx: ctx, st: st, res: res, fileName: filepath.Base(res.File),
		batches: make(chan []byte), free: make(chan []byte, 2), done: make(chan error, 1),
		now: nowText(), expectBytes: fileBytes}
	var err error
	if st.direct {
		if w.repeated, err = newTempTSV(scratchPattern() + "repeated-*.tsv"); err != nil {
			return nil, err
		}
	}
	if w.rows, err = newRowSink(ctx, st, res); err != nil {
		w.dropRepeated()
		return nil, fmt.Errorf("stage for %s: %w", st.kind.Name, err)
	}
	if w.problems, err = newProblemSink(ctx, st.s, st.problems, st.direct); err != nil {
		w.rows.close()
		w.dropRepeated()
		return nil, fmt.Errorf("stage for %s: %w", st.kind.Name, err)
	}
	w.free <- nil
	w.free <- nil
	go w.send()
	return w, nil
}

// send passes the batches on to the engine.
func (w *stageWriter) send() {
	var err error
	for b := range w.batches {
		if err == nil {
			err = w.rows.write(b)
		}
		w.free <- b[:0]
	}
	if cerr := w.rows.close(); err == nil {
		err = cerr
	}
	w.done <- err
}

// expectRows guesses the file's rows from its size and the first batch's row length.
func (w *stageWriter) expectRows(batch []byte) int64 {
	rows := int64(bytes.Count(batch, []byte{'\n'}))
	if rows == 0 || w.expectBytes <= 0 {
		return 1 << 20
	}
	return w.expectBytes/(int64(len(batch))/rows+1) + rows
}

func (w *stageWriter) dropRepeated() {
	if w.repeated != nil {
		w.repeated.finish()
		w.repeated.remove()
		w.repeated = nil
	}
}

func (w *stageWriter) Rows(tsv []byte, n int) error {
	buf := <-w.free
	if w.repeated == nil {
		buf = append(buf, tsv...)
	} else {
		// Set aside the rows whose key may have come before, in the same copy.
		if w.filter == nil {
			w.filter = newKeyFilter(w.expectRows(tsv), w.st.keyColumns())
		}
		var repeated []byte
		if buf, repeated = w.filter.split(tsv, buf, w.repeatBuf[:0]); len(repeated) > 0 {
			if err := w.repeated.add(repeated); err != nil {
				return err
			}
		}
		w.repeatBuf = repeated
	}
	select {
	case w.batches <- buf:
	case err := <-w.done:
		w.done <- err
		return err
	}
	w.st.stagedRows += int64(n)
	return nil
}

func (w *stageWriter) Problem(p Problem) error {
	w.res.NoteProblem(p)
	w.counts.Add(p.Column, p.Reason)
	if w.sampled >= QuarantineSample {
		return nil // counted only: the quarantine keeps a sample of a file's rows
	}
	w.sampled++
	// The file's name without its folder, as in the ledger: the quarantine is
	// filtered by it.
	w.prob = AppendQuarantineRow(w.prob[:0], w.res.RunID, "", w.fileName, w.st.kind.Name, p, w.now)
	return w.problems.add(w.prob)
}

func (w *stageWriter) Warn(msg string) { w.res.Warnings = append(w.res.Warnings, msg) }

// close waits until the engine has every row, resolves the rows set aside as
// possible repeats, then stages the problems.
func (w *stageWriter) close() error {
	w.once.Do(func() {
		close(w.batches)
		w.err = <-w.done
		if w.repeated != nil {
			if err := w.stageRepeated(); w.err == nil {
				w.err = err
			}
		}
		if err := w.problems.close(); w.err == nil {
			w.err = err
		}
	})
	return w.err
}

// stageRepeated adds to a direct stage those rows set aside whose key it lacks, each
// key from its first line: a repeat's key is staged already, since the filter never
// sets aside the first row of a key unless it mistook it, and then it set aside all
// of them. The rows set aside are taken in passes by the hash of their key, as the
// commit takes the stage (rowsPerPass), and sorted with the engine's external sort,
// so that the memory of this does not grow with the file.
func (w *stageWriter) stageRepeated() error {
	defer w.dropRepeated()
	if err := w.repeated.finish(); err != nil || w.repeated.rows == 0 || w.err != nil {
		return err
	}
	st := w.st
	columns := st.kind.StoredColumns()
	structure, err := st.rowStructure(w.ctx)
	if err != nil {
		return err
	}
	passes := uint64(max(1, (w.repeated.rows+rowsPerPass-1)/rowsPerPass))
	inPass := " cityHash64(" + st.keyList + ") % {passes:UInt64} = {pass:UInt64}"
	query := fileInsertQuery(st.rows, columns, true, " WHERE"+inPass+" AND "+st.keyTuple+" NOT IN (SELECT "+st.keyList+" FROM "+st.rows+
		" WHERE"+inPass+" AND "+st.keyTuple+" IN (SELECT "+st.keyList+" FROM "+fromFile+" WHERE"+inPass+")) ORDER BY "+st.keyList+", line LIMIT 1 BY "+st.keyList+
		" SETTINGS max_bytes_before_external_sort = "+strconv.Itoa(externalSortBytes)+st.priority)
	params := store.Params{"path": w.repeated.f.Name(), "structure": structure, "fid": w.res.FileID, "run": w.res.RunID, "passes": passes}
	for pass := range passes {
		params["pass"] = pass
		if err := st.s.Exec(w.ctx, query, params); err != nil {
			return fmt.Errorf("stage repeated keys: %w", err)
		}
	}
	return nil
}

// externalSortBytes: a sort of the load that needs more memory than this goes to disk.
const externalSortBytes = 128 << 20

// DropStaleStages drops the scratch tables that loads killed midway left behind and
// that are older than age (0: all — for the embedded engine, whose one process owns
// the data folder).
func DropStaleStages(ctx context.Context, s store.Store, age time.Duration) error {
	r, err := s.Query(ctx, "SELECT name FROM system.tables WHERE database = currentDatabase() AND startsWith(name, {p:String}) AND metadata_modification_time <= now() - {age:UInt64}",
		store.Params{"p": stagePrefix, "age": uint64(age.Seconds())})
	if err != nil {
		return err
	}
	for _, row := range r.Rows {
		if err := s.Exec(ctx, "DROP TABLE IF EXISTS "+row[0], nil); err != nil {
			return err
		}
	}
	return nil
}
