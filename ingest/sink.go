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

	"golang.org/x/sys/unix"

	"ee/kovmon/store"
)

// How staged rows reach the engine. A ClickHouse server takes them as INSERT
// statements with TabSeparated data (store.InsertTSV), in batches. The embedded
// engine reads such data from the query text several times slower than from a file
// (measured into a Null table: 1 M usage rows in 200 000-row statements 3.5 s, from a
// file 0.7-0.9 s), so for it the rows stream through a named pipe that one
// INSERT … SELECT FROM file() reads while the parser writes: nothing of the file is
// held in memory or written to disk twice.

// rowSink takes a stage's rows as TSV, columns in the order it was made with.
type rowSink interface {
	write(tsv []byte) error
	// close returns once the engine has every row written, or the first error.
	close() error
}

func newRowSink(ctx context.Context, st *stage, res *FileResult) (rowSink, error) {
	columns := st.kind.StoredColumns()
	if !st.direct {
		return &batchInsert{ctx: ctx, s: st.s, table: st.rows, columns: columns}, nil
	}
	structure, err := st.rowStructure(ctx)
	if err != nil {
		return nil, err
	}
	// Parallel parsing costs the engine a third more CPU here (measured: 1 M usage
	// rows 3.1 s against 2.3 s) and gains nothing while the parser keeps a core busy.
	// Sorting and writing the parts is most of the engine's work, and it runs in
	// parallel with max_insert_threads: 5 M usage rows from a TSV file took 9.0 s with
	// one thread, 5.2 s with two, for about the same CPU time (2 cores).
	// Each thread gathers rows into a block before it sorts and writes one; blocks of
	// a quarter of the default (1 M rows, 256 MB) bound the engine's memory early in
	// a load, and then it stays flat: the 5 M- and 20 M-row loads of
	// BenchmarkLoadUsagePeakMemory peaked at +313 and +316 MB (with the default blocks
	// the 5 M-row load ended before the engine's memory had levelled off: +671 MB
	// against +797 MB), and the 5 M-row load was no slower.
	settings := fmt.Sprintf(" SETTINGS input_format_parallel_parsing = 0, max_insert_threads = %d,"+
		" min_insert_block_size_rows = 262144, min_insert_block_size_bytes = 67108864", max(2, runtime.NumCPU())) + st.priority
	return startPipeInsert(ctx, st.s, fileInsertQuery(st.rows, columns, true, settings),
		store.Params{"structure": structure, "fid": res.FileID, "run": res.RunID})
}

// fromFile reads a TabSeparated file (or named pipe) of the embedded engine's
// machine; the columns' types are in the structure parameter.
const fromFile = "file({path:String}, TabSeparated, {structure:String})"

// fileInsertQuery inserts what fromFile reads into table's columns, and with ids the
// fid and run parameters as file_id and run_id; tail follows (WHERE …).
func fileInsertQuery(table string, columns []string, ids bool, tail string) string {
	cols, sel := strings.Join(columns, ", "), "*"
	if ids {
		cols, sel = cols+", file_id, run_id", "*, {fid:String}, {run:String}"
	}
	return "INSERT INTO " + table + " (" + cols + ") SELECT " + sel + " FROM " + fromFile + tail
}

// batchInsert sends each batch as one INSERT statement.
type batchInsert struct {
	ctx     context.Context
	s       store.Store
	table   string
	columns []string
}

func (b *batchInsert) write(tsv []byte) error { return b.s.InsertTSV(b.ctx, b.table, b.columns, tsv) }
func (b *batchInsert) close() error           { return nil }

// pipeInsert is one INSERT of the embedded engine reading a named pipe.
type pipeInsert struct {
	dir    string
	f      *os.File
	done   chan error // the INSERT's outcome
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
	path := filepath.Join(dir, "rows.tsv")
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

func (p *pipeInsert) write(tsv []byte) error {
	if _, err := p.f.Write(tsv); err != nil {
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
	r, err := s.Query(ctx, "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = {t:String}", store.Params{"t": table})
	if err != nil {
		return "", err
	}
	types := make(map[string]string, len(r.Rows))
	for _, row := range r.Rows {
		types[row[0]] = row[1]
	}
	parts := make([]string, len(columns))
	for i, c := range columns {
		t, ok := types[c]
		if !ok {
			return "", fmt.Errorf("table %s has no column %s", table, c)
		}
		parts[i] = c + " " + t
	}
	return strings.Join(parts, ", "), nil
}

// problemSink collects a file's quarantined rows (TSV, QuarantineColumns) and stages
// them. The embedded engine runs one statement at a time, and the rows' INSERT runs
// as long as the file is read, so there they wait in a temporary file until close.
type problemSink interface {
	add(row []byte) error
	close() error
}

func newProblemSink(ctx context.Context, s store.Store, table string, direct bool) (problemSink, error) {
	if direct {
		t, err := newTempTSV(scratchPattern() + "problems-*.tsv")
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
	t     *tempTSV
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
	return p.s.Exec(p.ctx, fileInsertQuery(p.table, QuarantineColumns, false, ""), store.Params{"path": t.f.Name(), "structure": structure})
}

// tempTSV is a temporary file of TSV rows, for the engine to read with fromFile.
type tempTSV struct {
	f    *os.File
	w    *bufio.Writer
	rows int64
}

func newTempTSV(pattern string) (*tempTSV, error) {
	f, err := os.CreateTemp("", pattern)
	if err != nil {
		return nil, err
	}
	return &tempTSV{f: f, w: bufio.NewWriterSize(f, 1<<20)}, nil
}

// add appends '\n'-terminated rows.
func (t *tempTSV) add(rows []byte) error {
	t.rows += int64(bytes.Count(rows, []byte{'\n'}))
	_, err := t.w.Write(rows)
	return err
}

// finish flushes and closes the file, which stays for the engine to read.
func (t *tempTSV) finish() error {
	err := t.w.Flush()
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (t *tempTSV) remove() { os.Remove(t.f.Name()) }

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
