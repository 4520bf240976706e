package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Problem is a row that is not loaded: it goes to the quarantine.
type Problem struct {
	Line   int64
	Column string // empty when the problem is with the row as a whole
	Reason string // stable English text; ReasonEstonian translates it
	Raw    string // the row as it stood in the file, capped at 4 KiB
}

// Output receives what Parse makes of a file.
type Output interface {
	// Rows receives a batch of n valid rows, TSV-encoded (ClickHouse TabSeparated
	// escaping: \t \n \\ and \N for NULL), one row per '\n', columns exactly
	// Kind.StoredColumns(); the slice is reused after the call returns.
	Rows(tsv []byte, n int) error
	// Problem receives each row that failed, with the first problem found in it.
	Problem(p Problem) error
	// Warn receives notes about the file that do not stop it, e.g. an unknown
	// column. The text is in English and Estonian.
	Warn(msg string)
}

// Stats counts what Parse did. RowsRead == Valid + Problems once the file was
// parsed to its end.
type Stats struct {
	Kind                      *Kind // the kind given, or the one inferred from the header
	RowsRead, Valid, Problems int64
	Bytes                     int64 // read from the underlying, possibly compressed, reader
	// Unmapped counts the valid survey rows whose question Options.SurveyAnswer did
	// not know, per question id in UnmappedQuestions; they are kept as written.
	Unmapped          int64
	UnmappedQuestions map[string]int64
}

// Options tune ParseWithOptions.
type Options struct {
	// Kind of the file; nil infers it from the header (InferKind).
	Kind *Kind
	// Known reports whether a zero-padded EHAK code is in the registry; nil
	// accepts every well-formed code.
	Known func(ehakCode string) bool
	// BatchRows is the most rows per Output.Rows call; <= 0 means 10000. Memory
	// use grows with it, not with the file.
	BatchRows int
	// Progress, if set, is called after every batch and at the end with the
	// bytes read so far from the underlying reader.
	Progress func(bytesRead int64)
	// SurveyAnswer, if set, checks and normalises each answer of a survey row
	// against the survey definitions (surveys.Set.CheckAnswer): a non-empty reason
	// quarantines the row in column answer; known = false keeps the answer as
	// returned and counts it as unmapped. Nil keeps the built-in normalisation of
	// yes/no words and numbers, which knows no questions.
	SurveyAnswer func(surveyID, questionID, raw string) (normalised string, known bool, reason string)
}

// ErrAllRowsFailed is wrapped by Parse when no row of the file was valid.
var ErrAllRowsFailed = errors.New("every row failed validation")

// Parse reads a file of one kind (nil: inferred from the header), validates every
// row and passes the valid rows to out in batches and the others as problems. It
// returns an error, and the file is to be rejected whole, when the file cannot be
// parsed, lacks a required column, has no data rows or no valid row; the Output
// may have received problems (and, for a read error midway, rows) by then, which
// the caller discards.
func Parse(ctx context.Context, r io.Reader, fileName string, kind *Kind, known func(string) bool, out Output, batchRows int) (Stats, error) {
	return ParseWithOptions(ctx, r, fileName, out, Options{Kind: kind, Known: known, BatchRows: batchRows})
}

// ParseWithOptions is Parse with a progress callback and room for more settings.
func ParseWithOptions(ctx context.Context, r io.Reader, fileName string, out Output, opt Options) (Stats, error) {
	var st Stats
	rr, err := NewRecordReader(r, fileName)
	if err != nil {
		return st, err
	}
	defer rr.Close()
	p, err := newParser(rr, fileName, opt, out)
	if err != nil {
		st.Bytes = rr.BytesRead()
		return st, err
	}
	st.Kind = p.kind
	err = p.run(ctx, &st)
	st.Bytes = rr.BytesRead()
	if opt.Progress != nil {
		opt.Progress(st.Bytes)
	}
	if err != nil {
		return st, err
	}
	st.Unmapped = p.enc.unmapped
	if st.Unmapped > 0 {
		st.UnmappedQuestions = make(map[string]int64, len(p.enc.unmappedQuestions))
		for id, n := range p.enc.unmappedQuestions {
			st.UnmappedQuestions[id] = *n
		}
		out.Warn(unmappedWarning(fileName, st.UnmappedQuestions))
	}
	if keys := rr.ExtraKeys(); len(keys) > 0 {
		slices.Sort(keys)
		out.Warn(fmt.Sprintf("%s: JSON keys not in the first object ignored: %s / esimeses objektis puudunud JSON-võtmed jäeti vahele: %[2]s",
			fileName, strings.Join(keys, ", ")))
	}
	if st.Valid == 0 {
		return st, fmt.Errorf("%s: %w (%d rows, see the quarantine) / ükski rida polnud korras", fileName, ErrAllRowsFailed, st.Problems)
	}
	return st, nil
}

