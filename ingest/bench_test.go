package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"ee/kovmon/internal/cputime"
	"ee/kovmon/store"
)

// The load benchmarks compare our loader with the engine's own CSV load of the same
// file, as issues 3 and 18 ask. Each load runs in a child process of its own, on an
// empty data folder: the engine cannot be reset within a process (its caches and
// allocator keep what an earlier load took), and a child's peak memory is its own.
//
//	KOVMON_BENCH_ROWS=N           rows of BenchmarkLoadUsage5M's file (default 5 000 000)
//	KOVMON_BENCH_MEMORY_ROWS=A,B  sizes BenchmarkLoadUsagePeakMemory compares
//	                              (default issue 3's 5 000 000,20 000 000: about
//	                              90 s, and 2.5 GB of files in the temporary folder;
//	                              smaller files end before the engine's memory levels
//	                              off: 1 M rows +147 MB, 4 M rows +300 MB)
//	KOVMON_BENCH_PROCESS_ROWS=A,B sizes BenchmarkIngestProcess loads (default
//	                              5 000 000,20 000 000)
//	KOVMON_BENCH_PAIRS=N          alternating pairs of whole processes per size
//	                              (default 3; the table gives each and the median)
//	KOVMON_BENCH_RELOAD_ROWS=A,B  BenchmarkReloadUsage20M: the rows held, the rows
//	                              loaded into them (default 20 000 000,5 000 000)
//	KOVMON_BENCH_CPUPROFILE=FILE  write a CPU profile of our load (the child's) to FILE
//	KOVMON_BENCH_TRACE=1          print every statement the loads send, with its time
//
// Generated files are cached in $TMPDIR/kovmon-bench, named by their row count. Each
// benchmark prints its figures as a table headed by the machine's load average: on a
// shared machine a timing means little without it, and CPU seconds mean more than
// wall seconds.

// BenchmarkLoadUsage5M loads a 5-million-row usage CSV (about 500 MB, the contract's
// ten columns) twice, each in a fresh process: (a) the engine's own
// INSERT INTO t SELECT * FROM file(…, CSVWithNames) into a table of the usage
// table's column types, order and partitioning, and (b) Loader end to end (Run: the
// ledger, validation against the registry, quarantine, staging and the
// deduplicating commit). It reports both rates, ours/engine (issue 18's target: at
// least 1.0, with no more CPU and at most half the peak memory), and the peak memory
// growth of each.
func BenchmarkLoadUsage5M(b *testing.B) {
	benchmarkLoadInProcess(b, envInts(b, "KOVMON_BENCH_ROWS", []int{5_000_000})[0])
}

// BenchmarkLoadUsage20M is BenchmarkLoadUsage5M with 20 million rows (1.9 GB).
func BenchmarkLoadUsage20M(b *testing.B) { benchmarkLoadInProcess(b, 20_000_000) }

func benchmarkLoadInProcess(b *testing.B, rows int) {
	uf := benchFile(b, rows)
	b.SetBytes(uf.SizeBytes)
	var engine, ours loadFigures
	before := cputime.LoadAverage()
	for b.Loop() {
		engine = runLoadChild(b, "load-engine", uf, usageFile{}, 0)
		ours = runLoadChild(b, "load-ours", uf, usageFile{}, 0)
	}
	reportVersus(b, engine, ours)
	printTable(b, "%d rows, %d MB, in-process (the load alone, in a fresh process)\n%s", uf.Rows, uf.SizeBytes>>20,
		versusTable(before, []string{"engine's CSV load", "ours"}, []loadFigures{engine, ours}))
}

// reportVersus reports the figures of one load of ours against the engine's.
func reportVersus(b *testing.B, engine, ours loadFigures) {
	b.ReportMetric(engine.rate(), "engine-rows/s")
	b.ReportMetric(ours.rate(), "ours-rows/s")
	b.ReportMetric(ours.rate()/engine.rate(), "ours/engine")
	b.ReportMetric(engine.CPUSeconds, "engine-cpu-s")
	b.ReportMetric(ours.CPUSeconds, "ours-cpu-s")
	b.ReportMetric(engine.PeakGrowthMB, "engine-peak-MB")
	b.ReportMetric(ours.PeakGrowthMB, "ours-peak-MB")
}

