package ingest

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ee/kovmon/internal/golden"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// knownCodes stands in for the registry in tests.
var knownCodes = map[string]bool{"0105": true, "0784": true, "0793": true, "0726": true}

func known(code string) bool { return knownCodes[code] }

// recorder is an Output that keeps everything it is given.
type recorder struct {
	tsv      bytes.Buffer
	rows     int
	batches  int
	problems []Problem
	warnings []string
}

func (r *recorder) Rows(tsv []byte, n int) error {
	if got := bytes.Count(tsv, []byte{'\n'}); got != n {
		return fmt.Errorf("batch says %d rows, holds %d lines", n, got)
	}
	r.tsv.Write(tsv)
	r.rows += n
	r.batches++
	return nil
}

func (r *recorder) Problem(p Problem) error { r.problems = append(r.problems, p); return nil }
func (r *recorder) Warn(msg string)         { r.warnings = append(r.warnings, msg) }

// render prints what a parse produced, for the golden files.
func (r *recorder) render(kind *Kind, st Stats) string {
	var b strings.Builder
	fmt.Fprintf(&b, "kind: %s\nrows_read: %d valid: %d problems: %d\n", kind.Name, st.RowsRead, st.Valid, st.Problems)
	for _, w := range r.warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	fmt.Fprintf(&b, "columns: %s\n", strings.Join(kind.StoredColumns(), "\t"))
	b.Write(r.tsv.Bytes())
	for _, p := range r.problems {
		fmt.Fprintf(&b, "problem: line %d column %q reason %q raw %q\n", p.Line, p.Column, p.Reason, p.Raw)
	}
	return b.String()
}

func parseFile(t *testing.T, path string, kind *Kind, batchRows int) (*recorder, Stats, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rec := &recorder{}
	st, err := Parse(context.Background(), f, filepath.Base(path), kind, known, rec, batchRows)
	return rec, st, err
}

// TestGoodFixtures parses one good file per kind and format (CSV, ';' with BOM,
// JSON Lines, gzip) with the kind inferred and compares with the golden output.
func TestGoodFixtures(t *testing.T) {
	tests := []struct {
		file, kind string
		valid      int64
	}{
		{"usage.csv", "usage", 5},
		{"usage.jsonl", "usage", 2},
		{"feedback_bom_semicolon.csv", "feedback", 3},
		{"services.jsonl", "services", 3},
		{"audits.csv.gz", "audits", 3},
		{"survey.csv", "survey", 5},
		{"trainings.jsonl", "trainings", 2},
		{"org_goals.csv", "org_goals", 2},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			rec, st, err := parseFile(t, filepath.Join("testdata", "good", tt.file), nil, 2)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if st.Kind.Name != tt.kind {
				t.Errorf("inferred kind %s, want %s", st.Kind.Name, tt.kind)
			}
			if st.Valid != tt.valid || st.Problems != 0 || st.RowsRead != tt.valid {
				t.Errorf("stats %+v, want %d valid rows and no problems; problems: %+v", st, tt.valid, rec.problems)
			}
			if want := (tt.valid + 1) / 2; int64(rec.batches) != want {
				t.Errorf("%d batches of at most 2 rows, want %d", rec.batches, want)
			}
			checkColumnCount(t, rec.tsv.Bytes(), len(st.Kind.StoredColumns()))
			compareGolden(t, tt.file, rec.render(st.Kind, st))
		})
	}
}

func checkColumnCount(t *testing.T, tsv []byte, want int) {
	t.Helper()
	for i, line := range strings.Split(strings.TrimSuffix(string(tsv), "\n"), "\n") {
		if got := strings.Count(line, "\t") + 1; got != want {
			t.Errorf("TSV row %d has %d columns, want %d: %q", i+1, got, want, line)
		}
	}
}

func compareGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Compare(t, filepath.Join("testdata", "golden", name+".golden"), []byte(got), *update)
}

