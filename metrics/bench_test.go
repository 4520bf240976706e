package metrics_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ee/kovmon/ingest"
	"ee/kovmon/internal/cputime"
	"ee/kovmon/kov"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/registry"
	kovsql "ee/kovmon/sql"
	"ee/kovmon/store"
)

// BenchmarkRefresh measures one complete refresh (metrics.Run: every indicator, every
// year 2016–2021, both boundary modes, published) over stores of 5, 50 and 200 million
// usage events, each with a tenth of that in feedback rows; issue 18 asks for under
// 0.5 s at 50 million on a quiet 2-core machine, and not more than 1.5 times that at
// 200 million: a refresh reads the counts kept at insert (migration 0012), whose size
// follows the units, years and files, not the events. BenchmarkDailyFile measures a
// day's file loaded into the store of 50 million, and the refresh after it.
//
//	go test -run '^$' -bench 'Refresh|DailyFile' -benchtime 3x ./metrics/
//	KOVMON_BENCH_EVENTS=5000000 go test -run '^$' -bench Refresh ./metrics/
//
// KOVMON_BENCH_EVENTS lists the sizes (comma-separated usage events; default
// 5000000,50000000,200000000). The registry is the real one (refdata) and the small
// tables (services, audits, survey, trainings, org goals) are the demo's, both loaded
// through the real ingest; usage and feedback are made by SQL in the engine
// (testdata/bench/*.sql: INSERT … SELECT FROM numbers(), no file), one file per year
// and kind, and counted by the materialized views as they go in. A data folder is made
// once and kept in $TMPDIR/kovmon-bench-<version>-<events>; measured here (2 cores,
// load average 5–10 from other work): 5 M events in 25 s (0.7 GB), 50 M in
// about 5 minutes (7 GB), 200 M in about 25 minutes (14 GB; 509 s and 21 GB on
// 2026-12-02 at load average under 1). The 200 M usage table is left to the background
// merges, where the smaller ones are merged into one part a year (the refresh does not
// read it), and every opening waits for those merges to run out (settleMerges: 63 s
// the first time after its generation). Delete a folder to make it again.
//
// Each result says the CPU seconds beside the wall time (the process's user and
// system time, the engine's threads included) and the load average, and the child
// prints the statements that took the most, with their CPU seconds: on a shared
// machine a figure is only meaningful beside them. A target missed fails the
// benchmark on a quiet machine (load average under 1); on a busy one it is reported.
//
// The embedded engine takes one data folder per process, and this package's tests
// have opened theirs by the time benchmarks run, so the work runs in a child
// process: this test binary again, running TestBenchWorker only. The child times
// each operation itself, and ns/op is that time (process start and data generation
// are left out).
func BenchmarkRefresh(b *testing.B) {
	for _, events := range benchSizes(b) {
		b.Run("events="+shortCount(events), func(b *testing.B) {
			r := runBenchWorker(b, benchJobRefresh, events)
			refreshTook.Store(events, r.wall)
			if events == 50_000_000 && r.wall > refreshTarget50M {
				cputime.Judge(b, r.loadBefore, "a refresh over 50 M events took %.3f s, the target is under %.1f s", r.wall, refreshTarget50M)
			}
			if at50, ok := refreshTook.Load(int64(50_000_000)); ok && events == 200_000_000 && r.wall > 1.5*at50.(float64) {
				cputime.Judge(b, r.loadBefore, "a refresh over 200 M events took %.3f s, more than 1.5 × the %.3f s at 50 M", r.wall, at50.(float64))
			}
		})
	}
}