// versusTable prints loads side by side, the first the engine's, with each one's
// rate, CPU and peak against the first's, under the machine's load average as they
// began (before) and now.
func versusTable(before string, names []string, loads []loadFigures) string {
	var t strings.Builder
	fmt.Fprintf(&t, "load average %s before, %s after\n", before, cputime.LoadAverage())
	fmt.Fprintf(&t, "%-22s %8s %8s %8s %9s %9s %9s %9s\n", "", "wall s", "CPU s", "peak MB", "rows/s", "rate/eng", "CPU/eng", "peak/eng")
	for i, f := range loads {
		fmt.Fprintf(&t, "%-22s %8.2f %8.2f %8.0f %9.0f %9.2f %9.2f %9.2f\n", names[i], f.Seconds, f.CPUSeconds, f.PeakGrowthMB, f.rate(),
			f.rate()/loads[0].rate(), f.CPUSeconds/loads[0].CPUSeconds, f.PeakGrowthMB/loads[0].PeakGrowthMB)
	}
	return t.String()
}

// printTable prints a benchmark's table of figures on standard output, headed by
// the benchmark's name: the testing package cuts a benchmark's log after a few lines.
func printTable(b *testing.B, format string, args ...any) {
	fmt.Printf("%s: "+format+"\n", append([]any{b.Name()}, args...)...)
}

// BenchmarkReloadUsage20M loads a file into a table that already holds 20 million
// rows (another file's), each load in a fresh process (the rows held are loaded
// first, merged, and not timed): the engine's own CSV load of a file of 5 million rows
// of new keys; ours of the same file, whose stage is attached once the table is found
// to hold none of its keys; and ours of a file of 5 million rows of which 1 % have
// keys the table holds, whose stage has those keys deleted before it is attached (on
// a server the same file takes the copy: the stage's rows copied into the table,
// leaving out the keys it holds). Issue 18's target: at least 0.8 of the engine's
// rate.
func BenchmarkReloadUsage20M(b *testing.B) {
	const reloadTarget = 0.8
	sizes := envInts(b, "KOVMON_BENCH_RELOAD_ROWS", []int{20_000_000, 5_000_000})
	if len(sizes) != 2 {
		b.Fatalf("KOVMON_BENCH_RELOAD_ROWS: two sizes, e.g. 20000000,5000000")
	}
	stored := benchFile(b, sizes[0])
	fresh := benchFileFrom(b, sizes[1], sizes[0])
	overlapFrom := sizes[0] - max(1, sizes[1]/100)
	overlapping := benchFileFrom(b, sizes[1], overlapFrom)
	shared := sharedKeys(sizes[0], sizes[1], overlapFrom)
	b.SetBytes(fresh.SizeBytes)
	var engine, ours, held loadFigures
	before := cputime.LoadAverage()
	for b.Loop() {
		engine = runLoadChild(b, "load-engine", fresh, stored, 0)
		ours = runLoadChild(b, "load-ours", fresh, stored, 0)
		held = runLoadChild(b, "load-ours", overlapping, stored, shared)
	}
	reportVersus(b, engine, ours)
	b.ReportMetric(held.rate()/engine.rate(), "held-ours/engine")
	b.ReportMetric(held.CPUSeconds, "held-ours-cpu-s")
	printTable(b, "%d rows, %d MB, into a table of %d rows, in-process; the second file of ours shares %d keys with the table\n%s", fresh.Rows, fresh.SizeBytes>>20, stored.Rows, shared,
		versusTable(before, []string{"engine's CSV load", "ours (new keys)", "ours (1 % held)"}, []loadFigures{engine, ours, held}))
	for _, load := range []struct {
		name  string
		ratio float64
	}{{"new keys", ours.rate() / engine.rate()}, {"1 % of the keys held", held.rate() / engine.rate()}} {
		if load.ratio < reloadTarget {
			cputime.Judge(b, before, "a reload of %s ran at %.2f × the engine's load, the target is at least %.1f ×", load.name, load.ratio, reloadTarget)
		}
	}
}

// sharedKeys counts the keys that both a benchFile of held rows and a benchFileFrom of
// rows from firstID store: the ids from firstID below held of rows valid and not
// repeats in both files.
func sharedKeys(held, rows, firstID int) int64 {
	h, f := usageSpec{Rows: held, BadEvery: 10_000, DupEvery: 10_000}, usageSpec{Rows: rows, BadEvery: 10_000, DupEvery: 10_000, FirstID: firstID}
	var n int64
	for i := 0; firstID+i < held && i < rows; i++ {
		if !f.dup(i) && !f.bad(i) && !h.dup(firstID+i) && !h.bad(firstID+i) {
			n++
		}
	}
	return n
}

