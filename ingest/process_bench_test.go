package ingest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"ee/kovmon/internal/cputime"
	"ee/kovmon/store/enginelib"
)

// BenchmarkIngestProcess measures whole processes, as an operator runs them: `kovmon
// ingest --kind usage FILE` on a data folder that holds the registry (everything the
// command does: start, open the store, recover, load, refresh the indicators, exit),
// against the engine's own load of the same file by a tiny command through the same
// libchdb.so (open a session on an empty folder, CREATE TABLE of the usage table's
// types, partitions and order, INSERT … SELECT * FROM file(…, CSVWithNames), exit).
// Each is a fresh process on a fresh folder; the two alternate, KOVMON_BENCH_PAIRS
// pairs per size (KOVMON_BENCH_PROCESS_ROWS). It reports wall and CPU seconds and the
// peak resident memory of each process (the library's own pages included), and the
// ratios of the medians; issue 18's target: ours at least 1.0 times the engine's rate,
// with no more CPU and at most half its peak memory.
func BenchmarkIngestProcess(b *testing.B) {
	sizes := envInts(b, "KOVMON_BENCH_PROCESS_ROWS", []int{5_000_000, 20_000_000})
	pairs := envInts(b, "KOVMON_BENCH_PAIRS", []int{3})[0]
	tmp := b.TempDir()
	bin := filepath.Join(tmp, "kovmon")
	if out, err := exec.Command("go", "build", "-o", bin, "ee/kovmon/cmd/kovmon").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	registry := filepath.Join(tmp, "registry")
	runKovmon(b, bin, registry, "ingest", filepath.Join(registryDir, "municipalities.csv"), filepath.Join(registryDir, "mergers.csv"))
	files := make([]usageFile, len(sizes))
	for i, n := range sizes {
		files[i] = benchFile(b, n)
	}
	for b.Loop() {
		for _, uf := range files {
			var engine, ours []processFigures
			before := cputime.LoadAverage()
			for range pairs {
				engine = append(engine, runEngineProcess(b, uf))
				ours = append(ours, runIngestProcess(b, bin, registry, uf))
			}
			e, o := medianFigures(engine), medianFigures(ours)
			prefix := fmt.Sprintf("%dM-", uf.Rows/1_000_000)
			rate, cpu, peak := e.Seconds/o.Seconds, o.CPUSeconds/e.CPUSeconds, o.PeakMB/e.PeakMB
			b.ReportMetric(rate, prefix+"ours/engine")
			b.ReportMetric(cpu, prefix+"cpu-ours/engine")
			b.ReportMetric(peak, prefix+"peak-ours/engine")
			printTable(b, "%d rows, %d MB, whole processes\n%s", uf.Rows, uf.SizeBytes>>20, processTable(before, engine, ours))
			if rate < 1 || cpu > 1 || peak > 0.5 {
				cputime.Judge(b, before, "%d rows, whole process: ours/engine rate %.2f (target at least 1), CPU %.2f (at most 1), peak memory %.2f (at most 0.5)",
					uf.Rows, rate, cpu, peak)
			}
		}
	}
}

// processFigures is what one process took, measured from outside.
type processFigures struct {
	Seconds, CPUSeconds, PeakMB float64
	// LoadSeconds is the load of the file alone, as kovmon ingest prints it (0 for
	// the engine's command, which does nothing else).
	LoadSeconds float64
}