// BenchmarkDailyFile loads a day's usage file of 100 000 rows (1 000 of them events
// the store holds already, sent again) into the store of 50 million events of
// BenchmarkRefresh — through the real ingest, whose commit deletes from the file's
// stage the keys the table holds and attaches it — and then refreshes: issue 18 asks
// for under 1.5 s for both. The file is of 15 January 2022, the year after the
// store's, so that after each operation the child takes it out again by dropping that
// year's partitions (and its ledger rows): every operation loads into the same 50
// million.
//
// KOVMON_BENCH_DAILY_INTO=5000000 loads it into the store of 5 M instead, for a
// quicker look (the target is of 50 M). KOVMON_BENCH_COLD=1 (here and in
// BenchmarkRefresh) drops the store's files from the page cache before each
// operation (cputime.EvictPageCache), as a night's load finds them after a day of
// other work: the load's look-up reads every stored key hash.
func BenchmarkDailyFile(b *testing.B) {
	into := int64(50_000_000)
	if v := os.Getenv("KOVMON_BENCH_DAILY_INTO"); v != "" {
		var err error
		if into, err = strconv.ParseInt(v, 10, 64); err != nil || into < 1000 {
			b.Fatalf("KOVMON_BENCH_DAILY_INTO=%q: a number of usage events of at least 1000", v)
		}
	}
	r := runBenchWorker(b, benchJobDaily, into)
	if into == 50_000_000 && r.wall > dailyTarget {
		cputime.Judge(b, r.loadBefore, "a daily file's load and refresh took %.3f s, the target is under %.1f s", r.wall, dailyTarget)
	}
}

// refreshTook keeps each size's refresh seconds, for the 200 M target (1.5 × 50 M).
var refreshTook sync.Map // events → seconds

const (
	benchWorkerEnv = "KOVMON_BENCH_WORKER" // the data folder; set only for the child
	benchJobEnv    = "KOVMON_BENCH_JOB"
	benchRunsEnv   = "KOVMON_BENCH_RUNS"
	benchEventsEnv = "KOVMON_BENCH_EVENTS"
	benchColdEnv   = "KOVMON_BENCH_COLD" // set: each operation begins with the store out of the page cache
	// benchDataVersion names the generator in the cache folder: change it when the
	// generated data change, so that no run measures a stale folder.
	benchDataVersion = "v1"
	benchFirstYear   = 2016
	benchLastYear    = 2021
	// codeSlots per year: a code with a share p of the year's rows gets about p·codeSlots
	// slots; 10 000 keeps the smallest units (a few hundred residents) at one slot.
	codeSlots = 10_000
	// The targets of issue 18, in seconds.
	refreshTarget50M = 0.5
	dailyTarget      = 1.5
	dailyRows        = 100_000
	dailyRepeats     = 1_000 // of the daily rows, events the store holds already
	benchJobRefresh  = "refresh"
	benchJobDaily    = "daily"
	// What the child prints: a line per operation, other lines to log.
	benchLinePrefix = "kovmon-bench "
	benchOpPrefix   = benchLinePrefix + "op "
)

// benchSizes are the store sizes to measure, in usage events.
func benchSizes(tb testing.TB) []int64 {
	v := os.Getenv(benchEventsEnv)
	if v == "" {
		return []int64{5_000_000, 50_000_000, 200_000_000}
	}
	var out []int64
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
		if err != nil || n < 1000 {
			tb.Fatalf("%s=%q: give numbers of usage events of at least 1000, comma-separated", benchEventsEnv, v)
		}
		out = append(out, n)
	}
	return out
}

// shortCount is 5M for 5 000 000, 1500k for 1 500 000.
func shortCount(n int64) string {
	switch {
	case n%1_000_000 == 0:
		return strconv.FormatInt(n/1_000_000, 10) + "M"
	case n%1000 == 0:
		return strconv.FormatInt(n/1000, 10) + "k"
	}
	return strconv.FormatInt(n, 10)
}

// benchResult is what the child measured: the mean of its operations.
type benchResult struct {
	wall, cpu  float64 // seconds an operation
	loadBefore string  // the load average as the first operation began
}

