package surveys

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// WideMapping says how to read a survey tool's export (LimeSurvey, web forms), which
// has one row per respondent and one column per question, as long `survey` rows.
// Header texts are matched ignoring case and runs of white space, because tools
// change both between exports.
type WideMapping struct {
	SurveyID string `yaml:"survey_id"`
	// Year is used when YearColumn is empty or a row leaves it blank.
	Year       int    `yaml:"year,omitempty"`
	YearColumn string `yaml:"year_column,omitempty"`

	EhakCodeColumn     string `yaml:"ehak_code_column"`
	RespondentIDColumn string `yaml:"respondent_id_column"`
	SubmittedAtColumn  string `yaml:"submitted_at_column"`

	// Columns maps an exported header to a question id.
	Columns map[string]string `yaml:"columns"`
	// Ignore lists headers that are known and deliberately not loaded (a name
	// column, the respondent's IP address), so that they are not reported as
	// unmapped.
	Ignore []string `yaml:"ignore,omitempty"`

	File string `yaml:"-"`
}

// LoadMapping reads and checks a mapping file.
func LoadMapping(path string) (*WideMapping, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read mapping: %w", err)
	}
	return ParseMapping(path, data)
}

// ParseMapping decodes and checks a mapping; fileName is used in messages only.
func ParseMapping(fileName string, data []byte) (*WideMapping, error) {
	var m WideMapping
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", fileName, err)
	}
	m.File = fileName
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", fileName, fmt.Sprintf(format, args...)))
	}
	if m.SurveyID == "" {
		fail("missing survey_id")
	}
	if m.YearColumn == "" && (m.Year < 2000 || m.Year > 2100) {
		fail("year must be 2000-2100, or year_column must name the column that gives it")
	}
	if m.EhakCodeColumn == "" {
		fail("missing ehak_code_column")
	}
	if m.RespondentIDColumn == "" {
		fail("missing respondent_id_column")
	}
	if m.SubmittedAtColumn == "" {
		fail("missing submitted_at_column")
	}
	if len(m.Columns) == 0 {
		fail("columns maps no header to a question")
	}
	byQuestion := map[string]string{}
	for header, qid := range m.Columns {
		if !questionIDPattern.MatchString(qid) {
			fail("column %q: %q is not a question id", header, qid)
		}
		if prev, dup := byQuestion[qid]; dup {
			first, second := prev, header
			if second < first {
				first, second = second, first
			}
			fail("columns %q and %q both map to question %q", first, second, qid)
		}
		byQuestion[qid] = header
	}
	if len(errs) > 0 {
		sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
		return nil, errors.Join(errs...)
	}
	return &m, nil
}

// LongRow is one answer in the contract's `survey` shape, with where it came from.
type LongRow struct {
	Line         int64 // line of the respondent's row in the wide file
	SurveyID     string
	Year         int
	EhakCode     string
	RespondentID string
	SubmittedAt  string
	QuestionID   string
	Answer       string
	Column       string // header of the answer's column, for messages
}

// RowProblem is a wide row, or one cell of it, that could not be converted.
type RowProblem struct {
	Line   int64  `json:"line"`
	Column string `json:"column"`
	Reason string `json:"reason"`
	// Raw is the row's fields joined by the file's separator, for the quarantine;
	// left out of JSON because rows may hold personal data (e-mail addresses).
	Raw string `json:"-"`
}

func (p RowProblem) String() string {
	return fmt.Sprintf("line %d column %q: %s", p.Line, p.Column, p.Reason)
}

// WideStats summarises a conversion.
type WideStats struct {
	Respondents int `json:"respondents"` // rows converted
	Answers     int `json:"answers"`     // long rows emitted
	EmptyCells  int `json:"empty_cells"` // unanswered questions
	// UnmappedHeaders are columns of the file that the mapping neither maps nor
	// ignores: their data was not loaded.
	UnmappedHeaders []string `json:"unmapped_headers"`
	// MissingHeaders are mapped question columns absent from the file.
	MissingHeaders []string     `json:"missing_headers"`
	Problems       []RowProblem `json:"problems"`
}

// headerKey is how headers are compared: case and white space vary between exports.
func headerKey(h string) string {
	return strings.ToLower(strings.Join(strings.Fields(h), " "))
}

