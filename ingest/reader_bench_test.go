package ingest

import (
	"bytes"
	"encoding/csv"
	"io"
	"testing"
)

// BenchmarkRecordReader splits the usage rows of BenchmarkParseUsage without
// validating them; BenchmarkEncodingCSV is the standard library on the same
// bytes, for comparison.
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