// TestBadFixtures checks that each defect is caught where the contract says:
// the file rejected whole, or the row quarantined with the right line, column
// and reason while the rest loads.
func TestBadFixtures(t *testing.T) {
	type problem struct {
		line           int64
		column, reason string
	}
	tests := []struct {
		file     string
		kind     string // "" infers
		fileErr  string // substring of the error that rejects the file
		errIs    error
		valid    int64
		problems []problem
	}{
		{file: "wrong_kind.csv", kind: "usage", fileErr: "usage file lacks event_time, system, service_code, channel, event", errIs: ErrMissingColumn},
		{file: "missing_column.csv", fileErr: "closest: usage, which lacks channel", errIs: ErrUnknownKind},
		{file: "missing_column.csv", kind: "usage", fileErr: "missing required column: usage file lacks channel", errIs: ErrMissingColumn},
		{file: "empty.csv", kind: "usage", fileErr: "empty.csv: empty file", errIs: ErrEmptyFile},
		{file: "header_only.csv", kind: "usage", fileErr: "header_only.csv: no data rows", errIs: ErrNoDataRows},
		{file: "truncated.csv.gz", kind: "usage", fileErr: "truncated.csv.gz line", errIs: ErrTruncated, valid: -1},
		{file: "all_rows_bad.csv", fileErr: "every row failed", errIs: ErrAllRowsFailed, problems: []problem{
			{2, "participants", "participants must be an integer >= 1"},
			{3, "event_date", ReasonBadDate},
		}},
		{file: "non_utf8.csv", valid: 1, problems: []problem{{2, "", ReasonInvalidUTF8}}},
		{file: "quoted_newline.csv", valid: 2, problems: []problem{{5, "score", "score must be an integer 1-5"}}},
		{file: "too_few_fields.csv", valid: 2, problems: []problem{{3, "", ReasonTooFewFields}}},
		{file: "no_date.csv", valid: 1, problems: []problem{{2, "event_time", ReasonNoDate}, {3, "event_time", ReasonNoTime}}},
		{file: "score_out_of_range.csv", valid: 1, problems: []problem{
			{2, "score", "score must be an integer 1-5"},
			{3, "score", "score must be an integer 1-5"},
			{5, "score", "score must be an integer 1-5"},
		}},
		{file: "unknown_municipality.csv", valid: 1, problems: []problem{
			{2, "ehak_code", "unknown municipality"},
			{4, "ehak_code", ReasonBadEHAK},
		}},
		{file: "findings_open.csv", valid: 1, problems: []problem{{2, "findings_open", "findings_open > findings_total"}}},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.kind, func(t *testing.T) {
			var kind *Kind
			if tt.kind != "" {
				var ok bool
				if kind, ok = KindByName(tt.kind); !ok {
					t.Fatalf("no kind %s", tt.kind)
				}
			}
			rec, st, err := parseFile(t, filepath.Join("testdata", "bad", tt.file), kind, 100)
			switch {
			case tt.fileErr == "" && err != nil:
				t.Fatalf("file rejected: %v", err)
			case tt.fileErr != "" && err == nil:
				t.Fatalf("file accepted, want an error with %q", tt.fileErr)
			case tt.fileErr != "" && !strings.Contains(err.Error(), tt.fileErr):
				t.Errorf("error %q does not contain %q", err, tt.fileErr)
			}
			if tt.errIs != nil && !errors.Is(err, tt.errIs) {
				t.Errorf("error %v is not %v", err, tt.errIs)
			}
			if tt.errIs != nil && ErrorEstonian(err) == "" {
				t.Errorf("no Estonian text for %v", err)
			}
			if tt.valid >= 0 && st.Valid != tt.valid { // -1: rows before a read error do not matter
				t.Errorf("valid rows %d, want %d", st.Valid, tt.valid)
			}
			var got []problem
			for _, p := range rec.problems {
				got = append(got, problem{p.Line, p.Column, p.Reason})
				if p.Raw == "" {
					t.Errorf("problem at line %d has no raw text", p.Line)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.problems) {
				t.Errorf("problems\n got %v\nwant %v", got, tt.problems)
			}
			if err == nil && st.Valid+st.Problems != st.RowsRead {
				t.Errorf("valid %d + problems %d != rows read %d", st.Valid, st.Problems, st.RowsRead)
			}
		})
	}
}

