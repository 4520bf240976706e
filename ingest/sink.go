package ingest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/ClickHouse/ch-go/proto"
	"golang.org/x/sys/unix"

	"ee/kovmon/store"
)

// How staged rows reach the engine: as blocks of typed columns (block.go), which it
// reads without parsing. A ClickHouse server takes each block as clickhouse-go's
// native batch (store.InsertBlock). The embedded engine reads binary data only from a
// file (its query text is a C string), so for it the blocks stream, in the Native
// format, through a named pipe that one INSERT … SELECT FROM file() reads while the
// parser writes: nothing of the file is held in memory or written to disk twice.

// rowSink takes a stage's rows, a block at a time.
type rowSink interface {
	write(b *rowBlock) error
	// close returns once the engine has every row written, or the first error.
	close() error
}

func newRowSink(ctx context.Context, st *stage, res *FileResult) (rowSink, error) {
	if !st.direct {
		return &blockInsert{ctx: ctx, s: st.s, table: st.rows}, nil
	}
	// Sorting and writing the parts is most of the engine's work, and it runs in
	// parallel with max_insert_threads: 5 M usage rows from a TSV file took 9.0 s with
	// one thread, 5.2 s with two, for about the same CPU time (2 cores).
	// Each thread gathers rows into a block before it sorts and writes one, and the
	// blocks it holds are most of the engine's memory in a load. Into an empty table
	// (the first load, the large one) the blocks are an eighth of the default (1 M
	// rows, 256 MB): `kovmon ingest` of 5 M usage rows peaked at 525-534 MB against
	// 600-621 MB with a quarter, for the same CPU time (8.1-8.8 against 8.2-8.3
	// CPU-s) and wall time; a sixteenth made twice as many parts again, and the files
	// cost more CPU (9.4-9.6 CPU-s) for less than 40 MB (load average under 0.7,
	// 2026-12-03). A quarter had bounded the default's growth: +313 and +316 MB at
	// 5 M and 20 M rows, where the default's had not levelled off by the end of the
	// 5 M-row load (+671 MB).
	// Into a table that holds rows (a reload, a day's file), the blocks are a
	// quarter: the commit's delete and attach take a part at a time, and the stage
	// has half the parts. BenchmarkReloadUsage20M, two runs each alternating (load
	// average 0.59-0.68 before, 2026-12-03): with an eighth the delete took 1.05-1.23 s
	// and the counts after the attach 0.79-1.07 s (new keys), with a quarter
	// 0.57-0.58 s and 0.27-0.40 s; new keys ran at 0.91-0.94 of the engine's load
	// against 1.10-1.11, and the loads peaked at +269-342 MB against +311-412 MB
	// (the engine's +916-953 MB).
	// (The commit counts the table again, deleteHeldKeys: that count, not this one,
	// decides whether keys are looked up.)
	held, err := st.count(ctx, "SELECT count() AS n FROM "+st.table, nil)
	if err != nil {
		return nil, err
	}
	blockRows := emptyTableBlockRows
	if held > 0 {
		blockRows = 2 * emptyTableBlockRows
	}
	settings := fmt.Sprintf(" SETTINGS %s, min_insert_block_size_rows = %d, min_insert_block_size_bytes = %d%s",
		insertThreads(), blockRows, blockRows*blockBytesPerRow, st.priority)
	return startPipeInsert(ctx, st.s, fileInsertQuery(st.rows, st.layout.names, true, formatNative, settings),
		store.Params{"structure": st.layout.structure(), "fid": res.FileID, "run": res.RunID})
}

// emptyTableBlockRows is the rows of a load's insert block into an empty table (an
// eighth of the engine's default; newRowSink), and blockBytesPerRow the bytes a row
// its byte limit allows, the default's ratio (1 M rows, 256 MB).
const (
	emptyTableBlockRows = 131072
	blockBytesPerRow    = 256
)

// insertThreads is the setting that lets an INSERT … SELECT sort and write its parts
// on every core (the engine's default is one thread).
func insertThreads() string {
	return fmt.Sprintf("max_insert_threads = %d", max(2, runtime.NumCPU()))
}

// The formats the engine reads scratch files in: the typed blocks of valid rows, and
// the quarantine's rows as text.
const (
	formatNative = "Native"
	formatTSV    = "TabSeparated"
)

// fromFile reads a file (or named pipe) of the embedded engine's machine in format;
// the path and the columns' types are the path and structure parameters.
func fromFile(format string) string {
	return "file({path:String}, " + format + ", {structure:String})"
}

// idColumns are the columns a load gives every row it stages and stores, each with the
// query parameter that holds its value (the file's id, fid, and the run's, run).
var idColumns = []struct{ name, param string }{{"file_id", "{fid:String}"}, {"run_id", "{run:String}"}}

