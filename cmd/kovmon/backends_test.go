package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ee/kovmon/demo"
	"ee/kovmon/refdata"
	"ee/kovmon/store/storetest"
)

// backendArgs are the global flags that put kovmon on a backend with a store of its
// own: a data folder, or a fresh database on the test server or on every host of the
// test cluster.
func backendArgs(t *testing.T, backend string) []string {
	t.Helper()
	if backend == storetest.Embedded {
		return []string{"--data", t.TempDir()}
	}
	b := storetest.Start(t, backend)
	db := storetest.DatabaseName(t)
	b.CreateDatabase(t, db)
	args := []string{"--clickhouse", b.DSN(db)}
	if b.Cluster != "" {
		args = append(args, "--cluster", b.Cluster)
	}
	return args
}

var (
	demoOnce  sync.Once
	demoPaths []string
	demoErr   error
)

// demoFiles writes the demo data (seed 1, the real registry) once for the test binary
// and returns the files in load order.
func demoFiles(t *testing.T) []string {
	t.Helper()
	demoOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kovmon-demo-files-")
		if err != nil {
			demoErr = err
			return
		}
		manifest, err := demo.Generate(dir, demo.Options{Seed: 1, Registry: refdata.FS()})
		if err != nil {
			demoErr = err
			return
		}
		for _, f := range manifest.Files {
			demoPaths = append(demoPaths, f.Path)
		}
	})
	if demoErr != nil {
		t.Fatal(demoErr)
	}
	return demoPaths
}

// answers are what one backend gave.
type answers struct {
	asof, current, explain, report string
	pages                          map[string]string
}

// The demo loaded through `kovmon ingest` on the embedded engine, a server and a
// two-shard cluster gives byte for byte the same indicator table in both boundary
// modes; explain, the report and the pages answer on each, and the same.
func TestSameFiguresOnEveryBackend(t *testing.T) {
	t.Parallel()
	files := demoFiles(t)
	var (
		mu  sync.Mutex
		got = map[string]*answers{}
	)
	t.Run("backend", func(t *testing.T) {
		for _, backend := range storetest.Backends() {
			t.Run(backend, func(t *testing.T) {
				t.Parallel()
				a := answerOn(t, backend, files)
				mu.Lock()
				got[backend] = a
				mu.Unlock()
			})
		}
	})
	want := got[storetest.Embedded]
	if want == nil {
		t.Fatal("no answers from the embedded engine")
	}
	for backend, a := range got {
		for what, pair := range map[string][2]string{
			"indicators --boundaries asof":    {a.asof, want.asof},
			"indicators --boundaries current": {a.current, want.current},
			"explain I.4 2018 0784":           {runIDs(a.explain), runIDs(want.explain)},
			"report --year 2018":              {runIDs(a.report), runIDs(want.report)},
		} {
			if pair[0] != pair[1] {
				t.Errorf("%s: %s differs from the embedded engine's: %s", backend, what, firstDifference(pair[0], pair[1]))
			}
		}
		for page, body := range a.pages {
			if runIDs(body) != runIDs(want.pages[page]) {
				t.Errorf("%s: page %s differs from the embedded engine's: %s", backend, page, firstDifference(runIDs(body), runIDs(want.pages[page])))
			}
		}
	}
}

// answerOn loads the files on the backend and asks it everything the test compares.
func answerOn(t *testing.T, backend string, files []string) *answers {
	args := backendArgs(t, backend)
	r := kovmon(t, nil, append(append(args, "ingest"), files...)...)
	if r.code != 0 || strings.Count(r.stdout, " loaded, ") != len(files) {
		t.Fatalf("ingest: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if backend == storetest.Cluster && !strings.Contains(r.stderr, "without Keeper") {
		t.Errorf("kovmon does not say which cluster layout it used: %q", r.stderr)
	}
	a := &answers{pages: map[string]string{}}
	run := func(what ...string) string {
		r := kovmon(t, nil, append(args, what...)...)
		if r.code != 0 || r.stdout == "" {
			t.Fatalf("%v: exit %d, stderr %q", what, r.code, r.stderr)
		}
		return r.stdout
	}
	a.asof = run("indicators", "--format", "csv", "--boundaries", "asof")
	a.current = run("indicators", "--format", "csv", "--boundaries", "current")
	if strings.Count(a.asof, "\n") < 1000 {
		t.Fatalf("only %d lines of figures", strings.Count(a.asof, "\n"))
	}
	a.explain = run("explain", "I.4", "2018", "0784")
	out := filepath.Join(t.TempDir(), "report.html")
	run("report", "--year", "2018", "--lang", "en", "--out", out)
	report, err := os.ReadFile(out)
	if err != nil || len(report) == 0 {
		t.Fatalf("report: %v", err)
	}
	a.report = string(report)

	base := serveOn(t, args)
	for _, page := range []string{"/", "/indicator/I.4?year=2018", "/municipality/0784", "/api/indicators?year=2018&format=csv"} {
		resp, err := http.Get(base + page)
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		body.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", page, resp.StatusCode, body.String())
		}
		a.pages[page] = body.String()
	}
	return a
}