// BenchmarkLoadUsagePeakMemory loads two sizes of usage file with our loader, and the
// larger with the engine's own load, each in a fresh process, and reports the peak
// memory growth of each: the larger within 10 % of the smaller, neither above 1.5 times
// the engine's own, is issue 3's target.
func BenchmarkLoadUsagePeakMemory(b *testing.B) {
	sizes := envInts(b, "KOVMON_BENCH_MEMORY_ROWS", []int{5_000_000, 20_000_000})
	if len(sizes) != 2 {
		b.Fatalf("KOVMON_BENCH_MEMORY_ROWS: two sizes, e.g. 5000000,20000000")
	}
	small, large := benchFile(b, sizes[0]), benchFile(b, sizes[1])
	var oursSmall, oursLarge, engine loadFigures
	for b.Loop() {
		oursSmall = runLoadChild(b, "load-ours", small, usageFile{}, 0)
		oursLarge = runLoadChild(b, "load-ours", large, usageFile{}, 0)
		engine = runLoadChild(b, "load-engine", large, usageFile{}, 0)
	}
	b.ReportMetric(oursSmall.PeakGrowthMB, "small-peak-MB")
	b.ReportMetric(oursLarge.PeakGrowthMB, "large-peak-MB")
	b.ReportMetric(engine.PeakGrowthMB, "engine-large-peak-MB")
	b.ReportMetric(oursLarge.PeakGrowthMB/oursSmall.PeakGrowthMB, "large/small")
	b.ReportMetric(oursLarge.PeakGrowthMB/engine.PeakGrowthMB, "large/engine")
	b.Logf("peak growth: ours %d rows +%.0f MB (%.1f s), ours %d rows +%.0f MB (%.1f s), engine %d rows +%.0f MB (%.1f s)",
		small.Rows, oursSmall.PeakGrowthMB, oursSmall.Seconds, large.Rows, oursLarge.PeakGrowthMB, oursLarge.Seconds,
		large.Rows, engine.PeakGrowthMB, engine.Seconds)
}

func envInts(b *testing.B, name string, fallback []int) []int {
	v := os.Getenv(name)
	if v == "" {
		return fallback
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			b.Fatalf("%s=%q: row counts, comma-separated", name, v)
		}
		out = append(out, n)
	}
	return out
}

// benchFile returns the cached usage file of n rows, generating it the first time.
// A few rows have an unknown municipality (1 in 10 000) or repeat a key (1 in
// 10 000), so that the quarantine and the deduplication have work.
func benchFile(b *testing.B, n int) usageFile {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "kovmon-bench")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	spec := usageSpec{Rows: n, BadEvery: 10_000, DupEvery: 10_000}
	return cachedFile(b, filepath.Join(dir, fmt.Sprintf("usage-%d.csv", n)), func(path string) (usageFile, error) {
		return writeUsageFile(path, spec, registryCodes(b))
	})
}

// benchFileFrom is benchFile with keys of its own: none of them is a key of the
// file of firstID rows.
func benchFileFrom(b *testing.B, n, firstID int) usageFile {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "kovmon-bench")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	spec := usageSpec{Rows: n, BadEvery: 10_000, DupEvery: 10_000, FirstID: firstID}
	return cachedFile(b, filepath.Join(dir, fmt.Sprintf("usage-%d-from-%d.csv", n, firstID)), func(path string) (usageFile, error) {
		return writeUsageFile(path, spec, registryCodes(b))
	})
}

// cachedFile returns the generated file at path, described by PATH.json beside it,
// or writes both with write the first time.
func cachedFile(b *testing.B, path string, write func(path string) (usageFile, error)) usageFile {
	b.Helper()
	meta := path + ".json"
	var uf usageFile
	if data, err := os.ReadFile(meta); err == nil && json.Unmarshal(data, &uf) == nil && uf.Path == path {
		if st, err := os.Stat(path); err == nil && st.Size() == uf.SizeBytes {
			return uf
		}
	}
	start := time.Now()
	uf, err := write(path)
	if err != nil {
		b.Fatal(err)
	}
	data, _ := json.Marshal(uf)
	if err := os.WriteFile(meta, data, 0o644); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %s (%d MB) in %.1f s", path, uf.SizeBytes>>20, time.Since(start).Seconds())
	return uf
}

// loadFigures is what a load child measured.
type loadFigures struct {
	Rows         int64 // rows of the file
	Stored       int64 // rows in the table afterwards
	Seconds      float64
	CPUSeconds   float64 // user and system time of the process, all threads
	BaseMB       float64 // resident memory before the load
	PeakGrowthMB float64 // peak resident memory during the load, above BaseMB
}