// idParam is the query parameter of column, if it is one of idColumns.
func idParam(column string) (string, bool) {
	for _, c := range idColumns {
		if c.name == column {
			return c.param, true
		}
	}
	return "", false
}

// idColumnList and idValueList are idColumns' names and parameters, comma-separated.
var idColumnList, idValueList = func() (string, string) {
	var names, params []string
	for _, c := range idColumns {
		names, params = append(names, c.name), append(params, c.param)
	}
	return strings.Join(names, ", "), strings.Join(params, ", ")
}()

// fileInsertQuery inserts what fromFile reads into table's columns, and with ids the
// fid and run parameters as file_id and run_id (idColumns); tail follows (WHERE …).
func fileInsertQuery(table string, columns []string, ids bool, format, tail string) string {
	cols, sel := strings.Join(columns, ", "), "*"
	if ids {
		cols, sel = cols+", "+idColumnList, "*, "+idValueList
	}
	return "INSERT INTO " + table + " (" + cols + ") SELECT " + sel + " FROM " + fromFile(format) + tail
}

// blockInsert sends each block as one INSERT (a server's native batch).
type blockInsert struct {
	ctx   context.Context
	s     store.Store
	table string
}

func (b *blockInsert) write(blk *rowBlock) error {
	return store.InsertBlock(b.ctx, b.s, b.table, blk.input())
}
func (b *blockInsert) close() error { return nil }

// pipeInsert is one INSERT of the embedded engine reading a named pipe.
type pipeInsert struct {
	dir    string
	f      *os.File
	buf    proto.Buffer // a block in the Native format
	done   chan error   // the INSERT's outcome
	closed bool
	err    error
}

// startPipeInsert runs query (an INSERT … FROM fromFile) on a new named pipe, given
// as the path parameter, and returns when the engine has opened it.
func startPipeInsert(ctx context.Context, s store.Store, query string, params store.Params) (*pipeInsert, error) {
	dir, err := os.MkdirTemp("", scratchPattern()+"stage-")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "rows.native")
	if err := unix.Mkfifo(path, 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("named pipe %s: %w", path, err)
	}
	params["path"] = path
	p := &pipeInsert{dir: dir, done: make(chan error, 1)}
	go func() { p.done <- s.Exec(ctx, query, params) }()
	type opened struct {
		f   *os.File
		err error
	}
	open := make(chan opened, 1)
	go func() {
		// Blocks until the engine opens the pipe for reading: only then is it safe
		// to close it, as a pipe that nobody holds open loses what it buffers.
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		open <- opened{f, err}
	}()
	select {
	case o := <-open:
		if o.err != nil {
			// The engine now waits for a writer that will not come; the pipe
			// goes with the folder, and the INSERT is left waiting.
			os.RemoveAll(dir)
			return nil, o.err
		}
		p.f = o.f
		// A larger pipe buffer (1 MiB, up from 64 KiB) lets the parser run ahead of
		// the engine's reads; best effort, without changing the file's
		// non-blocking mode (as Fd would), so that close can interrupt a write.
		if rc, err := p.f.SyscallConn(); err == nil {
			rc.Control(func(fd uintptr) { unix.FcntlInt(fd, unix.F_SETPIPE_SZ, 1<<20) })
		}
	case err := <-p.done:
		// The INSERT failed before it opened the pipe: open it for reading ourselves
		// to release the writer's open.
		if r, rerr := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0); rerr == nil {
			if o := <-open; o.f != nil {
				o.f.Close()
			}
			r.Close()
		}
		os.RemoveAll(dir)
		if err == nil {
			err = errors.New("the engine's INSERT ended before it read any row")
		}
		return nil, err
	}
	return p, nil
}

func (p *pipeInsert) write(b *rowBlock) error {
	p.buf.Reset()
	if err := b.appendNative(&p.buf); err != nil {
		return err
	}
	if _, err := p.f.Write(p.buf.Buf); err != nil {
		// The engine stopped reading: its error says why.
		return p.close()
	}
	return nil
}

func (p *pipeInsert) close() error {
	if p.closed {
		return p.err
	}
	p.closed = true
	p.f.Close()
	p.err = <-p.done
	os.RemoveAll(p.dir)
	return p.err
}

// tableStructure is the "name Type, …" list of columns of table, for file().
func tableStructure(ctx context.Context, s store.Store, table string, columns []string) (string, error) {
	types, err := columnTypesOf(ctx, s, table, columns)
	if err != nil {
		return "", err
	}
	parts := make([]string, len(columns))
	for i, c := range columns {
		parts[i] = c + " " + types[i]
	}
	return strings.Join(parts, ", "), nil
}

