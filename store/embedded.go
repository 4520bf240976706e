package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"ee/kovmon/store/enginelib"
)

// The engine holds one data folder per process, and every embedded Store of the
// process shares it, each with its own database. Its statements run on a small pool
// of connections to that folder (StatementsAtOnce): the engine runs statements of
// different connections in parallel, so that a refresh's definitions use every core
// and a page is not held up behind a load. A connection runs one statement at a time,
// and query parameters are settings of the connection, set just before the statement
// on the same one (bind).
var (
	engineMu    sync.Mutex // guards opening and shutting the engine down
	enginePath  string
	engineConns []*engineConn
	// engineFree holds the connections no statement is using; nil when the engine is
	// not open. engineDown: ShutdownEngine has begun.
	engineFree chan *engineConn
	engineDown bool
)

// engineConn is one connection of the pool.
type engineConn struct {
	c    *enginelib.Conn
	pool chan *engineConn // the free connections it goes back to
	db   string           // the database the connection is USE-ing
	// busySince is when the statement on the connection began (UnixNano; 0 when it
	// is free), for Ping.
	busySince atomic.Int64
}

// StatementsAtOnce is how many statements the embedded engine runs at once (its
// connections), and what callers that send independent statements in parallel (a
// refresh's definitions) send at once to any store. Two measured on 2 cores: a
// refresh's definitions took 0.23 s one after another and 0.14 s on two.
func StatementsAtOnce() int {
	return min(max(runtime.NumCPU(), 2), 4)
}

// busyLimit: a statement that has held the engine longer than this makes Ping fail.
// The longest honest one is a load of a file of tens of gigabytes.
const busyLimit = 30 * time.Minute

type embedded struct {
	db     string
	closed atomic.Bool
}

func openEmbedded(cfg Config) (Store, error) {
	dir := cfg.DataDir
	if dir == "" {
		dir = envOr("KOVMON_DATA", "./data")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("data folder %s: %w", dir, err)
	}
	db := cfg.Database
	if db == "" {
		db = "kovmon"
	}
	if !identifier.MatchString(db) {
		return nil, fmt.Errorf("database name %q: letters, digits and _ only", db)
	}

	if err := openEngine(abs); err != nil {
		return nil, err
	}
	e := &embedded{db: db}
	c, err := e.take(context.Background())
	if err != nil {
		return nil, err
	}
	defer e.give(c)
	if _, err := c.c.Query("CREATE DATABASE IF NOT EXISTS "+db, "TabSeparated"); err != nil {
		return nil, fmt.Errorf("create database %s: %w", db, err)
	}
	return e, nil
}