// serveOn runs `kovmon ARGS serve` until the test ends and returns its base URL once
// /healthz answers.
func serveOn(t *testing.T, args []string) string {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, binary, append(args, "serve", "--addr", addr, "--inbox", t.TempDir())...)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return "http://" + addr
			}
		}
	}
	t.Fatalf("kovmon serve did not answer on %s", addr)
	return ""
}

// runIDs hides what differs from one load to the next: ingest runs, refreshes and
// when they were.
func runIDs(s string) string {
	return volatile.ReplaceAllString(s, "…")
}

// The pages write times the language's way (01.12.2026 12:30:27, 1 December 2026 12:30:27).
var volatile = regexp.MustCompile(`\d{8}T\d{6}(-[0-9a-f]{8}|\.\d+)|\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?|` +
	`\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d|\d{1,2} [A-Z][a-z]+ \d{4} \d\d:\d\d:\d\d`)

// firstDifference shows where two texts first differ, with a little context.
func firstDifference(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-80)
	return "at byte " + strconv.Itoa(i) + " of " + strconv.Itoa(len(got)) + "/" + strconv.Itoa(len(want)) + ": got …" + clip(got[from:], 200) + "… want …" + clip(want[from:], 200) + "…"
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// On the cluster, a file loaded twice, an overlapping one, and one that records known
// event ids under other codes (which would go to other shards) store each row once,
// on one shard, the first load's; and the reference tables are whole on every host.
func TestClusterLoadsEachRowOnce(t *testing.T) {
	t.Parallel()
	b := storetest.Start(t, storetest.Cluster)
	db := storetest.DatabaseName(t)
	b.CreateDatabase(t, db)
	args := []string{"--clickhouse", b.DSN(db), "--cluster", b.Cluster}
	dir := t.TempDir()
	a, overlap, moved := filepath.Join(dir, "a.csv"), filepath.Join(dir, "overlap.csv"), filepath.Join(dir, "moved.csv")
	writeUsage(t, a, 0, 1200, 0)
	writeUsage(t, overlap, 600, 1200, 0) // 600 of a's rows, 600 new
	writeUsage(t, moved, 0, 300, 1)      // a's first 300 ids, each under the next code
	steps := []struct{ file, want string }{
		{filepath.Join(registryDir, "municipalities.csv"), "269 loaded"},
		{filepath.Join(registryDir, "mergers.csv"), " loaded"},
		{a, "1200 rows read, 1200 loaded, 0 duplicates skipped"},
		{a, "1200 rows read, 0 loaded, 1200 duplicates skipped"},
		{overlap, "1200 rows read, 600 loaded, 600 duplicates skipped"},
		{moved, "300 rows read, 0 loaded, 300 duplicates skipped"},
	}
	// Two runs (a file twice in one run counts the run's rows of it twice): the
	// registry and the file, then the file again and the others; one line a file.
	var lines []string
	for _, run := range [][]struct{ file, want string }{steps[:3], steps[3:]} {
		var files []string
		for _, step := range run {
			files = append(files, step.file)
		}
		r := kovmon(t, nil, append(append(args, "ingest"), files...)...)
		if r.code != 0 {
			t.Fatalf("ingest: %+v", r)
		}
		for _, line := range strings.Split(r.stdout, "\n") {
			if strings.HasPrefix(line, "/") {
				lines = append(lines, line)
			}
		}
	}
	if len(lines) != len(steps) {
		t.Fatalf("ingest printed %q", lines)
	}
	for i, step := range steps {
		if !strings.HasPrefix(lines[i], step.file+":") || !strings.Contains(lines[i], step.want) {
			t.Errorf("%s: %q; want %q", filepath.Base(step.file), lines[i], step.want)
		}
	}
	query := func(addr, q string) int64 { t.Helper(); return scalarIn(t, addr, db, q) }
	var total int64
	reference := map[string]int64{}
	for i, host := range b.Hosts {
		rows, ids := query(host, "(SELECT count() FROM usage_local)"), query(host, "(SELECT uniqExact(event_id) FROM usage_local)")
		if rows != ids || rows == 0 {
			t.Errorf("shard %d holds %d usage rows of %d event ids", i+1, rows, ids)
		}
		total += rows
		for _, table := range []string{"municipalities", "mergers", "attribution"} {
			n := query(host, "(SELECT count() FROM "+table+")")
			if i == 0 {
				reference[table] = n
			} else if n != reference[table] {
				t.Errorf("shard %d has %d %s rows, shard 1 %d: a reference table must be whole on every host", i+1, n, table, reference[table])
			}
		}
	}
	if total != 1800 || query(b.Hosts[0], "(SELECT uniqExact(event_id) FROM usage)") != 1800 {
		t.Errorf("the shards hold %d usage rows, want 1800 (1200 + 600 new), each id once", total)
	}
	if n := query(b.Hosts[0], "(SELECT count() FROM usage WHERE event_id < 'big-000000300' AND ehak_code = ['0784', '0296', '0624', '0901', '0141', '0198'][1 + toUInt32(substring(event_id, 5)) % 6])"); n != 300 {
		t.Errorf("%d of the 300 ids loaded again under other codes kept their first code", n)
	}
}
