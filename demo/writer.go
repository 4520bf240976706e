package demo

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// table writes one CSV file a field at a time, so that the usage generator
// can stream tens of millions of rows without building a []string per row.
type table struct {
	path   string
	file   *os.File
	buf    *bufio.Writer
	sep    byte
	line   []byte
	fields int
	rows   int64 // data rows written, header excluded
}

func createTable(path string, sep byte, bom bool, header ...string) (*table, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	t := &table{path: path, file: f, buf: bufio.NewWriterSize(f, 1<<20), sep: sep}
	if bom {
		t.buf.WriteString("\ufeff")
	}
	for _, h := range header {
		t.str(h)
	}
	t.end()
	t.rows = 0
	return t, nil
}

func (t *table) next() {
	if t.fields > 0 {
		t.line = append(t.line, t.sep)
	}
	t.fields++
}

// str appends a field, quoted per RFC 4180 when it holds the separator, a
// quote or a line break.
func (t *table) str(s string) {
	t.next()
	if !strings.ContainsAny(s, "\"\r\n") && strings.IndexByte(s, t.sep) < 0 {
		t.line = append(t.line, s...)
		return
	}
	t.line = append(t.line, '"')
	t.line = append(t.line, strings.ReplaceAll(s, `"`, `""`)...)
	t.line = append(t.line, '"')
}

func (t *table) int(n int64) {
	t.next()
	t.line = strconv.AppendInt(t.line, n, 10)
}

// raw appends a field the caller knows needs no quoting.
func (t *table) raw(b []byte) {
	t.next()
	t.line = append(t.line, b...)
}

func (t *table) end() {
	t.line = append(t.line, '\n')
	t.buf.Write(t.line)
	t.line, t.fields = t.line[:0], 0
	t.rows++
}

// endTwice finishes the row and writes it a second time, as a source that
// ships the same log twice would.
func (t *table) endTwice() {
	t.line = append(t.line, '\n')
	t.buf.Write(t.line)
	t.buf.Write(t.line)
	t.line, t.fields = t.line[:0], 0
	t.rows += 2
}

func (t *table) close(kind string) (File, error) {
	err := t.buf.Flush()
	if cerr := t.file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return File{}, fmt.Errorf("demo %s: %w", t.path, err)
	}
	return File{Kind: kind, Path: t.path, Rows: t.rows}, nil
}

// jsonLines writes one JSON object per line.
type jsonLines struct {
	path string
	file *os.File
	buf  *bufio.Writer
	rows int64
}

func createJSONLines(path string) (*jsonLines, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return &jsonLines{path: path, file: f, buf: bufio.NewWriter(f)}, nil
}

// write marshals v; a struct keeps its field order, so output is stable.
func (j *jsonLines) write(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("demo %s: %w", j.path, err)
	}
	j.buf.Write(b)
	j.buf.WriteByte('\n')
	j.rows++
	return nil
}

func (j *jsonLines) close(kind string) (File, error) {
	err := j.buf.Flush()
	if cerr := j.file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return File{}, fmt.Errorf("demo %s: %w", j.path, err)
	}
	return File{Kind: kind, Path: j.path, Rows: j.rows}, nil
}

// Timestamp styles: exporting systems differ, and the contract accepts all
// three, so the demo mixes them.
type timeStyle uint8

const (
	styleLocal  timeStyle = iota // 2018-03-01 10:00:00, Tallinn wall clock
	styleOffset                  // 2018-03-01T10:00:00+02:00
	styleUTC                     // 2018-03-01T08:00:00Z
)

func appendTime(b []byte, t time.Time, style timeStyle) []byte {
	switch style {
	case styleLocal:
		return t.In(tallinn).AppendFormat(b, "2006-01-02 15:04:05")
	case styleOffset:
		return t.In(tallinn).AppendFormat(b, time.RFC3339)
	default:
		return t.UTC().AppendFormat(b, time.RFC3339)
	}
}

// ambiguousLocal reports whether a wall-clock rendering of t would be
// ambiguous or shifted by a daylight-saving change within the hour, where
// only a timestamp with an offset says which instant is meant.
func ambiguousLocal(t time.Time) bool {
	_, off := t.In(tallinn).Zone()
	_, before := t.Add(-time.Hour).In(tallinn).Zone()
	_, after := t.Add(time.Hour).In(tallinn).Zone()
	return off != before || off != after
}

// Boolean spellings, one per exporting municipality.
var boolSpellings = [][2]string{{"true", "false"}, {"jah", "ei"}, {"TRUE", "FALSE"}, {"Jah", "Ei"}}

func spellBool(v bool, style int) string {
	s := boolSpellings[style%len(boolSpellings)]
	if v {
		return s[0]
	}
	return s[1]
}