// TestQuotedNewlineRaw checks that a comment spanning lines reaches the TSV
// whole, with its newlines escaped.
func TestQuotedNewlineRaw(t *testing.T) {
	rec, _, err := parseFile(t, filepath.Join("testdata", "bad", "quoted_newline.csv"), nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rec.tsv.String(), `first line\nsecond line\nthird, with "quotes"`) {
		t.Errorf("multi-line comment not kept escaped in the TSV:\n%s", rec.tsv.String())
	}
}

// endlessReader yields n bytes of 'a' and counts what was taken.
type endlessReader struct{ left, taken int64 }

func (r *endlessReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	n := int64(len(p))
	if n > r.left {
		n = r.left
	}
	for i := range p[:n] {
		p[i] = 'a'
	}
	r.left -= n
	r.taken += n
	return int(n), nil
}

// TestVeryLongLine feeds a 2 GiB line without a newline (streamed, never on disk),
// as a header and as a data row: the reader must give up after about 1 MiB, not read
// it all.
func TestVeryLongLine(t *testing.T) {
	const size = 2 << 30
	usage, _ := KindByName("usage")
	for _, prefix := range []string{"", string(generateUsage(3))} {
		long := &endlessReader{left: size}
		r := io.MultiReader(strings.NewReader(prefix), long)
		_, err := Parse(context.Background(), r, "long.csv", usage, known, &recorder{}, 100)
		if !errors.Is(err, ErrRecordTooBig) {
			t.Fatalf("prefix %q: error %v, want ErrRecordTooBig", prefix, err)
		}
		if !strings.Contains(err.Error(), "long.csv line") {
			t.Errorf("error %q does not name file and line", err)
		}
		if long.taken > 2*MaxRecordBytes {
			t.Errorf("read %d bytes before giving up, want at most %d", long.taken, 2*MaxRecordBytes)
		}
	}
}

// TestTallinnYear covers the new-year cases of spec/indicators.md.
func TestTallinnYear(t *testing.T) {
	tests := []struct {
		in       string
		wantUTC  string
		wantYear int
	}{
		{"2017-12-31T22:30:00Z", "2017-12-31 22:30:00.000", 2018},
		{"2017-12-31T21:59:59.999Z", "2017-12-31 21:59:59.999", 2017},
		{"2017-12-31 23:30:00", "2017-12-31 21:30:00.000", 2017},
		{"2018-01-01 00:00:00", "2017-12-31 22:00:00.000", 2018},
		{"2018-03-01T10:00:00+02:00", "2018-03-01 08:00:00.000", 2018},
		{"2018-07-01 12:00:00", "2018-07-01 09:00:00.000", 2018},
		{"2018-12-31T23:30:00-05:00", "2019-01-01 04:30:00.000", 2019},
	}
	var cache offsetCache
	for _, tt := range tests {
		ms, year, reason := parseTimestamp(tt.in, &cache)
		if reason != "" {
			t.Errorf("%s: %s", tt.in, reason)
			continue
		}
		if got := string(appendDateTime64(nil, ms)); got != tt.wantUTC || year != tt.wantYear {
			t.Errorf("%s: got %s year %d, want %s year %d", tt.in, got, year, tt.wantUTC, tt.wantYear)
		}
	}
}

func TestKindLookup(t *testing.T) {
	if len(Kinds()) != 7 {
		t.Errorf("%d kinds, want 7", len(Kinds()))
	}
	for _, k := range Kinds() {
		got, ok := KindByName(k.Name)
		if !ok || got != k {
			t.Errorf("KindByName(%s) = %v, %v", k.Name, got, ok)
		}
		inferred, err := InferKind(k.RequiredColumns())
		if err != nil || inferred != k {
			t.Errorf("InferKind(required columns of %s) = %v, %v", k.Name, inferred, err)
		}
		if cols := k.StoredColumns(); cols[len(cols)-1] != "line" {
			t.Errorf("%s: stored columns do not end with line: %v", k.Name, cols)
		}
	}
	if _, ok := KindByName("municipalities"); ok {
		t.Error("municipalities is not a measurement kind")
	}
	tie := []string{"feedback_id", "submitted_at", "ehak_code", "system", "score", "event_id", "event_date", "kind", "participants"}
	if _, err := InferKind(tie); !errors.Is(err, ErrUnknownKind) || !strings.Contains(err.Error(), "feedback and trainings") {
		t.Errorf("tied header: %v, want ErrUnknownKind naming feedback and trainings", err)
	}
	if _, err := InferKind([]string{"ehak_code", "name", "type"}); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("registry header: %v, want ErrUnknownKind", err)
	}
}