// runBenchWorker runs job b.N times in a child process on the data folder of events
// usage events (made first if it is not there), and reports its mean wall and CPU
// seconds.
func runBenchWorker(b *testing.B, job string, events int64) benchResult {
	dir := benchDataDir(events)
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchWorker$", "-test.v", "-test.timeout=120m")
	cmd.Env = append(os.Environ(), benchWorkerEnv+"="+dir, benchJobEnv+"="+job, fmt.Sprintf("%s=%d", benchRunsEnv, b.N),
		fmt.Sprintf("%s=%d", benchEventsEnv, events))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ops []benchOp
	var report strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if fields, ok := strings.CutPrefix(line, benchOpPrefix); ok {
			ops = append(ops, parseBenchOp(fields))
		} else if text, ok := strings.CutPrefix(line, benchLinePrefix); ok {
			fmt.Fprintf(&report, "    %s %s: %s\n", job, shortCount(events), text)
		}
	}
	// On standard output, as the benchmark lines are: b.Log keeps ten lines without -v.
	fmt.Print(report.String())
	if err != nil || len(ops) != b.N {
		b.Fatalf("bench worker: %v, %d of %d operations timed\n%s\n%s", err, len(ops), b.N, out, stderr.Bytes())
	}
	r := benchResult{loadBefore: ops[0].load}
	var walls []string
	for _, op := range ops {
		r.wall += op.wall / float64(b.N)
		r.cpu += op.cpu / float64(b.N)
		walls = append(walls, fmt.Sprintf("%.3f", op.wall))
	}
	b.Logf("%s over %s events: %s s wall; mean %.3f s wall, %.3f CPU-s (load average %s before, %s after; 2 cores)",
		job, shortCount(events), strings.Join(walls, " "), r.wall, r.cpu, r.loadBefore, ops[len(ops)-1].loadAfter)
	b.ReportMetric(r.wall*1e9, "ns/op")
	b.ReportMetric(r.cpu, "cpu-s/op")
	return r
}

func benchDataDir(events int64) string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("kovmon-bench-%s-%d", benchDataVersion, events))
}

// benchOp is one operation as the child printed it:
// "op wall=1.234 cpu=2.345 load=a b c after=a b c".
type benchOp struct {
	wall, cpu       float64
	load, loadAfter string
}

func (op benchOp) String() string {
	return fmt.Sprintf("wall=%.3f cpu=%.3f load=%s after=%s", op.wall, op.cpu, op.load, op.loadAfter)
}

func parseBenchOp(text string) benchOp {
	var op benchOp
	rest, after, _ := strings.Cut(text, " after=")
	op.loadAfter = after
	rest, op.load, _ = strings.Cut(rest, " load=")
	fmt.Sscanf(rest, "wall=%f cpu=%f", &op.wall, &op.cpu)
	return op
}

// TestBenchWorker is the benchmarks' child process; run alone it skips.
func TestBenchWorker(t *testing.T) {
	dir := os.Getenv(benchWorkerEnv)
	if dir == "" {
		t.Skip("runs only as the child process of BenchmarkRefresh and BenchmarkDailyFile")
	}
	events := benchSizes(t)[0]
	runs, err := strconv.Atoi(os.Getenv(benchRunsEnv))
	if err != nil || runs < 1 {
		t.Fatalf("%s: %v", benchRunsEnv, err)
	}
	ctx := context.Background()
	s := openBenchData(t, ctx, dir, events)
	defer s.Close()

	cat := catalogue.Default()
	timed := newTimedStore(s, cat)
	var figures int64
	var daily *dailyFile
	if os.Getenv(benchJobEnv) == benchJobDaily {
		daily = newDailyFile(t, ctx, s)
	}
	cold := os.Getenv(benchColdEnv) != ""
	for range runs {
		if cold {
			files, err := cputime.EvictPageCache(dir)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Printf("%sevicted the %d files of %s from the page cache\n", benchLinePrefix, files, dir)
		}
		op := benchOp{load: cputime.LoadAverage()}
		start, cpu := time.Now(), cputime.Process()
		if daily != nil {
			daily.load(t, ctx, timed)
		}
		r, err := metrics.Run(ctx, timed, cat)
		if err != nil {
			t.Fatal(err)
		}
		op.wall, op.cpu = time.Since(start).Seconds(), cputime.Process()-cpu
		op.loadAfter = cputime.LoadAverage()
		figures = r.Figures
		if daily != nil {
			daily.takeOut(t, ctx, s)
		}
		fmt.Println(benchOpPrefix + op.String())
	}
	fmt.Printf("%s%d figures a refresh; per operation, the statements that took the most (wall, CPU of the process):\n", benchLinePrefix, figures)
	for _, line := range timed.report(runs, benchTop()) {
		fmt.Println(benchLinePrefix + "  " + line)
	}
}