func (f loadFigures) rate() float64 { return float64(f.Rows) / f.Seconds }

// measuredDataDir is a fresh data folder for one measured process, removed when the
// benchmark ends rather than when the process does. On this machine's filesystem (ext4
// without a journal) the kernel gives a new file an inode only after looking past
// every inode deleted in the last 30 seconds (find_inode_bit, recently_deleted), so a
// process started just after another's folder was removed paid for the removal, and
// the more files a load makes, the more: a `kovmon ingest` of 5 M usage rows begun
// right after a removal had 20 % of its samples in that search (perf; the kernel 30 %
// in all), one begun 45 s after a removal 0.1 % (the kernel 14 %; load average 0.3).
// BenchmarkIngestProcess, removing each folder after its process, took 1.01 and 1.12
// of the engine's CPU, and 0.95 and 0.97 keeping them to the end (alternating runs,
// 3 pairs each, load average 0.36-0.78 before, 2026-12-03): the stage writes its
// parts in smaller blocks than the engine's own load does, so more files.
func measuredDataDir(b *testing.B, name string) string { return filepath.Join(b.TempDir(), name) }

// runLoadChild measures a load of uf in a child doing job, into a store that holds
// the file held (none: Path "") loaded before; shared of uf's keys are held's too.
func runLoadChild(b *testing.B, job string, uf, held usageFile, shared int64) loadFigures {
	b.Helper()
	warmFile(b, uf.Path)
	var f loadFigures
	dir := measuredDataDir(b, "data")
	env := map[string]string{"KOVMON_CHILD_DATA": dir, "KOVMON_CHILD_FILE": uf.Path, "KOVMON_CHILD_PRELOAD": held.Path}
	runTestChild(b, job, env, &f)
	want := uf.Keys + held.Keys - shared
	if job == "load-engine" {
		want = uf.Rows + held.Rows // the engine's own load neither validates nor deduplicates
	}
	if f.Stored != want || f.Rows != uf.Rows {
		b.Fatalf("%s: %d rows read, %d stored; the file has %d rows, %d to store", job, f.Rows, f.Stored, uf.Rows, want)
	}
	return f
}

// warmFile reads path through once, so that the load measured next reads it from the
// page cache whichever load comes first: this machine's disk read 62 MB/s at times,
// and its page cache lets go of cold files (a 5 M-row load from disk took 19.9 s
// where it takes 5.7 s from the cache).
func warmFile(b *testing.B, path string) {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(io.Discard, f); err != nil {
		b.Fatalf("%s: %v", path, err)
	}
}

// engineTable has the usage table's types, partitioning and order for the file's ten
// columns, so that the engine's own load does the same sorting and writing as ours.
const engineTable = `CREATE TABLE engine_usage (
    event_id String, event_time DateTime64(3, 'UTC'), ehak_code LowCardinality(String),
    system LowCardinality(String), service_code String, channel LowCardinality(String),
    event LowCardinality(String), session_id String, user_hash String, duration_ms Nullable(UInt64)
) ENGINE = MergeTree PARTITION BY toYear(event_time) ORDER BY (ehak_code, event, channel, event_id)`

// engineLoad is the engine's own load of a usage CSV into engineTable.
const engineLoad = "INSERT INTO engine_usage SELECT * FROM file({path:String}, CSVWithNames) SETTINGS date_time_input_format = 'best_effort'"