// TestStoredColumnsMatchMigration reads the table definitions so that a change
// of the schema that this package does not follow fails here.
func TestStoredColumnsMatchMigration(t *testing.T) {
	sql, err := os.ReadFile(filepath.Join("..", "sql", "migrations", "0002_measurements.sql"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Kinds() {
		start := bytes.Index(sql, []byte("CREATE TABLE IF NOT EXISTS "+k.Table+" ("))
		if start < 0 {
			t.Errorf("%s: table %s not in the migration", k.Name, k.Table)
			continue
		}
		body := sql[start:]
		body = body[bytes.IndexByte(body, '\n')+1 : bytes.Index(body, []byte(") ENGINE"))]
		var cols []string
		for _, line := range strings.Split(string(body), "\n") {
			if f := strings.Fields(line); len(f) > 0 && f[0] != "file_id" && f[0] != "run_id" {
				cols = append(cols, f[0])
			}
		}
		if fmt.Sprint(cols) != fmt.Sprint(k.StoredColumns()) {
			t.Errorf("%s: migration columns %v, StoredColumns %v", k.Name, cols, k.StoredColumns())
		}
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f, err := os.Open(filepath.Join("testdata", "good", "usage.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := Parse(ctx, f, "usage.csv", nil, known, &recorder{}, 10); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

func TestProgress(t *testing.T) {
	data := generateUsage(5000)
	var calls int
	var last int64
	_, err := ParseWithOptions(context.Background(), bytes.NewReader(data), "gen.csv", &recorder{}, Options{
		Known: known, BatchRows: 1000,
		Progress: func(n int64) { calls++; last = n },
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls < 5 || last != int64(len(data)) {
		t.Errorf("progress called %d times, last %d; want >= 5 calls ending at %d", calls, last, len(data))
	}
}

// generateUsage makes a usage CSV of n rows that are all valid, in time order
// as a log export is, about 2.6 s apart from 2018-01-01 on.
func generateUsage(n int) []byte {
	systems := []string{"KOVTP", "VOLIS", "RPIS", "KOVMEN"}
	channels := []string{"web", "portal", "email", "paper"}
	events := []string{"view", "start", "submit", "decision"}
	start := time.Date(2018, 1, 1, 0, 0, 0, 0, time.FixedZone("EET", 2*3600))
	var b bytes.Buffer
	b.WriteString("event_id,event_time,ehak_code,system,service_code,channel,event,session_id,user_hash,duration_ms\n")
	for i := range n {
		at := start.Add(time.Duration(i) * 2600 * time.Millisecond)
		fmt.Fprintf(&b, "ev-%08d,%s,0784,%s,S-%03d,%s,%s,sess-%06d,%016x,%d\n",
			i, at.Format("2006-01-02T15:04:05-07:00"), systems[i%4], i%500, channels[(i/3)%4], events[(i/5)%4], i/10, uint64(i)*2654435761, i%9000)
	}
	return b.Bytes()
}

type discard struct{ rows int }

func (d *discard) Rows(_ []byte, n int) error { d.rows += n; return nil }
func (d *discard) Problem(Problem) error      { return nil }
func (d *discard) Warn(string)                {}

// BenchmarkParseUsage measures parse+validate+encode of usage rows; it reports
// rows/s by the wall clock and rows per CPU second of the process (GC included),
// which other work on a shared machine disturbs less. Run it with -cpu 1 for the
// single-core figure.
func BenchmarkParseUsage(b *testing.B) {
	const rows = 200_000
	data := generateUsage(rows)
	b.SetBytes(int64(len(data)))
	cpuStart := processCPUSeconds()
	for b.Loop() {
		out := &discard{}
		st, err := Parse(context.Background(), bytes.NewReader(data), "bench.csv", nil, known, out, 10000)
		if err != nil || st.Valid != rows {
			b.Fatalf("%v, %+v", err, st)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	if cpu := processCPUSeconds() - cpuStart; cpu > 0 {
		b.ReportMetric(float64(rows)*float64(b.N)/cpu, "rows/cpu-s")
	}
}

// TestSurveyAnswerHook checks the survey definitions' hook: a known question's answer
// is stored as the hook normalised it, one it does not admit is quarantined in column
// answer with the hook's reason, an unknown question's answer is kept and counted as
// unmapped; source_line, where a row has it, is the line stored and quarantined.
func TestSurveyAnswerHook(t *testing.T) {
	hook := func(surveyID, questionID, raw string) (string, bool, string) {
		if surveyID != "s" {
			t.Errorf("hook got survey %q, want the trimmed id s", surveyID)
		}
		switch questionID {
		case "network_standard":
			switch strings.ToLower(raw) {
			case "jah", "yes":
				return "yes", true, ""
			case "ei", "no":
				return "no", true, ""
			}
			return "", true, "not a yes/no answer"
		}
		return raw, false, ""
	}
	in := "survey_id,year,ehak_code,respondent_id,submitted_at,question_id,answer,source_line\n" +
		" s ,2018,784,r1,2018-03-01 10:00:00,network_standard, JAH ,7\n" +
		"s,2018,784,r1,2018-03-01 10:00:00, network_standard ,võib-olla,8\n" +
		"s,2018,784,r1,2018-03-01 10:00:00,favourite_colour,Sinine,9\n" +
		"s,2018,784,r2,2018-03-01 10:00:00,favourite_colour,punane,\n" +
		"s,2018,784,r3,2018-03-01 10:00:00,colour,12%,x\n"
	var out recorder
	kind, _ := KindByName("survey")
	st, err := ParseWithOptions(context.Background(), strings.NewReader(in), "s.csv", &out, Options{Kind: kind, Known: known, SurveyAnswer: hook})
	if err != nil {
		t.Fatal(err)
	}
	wantRows := "s\t2018\t0784\tr1\t2018-03-01 08:00:00.000\tnetwork_standard\tyes\t7\n" +
		"s\t2018\t0784\tr1\t2018-03-01 08:00:00.000\tfavourite_colour\tSinine\t9\n" +
		"s\t2018\t0784\tr2\t2018-03-01 08:00:00.000\tfavourite_colour\tpunane\t5\n"
	if got := out.tsv.String(); got != wantRows {
		t.Errorf("rows:\n%s\nwant:\n%s", got, wantRows)
	}
	var problems []string
	for _, p := range out.problems {
		problems = append(problems, fmt.Sprintf("%d %s %s", p.Line, p.Column, p.Reason))
	}
	if got, want := strings.Join(problems, "; "), "8 answer not a yes/no answer; 6 source_line "+ReasonBadLine; got != want {
		t.Errorf("problems %q, want %q", got, want)
	}
	if st.Unmapped != 2 || st.UnmappedQuestions["favourite_colour"] != 2 || len(st.UnmappedQuestions) != 1 {
		t.Errorf("unmapped %d %v, want 2 answers to favourite_colour", st.Unmapped, st.UnmappedQuestions)
	}
	if len(out.warnings) != 1 || !strings.Contains(out.warnings[0], "s.csv: answers to questions no survey definition knows were kept as written (unmapped): favourite_colour (2) / ") {
		t.Errorf("warnings %q, want one naming favourite_colour", out.warnings)
	}

	// Without the hook the built-in normalisation applies and nothing is unmapped.
	out = recorder{}
	st, err = ParseWithOptions(context.Background(), strings.NewReader(in), "s.csv", &out, Options{Kind: kind, Known: known})
	if err != nil || st.Unmapped != 0 || len(out.warnings) != 0 || st.Valid != 4 {
		t.Errorf("without hook: %v, valid %d, unmapped %d, warnings %q", err, st.Valid, st.Unmapped, out.warnings)
	}
}
