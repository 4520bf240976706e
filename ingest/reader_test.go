package ingest

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

type readResult struct {
	header  []string
	records []string // "line:field|field|..." or "line:!reason"
	err     error
}

func readAll(t testing.TB, input []byte) readResult {
	t.Helper()
	var res readResult
	rr, err := NewRecordReader(bytes.NewReader(input), "t.csv")
	if err != nil {
		res.err = err
		return res
	}
	res.header = rr.Header()
	for {
		rec, err := rr.Next()
		if err == io.EOF {
			return res
		}
		var rowErr *RowError
		switch {
		case errors.As(err, &rowErr):
			res.records = append(res.records, fmt.Sprintf("%d:!%s", rec.Line, rowErr.Reason))
		case err != nil:
			res.err = err
			return res
		default:
			res.records = append(res.records, fmt.Sprintf("%d:%s", rec.Line, strings.Join(rec.Fields, "|")))
		}
	}
}

func gzipped(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

func TestRecordReader(t *testing.T) {
	tests := []struct {
		name    string
		input   []byte
		header  string
		records []string
		err     string
	}{
		{"comma", []byte("A, B ,c\n1,2,3\n"), "a|b|c", []string{"2:1|2|3"}, ""},
		{"semicolon with BOM and CRLF", []byte("\xef\xbb\xbfa;b\r\n1,5;x\r\n"), "a|b", []string{"2:1,5|x"}, ""},
		{"gzip detected by magic bytes", gzipped("a,b\n1,2\n"), "a|b", []string{"2:1|2"}, ""},
		{"no final newline", []byte("a,b\n1,2"), "a|b", []string{"2:1|2"}, ""},
		{"blank lines skipped, counted", []byte("\na,b\n\n1,2\n\n3,4\n"), "a|b", []string{"4:1|2", "6:3|4"}, ""},
		{"quoted newline keeps line numbers", []byte("a,b\n\"x\ny\nz\",1\n2,3\n"), "a|b", []string{"2:x\ny\nz|1", "5:2|3"}, ""},
		{"escaped quotes", []byte("a,b\n\"say \"\"hi\"\"\",\"\"\n"), "a|b", []string{"2:say \"hi\"|"}, ""},
		{"quote inside unquoted field", []byte("a,b\n5\" disk,2\n"), "a|b", []string{"2:5\" disk|2"}, ""},
		{"too few fields", []byte("a,b,c\n1,2\n1,2,3\n"), "a|b|c", []string{"2:!too few fields", "3:1|2|3"}, ""},
		{"too many fields", []byte("a,b\n1,2,3\n1,2,,\n"), "a|b", []string{"2:!too many fields", "3:1|2"}, ""},
		{"junk after closing quote", []byte("a,b\n\"x\"y,2\n"), "a|b", []string{"2:!malformed quoted field"}, ""},
		{"invalid UTF-8 row", []byte("a,b\n\xff,1\nx,2\n"), "a|b", []string{"2:!not valid UTF-8", "3:x|2"}, ""},
		{"trailing empty field", []byte("a,b\n1,\n"), "a|b", []string{"2:1|"}, ""},
		{"jsonl", []byte(`{"A":"x","n":1.5,"b":true,"z":null}` + "\n" + `{"n":2,"a":"y\"q","extra":1}` + "\n"),
			"a|n|b|z", []string{"1:x|1.5|true|", "2:y\"q|2||"}, ""},
		{"jsonl bad line and nested", []byte(`{"a":1}` + "\n{oops\n" + `{"a":[1]}` + "\n"), "a",
			[]string{"1:1", "2:!not a valid JSON object", "3:!nested JSON value not supported"}, ""},
		{"empty", nil, "", nil, "t.csv: empty file"},
		{"only spaces", []byte("  \n\n"), "", nil, "t.csv: empty file"},
		{"header only", []byte("a,b\n"), "a|b", nil, "t.csv: no data rows"},
		{"duplicate column", []byte("a,A\n1,2\n"), "", nil, `column "a" appears twice`},
		{"unclosed quote", []byte("a,b\n\"x,1\n"), "a|b", nil, "quoted field not closed"},
		{"non-UTF-8 header", []byte("\xffa,b\n1,2\n"), "", nil, "header is not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := readAll(t, tt.input)
			if got := strings.Join(res.header, "|"); got != tt.header {
				t.Errorf("header %q, want %q", got, tt.header)
			}
			if fmt.Sprintf("%q", res.records) != fmt.Sprintf("%q", tt.records) {
				t.Errorf("records\n got %q\nwant %q", res.records, tt.records)
			}
			switch {
			case tt.err == "" && res.err != nil:
				t.Errorf("error %v", res.err)
			case tt.err != "" && (res.err == nil || !strings.Contains(res.err.Error(), tt.err)):
				t.Errorf("error %v, want %q", res.err, tt.err)
			}
		})
	}
}