// openBenchData opens the bench's data folder of events usage events, making it first
// if it is not complete.
func openBenchData(t *testing.T, ctx context.Context, dir string, events int64) store.Store {
	marker := filepath.Join(dir, "kovmon-bench-complete")
	_, err := os.Stat(marker)
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
	if fresh {
		start := time.Now()
		generateBenchData(t, ctx, s, events)
		if err := os.WriteFile(marker, []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("%sgenerated %d usage events and %d feedback rows in %s in %.0f s\n", benchLinePrefix,
			events, events/10, dir, time.Since(start).Seconds())
	}
	checkBenchCounts(t, ctx, s, events)
	// A folder made before the counts existed got them from the migration; merged
	// here as the background merges would (a no-op when they are).
	for _, table := range ingest.CountTables() {
		if err := s.Exec(ctx, "OPTIMIZE TABLE "+table+" FINAL SETTINGS optimize_skip_merged_partitions = 1", nil); err != nil {
			t.Fatal(err)
		}
	}
	settleMerges(t, ctx, s)
	return s
}

// settleMerges waits until the engine's background merges of the folder have run
// out, as they have in a store whose loads came in over time. A usage table left to
// them (mergeRawUpTo) is merged part by part every time the folder is opened, until
// it is done: opened fresh after its generation, the 200 M folder's merges took both
// cores, and each statement of a refresh, those that read no events too, took 2–3
// times as long as at 50 M (0.63 s a refresh, 1.26 CPU-s, where 0.30 s at 50 M).
// Settled, a later opening has nothing to wait for.
func settleMerges(t *testing.T, ctx context.Context, s store.Store) {
	const running = "SELECT count() AS n, toString(sum(rows_read)) AS rows FROM system.merges WHERE database = currentDatabase()"
	const idleChecks = 3 // a second apart: the scheduler takes its next merge within 10 ms
	start, lastLog := time.Now(), time.Now()
	for idle := 0; idle < idleChecks; {
		res, err := s.Query(ctx, running, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows[0][0] == "0" {
			idle++
		} else {
			idle = 0
		}
		if time.Since(lastLog) > time.Minute {
			fmt.Printf("%swaiting for the background merges: %s running (%s rows read) after %.0f s\n", benchLinePrefix, res.Rows[0][0], res.Rows[0][1], time.Since(start).Seconds())
			lastLog = time.Now()
		}
		time.Sleep(time.Second)
	}
	if waited := time.Since(start); waited > 10*time.Second {
		fmt.Printf("%sthe background merges ran out after %.0f s\n", benchLinePrefix, waited.Seconds())
	}
}

// generateBenchData loads the registry and the demo's small tables through the real
// ingest, then makes usage and feedback by SQL and merges them into one part per year,
// as the background merges would have done by the time a real refresh runs — but for
// a usage table of more than mergeRawUpTo rows, which is left to the background
// merges (openBenchData waits for them: settleMerges): the refresh reads the counts,
// which are merged, and merging 200 M rows at once would take twice its disk for a
// while.
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
		counts, _ := kov.CountsTable(table.name)
		merge := []string{counts}
		if table.n <= mergeRawUpTo {
			merge = append(merge, table.name)
		}
		for _, name := range merge {
			if err := s.Exec(ctx, "OPTIMIZE TABLE "+name+" FINAL", nil); err != nil {
				t.Fatalf("merge %s: %v", name, err)
			}
		}
		fmt.Printf("%smade %d %s rows in %.0f s\n", benchLinePrefix, table.n, table.name, time.Since(start).Seconds())
	}
}

// mergeRawUpTo: generateBenchData merges a generated table of at most this many rows.
const mergeRawUpTo = 50_000_000

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

