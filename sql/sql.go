// Package sql holds kovmon's ClickHouse SQL as files: the numbered schema migrations
// under migrations/, and one query per file named <area>.<Name>.sql, so that a reader
// finds the SQL behind any figure by name. The files are embedded in the binary.
package sql

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql *.sql
var files embed.FS

// Migration is one numbered schema file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the schema files in the order they apply.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(files, "migrations")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with its number, as 0001_name.sql", name)
		}
		data, err := files.ReadFile("migrations/" + name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: version, Name: strings.TrimSuffix(name, ".sql"), SQL: string(data)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s share a number", out[i-1].Name, out[i].Name)
		}
	}
	return out, nil
}

// Query returns the query file <name>.sql, e.g. Query("registry.ActiveUnits"). A
// missing file is a programming error, so it panics.
func Query(name string) string {
	text, ok := Lookup(name)
	if !ok {
		panic("sql: no query file " + name + ".sql")
	}
	return text
}

// Lookup returns the query file <name>.sql if there is one: a catalogue names the
// definitions of its indicators, and a name it gives may be no file of kovmon's.
func Lookup(name string) (string, bool) {
	if strings.ContainsAny(name, "/\\") {
		return "", false // a name, never a path into the migrations
	}
	data, err := files.ReadFile(name + ".sql")
	if err != nil {
		return "", false
	}
	return string(data), true
}

// Statements splits a file into its statements: they end with ';' at the end of a
// line. Comment lines (--) are dropped.
func Statements(text string) []string {
	var (
		out []string
		cur strings.Builder
	)
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "--") || (trimmed == "" && cur.Len() == 0) {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(trimmed, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}