// TestRecordReaderMatchesEncodingCSV compares the fields with the standard
// library's on inputs both accept.
func TestRecordReaderMatchesEncodingCSV(t *testing.T) {
	inputs := []string{
		"a,b,c\n1,2,3\n4,5,6\n",
		"a,b\n\"x,y\",\"1\n2\"\n\"\",\n",
		"a\n\"\"\"\"\n",
		"a,b\n,\n",
	}
	for _, in := range inputs {
		want, err := csv.NewReader(strings.NewReader(in)).ReadAll()
		if err != nil {
			t.Fatalf("encoding/csv on %q: %v", in, err)
		}
		res := readAll(t, []byte(in))
		if res.err != nil {
			t.Fatalf("%q: %v", in, res.err)
		}
		var got []string
		for _, r := range res.records {
			got = append(got, r[strings.IndexByte(r, ':')+1:])
		}
		var wantRows []string
		for _, r := range want[1:] {
			wantRows = append(wantRows, strings.Join(r, "|"))
		}
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", wantRows) {
			t.Errorf("%q:\n got %q\nwant %q", in, got, wantRows)
		}
	}
}

func TestRawIsCapped(t *testing.T) {
	long := strings.Repeat("ä", 5000) // 10000 bytes
	rr, err := NewRecordReader(strings.NewReader("a,b\n"+long+"\n"), "t.csv")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := rr.Next()
	if !errors.As(err, new(*RowError)) {
		t.Fatalf("error %v, want too few fields", err)
	}
	if len(rec.Raw) > MaxRawBytes || len(rec.Raw) < MaxRawBytes-4 || !strings.HasPrefix(long, rec.Raw) {
		t.Errorf("raw of %d bytes, want about %d and a prefix of the line", len(rec.Raw), MaxRawBytes)
	}
}

func TestGzipCutShort(t *testing.T) {
	data := gzipped("a,b\n" + strings.Repeat("1,2\n", 10000))
	for _, cut := range []int{5, 15, len(data) / 2, len(data) - 4} {
		res := readAll(t, data[:cut])
		if !errors.Is(res.err, ErrTruncated) || !strings.Contains(res.err.Error(), "t.csv") {
			t.Errorf("cut at %d: error %v, want ErrTruncated naming the file", cut, res.err)
		}
	}
}

// FuzzRecordReader: no panic, line numbers rising, fields aligned to the header.
func FuzzRecordReader(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n", "a;b\r\n\"x\n\";2\r\n", `{"a":1}` + "\n" + `{"a":"x"}`, "\xef\xbb\xbfa\n\"\"\"\n",
		"a,b\n\"x\"y,2\n", "a,b\n\xff,1\n",
	} {
		f.Add([]byte(s))
	}
	f.Add(gzipped("a,b\n1,2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rr, err := NewRecordReader(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		var last int64
		for {
			rec, err := rr.Next()
			if err != nil && !errors.As(err, new(*RowError)) {
				return
			}
			if rec.Line <= last {
				t.Fatalf("line %d after %d", rec.Line, last)
			}
			last = rec.Line
			if err == nil && len(rec.Fields) != len(rr.Header()) {
				t.Fatalf("%d fields for %d columns", len(rec.Fields), len(rr.Header()))
			}
			if len(rec.Raw) > MaxRawBytes {
				t.Fatalf("raw of %d bytes", len(rec.Raw))
			}
		}
	})
}
