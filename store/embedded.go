package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"ee/kovmon/store/enginelib"
)

// The engine allows one session per process; every embedded Store of the process
// shares it, each with its own database, and takes turns through engineMu — chDB
// sessions are not safe for concurrent queries, and query parameters are session
// settings that must not interleave.
var (
	engineMu      sync.Mutex
	engineSession *enginelib.Conn
	enginePath    string
	engineDB      string // the database the session is USE-ing
	// engineBusySince is when the statement holding engineMu began (UnixNano; 0
	// when none does), for Ping.
	engineBusySince atomic.Int64
)

// busyLimit: a statement that has held the engine longer than this makes Ping fail.
// The longest honest one is a load of a file of tens of gigabytes.
const busyLimit = 30 * time.Minute

type embedded struct {
	db     string
	closed bool
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

	engineMu.Lock()
	defer engineMu.Unlock()
	if engineSession == nil {
		if err := os.MkdirAll(abs, 0o755); err != nil {
			return nil, fmt.Errorf("%w: data folder %s: %v", ErrUnavailable, abs, err)
		}
		if err := checkNotLocked(abs); err != nil {
			return nil, err
		}
		if err := enginelib.Load(); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		sess, err := enginelib.Connect("--path=" + abs)
		if err != nil {
			return nil, fmt.Errorf("%w: embedded engine in %s: %v", ErrUnavailable, abs, err)
		}
		engineSession, enginePath, engineDB = sess, abs, ""
	} else if enginePath != abs {
		return nil, fmt.Errorf("%w: this process already has the data folder %s open; the embedded engine takes one per process", ErrUnavailable, enginePath)
	}
	if _, err := engineSession.Query("CREATE DATABASE IF NOT EXISTS "+db, "TabSeparated"); err != nil {
		return nil, fmt.Errorf("create database %s: %w", db, err)
	}
	return &embedded{db: db}, nil
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

// runLocked sends one statement; engineMu must be held.
func (e *embedded) runLocked(query, format string) ([]byte, error) {
	if e.closed {
		return nil, fmt.Errorf("%w: the store is closed", ErrUnavailable)
	}
	if engineDB != e.db {
		if _, err := engineSession.Query("USE "+e.db, "TabSeparated"); err != nil {
			return nil, fmt.Errorf("USE %s: %w", e.db, err)
		}
		engineDB = e.db
	}
	if format == "" {
		format = "TabSeparated"
	}
	return engineSession.Query(query, format)
}

// bindLocked sets the query's parameters as session settings; engineMu must be held.
func (e *embedded) bindLocked(params Params) error {
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
	_, err := e.runLocked(b.String(), "")
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
	engineMu.Lock()
	defer engineMu.Unlock()
	if e.closed {
		return nil, fmt.Errorf("%w: the store is closed", ErrUnavailable)
	}
	engineBusySince.Store(time.Now().UnixNano())
	defer engineBusySince.Store(0)
	if err := e.bindLocked(params); err != nil {
		return nil, err
	}
	out, err := e.runLocked(query, format)
	if err != nil {
		return nil, queryError(query, err)
	}
	return out, nil
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

// Ping asks the engine for SELECT 1 when it is free. The engine runs one statement
// at a time, and a health check queued behind a long load would time out and call a
// working engine dead (the load test saw /healthz wait 3 s behind uploads); so a
// statement in progress counts as a sign of life, unless it has run past busyLimit.
func (e *embedded) Ping(ctx context.Context) error {
	if engineMu.TryLock() {
		defer engineMu.Unlock()
		_, err := e.runLocked("SELECT 1", "")
		return err
	}
	if since := engineBusySince.Load(); since != 0 {
		if busy := time.Since(time.Unix(0, since)); busy > busyLimit {
			return fmt.Errorf("%w: one statement has held the embedded engine for %s", ErrUnavailable, busy.Round(time.Second))
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
	engineMu.Lock()
	defer engineMu.Unlock()
	e.closed = true
	return nil
}

// ShutdownEngine closes the embedded engine's session, releasing the data folder's
// lock; call it once, when the process is about to exit.
func ShutdownEngine() {
	engineMu.Lock()
	defer engineMu.Unlock()
	if engineSession != nil {
		engineSession.Close()
		engineSession, enginePath, engineDB = nil, "", ""
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
