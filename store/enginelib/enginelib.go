// Package enginelib is kovmon's binding of libchdb.so, the embedded ClickHouse engine,
// through purego (no cgo). The library is found and loaded on first use, not at start:
// a kovmon that talks to a ClickHouse server (--clickhouse) never touches it and runs
// on a machine without it.
//
// It replaces github.com/chdb-io/chdb-go, which loads the library in its package init
// and panics when the file is missing — and every package linked into a binary is
// initialised, used or not. The C functions bound here are the ones chdb-go called
// (chdb.h of libchdb 26.7): a session (chdb_connect, chdb_query, …) for the embedded
// store, and the command-line entry (query_stable_v2) that internal/chserver uses to
// run the same engine as a real ClickHouse server.
package enginelib

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// DefaultPath is where `make deps` installs the library, relative to the repository.
const DefaultPath = ".deps/chdb/node_modules/@chdb/lib-linux-x64-gnu/libchdb.so"

// ErrMissing: the library is not where CHDB_LIB_PATH says, or nowhere kovmon looks.
var ErrMissing = errors.New("the embedded ClickHouse engine libchdb.so is missing")

// Locate returns the library's path: CHDB_LIB_PATH when set, else the first of
// DefaultPath in the working folder or up to three above it (go test runs in the
// package's folder), next to the binary's folder (bin/kovmon in the repository), and
// /usr/local/lib/libchdb.so.
func Locate() (string, error) {
	if p := os.Getenv("CHDB_LIB_PATH"); p != "" {
		if fileExists(p) {
			return filepath.Abs(p)
		}
		return "", fmt.Errorf("%w: CHDB_LIB_PATH=%s does not exist; run `make deps` or point CHDB_LIB_PATH at libchdb.so", ErrMissing, p)
	}
	var candidates []string
	for up := ""; len(up) <= len("../../../"); up += "../" {
		candidates = append(candidates, up+DefaultPath)
	}
	if exe, err := os.Executable(); err == nil {
		candidates = append(candidates, filepath.Join(filepath.Dir(filepath.Dir(exe)), DefaultPath))
	}
	candidates = append(candidates, "/usr/local/lib/libchdb.so")
	for _, p := range candidates {
		if fileExists(p) {
			return filepath.Abs(p)
		}
	}
	return "", fmt.Errorf("%w (looked in %s and /usr/local/lib); run `make deps` or set CHDB_LIB_PATH to its path", ErrMissing, DefaultPath)
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// The C side (chdb.h). A chdb_connection is a pointer to a struct holding one
// pointer, passed by value to chdb_query; results are opaque.
type (
	connection struct{ internal unsafe.Pointer }
	result     struct{ internal unsafe.Pointer }
	// resultV2 is struct local_result_v2, the answer of query_stable_v2.
	resultV2 struct {
		buf          *byte
		len          uintptr
		vec          unsafe.Pointer
		elapsed      float64
		rowsRead     uint64
		bytesRead    uint64
		errorMessage *byte
	}
)

var (
	loadOnce sync.Once
	loadErr  error

	chdbConnect      func(argc int, argv []*byte) *connection
	chdbCloseConn    func(conn *connection)
	chdbQuery        func(conn unsafe.Pointer, query string, format string) *result
	chdbDestroy      func(res *result)
	chdbResultBuffer func(res *result) *byte
	chdbResultLength func(res *result) uintptr
	chdbResultError  func(res *result) *byte
	queryStableV2    func(argc int, argv []*byte) *resultV2
	freeResultV2     func(res *resultV2)
)

// Load finds and loads the library (once); later calls return the first outcome.
func Load() error {
	loadOnce.Do(func() {
		path, err := Locate()
		if err != nil {
			loadErr = err
			return
		}
		lib, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_GLOBAL)
		if err != nil {
			loadErr = fmt.Errorf("load %s: %v", path, err)
			return
		}
		for name, fn := range map[string]any{
			"chdb_connect": &chdbConnect, "chdb_close_conn": &chdbCloseConn, "chdb_query": &chdbQuery,
			"chdb_destroy_query_result": &chdbDestroy, "chdb_result_buffer": &chdbResultBuffer,
			"chdb_result_length": &chdbResultLength, "chdb_result_error": &chdbResultError,
			"query_stable_v2": &queryStableV2, "free_result_v2": &freeResultV2,
		} {
			if _, err := purego.Dlsym(lib, name); err != nil {
				loadErr = fmt.Errorf("%s is not a libchdb this kovmon knows: no %s", path, name)
				return
			}
			purego.RegisterLibFunc(fn, lib, name)
		}
	})
	return loadErr
}

// argv makes C's argv: "clickhouse" and args, each NUL-terminated. The byte slices
// stay reachable from the returned slice for the call.
func argv(args []string) []*byte {
	out := make([]*byte, 0, len(args)+1)
	for _, a := range append([]string{"clickhouse"}, args...) {
		b := append([]byte(a), 0)
		out = append(out, &b[0])
	}
	return out
}

// Conn is a session of the engine: its tables live in the folder given to Connect.
// The engine takes one data folder per process; a process may open several sessions
// to it, whose queries run in parallel, and a session runs one query at a time:
// callers serialise each.
type Conn struct{ c *connection }

// Connect opens a session with command-line style arguments ("--path=DIR").
func Connect(args ...string) (*Conn, error) {
	if err := Load(); err != nil {
		return nil, err
	}
	a := argv(args)
	c := chdbConnect(len(a), a)
	if c == nil {
		return nil, errors.New("the embedded engine did not open a session")
	}
	return &Conn{c: c}, nil
}

// Query runs one statement and returns its output in format; the engine's message is
// the error.
func (c *Conn) Query(query, format string) ([]byte, error) {
	if c.c == nil {
		return nil, errors.New("session is closed")
	}
	res := chdbQuery(c.c.internal, query, format)
	if res == nil {
		return nil, nil
	}
	defer chdbDestroy(res)
	if msg := cString(chdbResultError(res)); msg != "" {
		return nil, errors.New(msg)
	}
	n := chdbResultLength(res)
	buf := chdbResultBuffer(res)
	if n == 0 || buf == nil {
		return nil, nil
	}
	return append([]byte(nil), unsafe.Slice(buf, n)...), nil
}

// Close ends the session and releases its folder.
func (c *Conn) Close() {
	if c.c != nil {
		chdbCloseConn(c.c)
		c.c = nil
	}
}

// RunCommandLine runs the engine's command-line entry (clickhouse-local) with args, as
// `clickhouse ARGS…` would, and returns its output. It blocks as long as the
// statements run: internal/chserver serves with it, in a process of its own.
func RunCommandLine(args []string) ([]byte, error) {
	if err := Load(); err != nil {
		return nil, err
	}
	a := argv(args)
	res := queryStableV2(len(a), a)
	if res == nil {
		return nil, errors.New("the engine's command line gave no result")
	}
	defer freeResultV2(res)
	if msg := cString(res.errorMessage); msg != "" {
		return nil, errors.New(msg)
	}
	if res.len == 0 || res.buf == nil {
		return nil, nil
	}
	return append([]byte(nil), unsafe.Slice(res.buf, res.len)...), nil
}

// cString copies a NUL-terminated C string.
func cString(p *byte) string {
	if p == nil {
		return ""
	}
	n := 0
	for *(*byte)(unsafe.Add(unsafe.Pointer(p), n)) != 0 {
		n++
	}
	return string(unsafe.Slice(p, n))
}