// timedStore times every statement a refresh (or a load) sends, by query file and
// mode, wall and CPU (the process's, the engine's threads included; statements that
// run at once each count the process's CPU of that time), to show where a slow
// operation spends its time.
type timedStore struct {
	store.Store
	names map[string]string // query text → its file's name
	mu    sync.Mutex
	took  map[string]*statementTime
}

type statementTime struct {
	calls     int
	wall, cpu float64
}

// scratchID matches the ids of stage tables and partitions in a statement.
var scratchID = regexp.MustCompile(`(stage_(?:q_)?(?:[a-z_]+_)?)[0-9a-f]{12}|(PARTITION ID )'[^']*'`)

func newTimedStore(s store.Store, cat *catalogue.Catalogue) *timedStore {
	t := &timedStore{Store: s, names: map[string]string{}, took: map[string]*statementTime{}}
	for i := range cat.Indicators {
		ind := &cat.Indicators[i]
		t.names[metrics.DefinitionQuery(ind)] = ind.ID + " " + ind.QueryName()
	}
	t.names[metrics.YearsQuery()] = "years reported"
	for _, name := range []string{"metrics.DataSnapshot", "metrics.LatestRefresh", "registry.Units", "registry.Mergers"} {
		t.names[kovsql.Query(name)] = name
	}
	return t
}

// Unwrap lets the loader see the engine underneath (store.Embedded).
func (t *timedStore) Unwrap() store.Store { return t.Store }

func (t *timedStore) add(what string, params store.Params, start time.Time, cpu float64) {
	wall, cpu := time.Since(start).Seconds(), cputime.Process()-cpu
	if name, ok := t.names[what]; ok {
		what = name
	} else {
		// One name for the statements that differ in a stage's or a partition's id.
		what, _, _ = strings.Cut(strings.TrimSpace(what), "\n")
		what = scratchID.ReplaceAllString(what, "${1}${2}…")
		if len(what) > 60 {
			what = what[:60] + "…"
		}
	}
	if mode, ok := params["mode"].(string); ok {
		what += " (" + mode + ")"
	}
	t.mu.Lock()
	st := t.took[what]
	if st == nil {
		st = &statementTime{}
		t.took[what] = st
	}
	st.calls++
	st.wall += wall
	st.cpu += cpu
	t.mu.Unlock()
}

func (t *timedStore) Query(ctx context.Context, q string, p store.Params) (*store.Result, error) {
	defer t.add(q, p, time.Now(), cputime.Process())
	return t.Store.Query(ctx, q, p)
}

func (t *timedStore) Exec(ctx context.Context, q string, p store.Params) error {
	defer t.add(q, p, time.Now(), cputime.Process())
	return t.Store.Exec(ctx, q, p)
}

func (t *timedStore) InsertTSV(ctx context.Context, table string, columns []string, tsv []byte) error {
	defer t.add("INSERT INTO "+table+" (TSV)", nil, time.Now(), cputime.Process())
	return t.Store.InsertTSV(ctx, table, columns, tsv)
}

// report lists the top statements by their mean wall time per operation, slowest
// first, and the rest as one line, then the sum of all.
func (t *timedStore) report(runs, top int) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	names := make([]string, 0, len(t.took))
	for name := range t.took {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool { return t.took[names[i]].wall > t.took[names[j]].wall })
	line := func(st statementTime, what string) string {
		return fmt.Sprintf("%7.3f s %7.3f CPU-s %4d×  %s", st.wall/float64(runs), st.cpu/float64(runs), st.calls/runs, what)
	}
	var out []string
	var rest, all statementTime
	for i, name := range names {
		st := t.took[name]
		if i < top {
			out = append(out, line(*st, name))
		} else {
			rest.calls, rest.wall, rest.cpu = rest.calls+st.calls, rest.wall+st.wall, rest.cpu+st.cpu
		}
		all.calls, all.wall, all.cpu = all.calls+st.calls, all.wall+st.wall, all.cpu+st.cpu
	}
	if len(names) > top {
		out = append(out, line(rest, fmt.Sprintf("the other %d statements", len(names)-top)))
	}
	return append(out, line(all, "every statement"))
}

