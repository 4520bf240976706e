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

// Record returns the cells of a record passed through Cell, in a new slice.
func Record(record []string) []string {
	out := make([]string, len(record))
	for i, v := range record {
		out[i] = Cell(v)
	}
	return out
}

// Writer is a csv.Writer (RFC 4180, "," unless Comma says otherwise) whose every
// cell goes through Cell.
type Writer struct {
	*csv.Writer
}

// NewWriter returns a Writer writing to w.
func NewWriter(w io.Writer) *Writer { return &Writer{csv.NewWriter(w)} }

// Write writes one record, its cells made safe.
func (w *Writer) Write(record []string) error { return w.Writer.Write(Record(record)) }

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
