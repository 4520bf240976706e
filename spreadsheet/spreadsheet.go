// Package spreadsheet makes kovmon's tables safe to open in a spreadsheet. Every CSV
// kovmon writes for people (the indicator extract of the API, the pages and
// `kovmon indicators`, the coverage, the survey response tracking) goes through
// Cell, so that a value from the data — a municipality's name, a survey question id
// — cannot reach Excel or LibreOffice as a formula (CSV injection). A variant of the
// CSV (another separator, a decimal comma) or another format (XLSX) passes its text
// cells through the same Cell.
package spreadsheet

import (
	"encoding/csv"
	"io"
	"regexp"
	"slices"

	"github.com/gocarina/gocsv"
)

// Cell is a value as a spreadsheet cell may hold it. As OWASP recommends for CSV
// injection, a value that begins with a character a spreadsheet starts a formula
// with — =, +, -, @, a tab or a carriage return — gets a leading apostrophe, which
// makes the spreadsheet read the cell as text: "=HYPERLINK(…)" becomes
// "'=HYPERLINK(…)". A number stays as it is, so that a negative figure is still a
// number ("-12.5", "-3,4" with a decimal comma, "1e-7"); every other value is
// untouched. Quoting a cell that holds the separator, a quote or a line break is the
// CSV writer's work (Writer).
func Cell(value string) string {
	if value == "" || !startsFormula(value[0]) || number.MatchString(value) {
		return value
	}
	return "'" + value
}

// startsFormula reports whether a cell beginning with c is read as a formula (OWASP:
// = + - @, tab, carriage return).
func startsFormula(c byte) bool {
	switch c {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// number is a plain decimal number, with a point or a comma, optionally in exponent
// form: what a spreadsheet takes as a number and never as a formula.
var number = regexp.MustCompile(`^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$`)

// Writer is a csv.Writer (RFC 4180, "," unless Comma says otherwise) whose every
// cell goes through Cell. gocsv writes typed records into it (WriteRecords), so that
// a table's columns are its record's csv tags and the neutralising is in one place.
type Writer struct {
	*csv.Writer
	// Header, when set, gives the words of the header's cells (the first record
	// written: gocsv's csv tags), e.g. a column's text key in the reader's language.
	Header func(column string) string

	wroteHeader bool
}

// NewWriter returns a Writer writing to w.
func NewWriter(w io.Writer) *Writer { return &Writer{Writer: csv.NewWriter(w)} }

// Write writes one record, its cells made safe.
func (w *Writer) Write(record []string) error {
	out := make([]string, len(record))
	for i, v := range record {
		if !w.wroteHeader && w.Header != nil {
			v = w.Header(v)
		}
		out[i] = Cell(v)
	}
	w.wroteHeader = true
	return w.Writer.Write(out)
}

// WriteRecords writes records, a slice of structs whose csv tags name the columns, as
// a header and a row a record (gocsv; an empty slice writes the header alone), and
// flushes. A number field is written at full precision, never in exponent form
// (strconv's 'f', -1); a nil pointer is an empty cell; a field type may write
// itself (gocsv.TypeMarshaller).
func (w *Writer) WriteRecords(records any) error {
	return gocsv.MarshalCSV(records, w)
}

// WriteAll writes records, each made safe, and flushes.
func (w *Writer) WriteAll(records [][]string) error {
	for _, r := range records {
		if err := w.Write(r); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// Columns are the columns that WriteRecords writes for records of type T (the csv
// tags of its fields, in order), for another format of the same table (the XLSX).
func Columns[T any]() ([]string, error) {
	var header headerOnly
	if err := gocsv.MarshalCSV([]T{}, &header); err != nil {
		return nil, err
	}
	return header.record, nil
}

// headerOnly is a gocsv.CSVWriter that keeps the header and nothing else.
type headerOnly struct{ record []string }

func (h *headerOnly) Write(record []string) error {
	if h.record == nil {
		h.record = slices.Clone(record)
	}
	return nil
}

func (h *headerOnly) Flush()       {}
func (h *headerOnly) Error() error { return nil }
