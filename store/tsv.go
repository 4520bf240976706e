package store

import (
	"bytes"
	"strings"
)

// parseTSV reads ClickHouse TabSeparatedWithNamesAndTypes output. A composite value
// (an array, a tuple, a map) keeps the quoted text form the engine writes it in: the
// TabSeparated escaping of its strings is that form's own, and undoing it would lose
// what was quoted ('it\'s' would read as 'it's').
func parseTSV(out []byte) *Result {
	res := &Result{}
	if len(out) == 0 {
		return res
	}
	lines := bytes.Split(bytes.TrimSuffix(out, []byte{'\n'}), []byte{'\n'})
	res.Columns = splitTSVLine(lines[0], nil, nil, 0)
	var composite []bool
	if len(lines) > 1 {
		composite = make([]bool, len(res.Columns))
		for j, typ := range splitTSVLine(lines[1], nil, nil, 0) {
			composite[j] = isComposite(typ)
		}
	}
	res.Rows = make([][]string, 0, max(len(lines)-2, 0))
	for i, line := range lines[min(2, len(lines)):] {
		res.Rows = append(res.Rows, splitTSVLine(line, composite, res, i))
	}
	return res
}

// isComposite reports whether a ClickHouse type's values print in quoted text form.
func isComposite(typ string) bool {
	typ = unwrapType(typ)
	return strings.HasPrefix(typ, "Array(") || strings.HasPrefix(typ, "Tuple(") || strings.HasPrefix(typ, "Map(")
}

// splitTSVLine splits a line into its fields, unescaped but for the raw ones; when
// res is not nil, each field that is NULL (\N) is marked in res as of row i.
func splitTSVLine(line []byte, raw []bool, res *Result, i int) []string {
	fields := bytes.Split(line, []byte{'\t'})
	out := make([]string, len(fields))
	for j, f := range fields {
		if res != nil && len(f) == 2 && f[0] == '\\' && f[1] == 'N' {
			res.markNull(i, j)
		}
		if j < len(raw) && raw[j] {
			out[j] = string(f)
			continue
		}
		out[j] = unescapeTSV(f)
	}
	return out
}

// unescapeTSV undoes ClickHouse's TabSeparated escaping; \N (NULL) becomes "".
func unescapeTSV(f []byte) string {
	if bytes.IndexByte(f, '\\') < 0 {
		return string(f)
	}
	if len(f) == 2 && f[0] == '\\' && f[1] == 'N' {
		return ""
	}
	var b strings.Builder
	b.Grow(len(f))
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '\\' || i+1 == len(f) {
			b.WriteByte(c)
			continue
		}
		i++
		b.WriteByte(unescapeByte(f[i]))
	}
	return b.String()
}

// needsEscape marks the bytes TabSeparated escapes.
var needsEscape = [256]bool{'\\': true, '\t': true, '\n': true, '\r': true, 0: true}

// EscapeTSV appends s to dst with ClickHouse TabSeparated escaping. It is on the ingest's
// hot path: most values need no escaping and are copied whole.
func EscapeTSV(dst []byte, s string) []byte {
	clean := true
	for i := 0; i < len(s); i++ {
		if needsEscape[s[i]] {
			clean = false
			break
		}
	}
	if clean {
		return append(dst, s...)
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case 0:
			dst = append(dst, '\\', '0')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// Null stands for SQL NULL among the fields of AppendTSVRow (written as \N).
const Null = "\x00\\N"

// AppendTSVRow appends one TabSeparated row of fields, escaped, ending in '\n'.
func AppendTSVRow(dst []byte, fields ...string) []byte {
	for i, f := range fields {
		if i > 0 {
			dst = append(dst, '\t')
		}
		if f == Null {
			dst = append(dst, '\\', 'N')
			continue
		}
		dst = EscapeTSV(dst, f)
	}
	return append(dst, '\n')
}