// WideToLong converts a wide CSV (comma or ';', optional UTF-8 BOM, RFC 4180 quoting)
// into long rows, calling emit once per non-empty answer cell. It reads with
// encoding/csv, not gocsv: the columns are the mapping's, known only at run time,
// where gocsv binds columns to struct tags. Answers are passed on as written;
// normalising them is the ingest's job (Set.NormalizeAnswer), which can then
// quarantine with the wide file's line and column.
//
// A row without an EHAK code or respondent id, or with a bad year, is skipped and
// listed in the stats' Problems. A file that cannot be read, or lacks a column the
// mapping names for the code, respondent, time or year, is an error naming the file.
func WideToLong(r io.Reader, fileName string, m *WideMapping, emit func(LongRow) error) (WideStats, error) {
	var stats WideStats
	cr, err := newCSVReader(r)
	if err != nil {
		return stats, fmt.Errorf("%s: %w", fileName, err)
	}
	header, err := cr.Read()
	if err != nil {
		return stats, fmt.Errorf("%s: read header: %w", fileName, err)
	}

	// Index the header.
	position := map[string]int{}
	for i, h := range header {
		key := headerKey(h)
		if _, dup := position[key]; dup && key != "" {
			return stats, fmt.Errorf("%s line 1 column %d: header %q appears twice", fileName, i+1, h)
		}
		position[key] = i
	}
	column := func(name string) (int, error) {
		if i, ok := position[headerKey(name)]; ok {
			return i, nil
		}
		return -1, fmt.Errorf("%s: missing column %q (named in mapping %s)", fileName, name, m.File)
	}
	ehakCol, err := column(m.EhakCodeColumn)
	if err != nil {
		return stats, err
	}
	respondentCol, err := column(m.RespondentIDColumn)
	if err != nil {
		return stats, err
	}
	submittedCol, err := column(m.SubmittedAtColumn)
	if err != nil {
		return stats, err
	}
	yearCol := -1
	if m.YearColumn != "" {
		if yearCol, err = column(m.YearColumn); err != nil {
			return stats, err
		}
	}

	type answerColumn struct {
		index      int
		header     string
		questionID string
	}
	var answers []answerColumn
	mapped := map[int]bool{ehakCol: true, respondentCol: true, submittedCol: true, yearCol: true}
	for name, qid := range m.Columns {
		i, ok := position[headerKey(name)]
		if !ok {
			stats.MissingHeaders = append(stats.MissingHeaders, name)
			continue
		}
		answers = append(answers, answerColumn{i, header[i], qid})
		mapped[i] = true
	}
	sort.Slice(answers, func(i, j int) bool { return answers[i].index < answers[j].index })
	sort.Strings(stats.MissingHeaders)
	for _, name := range m.Ignore {
		if i, ok := position[headerKey(name)]; ok {
			mapped[i] = true
		}
	}
	for i, h := range header {
		if !mapped[i] {
			stats.UnmappedHeaders = append(stats.UnmappedHeaders, h)
		}
	}

	for {
		record, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var parseErr *csv.ParseError
			if errors.As(err, &parseErr) && errors.Is(parseErr.Err, csv.ErrFieldCount) {
				stats.Problems = append(stats.Problems, RowProblem{Line: int64(parseErr.StartLine),
					Reason: fmt.Sprintf("row has %d fields, header has %d", len(record), len(header)), Raw: strings.Join(record, string(cr.Comma))})
				continue
			}
			return stats, fmt.Errorf("%s: %w", fileName, err)
		}
		line, _ := cr.FieldPos(0)
		problem := func(col int, reason string) {
			p := RowProblem{Line: int64(line), Reason: reason, Raw: strings.Join(record, string(cr.Comma))}
			if col >= 0 {
				p.Column = header[col]
			}
			stats.Problems = append(stats.Problems, p)
		}
		base := LongRow{
			Line:         int64(line),
			SurveyID:     m.SurveyID,
			Year:         m.Year,
			EhakCode:     strings.TrimSpace(record[ehakCol]),
			RespondentID: strings.TrimSpace(record[respondentCol]),
			SubmittedAt:  strings.TrimSpace(record[submittedCol]),
		}
		if yearCol >= 0 {
			if text := strings.TrimSpace(record[yearCol]); text != "" {
				year, err := strconv.Atoi(text)
				if err != nil || year < 2000 || year > 2100 {
					problem(yearCol, "year must be a whole number 2000-2100")
					continue
				}
				base.Year = year
			}
		}
		switch {
		case base.Year == 0:
			problem(yearCol, "missing year")
			continue
		case base.EhakCode == "":
			problem(ehakCol, "missing EHAK code")
			continue
		case base.RespondentID == "":
			problem(respondentCol, "missing respondent id")
			continue
		}
		stats.Respondents++
		for _, a := range answers {
			value := strings.TrimSpace(record[a.index])
			if value == "" {
				stats.EmptyCells++
				continue
			}
			row := base
			row.QuestionID, row.Answer, row.Column = a.questionID, value, a.header
			if err := emit(row); err != nil {
				return stats, fmt.Errorf("%s line %d column %q: %w", fileName, line, a.header, err)
			}
			stats.Answers++
		}
	}
	return stats, nil
}

