package ingest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"ee/kovmon/store"
)

// stage is the pair of scratch tables one file is read into before it is committed:
// its valid rows and its quarantined rows.
type stage struct {
	s          store.Store
	kind       *Kind
	table      string // the kind's table
	rows       string // stage of valid rows: the kind's columns
	problems   string // stage of quarantined rows: the quarantine's columns
	keyList    string // key columns, comma-separated
	keyTuple   string // the key as one expression
	stagedRows int64
}

// stagePrefix names scratch tables, so that DropStaleStages finds those a killed
// process left behind.
const stagePrefix = "stage_"

func newStage(ctx context.Context, s store.Store, kind *Kind) (*stage, error) {
	var b [6]byte
	rand.Read(b[:])
	suffix := hex.EncodeToString(b[:])
	st := &stage{s: s, kind: kind, table: kind.Table, rows: stagePrefix + kind.Table + "_" + suffix, problems: stagePrefix + "q_" + suffix}
	st.keyList = strings.Join(kind.Key, ", ")
	st.keyTuple = st.keyList
	if len(kind.Key) > 1 {
		st.keyTuple = "(" + st.keyList + ")"
	}
	for table, source := range map[string]string{st.rows: kind.Table, st.problems: "quarantine"} {
		if s.Cluster() != "" {
			source += "_local" // the stage lives on the node this connection talks to
		}
		if err := s.Exec(ctx, "CREATE TABLE "+table+" AS "+source+" ENGINE = MergeTree ORDER BY tuple()", nil); err != nil {
			return nil, fmt.Errorf("stage for %s: %w", kind.Name, err)
		}
	}
	return st, nil
}

func (st *stage) drop(ctx context.Context) {
	st.s.Exec(ctx, "DROP TABLE IF EXISTS "+st.rows, nil)
	st.s.Exec(ctx, "DROP TABLE IF EXISTS "+st.problems, nil)
}

// rowsPerPass bounds the rows deduplicated at once, and with it the memory of the
// commit: the keys of one pass are held in a hash set by the engine.
const rowsPerPass = 4_000_000

// commit copies the staged rows into the kind's table, each key once, leaving out keys
// the table already holds; then the quarantined rows, each (line, column) of the file
// once. res gets the counts.
func (st *stage) commit(ctx context.Context, res *FileResult, fileName string) error {
	passes := (st.stagedRows + rowsPerPass - 1) / rowsPerPass
	if passes < 1 {
		passes = 1
	}
	params := store.Params{"fid": res.FileID, "run": res.RunID, "passes": uint64(passes)}
	inPass := "cityHash64(" + st.keyList + ") % {passes:UInt64} = {pass:UInt64}"
	query := "INSERT INTO " + st.table + " SELECT * REPLACE ({fid:String} AS file_id, {run:String} AS run_id) FROM " + st.rows +
		" WHERE " + inPass + " AND " + st.keyTuple + " NOT IN (SELECT " + st.keyList + " FROM " + st.table +
		" WHERE " + inPass + " AND " + st.keyTuple + " IN (SELECT " + st.keyList + " FROM " + st.rows + " WHERE " + inPass + "))" +
		" ORDER BY " + st.keyList + ", line LIMIT 1 BY " + st.keyList
	for pass := uint64(0); pass < uint64(passes); pass++ {
		params["pass"] = pass
		if err := st.s.Exec(ctx, query, params); err != nil {
			return fmt.Errorf("%s: commit: %w", fileName, err)
		}
	}
	loaded, err := st.count(ctx, "SELECT count() FROM "+st.table+" WHERE file_id = {fid:String} AND run_id = {run:String}", params)
	if err != nil {
		return err
	}
	res.Loaded = loaded
	res.Duplicates = res.RowsRead - res.Quarantined - loaded
	return st.commitProblems(ctx, res)
}

// commitProblems stores the quarantined rows of the file, each (line, column) once
// however often the file is loaded.
func (st *stage) commitProblems(ctx context.Context, res *FileResult) error {
	params := store.Params{"fid": res.FileID}
	err := st.s.Exec(ctx, "INSERT INTO quarantine SELECT * REPLACE ({fid:String} AS file_id) FROM "+st.problems+
		" WHERE (line, column) NOT IN (SELECT line, column FROM quarantine WHERE file_id = {fid:String}) ORDER BY line", params)
	if err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	return nil
}

func (st *stage) count(ctx context.Context, query string, params store.Params) (int64, error) {
	r, err := st.s.Query(ctx, query, params)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(r.Rows[0][0], 10, 64)
}

// stageWriter is the Output of Parse for a load: valid rows go to the stage in batches
// from a goroutine of their own, so that the engine loads one batch while the next is
// parsed (the machine has two cores); problems go to the problem stage.
type stageWriter struct {
	ctx      context.Context
	st       *stage
	res      *FileResult
	columns  []string
	batches  chan []byte
	free     chan []byte
	done     chan error
	problems []byte
	nProblem int
	now      string
	once     sync.Once
	err      error
}

// maxReasons is how many distinct quarantine reasons a summary lists.
const maxReasons = 5

func newStageWriter(ctx context.Context, s store.Store, st *stage, res *FileResult) *stageWriter {
	w := &stageWriter{ctx: ctx, st: st, res: res, columns: st.kind.StoredColumns(),
		batches: make(chan []byte), free: make(chan []byte, 2), done: make(chan error, 1),
		now: time.Now().UTC().Format("2006-01-02 15:04:05.000")}
	w.free <- nil
	w.free <- nil
	go func() {
		var err error
		for b := range w.batches {
			if err == nil {
				err = s.InsertTSV(ctx, st.rows, w.columns, b)
			}
			w.free <- b[:0]
		}
		w.done <- err
	}()
	return w
}

func (w *stageWriter) Rows(tsv []byte, n int) error {
	buf := append(<-w.free, tsv...)
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
	if len(w.res.Reasons) < maxReasons {
		reason := fmt.Sprintf("line %d: %s: %s", p.Line, p.Column, p.Reason)
		if p.Column == "" {
			reason = fmt.Sprintf("line %d: %s", p.Line, p.Reason)
		}
		w.res.Reasons = append(w.res.Reasons, reason)
	}
	for _, f := range []string{w.res.RunID, "", w.res.File, w.st.kind.Name, strconv.FormatInt(p.Line, 10), p.Column, p.Reason, p.Raw, w.now} {
		w.problems = store.EscapeTSV(w.problems, f)
		w.problems = append(w.problems, '\t')
	}
	w.problems[len(w.problems)-1] = '\n'
	w.nProblem++
	if w.nProblem >= 10_000 {
		return w.flushProblems()
	}
	return nil
}

var quarantineColumns = []string{"run_id", "file_id", "file_name", "kind", "line", "column", "reason", "raw", "at"}

func (w *stageWriter) flushProblems() error {
	if w.nProblem == 0 {
		return nil
	}
	err := w.st.s.InsertTSV(w.ctx, w.st.problems, quarantineColumns, w.problems)
	w.problems, w.nProblem = w.problems[:0], 0
	return err
}

func (w *stageWriter) Warn(msg string) { w.res.Warnings = append(w.res.Warnings, msg) }

// close waits for the last batch and flushes the problems.
func (w *stageWriter) close() error {
	w.once.Do(func() {
		close(w.batches)
		w.err = <-w.done
		if err := w.flushProblems(); w.err == nil {
			w.err = err
		}
	})
	return w.err
}

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
