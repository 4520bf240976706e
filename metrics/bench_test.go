package metrics_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/registry"
	kovsql "ee/kovmon/sql"
	"ee/kovmon/store"
)

// BenchmarkIndicators50M measures one complete refresh (metrics.Run: every indicator,
// every year 2016–2021, both boundary modes, published) over 50 million usage events
// and 5 million feedback rows; issue 5 asks for under 10 s on the 2-core machine.
//
//	go test -run '^$' -bench Indicators50M ./metrics/
//	KOVMON_BENCH_EVENTS=5000000 go test -run '^$' -bench Indicators50M ./metrics/
//
// KOVMON_BENCH_EVENTS sets the number of usage events (default 50 000 000); feedback
// is a tenth of it. The registry is the real one (refdata) and the small
// tables (services, audits, survey, trainings, org goals) are the demo's, both
// loaded through the real ingest; usage and feedback are made by SQL in the engine
// (testdata/bench/*.sql). The data folder is made once and kept in
// $TMPDIR/kovmon-bench-<version>-<events>; the first run at 50 M spends about 6
// minutes making it (7.3 GB; delete the folder to make it again). Measured here, 2
// cores at load average 7–9 from other work: 2.4–5.8 s a refresh, mean 3–4 s.
//
// The embedded engine takes one data folder per process, and this package's tests
// have opened theirs by the time benchmarks run, so the work runs in a child
// process: this test binary again, running TestBenchWorker only. The child times
// each refresh itself, and ns/op is that time (process start and data generation
// are left out).
func BenchmarkIndicators50M(b *testing.B) {
	events := benchEvents(b)
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("kovmon-bench-%s-%d", benchDataVersion, events))
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchWorker$", "-test.v", "-test.timeout=60m")
	cmd.Env = append(os.Environ(), benchWorkerEnv+"="+dir, fmt.Sprintf("%s=%d", benchRunsEnv, b.N),
		fmt.Sprintf("%s=%d", benchEventsEnv, events))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var runs []float64
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if sec, ok := strings.CutPrefix(line, "kovmon-bench refresh seconds="); ok {
			v, _ := strconv.ParseFloat(sec, 64)
			runs = append(runs, v)
		} else if text, ok := strings.CutPrefix(line, "kovmon-bench "); ok {
			b.Log(text)
		}
	}
	if err != nil || len(runs) != b.N {
		b.Fatalf("bench worker: %v, %d of %d refreshes timed\n%s\n%s", err, len(runs), b.N, out, stderr.Bytes())
	}
	b.Logf("refreshes took %v s", runs)
	var total float64
	for _, v := range runs {
		total += v
	}
	perRun := total / float64(b.N)
	b.ReportMetric(perRun*1e9, "ns/op")
	b.ReportMetric(float64(events)/perRun/1e6, "Mevents/s")
	if events >= 50_000_000 && perRun > benchTargetSeconds {
		b.Errorf("a refresh over %d events took %.2f s, the target is under %d s (load average %s)",
			events, perRun, benchTargetSeconds, loadAverage())
	}
}

const (
	benchWorkerEnv = "KOVMON_BENCH_WORKER" // the data folder; set only for the child
	benchRunsEnv   = "KOVMON_BENCH_RUNS"
	benchEventsEnv = "KOVMON_BENCH_EVENTS"
	// benchDataVersion names the generator in the cache folder: change it when the
	// generated data change, so that no run measures a stale folder.
	benchDataVersion   = "v1"
	benchTargetSeconds = 10
	benchFirstYear     = 2016
	benchLastYear      = 2021
	// codeSlots per year: a code with a share p of the year's rows gets about p·codeSlots
	// slots; 10 000 keeps the smallest units (a few hundred residents) at one slot.
	codeSlots = 10_000
)

