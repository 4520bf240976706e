// Package ingest reads the measurement files of the data contract
// (spec/data-contract.md): it detects the file's format, splits it into records,
// validates and normalises every row of the seven measurement kinds into typed
// values, and hands the valid rows on (to a load's stage as blocks of ClickHouse's
// Native format, block.go; to any other Output as TabSeparated batches) and the
// invalid ones as problems for the quarantine. Parse knows no database: the loader in
// this package's load.go and the store do that.
package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Limits that keep memory bounded whatever the input.
const (
	// MaxRecordBytes is the longest record (all physical lines of it) accepted.
	// A longer one rejects the file: past it we can no longer find where the next
	// record starts with any confidence, and reading on would cost unbounded memory.
	MaxRecordBytes = 1 << 20
	// MaxRawBytes caps Record.Raw, which only serves the quarantine.
	MaxRawBytes    = 4 << 10
	readBufferSize = 64 << 10
)

// Errors a caller may want to tell apart with errors.Is.
var (
	ErrEmptyFile    = errors.New("empty file")
	ErrNoDataRows   = errors.New("no data rows")
	ErrRecordTooBig = errors.New("record longer than 1 MiB")
	ErrTruncated    = errors.New("compressed file is cut short or corrupt")
	// ErrMissingColumn is wrapped by Parse when the header lacks a required column.
	ErrMissingColumn = errors.New("missing required column")
)

// Format is the detected file format.
type Format string

// The formats of the data contract.
const (
	FormatCSV   Format = "csv"
	FormatJSONL Format = "jsonl"
)

// Record is one data record of a file.
type Record struct {
	// Line is the 1-based physical line where the record starts (the header is
	// line 1 unless blank lines precede it).
	Line int64
	// Fields are aligned to Header(); for JSON Lines a key absent from the object
	// (or null) gives "". The slice is reused by the next call to Next; the strings
	// themselves stay valid.
	Fields []string
	// Raw is the record as it stood in the file (all its lines, without the final
	// newline), capped at MaxRawBytes, for the quarantine.
	Raw string
}

// RowError is a problem with one record that does not stop the reader: the caller
// quarantines the row and goes on. Next returns it (as error) together with a
// Record whose Line and Raw are set.
type RowError struct {
	Line   int64
	Column string // empty when the problem is with the row as a whole
	Reason string // short and stable, e.g. "too few fields", "not valid UTF-8"
}

func (e *RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return fmt.Sprintf("line %d, column %s: %s", e.Line, e.Column, e.Reason)
}

// Reasons the reader gives for a row.
const (
	ReasonTooFewFields  = "too few fields"
	ReasonTooManyFields = "too many fields"
	ReasonInvalidUTF8   = "not valid UTF-8"
	ReasonBadQuote      = "malformed quoted field"
	ReasonBadJSON       = "not a valid JSON object"
	ReasonNestedJSON    = "nested JSON value not supported"
)

// RecordReader splits a CSV or JSON Lines file, possibly gzip-compressed, into
// records. It reads with bounded memory: one 64 KiB buffer plus the current record.
//
// It is the ingest's hot path, and the ingest keeps this reader of its own rather
// than gocarina/gocsv (the house's CSV library where it fits) because of the
// benchmark: on the same usage rows BenchmarkRecordReader splits about 14 times as
// many rows a second as BenchmarkGocsv reads into a struct of text fields (16 allocations
// a row against one), and twice as many as encoding/csv, on which gocsv is built;
// issue 18 asks the whole load to be as fast as the engine's own CSV parser. It also
// lends its fields without copying them, and keeps each record's first physical line
// and raw text, which the quarantine names.
//
// Decisions worth knowing:
//   - A row that is not valid UTF-8 is a RowError (quarantined), not a file
//     rejection: one bad row should not stop a file. A file in another encoding
//     fails on every row and so is rejected whole by Parse anyway. A header that is
//     not valid UTF-8 rejects the file.
//   - CSV follows RFC 4180. Blank lines are skipped (they still count for line
//     numbers). A quote inside an unquoted field is kept as a character. Extra
//     trailing fields are accepted when empty (spreadsheets add them), otherwise
//     the row is a RowError "too many fields".
//   - JSON Lines: one object per line. The header is the keys of the FIRST object,
//     in their order; a key first seen in a later object is ignored and listed by
//     ExtraKeys, unless the caller named it with ExtendHeader (Parse names the
//     kind's columns). Strings, numbers (kept as written), booleans (true/false) and null
//     (as "") are accepted; nested objects and arrays make the row a RowError.
type RecordReader struct {
	fileName string
	counter  *countingReader
	gz       *gzip.Reader
	br       *bufio.Reader
	format   Format
	sep      byte
	header   []string
	index    map[string]int // JSONL: key -> field position

	line     int64 // physical lines consumed so far
	records  int64 // records returned so far, RowErrors included
	buf      []byte
	bounds   []fieldBounds
	fields   []string
	raw      string // the current CSV record's text; fields are cut from it
	pending  []byte // first data line already read while detecting the format
	havePend bool
	eof      bool

	extraKeys map[string]struct{}
	// borrow makes CSV fields and Raw point into the read buffer instead of a
	// copy: valid only until the next call to Next. Parse uses it, as it is done
	// with a record before it reads the next and copies what it passes on.
	borrow bool
}