// columnTypesOf is the types of table's columns, in the order given.
func columnTypesOf(ctx context.Context, s store.Store, table string, columns []string) ([]string, error) {
	const query = "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = {t:String}"
	r, err := s.Query(ctx, query, store.Params{"t": table})
	if err != nil {
		return nil, err
	}
	rows, err := store.Scan[struct {
		Name string `ch:"name"`
		Type string `ch:"type"`
	}](r, query)
	if err != nil {
		return nil, err
	}
	types := make(map[string]string, len(rows))
	for _, row := range rows {
		types[row.Name] = row.Type
	}
	out := make([]string, len(columns))
	for i, c := range columns {
		t, ok := types[c]
		if !ok {
			return nil, fmt.Errorf("table %s has no column %s", table, c)
		}
		out[i] = t
	}
	return out, nil
}

// problemSink collects a file's quarantined rows (TSV, QuarantineColumns) and stages
// them. On the embedded engine the rows' INSERT runs as long as the file is read, so
// there they wait in a temporary file until close, and go in as one INSERT.
type problemSink interface {
	add(row []byte) error
	close() error
}

func newProblemSink(ctx context.Context, s store.Store, table string, direct bool) (problemSink, error) {
	if direct {
		t, err := newScratchFile(scratchPattern() + "problems-*.tsv")
		if err != nil {
			return nil, err
		}
		return &problemFile{ctx: ctx, s: s, table: table, t: t}, nil
	}
	return &problemBatches{ctx: ctx, s: s, table: table}, nil
}

// problemFile keeps the problems in a temporary file until close.
type problemFile struct {
	ctx   context.Context
	s     store.Store
	table string
	t     *scratchFile
}

func (p *problemFile) add(row []byte) error { return p.t.add(row) }

func (p *problemFile) close() error {
	if p.t == nil {
		return nil
	}
	t := p.t
	p.t = nil
	defer t.remove()
	if err := t.finish(); err != nil || t.rows == 0 {
		return err
	}
	structure, err := tableStructure(p.ctx, p.s, p.table, QuarantineColumns)
	if err != nil {
		return err
	}
	return p.s.Exec(p.ctx, fileInsertQuery(p.table, QuarantineColumns, false, formatTSV, ""), store.Params{"path": t.f.Name(), "structure": structure})
}

// scratchFile is a temporary file of rows (TSV, or Native blocks), for the engine to
// read with fromFile.
type scratchFile struct {
	f    *os.File
	w    *bufio.Writer
	rows int64
	buf  proto.Buffer // addBlock's encoding
}

func newScratchFile(pattern string) (*scratchFile, error) {
	f, err := os.CreateTemp("", pattern)
	if err != nil {
		return nil, err
	}
	return &scratchFile{f: f, w: bufio.NewWriterSize(f, 1<<20)}, nil
}

// add appends '\n'-terminated TSV rows.
func (t *scratchFile) add(rows []byte) error {
	t.rows += int64(bytes.Count(rows, []byte{'\n'}))
	_, err := t.w.Write(rows)
	return err
}

// addBlock appends a block in the Native format, and empties it.
func (t *scratchFile) addBlock(b *rowBlock) error {
	t.buf.Reset()
	if err := b.appendNative(&t.buf); err != nil {
		return err
	}
	t.rows += int64(b.rows)
	b.reset()
	_, err := t.w.Write(t.buf.Buf)
	return err
}

// finish flushes and closes the file, which stays for the engine to read.
func (t *scratchFile) finish() error {
	err := t.w.Flush()
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (t *scratchFile) remove() { os.Remove(t.f.Name()) }

// problemBatches sends the problems in statements of about 1 MB.
type problemBatches struct {
	ctx   context.Context
	s     store.Store
	table string
	buf   []byte
}

func (p *problemBatches) add(row []byte) error {
	p.buf = append(p.buf, row...)
	if len(p.buf) >= 1<<20 {
		return p.close()
	}
	return nil
}

func (p *problemBatches) close() error {
	err := p.s.InsertTSV(p.ctx, p.table, QuarantineColumns, p.buf)
	p.buf = p.buf[:0]
	return err
}

// Scratch files (the named pipe's folder, quarantined rows waiting for their INSERT)
// live in the system's temporary folder under names that carry the process id, so
// that a later load can remove what a killed process left behind.
const scratchPrefix = "kovmon-scratch-"

func scratchPattern() string { return scratchPrefix + strconv.Itoa(os.Getpid()) + "-" }

// removeOrphanScratch removes the scratch files and folders of processes that no
// longer run, in the system's temporary folder and in dirs. A process id in use again
// by another process keeps its files: they are left rather than risk removing a live
// load's pipe.
func removeOrphanScratch(dirs ...string) error {
	for _, dir := range append([]string{os.TempDir()}, dirs...) {
		if dir == "" {
			continue
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if !isLeftOver(e.Name()) {
				continue
			}
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// processRuns reports whether a process with this id exists (signal 0 checks
// without sending anything; EPERM: it exists but belongs to someone else).
func processRuns(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
