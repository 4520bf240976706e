// Package enginelib finds libchdb.so, the embedded ClickHouse engine, before the chDB
// binding loads it.
//
// github.com/chdb-io/chdb-go loads the library in a package init and panics with a
// stack trace when it is missing. Go initialises packages in import-path order once
// their imports are ready (Go spec, "Package initialization"), and this module's path
// ("ee/kovmon") sorts before "github.com/…", so this package's init runs first: it
// points CHDB_LIB_PATH at the library, or prints one line saying how to get it and
// exits 1. It imports nothing but "os" on purpose, so that nothing delays it.
// cmd/kovmon's TestMissingEngineLibrary guards the order.
package enginelib

import "os"

// DefaultPath is where `make deps` installs the library, relative to the repository.
const DefaultPath = ".deps/chdb/node_modules/@chdb/lib-linux-x64-gnu/libchdb.so"

// Path is the library that will be loaded.
var Path = locate()

func locate() string {
	if p := os.Getenv("CHDB_LIB_PATH"); p != "" {
		if fileExists(p) {
			return p
		}
		fail("kovmon: the embedded ClickHouse engine is missing: CHDB_LIB_PATH=" + p + " does not exist; run `make deps` or point CHDB_LIB_PATH at libchdb.so")
	}
	var candidates []string
	// The working folder or one above it: `go test` runs in the package's folder.
	for up := ""; len(up) <= len("../../../"); up += "../" {
		candidates = append(candidates, up+DefaultPath)
	}
	if exe, err := os.Executable(); err == nil {
		// bin/kovmon in the repository: the library is at ../.deps/…
		candidates = append(candidates, dir(dir(exe))+"/"+DefaultPath)
	}
	candidates = append(candidates, "/usr/local/lib/libchdb.so")
	for _, p := range candidates {
		if fileExists(p) {
			os.Setenv("CHDB_LIB_PATH", p)
			return p
		}
	}
	fail("kovmon: the embedded ClickHouse engine libchdb.so was not found (looked in " + DefaultPath + " and /usr/local/lib); run `make deps` or set CHDB_LIB_PATH to its path. kovmon loads it at start, also when --clickhouse names a server.")
	return ""
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func dir(p string) string {
	for i := len(p) - 1; i > 0; i-- {
		if p[i] == '/' {
			return p[:i]
		}
	}
	return "."
}

func fail(msg string) {
	os.Stderr.WriteString(msg + "\n")
	os.Exit(1)
}