// childLoad is a load child: it opens a fresh store in dir, loads the registry (and
// preload, if not ""), and measures one load of file.
func childLoad(job, dir, file, preload string) (loadFigures, error) {
	var f loadFigures
	ctx := context.Background()
	s, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		return f, err
	}
	if os.Getenv("KOVMON_BENCH_TRACE") != "" {
		s = tracingStore{s}
	}
	l := &Loader{Store: s}
	for _, name := range []string{"municipalities.csv", "mergers.csv"} {
		if r := l.LoadFile(ctx, NewRunID(), filepath.Join(registryDir, name), ""); r.Status != "loaded" {
			return f, fmt.Errorf("registry: %s", r.Error)
		}
	}
	load := func(file string) error {
		if job == "load-engine" {
			return s.Exec(ctx, engineLoad, store.Params{"path": file})
		}
		res, err := Run(ctx, l, "bench", []string{file}, "usage")
		if err == nil && res[0].Status != "loaded" {
			err = fmt.Errorf("%s", res[0].Error)
		}
		return err
	}
	if job == "load-engine" {
		if err := s.Exec(ctx, engineTable, nil); err != nil {
			return f, err
		}
	}
	table := "usage"
	if job == "load-engine" {
		table = "engine_usage"
	}
	if preload != "" {
		if err := load(preload); err != nil {
			return f, err
		}
		// Rows held a while are merged: without this, the merges of the rows just
		// loaded (ours attached as the stage's unmerged parts) would run during the
		// load measured and be counted as its work.
		if err := s.Exec(ctx, "OPTIMIZE TABLE "+table+" FINAL", nil); err != nil {
			return f, err
		}
		// The gigabytes just written, and those of the merge, go to disk now: written
		// back during the load measured, they stalled it (a load of 1 % held took
		// 24.9 s, 13.6 CPU-s, with 20 % of the last minute stalled on I/O).
		syscall.Sync()
	}
	if path := os.Getenv("KOVMON_BENCH_CPUPROFILE"); path != "" && job == "load-ours" {
		pf, err := os.Create(path)
		if err != nil {
			return f, err
		}
		defer pf.Close()
		pprof.StartCPUProfile(pf)
		defer pprof.StopCPUProfile()
	}
	resetPeakMemory()
	f.BaseMB = memoryMB("VmRSS")
	if os.Getenv("KOVMON_BENCH_TRACE") != "" {
		stop := traceMemory(f.BaseMB)
		defer stop()
	}
	cpu := processCPUSeconds()
	start := time.Now()
	if err := load(file); err != nil {
		return f, err
	}
	f.Seconds = time.Since(start).Seconds()
	f.CPUSeconds = processCPUSeconds() - cpu
	f.PeakGrowthMB = memoryMB("VmHWM") - f.BaseMB
	r, err := s.Query(ctx, "SELECT count() FROM "+table, nil)
	if err != nil {
		return f, err
	}
	f.Stored, _ = strconv.ParseInt(r.Rows[0][0], 10, 64)
	f.Rows, err = countLines(file)
	f.Rows-- // the header
	return f, err
}

// traceMemory prints, every half second until stop, the process's resident memory
// and the Go heap's share of it, above base (MB), to standard error.
func traceMemory(base float64) (stop func()) {
	done := make(chan struct{})
	go func() {
		start := time.Now()
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				fmt.Fprintf(os.Stderr, "%6.1f s  rss +%4.0f MB  peak +%4.0f MB  go heap %4.0f MB (sys %4.0f MB)\n", time.Since(start).Seconds(),
					memoryMB("VmRSS")-base, memoryMB("VmHWM")-base, float64(ms.HeapInuse)/(1<<20), float64(ms.Sys)/(1<<20))
			}
		}
	}()
	return func() { close(done) }
}

// resetPeakMemory sets the process's peak resident memory (VmHWM) to its current
// resident memory (Linux's clear_refs, "5").
func resetPeakMemory() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// memoryMB reads a field of /proc/self/status, in MB.
func memoryMB(field string) float64 {
	data, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

func countLines(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var n int64
	r := bufio.NewReaderSize(f, 1<<20)
	buf := make([]byte, 1<<20)
	for {
		k, err := r.Read(buf)
		n += int64(bytes.Count(buf[:k], []byte{'\n'}))
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// tracingStore prints each statement, how long it took and the process's CPU seconds
// meanwhile (the parse's too, while a load's insert runs beside it), to standard error.
type tracingStore struct{ store.Store }

func (t tracingStore) Unwrap() store.Store { return t.Store }

func trace(start time.Time, cpu float64, query string) {
	query = strings.Join(strings.Fields(query), " ")
	if len(query) > 150 {
		query = query[:150] + "…"
	}
	fmt.Fprintf(os.Stderr, "%7.3f s %6.3f CPU-s  %s\n", time.Since(start).Seconds(), processCPUSeconds()-cpu, query)
}

func (t tracingStore) Exec(ctx context.Context, query string, params store.Params) error {
	defer trace(time.Now(), processCPUSeconds(), query)
	return t.Store.Exec(ctx, query, params)
}

func (t tracingStore) Query(ctx context.Context, query string, params store.Params) (*store.Result, error) {
	defer trace(time.Now(), processCPUSeconds(), query)
	return t.Store.Query(ctx, query, params)
}

func (t tracingStore) InsertTSV(ctx context.Context, table string, columns []string, tsv []byte) error {
	defer trace(time.Now(), processCPUSeconds(), fmt.Sprintf("INSERT INTO %s: %d bytes", table, len(tsv)))
	return t.Store.InsertTSV(ctx, table, columns, tsv)
}