type parser struct {
	rr       *RecordReader
	fileName string
	kind     *Kind
	out      Output
	opt      Options
	fieldOf  []int // header position of each input column, -1 when absent
	lineFrom int   // header position of Kind.LineFrom, -1 when absent
	raw      []string
	enc      *rowEncoder
	rows     rowWriter
	batchN   int
}

// rowWriter takes the valid rows of a parse: an Output as TSV (tsvRows), or the
// loader's stage typed, as the engine stores them (stageWriter), so that the engine
// parses no text.
type rowWriter interface {
	// row takes the row e has just encoded; rawBytes is its length in the file.
	row(e *rowEncoder, rawBytes int) error
	// endBatch ends a batch of n rows: Options.BatchRows, fewer at the end.
	endBatch(n int) error
}

// tsvRows gives an Output its rows as TSV, a batch at a time.
type tsvRows struct {
	out   Output
	batch []byte
}

func (t *tsvRows) row(e *rowEncoder, _ int) error {
	t.batch = e.appendTSV(t.batch)
	return nil
}

func (t *tsvRows) endBatch(n int) error {
	err := t.out.Rows(t.batch, n)
	t.batch = t.batch[:0]
	return err
}

func newParser(rr *RecordReader, fileName string, opt Options, out Output) (*parser, error) {
	header := rr.Header()
	kind := opt.Kind
	if kind == nil {
		k, err := InferKind(header)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fileName, err)
		}
		kind = k
	}
	p := &parser{rr: rr, fileName: fileName, kind: kind, out: out, opt: opt}
	rr.borrow = true // run copies every string it passes on (Problem.Raw)
	if p.opt.BatchRows <= 0 {
		p.opt.BatchRows = 10000
	}
	pos := make(map[string]int, len(header))
	for i, h := range header {
		pos[h] = i
	}
	var missing []string
	p.lineFrom = -1
	if j, ok := pos[kind.LineFrom]; ok && kind.LineFrom != "" {
		p.lineFrom = j
		delete(pos, kind.LineFrom)
	}
	p.fieldOf = make([]int, len(kind.Columns))
	for i, c := range kind.Columns {
		j, ok := pos[c.Name]
		if !ok {
			j = -1
			if !c.Optional {
				missing = append(missing, c.Name)
			}
		}
		p.fieldOf[i] = j
		delete(pos, c.Name)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s header: %w: %s file lacks %s / %s-failist puudub kohustuslik veerg %[4]s",
			fileName, ErrMissingColumn, kind.Name, strings.Join(missing, ", "), kind.Name)
	}
	if rr.Format() == FormatJSONL {
		// An optional key the first object left out may come in later objects.
		for i, c := range kind.Columns {
			if p.fieldOf[i] < 0 {
				rr.ExtendHeader(c.Name)
				p.fieldOf[i] = len(rr.Header()) - 1
			}
		}
	}
	if len(pos) > 0 {
		unknown := make([]string, 0, len(pos))
		for h := range pos {
			unknown = append(unknown, strconv.Quote(h))
		}
		slices.Sort(unknown)
		out.Warn(fmt.Sprintf("%s: unknown columns ignored: %s / tundmatud veerud jäeti vahele: %[2]s",
			fileName, strings.Join(unknown, ", ")))
	}
	p.raw = make([]string, len(kind.Columns))
	p.enc = newRowEncoder(kind, opt.Known)
	p.enc.answer = opt.SurveyAnswer
	if w, ok := out.(rowWriter); ok {
		p.rows = w
	} else {
		p.rows = &tsvRows{out: out, batch: make([]byte, 0, 64*p.opt.BatchRows)}
	}
	return p, nil
}