type fieldBounds struct {
	start, end int
	unescape   bool // quoted field holding "" pairs
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// NewRecordReader detects gzip (by its magic bytes, not the file name), a UTF-8
// BOM, CSV versus JSON Lines (the first non-space byte is '{') and the CSV
// separator (',' or ';', whichever the header line has more of), and reads the
// header. fileName only serves error messages.
func NewRecordReader(r io.Reader, fileName string) (*RecordReader, error) {
	rr := &RecordReader{fileName: fileName, counter: &countingReader{r: r}}
	raw := bufio.NewReaderSize(rr.counter, readBufferSize)
	magic, err := raw.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", fileName, err)
	}
	var src io.Reader = raw
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		rr.gz, err = gzip.NewReader(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: gzip header: %w", fileName, errors.Join(ErrTruncated, err))
		}
		src = rr.gz
		rr.br = bufio.NewReaderSize(src, readBufferSize)
	} else {
		rr.br = raw
	}
	if bom, _ := rr.br.Peek(3); bytes.HasPrefix(bom, []byte("\xef\xbb\xbf")) {
		rr.br.Discard(3)
	}

	// The header is the first non-blank line.
	for {
		ok, err := rr.readPhysicalLine(false)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%s: %w", fileName, ErrEmptyFile)
		}
		if len(bytes.TrimSpace(rr.buf)) > 0 {
			break
		}
	}
	headerLine := rr.line
	if !utf8.Valid(rr.buf) {
		return nil, fmt.Errorf("%s line %d: header is %s", fileName, headerLine, ReasonInvalidUTF8)
	}
	if first := bytes.TrimLeft(rr.buf, " \t\r\n"); first[0] == '{' {
		rr.format = FormatJSONL
		if err := rr.readJSONHeader(headerLine); err != nil {
			return nil, err
		}
	} else {
		rr.format = FormatCSV
		rr.sep = detectSeparator(rr.buf)
		rec, rowErr, err := rr.splitCSV(headerLine)
		if err != nil {
			return nil, err
		}
		if rowErr != nil {
			return nil, fmt.Errorf("%s line %d: header: %s", fileName, headerLine, rowErr.Reason)
		}
		rr.header = make([]string, len(rec))
		for i, name := range rec {
			rr.header[i] = strings.ToLower(strings.TrimSpace(name))
		}
	}
	seen := make(map[string]bool, len(rr.header))
	for _, name := range rr.header {
		if name != "" && seen[name] {
			return nil, fmt.Errorf("%s line %d: column %q appears twice in the header", fileName, headerLine, name)
		}
		seen[name] = true
	}
	return rr, nil
}

// detectSeparator picks ';' when the header line has more semicolons than commas.
func detectSeparator(line []byte) byte {
	if bytes.Count(line, []byte{';'}) > bytes.Count(line, []byte{','}) {
		return ';'
	}
	return ','
}

func (rr *RecordReader) readJSONHeader(line int64) error {
	dec := json.NewDecoder(bytes.NewReader(rr.buf))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("%s line %d: first line is not a JSON object", rr.fileName, line)
	}
	rr.index = make(map[string]int)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%s line %d: first line is not a valid JSON object: %v", rr.fileName, line, err)
		}
		key := strings.ToLower(strings.TrimSpace(tok.(string)))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return fmt.Errorf("%s line %d: first line is not a valid JSON object: %v", rr.fileName, line, err)
		}
		if _, dup := rr.index[key]; !dup {
			rr.index[key] = len(rr.header)
			rr.header = append(rr.header, key)
		}
	}
	// The first object is also the first data record.
	rr.pending = append([]byte(nil), rr.buf...)
	rr.havePend = true
	rr.line = line - 1
	return nil
}

// Header returns the column names, trimmed and lower-case.
func (rr *RecordReader) Header() []string { return rr.header }

// Format returns the detected format.
func (rr *RecordReader) Format() Format { return rr.format }

// BytesRead counts the bytes taken from the underlying (possibly compressed)
// reader so far, for progress reports.
func (rr *RecordReader) BytesRead() int64 { return rr.counter.n }