func benchEvents(tb testing.TB) int64 {
	v := os.Getenv(benchEventsEnv)
	if v == "" {
		return 50_000_000
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1000 {
		tb.Fatalf("%s=%q: give a number of usage events of at least 1000", benchEventsEnv, v)
	}
	return n
}

// TestBenchWorker is BenchmarkIndicators50M's child process; run alone it skips.
func TestBenchWorker(t *testing.T) {
	dir := os.Getenv(benchWorkerEnv)
	if dir == "" {
		t.Skip("runs only as BenchmarkIndicators50M's child process")
	}
	events := benchEvents(t)
	runs, err := strconv.Atoi(os.Getenv(benchRunsEnv))
	if err != nil || runs < 1 {
		t.Fatalf("%s: %v", benchRunsEnv, err)
	}
	ctx := context.Background()
	marker := filepath.Join(dir, "kovmon-bench-complete")
	_, err = os.Stat(marker)
	fresh := err != nil
	if fresh {
		// A folder without the marker is a generation that did not finish.
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
	}
	s, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if fresh {
		start := time.Now()
		generateBenchData(t, ctx, s, events)
		if err := os.WriteFile(marker, []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("kovmon-bench generated %d usage events and %d feedback rows in %s in %.0f s\n",
			events, events/10, dir, time.Since(start).Seconds())
	}
	checkBenchCounts(t, ctx, s, events)

	cat := catalogue.Default()
	timed := newTimedStore(s, cat)
	loadBefore := loadAverage()
	var figures int64
	for range runs {
		start := time.Now()
		r, err := metrics.Run(ctx, timed, cat)
		if err != nil {
			t.Fatal(err)
		}
		figures = r.Figures
		fmt.Printf("kovmon-bench refresh seconds=%.3f\n", time.Since(start).Seconds())
	}
	fmt.Printf("kovmon-bench %d figures a refresh; load average %s before, %s after (2 cores)\n", figures, loadBefore, loadAverage())
	for _, line := range timed.report(runs, 5) {
		fmt.Println("kovmon-bench   " + line)
	}
}

// generateBenchData loads the registry and the demo's small tables through the real
// ingest, then makes usage and feedback by SQL and merges them into one part per year,
// as the background merges would have done by the time a real refresh runs.
func generateBenchData(t *testing.T, ctx context.Context, s store.Store, events int64) {
	loadDemo(t, ctx, s, func(kind string) bool { return kind != "usage" && kind != "feedback" })
	reg, err := registry.Load(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	var years []int
	var codes []string
	for y := benchFirstYear; y <= benchLastYear; y++ {
		// Later years are busier: weights 12, 14, …, 22 out of 102.
		for range 12 + 2*(y-benchFirstYear) {
			years = append(years, y)
		}
		codes = append(codes, codeSlotsOf(reg, y)...)
	}
	var slots []byte
	for i, code := range codes {
		slots = fmt.Appendf(slots, "%d\t%s\n", i, code)
	}
	if err := s.Exec(ctx, "CREATE TABLE bench_code_slots (slot UInt32, ehak_code String) ENGINE = Memory", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.InsertTSV(ctx, "bench_code_slots", []string{"slot", "ehak_code"}, slots); err != nil {
		t.Fatal(err)
	}
	defer s.Exec(ctx, "DROP TABLE bench_code_slots", nil)
	params := store.Params{"years": years, "code_slots": codeSlots, "first_year": benchFirstYear,
		// Shares as in the demo: 42 % of events are acts (submit, decision, notification).
		"events": slotsOf(map[string]int{"view": 40, "start": 18, "submit": 22, "decision": 10, "notification": 10})}
	for _, table := range []struct {
		name    string
		n       int64
		systems map[string]int
	}{
		{"usage", events, map[string]int{"KOVTP": 28, "VOLIS": 7, "RPIS": 6, "KOVMEN": 20, "STAR": 13, "SKAIS": 5, "EHR": 10, "DHS": 8, "OTHER": 3}},
		{"feedback", events / 10, map[string]int{"KOVTP": 30, "VOLIS": 10, "RPIS": 10, "KOVMEN": 20, "STAR": 10, "SKAIS": 5, "EHR": 8, "DHS": 4, "OTHER": 3}},
	} {
		text, err := os.ReadFile(filepath.Join("testdata", "bench", table.name+".sql"))
		if err != nil {
			t.Fatal(err)
		}
		params["n"], params["systems"] = uint64(table.n), slotsOf(table.systems)
		start := time.Now()
		if err := s.Exec(ctx, string(text), params); err != nil {
			t.Fatalf("generate %s: %v", table.name, err)
		}
		if err := s.Exec(ctx, "OPTIMIZE TABLE "+table.name+" FINAL", nil); err != nil {
			t.Fatalf("merge %s: %v", table.name, err)
		}
		fmt.Printf("kovmon-bench made %d %s rows in %.0f s\n", table.n, table.name, time.Since(start).Seconds())
	}
}

// codeSlotsOf returns codeSlots codes of year y, each about as often as its share of
// the year's rows: units by population times the part of the year they were valid,
// and after the reform 2 % for codes merged away (late files recorded under them).
func codeSlotsOf(reg *registry.Registry, y int) []string {
	from, to := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(y+1, 1, 1, 0, 0, 0, 0, time.UTC)
	live, stale := map[string]float64{}, map[string]float64{}
	var liveTotal, staleTotal float64
	for _, u := range reg.Units() {
		start, end := from, to
		if u.ValidFrom.After(start) {
			start = u.ValidFrom
		}
		if !u.ValidTo.IsZero() && u.ValidTo.Before(end) {
			end = u.ValidTo
		}
		pop := float64(max(u.Population, 500))
		switch {
		case end.After(start):
			w := pop * end.Sub(start).Hours() / to.Sub(from).Hours()
			live[u.Code] += w
			liveTotal += w
		case !u.ValidTo.IsZero() && !u.ValidTo.After(from):
			stale[u.Code] += pop
			staleTotal += pop
		}
	}
	for code, w := range stale {
		if _, ok := live[code]; !ok {
			live[code] = w / staleTotal * 0.02 * liveTotal
		}
	}
	return slotsOfWeights(live, codeSlots)
}

// slotsOf spreads names over 100 slots by integer weights that sum to 100.
func slotsOf(weights map[string]int) []string {
	w := map[string]float64{}
	for name, v := range weights {
		w[name] = float64(v)
	}
	return slotsOfWeights(w, 100)
}

// slotsOfWeights returns exactly n names, each repeated about n·weight/total times
// (at least once), in a fixed order so that the generated data never change.
func slotsOfWeights(weights map[string]float64, n int) []string {
	names := make([]string, 0, len(weights))
	var total float64
	for name, w := range weights {
		names = append(names, name)
		total += w
	}
	sort.Strings(names)
	out := make([]string, 0, n)
	var cum float64
	for _, name := range names {
		cum += weights[name]
		end := max(int(math.Round(cum/total*float64(n))), len(out)+1)
		for len(out) < end && len(out) < n {
			out = append(out, name)
		}
	}
	for len(out) < n { // rounding left a slot or two
		out = append(out, names[len(names)-1])
	}
	return out
}

// checkBenchCounts makes sure the folder holds what its name says, so that a
// half-made or edited folder is not measured.
func checkBenchCounts(t *testing.T, ctx context.Context, s store.Store, events int64) {
	res, err := s.Query(ctx, "SELECT (SELECT count() FROM usage), (SELECT count() FROM feedback), (SELECT count() FROM services)", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := res.Rows[0]
	if got[0] != strconv.FormatInt(events, 10) || got[1] != strconv.FormatInt(events/10, 10) || got[2] == "0" {
		t.Fatalf("the bench folder holds %s usage, %s feedback and %s services rows, want %d, %d and some; delete it to make it again",
			got[0], got[1], got[2], events, events/10)
	}
}

// timedStore times every statement a refresh sends, by query file and mode, to show
// which query a slow refresh spends its time in.
type timedStore struct {
	store.Store
	names map[string]string // query text → its file's name
	mu    sync.Mutex
	took  map[string]time.Duration
}

func newTimedStore(s store.Store, cat *catalogue.Catalogue) *timedStore {
	t := &timedStore{Store: s, names: map[string]string{}, took: map[string]time.Duration{}}
	for i := range cat.Indicators {
		ind := &cat.Indicators[i]
		t.names[metrics.DefinitionQuery(ind)] = ind.ID + " " + ind.QueryName()
	}
	t.names[metrics.YearsQuery()] = "years reported"
	for _, name := range []string{"metrics.DataSnapshot", "registry.Units", "registry.Mergers"} {
		t.names[kovsql.Query(name)] = name
	}
	return t
}

func (t *timedStore) add(what string, params store.Params, start time.Time) {
	if name, ok := t.names[what]; ok {
		what = name
	} else if first, _, _ := strings.Cut(strings.TrimSpace(what), "\n"); len(first) > 48 {
		what = first[:48] + "…"
	} else {
		what = first
	}
	if mode, ok := params["mode"].(string); ok {
		what += " (" + mode + ")"
	}
	t.mu.Lock()
	t.took[what] += time.Since(start)
	t.mu.Unlock()
}

func (t *timedStore) Query(ctx context.Context, q string, p store.Params) (*store.Result, error) {
	defer t.add(q, p, time.Now())
	return t.Store.Query(ctx, q, p)
}

func (t *timedStore) Exec(ctx context.Context, q string, p store.Params) error {
	defer t.add(q, p, time.Now())
	return t.Store.Exec(ctx, q, p)
}

func (t *timedStore) InsertTSV(ctx context.Context, table string, columns []string, tsv []byte) error {
	defer t.add("INSERT INTO "+table, nil, time.Now())
	return t.Store.InsertTSV(ctx, table, columns, tsv)
}

// report lists the top statements by their mean time per refresh, slowest first, and
// the rest as one line (go test cuts a benchmark's log at ten lines without -v).
func (t *timedStore) report(runs, top int) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	names := make([]string, 0, len(t.took))
	for name := range t.took {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool { return t.took[names[i]] > t.took[names[j]] })
	line := func(d time.Duration, what string) string {
		return fmt.Sprintf("%7.3f s  %s", (d / time.Duration(runs)).Seconds(), what)
	}
	var out []string
	var rest time.Duration
	for i, name := range names {
		if i < top {
			out = append(out, line(t.took[name], name))
		} else {
			rest += t.took[name]
		}
	}
	if len(names) > top {
		out = append(out, line(rest, fmt.Sprintf("the other %d statements", len(names)-top)))
	}
	return out
}

// loadAverage is the 1, 5 and 15 minute load of the machine, which the figures are
// only meaningful beside on a machine shared with others.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