func (p *parser) run(ctx context.Context, st *Stats) error {
	for {
		if st.RowsRead&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("%s: %w", p.fileName, err)
			}
		}
		rec, err := p.rr.Next()
		if err == io.EOF { // Next returns io.EOF unwrapped, as io.Reader does
			return p.flush()
		}
		// A type switch, not errors.As, which would make rowErr escape: one
		// allocation per row.
		if rowErr, ok := err.(*RowError); ok {
			st.RowsRead++
			st.Problems++
			raw := strings.Clone(rec.Raw)
			if rowErr.Reason == ReasonInvalidUTF8 {
				// Keep the quarantine printable; the reason says what was wrong.
				raw = strings.ToValidUTF8(raw, "\uFFFD")
			}
			if err := p.out.Problem(Problem{Line: rec.Line, Column: rowErr.Column, Reason: rowErr.Reason, Raw: raw}); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		st.RowsRead++
		for i, j := range p.fieldOf {
			if j >= 0 {
				p.raw[i] = rec.Fields[j]
			} else {
				p.raw[i] = ""
			}
		}
		line, column, reason := rec.Line, "", ""
		if p.lineFrom >= 0 {
			line, column, reason = sourceLine(rec.Fields[p.lineFrom], p.kind.LineFrom, line)
		}
		if reason == "" {
			column, reason = p.enc.encode(p.raw, line)
		}
		if reason != "" {
			st.Problems++
			// The reader lends Raw; the Output may keep the problem.
			if err := p.out.Problem(Problem{Line: line, Column: column, Reason: reason, Raw: strings.Clone(rec.Raw)}); err != nil {
				return err
			}
			continue
		}
		st.Valid++
		if err := p.rows.row(p.enc, len(rec.Raw)); err != nil {
			return err
		}
		p.batchN++
		if p.batchN >= p.opt.BatchRows {
			if err := p.flush(); err != nil {
				return err
			}
		}
	}
}

func (p *parser) flush() error {
	if p.batchN > 0 {
		if err := p.rows.endBatch(p.batchN); err != nil {
			return err
		}
	}
	p.batchN = 0
	if p.opt.Progress != nil {
		p.opt.Progress(p.rr.BytesRead())
	}
	return nil
}

// sourceLine reads the line a converted row had in the file it was converted from
// (Kind.LineFrom), so that stored rows and the quarantine point there; empty keeps
// the row's own line.
func sourceLine(text, column string, own int64) (line int64, badColumn, reason string) {
	text = trimSpace(text)
	if text == "" {
		return own, "", ""
	}
	n, ok := parseUint(text)
	if !ok || n == 0 || n > math.MaxInt64 {
		return own, column, ReasonBadLine
	}
	return int64(n), "", ""
}

// maxUnmappedListed bounds the question ids one warning names.
const maxUnmappedListed = 20

func unmappedWarning(fileName string, counts map[string]int64) string {
	ids := make([]string, 0, len(counts))
	for id := range counts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	more := ""
	if len(ids) > maxUnmappedListed {
		more = fmt.Sprintf(" and %d more / ja veel %[1]d", len(ids)-maxUnmappedListed)
		ids = ids[:maxUnmappedListed]
	}
	listed := make([]string, len(ids))
	for i, id := range ids {
		listed[i] = fmt.Sprintf("%s (%d)", id, counts[id])
	}
	list := strings.Join(listed, ", ") + more
	return fmt.Sprintf("%s: answers to questions no survey definition knows were kept as written (unmapped): %s / "+
		"vastused küsimustele, mida ükski küsimustiku kirjeldus ei tunne, jäeti nii, nagu need olid: %[2]s", fileName, list)
}