// ExtendHeader adds columns to a JSON Lines header, which otherwise holds only
// the keys of the first object, so that keys first seen in a later object (an
// optional column the first row left out) are read too; their fields are "" where
// an object lacks them. It does nothing for CSV, whose header is fixed by the file.
func (rr *RecordReader) ExtendHeader(names ...string) {
	if rr.format != FormatJSONL {
		return
	}
	for _, name := range names {
		if _, ok := rr.index[name]; !ok {
			rr.index[name] = len(rr.header)
			rr.header = append(rr.header, name)
		}
	}
}

// ExtraKeys lists JSON keys that objects after the first had and the first did
// not; their values were ignored.
func (rr *RecordReader) ExtraKeys() []string {
	keys := make([]string, 0, len(rr.extraKeys))
	for k := range rr.extraKeys {
		keys = append(keys, k)
	}
	return keys
}

// readPhysicalLine appends one physical line (with its '\n', if any) to rr.buf,
// or replaces rr.buf with it when appendTo is false. It reports false at the end
// of the input.
func (rr *RecordReader) readPhysicalLine(appendTo bool) (bool, error) {
	if !appendTo {
		rr.buf = rr.buf[:0]
	}
	if rr.eof {
		return false, nil
	}
	start := len(rr.buf)
	for {
		chunk, err := rr.br.ReadSlice('\n')
		rr.buf = append(rr.buf, chunk...)
		if len(rr.buf) > MaxRecordBytes {
			return false, fmt.Errorf("%s line %d: %w", rr.fileName, rr.line+1, ErrRecordTooBig)
		}
		switch {
		case err == nil:
			rr.line++
			return true, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			rr.eof = true
			if len(rr.buf) == start {
				return false, nil
			}
			rr.line++
			return true, nil
		case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader):
			return false, fmt.Errorf("%s line %d: %w (%v)", rr.fileName, rr.line+1, ErrTruncated, err)
		default:
			return false, fmt.Errorf("%s line %d: read: %w", rr.fileName, rr.line+1, err)
		}
	}
}

// contentEnd is the length of rr.buf without its final line ending.
func (rr *RecordReader) contentEnd() int {
	n := len(rr.buf)
	if n > 0 && rr.buf[n-1] == '\n' {
		n--
		if n > 0 && rr.buf[n-1] == '\r' {
			n--
		}
	}
	return n
}

// splitCSV splits the record that starts with the line in rr.buf, reading more
// lines while a quoted field is open. It returns the fields (rr.fields, reused).
func (rr *RecordReader) splitCSV(startLine int64) ([]string, *RowError, error) {
	end := rr.contentEnd()
	if bytes.IndexByte(rr.buf[:end], '"') < 0 {
		// The common case, a line without quotes, in one pass.
		raw := rr.rawString(end)
		rr.fields = rr.fields[:0]
		for {
			j := strings.IndexByte(raw, rr.sep)
			if j < 0 {
				rr.fields = append(rr.fields, raw)
				return rr.fields, nil, nil
			}
			rr.fields = append(rr.fields, raw[:j])
			raw = raw[j+1:]
		}
	}
	rr.bounds = rr.bounds[:0]
	var rowErr *RowError
	pos := 0
	for {
		if pos < end && rr.buf[pos] == '"' {
			// Quoted field: find the closing quote, reading on over newlines.
			i := pos + 1
			unescape := false
			for {
				j := bytes.IndexByte(rr.buf[i:], '"')
				if j < 0 {
					more, err := rr.readPhysicalLine(true)
					if err != nil {
						return nil, nil, err
					}
					if !more {
						return nil, nil, fmt.Errorf("%s line %d: quoted field not closed before the end of the file", rr.fileName, startLine)
					}
					end = rr.contentEnd()
					continue
				}
				i += j
				if i+1 < len(rr.buf) && rr.buf[i+1] == '"' {
					unescape = true
					i += 2
					continue
				}
				break
			}
			rr.bounds = append(rr.bounds, fieldBounds{pos + 1, i, unescape})
			next := i + 1
			if next >= end {
				break
			}
			if rr.buf[next] != rr.sep {
				if rowErr == nil {
					rowErr = &RowError{Line: startLine, Reason: ReasonBadQuote}
				}
				k := bytes.IndexByte(rr.buf[next:end], rr.sep)
				if k < 0 {
					break
				}
				next += k
			}
			pos = next + 1
			if pos == end {
				rr.bounds = append(rr.bounds, fieldBounds{end, end, false})
				break
			}
			continue
		}
		j := bytes.IndexByte(rr.buf[pos:end], rr.sep)
		if j < 0 {
			rr.bounds = append(rr.bounds, fieldBounds{pos, end, false})
			break
		}
		rr.bounds = append(rr.bounds, fieldBounds{pos, pos + j, false})
		pos += j + 1
		if pos == end {
			rr.bounds = append(rr.bounds, fieldBounds{end, end, false})
			break
		}
	}
	raw := rr.rawString(end)
	rr.fields = rr.fields[:0]
	for _, b := range rr.bounds {
		f := raw[b.start:b.end]
		if b.unescape {
			f = strings.ReplaceAll(f, `""`, `"`)
		}
		rr.fields = append(rr.fields, f)
	}
	return rr.fields, rowErr, nil
}

