package ingest

import (
	"bytes"
	"encoding/csv"
	"io"
	"testing"

	"github.com/gocarina/gocsv"
)

// BenchmarkRecordReader splits the usage rows of BenchmarkParseUsage without
// validating them; BenchmarkEncodingCSV is the standard library on the same
// bytes, and BenchmarkGocsv gocarina/gocsv reading them into a struct of the usage
// columns (as text, no validation), for comparison: the reason the ingest keeps a
// reader of its own (RecordReader).
func BenchmarkRecordReader(b *testing.B) {
	const rows = 200_000
	data := generateUsage(rows)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		rr, err := NewRecordReader(bytes.NewReader(data), "bench.csv")
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := rr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != rows {
			b.Fatalf("%d rows", n)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkEncodingCSV(b *testing.B) {
	const rows = 200_000
	data := generateUsage(rows)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r := csv.NewReader(bytes.NewReader(data))
		r.ReuseRecord = true
		n := 0
		for {
			_, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != rows+1 {
			b.Fatalf("%d rows", n)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// gocsvUsageRow is a usage row as gocsv reads it: every column as text.
type gocsvUsageRow struct {
	EventID     string `csv:"event_id"`
	EventTime   string `csv:"event_time"`
	EhakCode    string `csv:"ehak_code"`
	System      string `csv:"system"`
	ServiceCode string `csv:"service_code"`
	Channel     string `csv:"channel"`
	Event       string `csv:"event"`
	SessionID   string `csv:"session_id"`
	UserHash    string `csv:"user_hash"`
	DurationMS  string `csv:"duration_ms"`
}

func BenchmarkGocsv(b *testing.B) {
	const rows = 200_000
	data := generateUsage(rows)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		n := 0
		err := gocsv.UnmarshalToCallback(bytes.NewReader(data), func(r gocsvUsageRow) {
			if r.EventID != "" {
				n++
			}
		})
		if err != nil {
			b.Fatal(err)
		}
		if n != rows {
			b.Fatalf("%d rows", n)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