// openEngine opens the engine's connections to the data folder abs, unless this
// process has them open already.
func openEngine(abs string) error {
	engineMu.Lock()
	defer engineMu.Unlock()
	if engineFree == nil {
		if err := os.MkdirAll(abs, 0o755); err != nil {
			return fmt.Errorf("%w: data folder %s: %v", ErrUnavailable, abs, err)
		}
		if err := checkNotLocked(abs); err != nil {
			return err
		}
		if err := enginelib.Load(); err != nil {
			return fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		n := StatementsAtOnce()
		free := make(chan *engineConn, n)
		for range n {
			c, err := enginelib.Connect(append([]string{"--path=" + abs}, backgroundPacing...)...)
			if err != nil {
				closeConns(engineConns)
				engineConns = nil
				return fmt.Errorf("%w: embedded engine in %s: %v", ErrUnavailable, abs, err)
			}
			engineConns = append(engineConns, &engineConn{c: c, pool: free})
			free <- engineConns[len(engineConns)-1]
		}
		engineFree, enginePath = free, abs
	} else if enginePath != abs {
		return fmt.Errorf("%w: this process already has the data folder %s open; the embedded engine takes one per process", ErrUnavailable, enginePath)
	}
	return nil
}

// backgroundPacing are the engine's settings of how soon its background scheduler looks
// again for a table's next merge or mutation after finding its queue full or nothing
// to do: 10 ms, where its defaults wait 100 ms and up to a second more at random. A
// mutation takes a part at a time, so with the defaults the lightweight delete of a
// load's commit (ingest, deleteHeldKeys) was paced by the scheduler's waits, not by
// its work. Measured on 2 cores (two background threads, four tasks queued at most):
// a delete from 231 parts of 100 rows took 31–36 s with the defaults and 1.5 s with
// these, the probe's whole process using 3.3 and 3.0 CPU-s; one from 231 parts of
// 5 M rows 35.6 s against 2.7–2.9 s. The threads and the queue stay as the engine sets
// them, so no more merges run at once than before; an idle `kovmon serve` used 0.32
// CPU-s a minute with these and 0.41 without.
var backgroundPacing = []string{
	"--background_processing_pool_thread_sleep_seconds_if_nothing_to_do=0.01",
	"--background_processing_pool_task_sleep_seconds_when_no_work_random_part=0",
}

// FolderInUseError: another process (PID, 0 when unknown) holds the embedded
// engine's data folder.
type FolderInUseError struct {
	Dir, Holder string
	PID         int
}

func (e *FolderInUseError) Error() string {
	return fmt.Sprintf("%v: the data folder %s is in use by %s; stop it or use another --data folder", ErrUnavailable, e.Dir, e.Holder)
}

func (e *FolderInUseError) Unwrap() error { return ErrUnavailable }

// checkNotLocked tells which process holds the data folder before the engine tries
// to, since its own answer is a session that fails to open, without the holder. The engine holds an exclusive
// flock on DIR/status while it runs; its first line is "PID: n".
func checkNotLocked(dir string) error {
	path := filepath.Join(dir, "status")
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrUnavailable, path, err)
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		inUse := &FolderInUseError{Dir: dir, Holder: "another process"}
		if data, err := os.ReadFile(path); err == nil {
			first, _, _ := strings.Cut(string(data), "\n")
			if pid, ok := strings.CutPrefix(first, "PID: "); ok {
				inUse.PID, _ = strconv.Atoi(strings.TrimSpace(pid))
				inUse.Holder = "process " + strings.TrimSpace(pid)
				if cmd, err := os.ReadFile("/proc/" + strings.TrimSpace(pid) + "/cmdline"); err == nil {
					inUse.Holder += " (" + strings.TrimSpace(strings.ReplaceAll(string(cmd), "\x00", " ")) + ")"
				}
			}
		}
		return inUse
	}
	unix.Flock(int(f.Fd()), unix.LOCK_UN)
	return nil
}

// run sends one statement on c, in the store's database.
func (e *embedded) run(c *engineConn, query, format string) ([]byte, error) {
	if e.closed.Load() {
		return nil, fmt.Errorf("%w: the store is closed", ErrUnavailable)
	}
	if c.db != e.db {
		if _, err := c.c.Query("USE "+e.db, "TabSeparated"); err != nil {
			return nil, fmt.Errorf("USE %s: %w", e.db, err)
		}
		c.db = e.db
	}
	if format == "" {
		format = "TabSeparated"
	}
	return c.c.Query(query, format)
}