func medianFigures(runs []processFigures) processFigures {
	median := func(get func(processFigures) float64) float64 {
		v := make([]float64, len(runs))
		for i, r := range runs {
			v[i] = get(r)
		}
		slices.Sort(v)
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return processFigures{
		Seconds:     median(func(f processFigures) float64 { return f.Seconds }),
		CPUSeconds:  median(func(f processFigures) float64 { return f.CPUSeconds }),
		PeakMB:      median(func(f processFigures) float64 { return f.PeakMB }),
		LoadSeconds: median(func(f processFigures) float64 { return f.LoadSeconds }),
	}
}

// processTable prints the pairs and their medians under the machine's load average as
// they began (before) and now.
func processTable(before string, engine, ours []processFigures) string {
	var t strings.Builder
	fmt.Fprintf(&t, "load average %s before, %s after\n", before, cputime.LoadAverage())
	fmt.Fprintf(&t, "%-8s %27s   %36s\n", "", "engine's CSV load", "kovmon ingest")
	fmt.Fprintf(&t, "%-8s %8s %8s %9s   %8s %8s %9s %9s\n", "pair", "wall s", "CPU s", "peak MB", "wall s", "CPU s", "peak MB", "(load s)")
	row := func(name string, e, o processFigures) {
		fmt.Fprintf(&t, "%-8s %8.2f %8.2f %9.0f   %8.2f %8.2f %9.0f %9.2f\n", name, e.Seconds, e.CPUSeconds, e.PeakMB, o.Seconds, o.CPUSeconds, o.PeakMB, o.LoadSeconds)
	}
	for i := range engine {
		row(strconv.Itoa(i+1), engine[i], ours[i])
	}
	e, o := medianFigures(engine), medianFigures(ours)
	row("median", e, o)
	fmt.Fprintf(&t, "ours/engine: rate %.2f, CPU %.2f, peak memory %.2f\n", e.Seconds/o.Seconds, o.CPUSeconds/e.CPUSeconds, o.PeakMB/e.PeakMB)
	return t.String()
}

// measureProcess runs cmd to its end and measures it; its standard output is returned.
func measureProcess(b *testing.B, cmd *exec.Cmd) (processFigures, string) {
	b.Helper()
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("%s: %v\n%s%s", strings.Join(cmd.Args, " "), err, stdout.String(), stderr.String())
	}
	f := processFigures{Seconds: time.Since(start).Seconds(),
		CPUSeconds: (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		f.PeakMB = float64(ru.Maxrss) / 1024 // kB on Linux
	}
	return f, stdout.String()
}

// runEngineProcess is the engine's own load of uf in a process of its own (this test
// binary as a child: engine-csv), on an empty folder.
func runEngineProcess(b *testing.B, uf usageFile) processFigures {
	b.Helper()
	warmFile(b, uf.Path)
	dir := measuredDataDir(b, "engine")
	f, out := measureProcess(b, testChildCommand("engine-csv", map[string]string{"KOVMON_CHILD_DATA": dir, "KOVMON_CHILD_FILE": uf.Path}))
	if want := fmt.Sprintf(`{"Stored":%d}`, uf.Rows); strings.TrimSpace(out) != want {
		b.Fatalf("the engine's load printed %q, want %s", out, want)
	}
	return f
}

// loadSeconds reads the load's time from kovmon ingest's summary line.
var loadSeconds = regexp.MustCompile(`(\d+) rows read, (\d+) loaded, .* \((\d+\.\d) s\)`)

// runIngestProcess is kovmon ingest of uf on a copy of the data folder registry.
func runIngestProcess(b *testing.B, bin, registry string, uf usageFile) processFigures {
	b.Helper()
	warmFile(b, uf.Path)
	dir := measuredDataDir(b, "ours")
	if out, err := exec.Command("cp", "-a", registry, dir).CombinedOutput(); err != nil {
		b.Fatalf("copy the data folder: %v %s", err, out)
	}
	f, out := measureProcess(b, exec.Command(bin, "--data", dir, "ingest", "--kind", "usage", uf.Path))
	m := loadSeconds.FindStringSubmatch(out)
	if m == nil || m[1] != strconv.FormatInt(uf.Rows, 10) || m[2] != strconv.FormatInt(uf.Keys, 10) {
		b.Fatalf("kovmon ingest printed %q; want %d rows read, %d loaded", out, uf.Rows, uf.Keys)
	}
	f.LoadSeconds, _ = strconv.ParseFloat(m[3], 64)
	return f
}

// childEngineCSV is the engine's own load as a tiny command: a session of the engine
// on dir, the table, the load, the count.
func childEngineCSV(dir, file string) (any, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	conn, err := enginelib.Connect("--path=" + dir)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if _, err := conn.Query(engineTable, ""); err != nil {
		return nil, err
	}
	if _, err := conn.Query(strings.Replace(engineLoad, "{path:String}", "'"+strings.ReplaceAll(file, "'", `\'`)+"'", 1), ""); err != nil {
		return nil, err
	}
	out, err := conn.Query("SELECT count() FROM engine_usage", "TabSeparated")
	if err != nil {
		return nil, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	return struct{ Stored int64 }{n}, err
}