// rawString returns rr.buf[:end] as the record's text, and remembers it as
// rr.raw. It costs one allocation per record, the fields being substrings of it;
// in borrow mode not even that: it points into rr.buf, which the next call
// overwrites.
func (rr *RecordReader) rawString(end int) string {
	if rr.borrow && end > 0 {
		rr.raw = unsafe.String(&rr.buf[0], end)
	} else {
		rr.raw = string(rr.buf[:end])
	}
	return rr.raw
}

// Next returns the next record. At the end it returns io.EOF, or an error
// wrapping ErrNoDataRows when the file had no record after its header. A
// *RowError comes with a Record whose Line and Raw are set; the caller may go on
// reading. Any other error ends the file.
func (rr *RecordReader) Next() (Record, error) {
	for {
		if rr.havePend {
			rr.buf = append(rr.buf[:0], rr.pending...)
			rr.havePend = false
			rr.line++
		} else {
			ok, err := rr.readPhysicalLine(false)
			if err != nil {
				return Record{}, err
			}
			if !ok {
				if rr.records == 0 {
					return Record{}, fmt.Errorf("%s: %w", rr.fileName, ErrNoDataRows)
				}
				return Record{}, io.EOF
			}
		}
		if isBlank(rr.buf) {
			continue
		}
		rr.records++
		start := rr.line
		if rr.format == FormatJSONL {
			return rr.nextJSON(start)
		}
		fields, rowErr, err := rr.splitCSV(start)
		if err != nil {
			return Record{}, err
		}
		rec := Record{Line: start, Fields: fields}
		rec.Raw = capRawString(rr.raw)
		if !utf8.Valid(rr.buf) {
			return rec, &RowError{Line: start, Reason: ReasonInvalidUTF8}
		}
		if rowErr != nil {
			return rec, rowErr
		}
		if len(fields) < len(rr.header) {
			return rec, &RowError{Line: start, Reason: ReasonTooFewFields}
		}
		if len(fields) > len(rr.header) {
			for _, f := range fields[len(rr.header):] {
				if f != "" {
					return rec, &RowError{Line: start, Reason: ReasonTooManyFields}
				}
			}
			rec.Fields = fields[:len(rr.header)]
		}
		return rec, nil
	}
}

// capRawString caps a record's raw text at MaxRawBytes without cutting a UTF-8
// sequence in half; slicing keeps it free of a copy.
func capRawString(raw string) string { return raw[:rawCap(raw)] }

// rawCap is how much of a raw line is kept: at most MaxRawBytes, cut at a rune start.
func rawCap[S ~string | ~[]byte](raw S) int {
	if len(raw) <= MaxRawBytes {
		return len(raw)
	}
	n := MaxRawBytes
	for n > 0 && !utf8.RuneStart(raw[n]) {
		n--
	}
	return n
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

func (rr *RecordReader) nextJSON(start int64) (Record, error) {
	end := rr.contentEnd()
	line := rr.buf[:end]
	rec := Record{Line: start, Raw: capRaw(line)}
	if !utf8.Valid(line) {
		return rec, &RowError{Line: start, Reason: ReasonInvalidUTF8}
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil || obj == nil {
		return rec, &RowError{Line: start, Reason: ReasonBadJSON}
	}
	rr.fields = rr.fields[:0]
	for range rr.header {
		rr.fields = append(rr.fields, "")
	}
	for key, val := range obj {
		k := strings.ToLower(strings.TrimSpace(key))
		i, ok := rr.index[k]
		if !ok {
			if rr.extraKeys == nil {
				rr.extraKeys = make(map[string]struct{})
			}
			if len(rr.extraKeys) < 100 {
				rr.extraKeys[k] = struct{}{}
			}
			continue
		}
		switch {
		case len(val) == 0:
		case val[0] == '"':
			var s string
			if err := json.Unmarshal(val, &s); err != nil {
				return rec, &RowError{Line: start, Column: k, Reason: ReasonBadJSON}
			}
			rr.fields[i] = s
		case val[0] == '{' || val[0] == '[':
			return rec, &RowError{Line: start, Column: k, Reason: ReasonNestedJSON}
		case string(val) == "null":
		default: // number or boolean, as written
			rr.fields[i] = string(val)
		}
	}
	rec.Fields = rr.fields
	return rec, nil
}

func capRaw(b []byte) string { return string(b[:rawCap(b)]) }

// Close releases the gzip reader, if any. It does not close the underlying reader.
func (rr *RecordReader) Close() error {
	if rr.gz != nil {
		return rr.gz.Close()
	}
	return nil
}