// bind sets the query's parameters as settings of c, for its next statement.
func (e *embedded) bind(c *engineConn, params Params) error {
	if len(params) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("SET ")
	first := true
	for name, v := range params {
		if !identifier.MatchString(name) {
			return fmt.Errorf("query parameter name %q", name)
		}
		text, err := paramText(v)
		if err != nil {
			return fmt.Errorf("parameter %s: %w", name, err)
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		b.WriteString("param_" + name + " = " + quoteString(text))
	}
	_, err := e.run(c, b.String(), "")
	return err
}

// identifier matches the database and parameter names the engine is given.
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (e *embedded) Exec(ctx context.Context, query string, params Params) error {
	_, err := e.do(ctx, query, params, "")
	return err
}

func (e *embedded) Query(ctx context.Context, query string, params Params) (*Result, error) {
	out, err := e.do(ctx, query, params, "TabSeparatedWithNamesAndTypes")
	if err != nil {
		return nil, err
	}
	return parseTSV(out), nil
}

func (e *embedded) do(ctx context.Context, query string, params Params, format string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c, err := e.take(ctx)
	if err != nil {
		return nil, err
	}
	defer e.give(c)
	if err := e.bind(c, params); err != nil {
		return nil, err
	}
	out, err := e.run(c, query, format)
	if err != nil {
		return nil, queryError(query, err)
	}
	return out, nil
}

// pool returns the engine's free connections and all of them, or an error when the
// engine or this store is closed.
func (e *embedded) pool() (chan *engineConn, []*engineConn, error) {
	engineMu.Lock()
	defer engineMu.Unlock()
	if engineFree == nil || engineDown || e.closed.Load() {
		return nil, nil, fmt.Errorf("%w: the store is closed", ErrUnavailable)
	}
	return engineFree, engineConns, nil
}

// take waits for a free connection (or ctx), and marks it busy.
func (e *embedded) take(ctx context.Context) (*engineConn, error) {
	free, _, err := e.pool()
	if err != nil {
		return nil, err
	}
	select {
	case c, ok := <-free:
		if !ok {
			return nil, fmt.Errorf("%w: the store is closed", ErrUnavailable)
		}
		c.busySince.Store(time.Now().UnixNano())
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// give returns a connection to the pool.
// (ShutdownEngine waits for every connection before it closes the pool.)
func (e *embedded) give(c *engineConn) {
	c.busySince.Store(0)
	c.pool <- c
}

func (e *embedded) InsertTSV(ctx context.Context, table string, columns []string, tsv []byte) error {
	if len(tsv) == 0 {
		return nil
	}
	_, err := e.do(ctx, insertStatement(table, columns)+"\n"+string(tsv), nil, "")
	return err
}

// insertStatement is the INSERT header that both backends send with TabSeparated data.
func insertStatement(table string, columns []string) string {
	return "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") FORMAT TabSeparated"
}

// Ping asks the engine for SELECT 1 when a connection is free. A health check queued
// behind long statements would time out and call a working engine dead (the load
// test saw /healthz wait 3 s behind uploads); so when every connection is busy, the
// statements in progress count as a sign of life, unless one has run past busyLimit.
func (e *embedded) Ping(ctx context.Context) error {
	free, conns, err := e.pool()
	if err != nil {
		return err
	}
	select {
	case c, ok := <-free:
		if !ok {
			return fmt.Errorf("%w: the store is closed", ErrUnavailable)
		}
		defer e.give(c)
		_, err := e.run(c, "SELECT 1", "")
		return err
	default:
	}
	for _, c := range conns {
		if since := c.busySince.Load(); since != 0 {
			if busy := time.Since(time.Unix(0, since)); busy > busyLimit {
				return fmt.Errorf("%w: one statement has held the embedded engine for %s", ErrUnavailable, busy.Round(time.Second))
			}
		}
	}
	return nil
}

func (e *embedded) Describe() string {
	return "embedded ClickHouse in " + enginePath + " (database " + e.db + ")"
}

func (e *embedded) Cluster() string { return "" }

// Close releases this Store. The engine stays open for the life of the process (tests
// open many stores, and chDB does not promise a clean reopen); ShutdownEngine closes it.
func (e *embedded) Close() error {
	e.closed.Store(true)
	return nil
}

// ShutdownEngine closes the embedded engine's connections once the statements running
// on them end, releasing the data folder's lock; call it once, when the process is
// about to exit.
func ShutdownEngine() {
	engineMu.Lock()
	free := engineFree
	if free == nil || engineDown {
		engineMu.Unlock()
		return
	}
	engineDown = true
	engineMu.Unlock()
	for range engineConns {
		<-free // each connection, once its statement has ended
	}
	close(free) // a statement still waiting for one is told the store is closed
	closeConns(engineConns)
	engineMu.Lock()
	engineFree, engineConns, enginePath, engineDown = nil, nil, "", false
	engineMu.Unlock()
}

func closeConns(conns []*engineConn) {
	for _, c := range conns {
		c.c.Close()
	}
}

// queryError shortens the engine's message and names the statement it came from.
func queryError(query string, err error) error {
	head := strings.Join(strings.Fields(query), " ")
	if len(head) > 120 {
		head = head[:120] + "…"
	}
	msg := err.Error()
	if i := strings.Index(msg, "Stack trace"); i > 0 {
		msg = strings.TrimSpace(msg[:i])
	}
	return fmt.Errorf("clickhouse: %s [query: %s]", msg, head)
}

// Embedded reports whether s is the embedded engine, whose data folder belongs to
// this process alone.
func Embedded(s Store) bool {
	_, ok := find[*embedded](s)
	return ok
}

// EmbeddedDatabase is the database of the embedded engine that s is, and false when
// s is not one: a name the engine reads outside this connection (a dictionary's
// source, say) must be qualified with it.
func EmbeddedDatabase(s Store) (string, bool) {
	e, ok := find[*embedded](s)
	if !ok {
		return "", false
	}
	return e.db, true
}

// find looks for a T in s and in what s wraps: a wrapper (a tracing store, say) names
// what it wraps with Unwrap.
func find[T Store](s Store) (T, bool) {
	for {
		if t, ok := s.(T); ok {
			return t, true
		}
		w, ok := s.(interface{ Unwrap() Store })
		if !ok {
			var zero T
			return zero, false
		}
		s = w.Unwrap()
	}
}