// dailyFile is BenchmarkDailyFile's day of usage: a CSV file of dailyRows rows of
// 15 January 2022 over the codes of that day, the last dailyRepeats of them events
// the store holds (a day's file sent again in part).
type dailyFile struct {
	path  string
	runID string // of the latest load
}

func newDailyFile(t *testing.T, ctx context.Context, s store.Store) *dailyFile {
	reg, err := registry.Load(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	codes := codeSlotsOf(reg, 2022)
	res, err := s.Query(ctx, "SELECT event_id FROM usage LIMIT {n:UInt64}", store.Params{"n": uint64(dailyRepeats)})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := store.Scan[struct {
		EventID string `ch:"event_id"`
	}](res, "stored events")
	if err != nil || len(stored) != dailyRepeats {
		t.Fatalf("%d stored events to send again, want %d: %v", len(stored), dailyRepeats, err)
	}
	rng := rand.New(rand.NewPCG(2022, 15))
	pick := func(weights []string) string { return weights[rng.IntN(len(weights))] }
	events := slotsOf(map[string]int{"view": 40, "start": 18, "submit": 22, "decision": 10, "notification": 10})
	systems := slotsOf(map[string]int{"KOVTP": 28, "VOLIS": 7, "RPIS": 6, "KOVMEN": 20, "STAR": 13, "SKAIS": 5, "EHR": 10, "DHS": 8, "OTHER": 3})
	paperless, paper := []string{"web", "portal", "email", "xroad"}, []string{"paper", "office", "phone"}
	var b strings.Builder
	b.WriteString("event_id,event_time,ehak_code,system,service_code,channel,event,session_id,user_hash,duration_ms\n")
	for i := range dailyRows {
		id := fmt.Sprintf("daily-2022-01-15-%06d", i)
		if i >= dailyRows-dailyRepeats {
			id = stored[i-(dailyRows-dailyRepeats)].EventID
		}
		channel := pick(paper)
		if rng.IntN(100) < 66 {
			channel = pick(paperless)
		}
		second := rng.IntN(86400)
		fmt.Fprintf(&b, "%s,2022-01-15T%02d:%02d:%02d+02:00,%s,%s,S%03d,%s,%s,%016x,%016x,%d\n", id, second/3600, second/60%60, second%60,
			pick(codes), pick(systems), rng.IntN(80), channel, pick(events), rng.Uint64()>>2, rng.Uint64()>>4, rng.IntN(600000))
	}
	path := filepath.Join(t.TempDir(), "usage_2022-01-15.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return &dailyFile{path: path}
}

// load loads the day's file through the real ingest, as an inbox or upload would.
func (d *dailyFile) load(t *testing.T, ctx context.Context, s store.Store) {
	res, err := ingest.Run(ctx, &ingest.Loader{Store: s}, "bench", []string{d.path}, "usage")
	if err != nil || res[0].Status != "loaded" || res[0].Loaded != dailyRows-dailyRepeats || res[0].Duplicates != dailyRepeats {
		t.Fatalf("daily file: %v %+v", err, res)
	}
	d.runID = res[0].RunID
}

// takeOut removes what the latest load added — the rows and counts of 2022, its
// ledger rows — so that the next operation loads into the same store.
func (d *dailyFile) takeOut(t *testing.T, ctx context.Context, s store.Store) {
	for _, table := range append([]string{"usage"}, ingest.CountTables()...) {
		if err := s.Exec(ctx, store.AlterStatement(s, table, "DROP PARTITION 2022"), nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, table := range []string{"ingest_files", "ingest_runs", "quarantine", "quarantine_counts"} {
		if err := s.Exec(ctx, store.AlterStatement(s, table, "DELETE WHERE run_id = {r:String} SETTINGS mutations_sync = 2"), store.Params{"r": d.runID}); err != nil {
			t.Fatal(err)
		}
	}
}

// benchTop is how many statements the child lists (KOVMON_BENCH_TOP, default 8).
func benchTop() int {
	if n, err := strconv.Atoi(os.Getenv("KOVMON_BENCH_TOP")); err == nil && n > 0 {
		return n
	}
	return 8
}