// newCSVReader detects the separator from the header line and strips a UTF-8 BOM;
// Estonian spreadsheet exports use ';' and a BOM.
func newCSVReader(r io.Reader) (*csv.Reader, error) {
	br := bufio.NewReader(r)
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3) //nolint:errcheck // the bytes were just peeked
	}
	first, err := br.ReadString('\n')
	if err != nil && err != io.EOF {
		return nil, err
	}
	if strings.TrimSpace(first) == "" {
		return nil, errors.New("empty file: no header row")
	}
	cr := csv.NewReader(io.MultiReader(strings.NewReader(first), br))
	cr.Comma = detectSeparator(first)
	cr.FieldsPerRecord = 0 // every row as long as the header
	return cr, nil
}

// detectSeparator counts ',' and ';' outside quotes in the header line.
func detectSeparator(line string) rune {
	var commas, semicolons int
	quoted := false
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
		case quoted:
		case r == ',':
			commas++
		case r == ';':
			semicolons++
		}
	}
	if semicolons > commas {
		return ';'
	}
	return ','
}

// LongHeader is the header of the contract's `survey` kind, plus source_line: the
// line of the respondent's row in the wide export. The ingest stores and quarantines
// a row under that line (ingest.Kind.LineFrom), because the long file is a temporary
// step nobody reads; a person fixing a bad answer looks for it in the export.
var LongHeader = []string{"survey_id", "year", "ehak_code", "respondent_id", "submitted_at", "question_id", "answer", "source_line"}

// LongWriter writes long rows as a `survey` CSV that the normal ingest loads. It
// writes a row as WideToLong emits it, with encoding/csv: gocsv writes a whole slice
// (or a channel fed by another goroutine), and the long file is the ingest's input,
// not a table for a spreadsheet.
type LongWriter struct {
	w *csv.Writer
}

// NewLongWriter writes the header and returns a writer for the rows.
func NewLongWriter(w io.Writer) (*LongWriter, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(LongHeader); err != nil {
		return nil, fmt.Errorf("write survey header: %w", err)
	}
	return &LongWriter{w: cw}, nil
}

// Write writes one row; it has the signature of WideToLong's emit.
func (lw *LongWriter) Write(row LongRow) error {
	line := ""
	if row.Line > 0 {
		line = strconv.FormatInt(row.Line, 10)
	}
	return lw.w.Write([]string{row.SurveyID, strconv.Itoa(row.Year), row.EhakCode, row.RespondentID, row.SubmittedAt, row.QuestionID, row.Answer, line})
}

// Flush writes buffered rows and reports any write error.
func (lw *LongWriter) Flush() error {
	lw.w.Flush()
	return lw.w.Error()
}

// WriteLongCSV writes rows as a `survey` CSV.
func WriteLongCSV(w io.Writer, rows []LongRow) error {
	lw, err := NewLongWriter(w)
	if err != nil {
		return err
	}
	for _, row := range rows {
		if err := lw.Write(row); err != nil {
			return err
		}
	}
	return lw.Flush()
}

// ConvertWide reads the wide export at inPath with the mapping at mappingPath and
// writes the long `survey` CSV that the normal ingest loads to outPath. The rows
// WideToLong could not convert are in the stats' Problems: the caller reports or
// quarantines them (IngestWide does), they are not in the long file.
func ConvertWide(inPath, mappingPath, outPath string) (WideStats, error) {
	m, err := LoadMapping(mappingPath)
	if err != nil {
		return WideStats{}, err
	}
	return ConvertWideFile(inPath, m, outPath)
}

// ConvertWideFile is ConvertWide with a mapping already read. A failed conversion
// leaves no output file behind.
func ConvertWideFile(inPath string, m *WideMapping, outPath string) (stats WideStats, err error) {
	in, err := os.Open(inPath)
	if err != nil {
		return stats, err
	}
	defer in.Close()
	out, err := os.Create(outPath)
	if err != nil {
		return stats, err
	}
	defer func() {
		if cerr := out.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("write %s: %w", outPath, cerr)
		}
		if err != nil {
			os.Remove(outPath)
		}
	}()
	w := bufio.NewWriter(out)
	if stats, err = ConvertWideReader(in, inPath, m, w); err != nil {
		return stats, err
	}
	if err := w.Flush(); err != nil {
		return stats, fmt.Errorf("write %s: %w", outPath, err)
	}
	return stats, nil
}

// ConvertWideReader streams a wide export from r to a long `survey` CSV on w;
// fileName is used in messages.
func ConvertWideReader(r io.Reader, fileName string, m *WideMapping, w io.Writer) (WideStats, error) {
	lw, err := NewLongWriter(w)
	if err != nil {
		return WideStats{}, err
	}
	stats, err := WideToLong(r, fileName, m, lw.Write)
	if err != nil {
		return stats, err
	}
	return stats, lw.Flush()
}
