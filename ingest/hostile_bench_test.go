package ingest

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ee/kovmon/store"
)

// BenchmarkHostileFilesPeakMemory loads issue 15's two hostile files with our loader,
// each in a fresh process, and fails when the process's peak resident memory
// (VmHWM, the engine's included) goes over 600 MB:
//
//   - a gzip of one usage row repeated 42.9 million times (about 10 MB, 10 GB
//     unpacked): one row is stored, the others are duplicates (it took 3.9 GB);
//   - a 10-million-row usage file whose every row names an unknown municipality
//     (about 800 MB): the file is rejected, the quarantine keeps its sample of
//     QuarantineSample rows and the counts (it took 3.5 GB and kept 10 M rows).
//
// KOVMON_BENCH_HOSTILE_ROWS=R,B sets the rows of the two (default 42900000,10000000);
// the files are cached in $TMPDIR/kovmon-bench. Run it with -benchtime 1x.
func BenchmarkHostileFilesPeakMemory(b *testing.B) {
	sizes := envInts(b, "KOVMON_BENCH_HOSTILE_ROWS", []int{42_900_000, 10_000_000})
	if len(sizes) != 2 {
		b.Fatalf("KOVMON_BENCH_HOSTILE_ROWS: two row counts, e.g. 42900000,10000000")
	}
	repeated := hostileFile(b, "repeated", sizes[0])
	invalid := hostileFile(b, "invalid", sizes[1])
	const limitMB = 600
	var rep, inv hostileFigures
	for b.Loop() {
		rep = runHostileChild(b, repeated)
		inv = runHostileChild(b, invalid)
	}
	if rep.Status != "loaded" || rep.Loaded != 1 || rep.Duplicates != int64(sizes[0]-1) || rep.Stored != 1 {
		b.Errorf("the repeated-row file: %+v; want 1 row loaded, %d duplicates", rep, sizes[0]-1)
	}
	if inv.Status != "rejected" || inv.Quarantined != int64(sizes[1]) || inv.QuarantineRows != min(int64(sizes[1]), QuarantineSample) || inv.Stored != 0 {
		b.Errorf("the all-invalid file: %+v; want it rejected, %d quarantined, %d rows kept in the quarantine", inv, sizes[1], min(sizes[1], QuarantineSample))
	}
	b.ReportMetric(rep.PeakMB, "repeated-peak-MB")
	b.ReportMetric(inv.PeakMB, "invalid-peak-MB")
	b.ReportMetric(rep.Seconds, "repeated-s")
	b.ReportMetric(inv.Seconds, "invalid-s")
	b.Logf("repeated rows: %d rows (%d MB gzip) in %.1f s, peak %.0f MB (+%.0f over %.0f at start); all invalid: %d rows (%d MB) in %.1f s, peak %.0f MB (+%.0f over %.0f), %d quarantine rows kept",
		sizes[0], repeated.SizeBytes>>20, rep.Seconds, rep.PeakMB, rep.PeakMB-rep.BaseMB, rep.BaseMB,
		sizes[1], invalid.SizeBytes>>20, inv.Seconds, inv.PeakMB, inv.PeakMB-inv.BaseMB, inv.BaseMB, inv.QuarantineRows)
	for _, f := range []struct {
		name string
		fig  hostileFigures
	}{{"repeated-row file", rep}, {"all-invalid file", inv}} {
		if f.fig.PeakMB > limitMB {
			b.Errorf("the %s took a peak of %.0f MB, over %d MB", f.name, f.fig.PeakMB, limitMB)
		}
	}
}

// hostileFigures is what a hostile load's child measured.
type hostileFigures struct {
	Status                          string
	Loaded, Duplicates, Quarantined int64
	Stored, QuarantineRows          int64
	Seconds, BaseMB, PeakMB         float64
}

func runHostileChild(b *testing.B, f usageFile) hostileFigures {
	b.Helper()
	var out hostileFigures
	runTestChild(b, "load-hostile", map[string]string{"KOVMON_CHILD_DATA": filepath.Join(b.TempDir(), "data"), "KOVMON_CHILD_FILE": f.Path}, &out)
	return out
}

// childLoadHostile loads the registry into a fresh store in dir, then file as usage,
// and measures the peak resident memory of the whole process from the start.
func childLoadHostile(dir, file string) (hostileFigures, error) {
	var f hostileFigures
	ctx := context.Background()
	s, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		return f, err
	}
	l := &Loader{Store: s}
	for _, name := range []string{"municipalities.csv", "mergers.csv"} {
		if r := l.LoadFile(ctx, NewRunID(), filepath.Join(registryDir, name), ""); r.Status != "loaded" {
			return f, fmt.Errorf("registry: %s", r.Error)
		}
	}
	f.BaseMB = memoryMB("VmRSS")
	start := time.Now()
	res, err := Run(ctx, l, "bench", []string{file}, "usage")
	if err != nil {
		return f, err
	}
	f.Seconds = time.Since(start).Seconds()
	f.PeakMB = memoryMB("VmHWM")
	f.Status, f.Loaded, f.Duplicates, f.Quarantined = res[0].Status, res[0].Loaded, res[0].Duplicates, res[0].Quarantined
	r, err := s.Query(ctx, "SELECT (SELECT count() FROM usage), (SELECT count() FROM quarantine WHERE file_name = {f:String})", store.Params{"f": filepath.Base(file)})
	if err != nil {
		return f, err
	}
	fmt.Sscan(r.Rows[0][0], &f.Stored)
	fmt.Sscan(r.Rows[0][1], &f.QuarantineRows)
	return f, nil
}

// hostileFile returns the cached hostile file of its kind and rows, writing it the
// first time: "repeated" is a gzip of one valid usage row of 120 bytes repeated,
// "invalid" a CSV whose every row names the unknown municipality 9999.
func hostileFile(b *testing.B, kind string, rows int) usageFile {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "kovmon-bench")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("hostile-%s-%d.csv", kind, rows))
	if kind == "repeated" {
		path += ".gz"
	}
	return cachedFile(b, path, func(path string) (usageFile, error) { return writeHostileFile(path, kind, rows) })
}

func writeHostileFile(path, kind string, rows int) (usageFile, error) {
	uf := usageFile{Path: path, Rows: int64(rows)}
	tmp := path + ".tmp"
	out, err := os.Create(tmp)
	if err != nil {
		return uf, err
	}
	defer os.Remove(tmp)
	var w *bufio.Writer
	var zw *gzip.Writer
	if kind == "repeated" {
		zw, _ = gzip.NewWriterLevel(out, gzip.BestCompression)
		w = bufio.NewWriterSize(zw, 1<<20)
	} else {
		w = bufio.NewWriterSize(out, 1<<20)
	}
	w.WriteString("event_id,event_time,ehak_code,system,service_code,channel,event,session_id,user_hash,duration_ms\n")
	row := "e-000000000000000001,2018-06-01T10:00:00+03:00,0784,KOVTP,S-0001,web,submit," + strings.Repeat("s", 24) + "," + strings.Repeat("h", 24) + ",1200\n"
	for i := range rows {
		if kind == "repeated" {
			w.WriteString(row)
		} else {
			fmt.Fprintf(w, "i-%d,2018-06-01T10:00:00+03:00,9999,KOVTP,S-0001,web,submit,s%d,h%d,1200\n", i, i, i)
		}
	}
	under := []io.Closer{out}
	if zw != nil {
		under = []io.Closer{zw, out}
	}
	uf.SizeBytes, err = finishGenerated(w, tmp, path, under...)
	return uf, err
}
