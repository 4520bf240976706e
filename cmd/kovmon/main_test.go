package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"ee/kovmon/internal/fixture"
	"ee/kovmon/refdata"
	"ee/kovmon/store/storetest"
)

// The command line is tested as users run it: the real binary, in a child process
// (the embedded engine takes one data folder per process).
var binary string

func TestMain(m *testing.M) { os.Exit(storetest.Main(withBinary{m})) }

// withBinary builds the binary the tests run before them; storetest.Main starts the
// ClickHouse servers of the backend tests on first use.
type withBinary struct{ m *testing.M }

func (w withBinary) Run() int {
	dir, err := os.MkdirTemp("", "kovmon-bin-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "kovmon")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		return 1
	}
	return w.m.Run()
}

type result struct {
	stdout, stderr string
	code           int
}

func kovmon(t *testing.T, env []string, args ...string) result {
	t.Helper()
	return runIn(t, binary, "", append(os.Environ(), env...), args...)
}

// runIn runs exe with args in the folder dir ("" the test's) with exactly env.
func runIn(t *testing.T, exe, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(exe, args...)
	cmd.Dir, cmd.Env = dir, env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

var registryDir = refdata.Dir()

func TestMissingEngineLibrary(t *testing.T) {
	r := kovmon(t, []string{"CHDB_LIB_PATH=/nonexistent/libchdb.so"}, "--data", t.TempDir(), "indicators")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1; stderr %q", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "make deps") || !strings.Contains(lines[0], "CHDB_LIB_PATH") || strings.Contains(r.stderr, "goroutine") {
		t.Fatalf("want one line saying how to get the library, got %q", r.stderr)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"nosuchcommand"},
		{"ingest"},
		{"ingest", "--kind", "nosuchkind", "x.csv"},
		{"indicators", "--level", "county"},
		{"indicators", "--boundaries", "2017"},
		{"indicators", "--format", "xml"},
		{"explain", "I.1"},
		{"demo", "--scale", "huge"},
		{"surveys", "--year", "1985"}, // issue 15, point 7: surveys are of 2000-2100
		{"surveys", "--year", "2101"},
	} {
		r := kovmon(t, nil, append([]string{"--data", t.TempDir()}, args...)...)
		if r.code != 2 || r.stderr == "" {
			t.Errorf("kovmon %v: exit %d, stderr %q; want 2 and a message", args, r.code, r.stderr)
		}
	}
}

func TestIngestRegistryTwiceLoadsNothingNew(t *testing.T) {
	data := t.TempDir()
	file := filepath.Join(registryDir, "municipalities.csv")
	first := kovmon(t, nil, "--data", data, "ingest", "--kind", "municipalities", file)
	if first.code != 0 || !strings.Contains(first.stdout, "269 rows read, 269 loaded, 0 duplicates skipped") {
		t.Fatalf("first load: %+v", first)
	}
	second := kovmon(t, nil, "--data", data, "ingest", "--kind", "municipalities", file)
	if second.code != 0 || !strings.Contains(second.stdout, "269 rows read, 0 loaded, 269 duplicates skipped") || !strings.Contains(second.stdout, "no new rows") {
		t.Fatalf("second load: %+v", second)
	}
}

func TestRejectedFileExit1NamesTheFile(t *testing.T) {
	data := t.TempDir()
	bad := filepath.Join(t.TempDir(), "broken.csv")
	os.WriteFile(bad, []byte("ehak_code,name\n0001,X\n"), 0o644)
	r := kovmon(t, nil, "--data", data, "ingest", "--kind", "municipalities", bad)
	if r.code != 1 || !strings.Contains(r.stderr, "broken.csv") || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
		t.Fatalf("exit %d, stderr %q; want 1 and one line naming the file", r.code, r.stderr)
	}
}

func TestServerDSNThatDoesNotAnswer(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	start := time.Now()
	r := kovmon(t, nil, "--clickhouse", "clickhouse://"+addr+"/kovmon", "indicators")
	if r.code != 1 || !strings.Contains(r.stderr, addr) || time.Since(start) > 10*time.Second {
		t.Fatalf("exit %d after %s, stderr %q", r.code, time.Since(start), r.stderr)
	}
}

// `kovmon serve` answers /healthz, and the CSV of GET /api/indicators is byte for byte
// what `kovmon indicators` prints.
func TestServeHealthAndSameCSVAsCommand(t *testing.T) {
	data := t.TempDir()
	if r := kovmon(t, nil, "--data", data, "demo", "--registry", registryDir); r.code != 0 {
		t.Fatalf("demo: %+v", r)
	}
	cli := kovmon(t, nil, "--data", data, "indicators", "--year", "2018", "--boundaries", "current")
	if cli.code != 0 || !strings.HasPrefix(cli.stdout, "indicator_id,year,level,ehak_code,name,value,numerator,denominator,coverage,target,status,flags") {
		t.Fatalf("indicators: %+v", cli)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, binary, "--data", data, "serve", "--addr", addr, "--inbox", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	var health *http.Response
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			health = resp
			break
		}
	}
	if health == nil || health.StatusCode != 200 {
		t.Fatalf("healthz: %v", health)
	}
	resp, err := http.Get("http://" + addr + "/api/indicators?year=2018&boundaries=current")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	if body.String() != cli.stdout {
		t.Fatalf("API CSV differs from the command's (%d vs %d bytes)", body.Len(), len(cli.stdout))
	}
	for _, bad := range []string{"year=20x8", "level=county", "boundaries=x%27%20OR%201=1", "format=xml", "indicator=I.9"} {
		resp, err := http.Get("http://" + addr + "/api/indicators?" + bad)
		if err != nil || resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %v %v, want 400", bad, resp.StatusCode, err)
		}
	}
}

// The figures README.md's "Try it" documents for the demo data (seed 1, real registry).
func TestDemoStory(t *testing.T) {
	data := t.TempDir()
	if r := kovmon(t, nil, "--data", data, "demo", "--seed", "1", "--registry", registryDir); r.code != 0 {
		t.Fatalf("demo: %+v", r)
	}
	r := kovmon(t, nil, "--data", data, "indicators", "--year", "2018", "--level", "national")
	for _, want := range []string{
		"I.3,2018,national,EE,Eesti,40.50632911392405,32,79,",
		"I.4,2018,national,EE,Eesti,43.5548093067882,9079,20845,,50,not_achieved,",
		"II.1,2018,national,EE,Eesti,34.177215189873415,27,79,100,30,achieved,",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the demo no longer gives %q (README.md, Try it)", want)
		}
	}
}

// startServe runs `kovmon serve` on a free loopback port until the test ends and
// returns its base URL once /healthz answers.
func startServe(t testing.TB, args ...string) string {
	t.Helper()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, binary, append(args, "serve", "--addr", addr)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil && resp.StatusCode == 200 {
			return "http://" + addr
		}
	}
	t.Fatalf("kovmon serve did not answer on %s", addr)
	return ""
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return b.String()
}

// A file dropped into the inbox of a running `kovmon serve` is loaded by the next
// scheduled run, moved to done/, and its figures are served without a restart.
func TestInboxFileLoadedByScheduleWithoutRestart(t *testing.T) {
	data, inbox := t.TempDir(), t.TempDir()
	for _, f := range []string{"municipalities.csv", "mergers.csv"} {
		if r := kovmon(t, nil, "--data", data, "ingest", filepath.Join(registryDir, f)); r.code != 0 {
			t.Fatalf("registry: %+v", r)
		}
	}
	config := filepath.Join(t.TempDir(), "kovmon.yaml")
	os.WriteFile(config, []byte("inbox: "+inbox+"\nschedules:\n  - cron: \"@every 1s\"\n    kinds: [trainings]\n"), 0o644)
	base := startServe(t, "--data", data, "--config", config)
	trainings := "event_id,event_date,ehak_code,kind,participants\nk1,2018-03-01,0784,training,4\nk2,2018-04-01,0296,consultation,1\n"
	if err := os.WriteFile(filepath.Join(inbox, "trainings", "t.csv"), []byte(trainings), 0o644); err != nil {
		t.Fatalf("the inbox folders were not made: %v", err)
	}
	want := "IV.2,2018,national,EE,Eesti,2.5316455696202533,2,79,100,70,not_achieved,"
	var got string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if got = get(t, base+"/api/indicators?year=2018&level=national"); strings.Contains(got, want) {
			break
		}
	}
	if !strings.Contains(got, want) {
		t.Fatalf("after the scheduled run the API says:\n%s\nwant a line %q", got, want)
	}
	if _, err := os.Stat(filepath.Join(inbox, "trainings", "done", "t.csv")); err != nil {
		t.Fatalf("the file was not moved to done/: %v", err)
	}
	// `kovmon indicators` on the folder the server holds asks the server: the same
	// figures, with no restart and no second engine on the folder.
	r := kovmon(t, nil, "--data", data, "indicators", "--year", "2018", "--level", "national")
	if r.code != 0 || !strings.Contains(r.stdout, want) || r.stdout != got || !strings.Contains(r.stderr, "kovmon serve (process") {
		t.Fatalf("kovmon indicators while serve runs: %+v\nthe API said:\n%s", r, got)
	}
	// So does `kovmon catalogue set`: the server puts the catalogue in force, and its
	// figures follow at once.
	shipped := get(t, base+"/api/catalogue")
	const iv2 = "targets: {2017: 50, 2018: 70, 2019: null, 2020: null, 2021: null}"
	if !strings.Contains(shipped, iv2) {
		t.Fatalf("the shipped catalogue no longer has IV.2's targets %q", iv2)
	}
	edited := filepath.Join(t.TempDir(), "catalogue.yaml")
	os.WriteFile(edited, []byte(strings.Replace(strings.Replace(shipped, iv2, strings.Replace(iv2, "2018: 70", "2018: 75", 1), 1),
		"\nversion: \"", "\nversion: \"served-", 1)), 0o644)
	if r := kovmon(t, nil, "--data", data, "catalogue", "set", edited); r.code != 0 || !strings.Contains(r.stdout, `"version": "served-`) {
		t.Fatalf("kovmon catalogue set while serve runs: %+v", r)
	}
	if got := get(t, base+"/api/indicators?year=2018&level=national"); !strings.Contains(got, strings.Replace(want, ",70,", ",75,", 1)) {
		t.Fatalf("after catalogue set through the server, the API says:\n%s", got)
	}
}

// An upload answers after the figures are recomputed: the next GET sees the new data.
func TestUploadThenIndicatorsSeesTheData(t *testing.T) {
	data := t.TempDir()
	for _, f := range []string{"municipalities.csv", "mergers.csv"} {
		if r := kovmon(t, nil, "--data", data, "ingest", filepath.Join(registryDir, f)); r.code != 0 {
			t.Fatalf("registry: %+v", r)
		}
	}
	config := filepath.Join(t.TempDir(), "kovmon.yaml")
	os.WriteFile(config, []byte("inbox: "+t.TempDir()+"\n"), 0o644)
	base := startServe(t, "--data", data, "--config", config)
	trainings := "event_id,event_date,ehak_code,kind,participants\nk1,2018-03-01,0784,training,4\nk2,2018-04-01,0296,consultation,1\n"
	resp, err := http.Post(base+"/api/ingest/trainings?name=t.csv", "text/csv", strings.NewReader(trainings))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: %v %v", resp, err)
	}
	resp.Body.Close()
	want := "IV.2,2018,national,EE,Eesti,2.5316455696202533,2,79,100,70,not_achieved,"
	if got := get(t, base+"/api/indicators?year=2018&level=national"); !strings.Contains(got, want) {
		t.Fatalf("right after the upload the API says:\n%s\nwant a line %q", got, want)
	}
}

// TestCatalogueSetFromTheCommandLine: `kovmon catalogue set` refuses a file that
// does not validate (naming it, changing nothing), puts a good one in force for every
// later command, and keeps the history.
func TestCatalogueSetFromTheCommandLine(t *testing.T) {
	data := t.TempDir()
	shipped := kovmon(t, nil, "--data", data, "catalogue", "show")
	if shipped.code != 0 || !strings.Contains(shipped.stdout, "indicators:") {
		t.Fatalf("catalogue show: %+v", shipped)
	}
	edited := strings.Replace(shipped.stdout, "\nversion: \"", "\nversion: \"cli-", 1)
	good, bad := filepath.Join(t.TempDir(), "good.yaml"), filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(good, []byte(edited), 0o644)
	os.WriteFile(bad, []byte(strings.Replace(edited, "unit: percent", "unit: furlongs", 1)), 0o644)

	if r := kovmon(t, nil, "--data", data, "catalogue", "set", bad); r.code != 1 || !strings.Contains(r.stderr, bad) || !strings.Contains(r.stderr, "furlongs") {
		t.Errorf("set bad.yaml: %+v", r)
	}
	if r := kovmon(t, nil, "--data", data, "catalogue", "show"); r.stdout != shipped.stdout {
		t.Errorf("a refused catalogue changed what is in force")
	}
	if r := kovmon(t, nil, "--data", data, "catalogue", "set", good); r.code != 0 || !strings.Contains(r.stdout, "is in force") {
		t.Fatalf("set good.yaml: %+v", r)
	}
	if r := kovmon(t, nil, "--data", data, "catalogue", "show"); r.stdout != edited {
		t.Errorf("catalogue show after set is not the file put in force")
	}
	if r := kovmon(t, nil, "--data", data, "catalogue", "history"); r.code != 0 || strings.Count(r.stdout, "cli:") != 1 || !strings.Contains(r.stdout, "cli-") {
		t.Errorf("catalogue history: %+v", r)
	}
	if r := kovmon(t, []string{"KOVMON_CATALOGUE=" + good}, "--data", data, "catalogue", "set", good); r.code != 1 || !strings.Contains(r.stderr, "pinned") {
		t.Errorf("set with KOVMON_CATALOGUE: %+v", r)
	}
}

// A ministry's own indicator on the command line: the test catalogue adds I.5 with a
// catalogue entry and one SQL file beside it (no Go). Pinned with KOVMON_CATALOGUE it is
// in `kovmon indicators`, `explain` and the report; put in force with `catalogue set`,
// the stored catalogue carries its SQL, so later commands compute it with the file gone.
func TestMinistryIndicatorOnTheCommandLine(t *testing.T) {
	data := t.TempDir()
	path := fixture.MinistryCatalogue(t)
	pinned := []string{"KOVMON_CATALOGUE=" + path}
	if r := kovmon(t, pinned, "--data", data, "demo", "--seed", "1", "--registry", registryDir); r.code != 0 {
		t.Fatalf("demo: %+v", r)
	}
	national := regexp.MustCompile(`(?m)^I\.5,2018,national,EE,Eesti,[0-9.]+,[0-9]+,79,[0-9.]+,40,(not_)?achieved,,,$`)
	if r := kovmon(t, pinned, "--data", data, "indicators", "--year", "2018"); r.code != 0 || !national.MatchString(r.stdout) ||
		!strings.Contains(r.stdout, "\nI.5,2018,municipality,0784,Tallinn,") {
		t.Errorf("indicators: no I.5 rows: %d %.300s", r.code, r.stderr)
	}
	r := kovmon(t, pinned, "--data", data, "explain", "I.5", "2018", "0784")
	for _, want := range []string{"I.5 2018 0784 Tallinn", "computed by indicator.I5 (SQL in the catalogue) from feedback rows with satisfied_score=4, systems=[KOVTP VOLIS RPIS KOVMEN], threshold=60",
		"source rows by file and ingest run:\n  feedback", "compared exactly: 60 % meets it"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("explain I.5 lacks %q:\n%s", want, r.stdout)
		}
	}
	out := filepath.Join(t.TempDir(), "report.html")
	if r := kovmon(t, pinned, "--data", data, "report", "--year", "2018", "--lang", "en", "--out", out); r.code != 0 {
		t.Fatalf("report: %+v", r)
	}
	if html, _ := os.ReadFile(out); !strings.Contains(string(html), "is at least 60 % satisfied") {
		t.Error("the report has no I.5")
	}

	if r := kovmon(t, nil, "--data", data, "catalogue", "set", path); r.code != 0 || !strings.Contains(r.stdout, "ministry-2027.1") {
		t.Fatalf("catalogue set: %+v", r)
	}
	if err := os.Remove(filepath.Join(filepath.Dir(path), "indicator.I5.sql")); err != nil {
		t.Fatal(err)
	}
	if r := kovmon(t, nil, "--data", data, "catalogue", "show"); !strings.Contains(r.stdout, "# read from indicator.I5.sql") || !strings.Contains(r.stdout, "{threshold:UInt8}") {
		t.Errorf("the stored catalogue does not carry I.5's SQL:\n%.300s", r.stdout)
	}
	if r := kovmon(t, nil, "--data", data, "indicators", "--year", "2018", "--level", "national"); !national.MatchString(r.stdout) {
		t.Errorf("indicators from the stored catalogue: no I.5 row: %+v", r)
	}
}

// TestTryItWhileServing (issue 16, points 9 and 10): every "Try it" command of the
// README works while `kovmon serve` holds the demo's data folder, as `make run` leaves
// it — through the running server — and says the same as it does alone; the demo
// announces its deliberately bad rows as such. The printed report of 2018 has no
// near-blank page, its annex is compact, it leaves the quarantine detail out, and a
// second print of the same document comes from the cache.
func TestTryItWhileServing(t *testing.T) {
	data := t.TempDir()
	r := kovmon(t, nil, "--data", data, "demo", "--seed", "1")
	if r.code != 0 {
		t.Fatalf("demo: %+v", r)
	}
	if strings.Contains(r.stdout, "quarantined line") || !strings.Contains(r.stdout, "deliberately bad") {
		t.Errorf("the demo lists its bad rows line by line or does not announce them:\n%.2000s", r.stdout)
	}
	alone := map[string]result{
		"explain": kovmon(t, nil, "--data", data, "explain", "I.4", "2018", "0784"),
		"surveys": kovmon(t, nil, "--data", data, "surveys", "--year", "2018"),
	}
	startServe(t, "--data", data)
	out := t.TempDir()
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"indicators", []string{"indicators", "--year", "2018", "--level", "national"}, "I.4,2018,national,EE,Eesti,43.5548093067882,9079,20845,"},
		{"explain", []string{"explain", "I.4", "2018", "0784"}, "rule:"},
		{"report", []string{"report", "--year", "2018", "--lang", "en", "--out", filepath.Join(out, "report-2018.en.pdf")}, "content sha256:"},
		{"report html", []string{"report", "--year", "2018", "--lang", "et", "--out", filepath.Join(out, "report-2018.et.html")}, "content sha256:"},
		{"surveys", []string{"surveys", "--year", "2018"}, ","},
	} {
		got := kovmon(t, nil, append([]string{"--data", data}, c.args...)...)
		if got.code != 0 || !strings.Contains(got.stdout, c.want) || !strings.Contains(got.stderr, "asking it") {
			t.Errorf("%s while serving: exit %d, stdout %.300q, stderr %.300q", c.name, got.code, got.stdout, got.stderr)
		}
		if a, ok := alone[c.name]; ok && a.stdout != got.stdout {
			t.Errorf("%s says one thing alone and another through the server:\n%s\n---\n%s", c.name, a.stdout, got.stdout)
		}
	}
	if got := kovmon(t, nil, "--data", data, "report", "--year", "1999", "--out", filepath.Join(out, "x.pdf")); got.code == 0 {
		t.Errorf("a report for 1999 through the server: exit 0")
	}

	pdf := filepath.Join(out, "report-2018.en.pdf")
	info, err := exec.Command("pdfinfo", pdf).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	var pages int
	fmt.Sscanf(strings.SplitN(strings.SplitN(string(info), "Pages:", 2)[1], "\n", 2)[0], "%d", &pages)
	annexFrom := 0
	for p := 1; p <= pages; p++ {
		text, err := exec.Command("pdftotext", "-f", fmt.Sprint(p), "-l", fmt.Sprint(p), pdf, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		if n := len(strings.Fields(string(text))); n < 60 && p < pages { // the last page may end a chapter
			t.Errorf("page %d of %d is near blank: %d words", p, pages, n)
		}
		if annexFrom == 0 && bytes.Contains(text, []byte("Appendix. Indicators by municipality")) {
			annexFrom = p
		}
	}
	// The appendix was 26 of 42 pages; the whole report may grow with the method
	// texts, the appendix not.
	if annexFrom == 0 || pages-annexFrom+1 > 3 || pages > 30 {
		t.Errorf("the 2018 report has %d pages, the appendix from page %d: want it on 3 pages at most", pages, annexFrom)
	}
	all, _ := exec.Command("pdftotext", pdf, "-").Output()
	if bytes.Contains(all, []byte("not a valid date")) || bytes.Contains(all, []byte("Quarantined rows by reason")) {
		t.Errorf("the report for officials lists quarantine reasons")
	}
	start := time.Now()
	again := kovmon(t, nil, "--data", data, "report", "--year", "2018", "--lang", "en", "--out", filepath.Join(out, "again.pdf"))
	first, _ := os.ReadFile(pdf)
	second, _ := os.ReadFile(filepath.Join(out, "again.pdf"))
	if again.code != 0 || !bytes.Equal(first, second) {
		t.Errorf("the second print differs from the first (exit %d)", again.code)
	}
	t.Logf("the report again, from the cache: %.1f s", time.Since(start).Seconds())
}

// TestRunsTableKeepsOneLineAFile: a file whose name holds a newline and a tab is one
// line of `kovmon runs`, its name escaped (issue 15, point 7), and its quarantined
// line one line of `kovmon quarantine`.
func TestRunsTableKeepsOneLineAFile(t *testing.T) {
	data := t.TempDir()
	for _, kind := range []string{"municipalities", "mergers"} {
		if r := kovmon(t, nil, "--data", data, "ingest", "--kind", kind, filepath.Join(registryDir, kind+".csv")); r.code != 0 {
			t.Fatalf("%s: %+v", kind, r)
		}
	}
	odd := filepath.Join(t.TempDir(), "a\nb\tc.csv")
	os.WriteFile(odd, []byte("feedback_id,submitted_at,ehak_code,system,service_code,score,comment\nf1,2018-05-01T10:00:00Z,0784,KOVTP,S1,5,\nf2,2018-05-01T10:00:00Z,0784,KOVTP,S1,9,\"x\tnew\nline\"\n"), 0o644)
	if r := kovmon(t, nil, "--data", data, "ingest", "--kind", "feedback", odd); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	runs := kovmon(t, nil, "--data", data, "runs")
	if lines := strings.Split(strings.TrimSpace(runs.stdout), "\n"); len(lines) != 4 || !strings.Contains(runs.stdout, `a\nb\tc.csv`) {
		t.Errorf("kovmon runs: %d lines, want a header and 3 files, the odd name escaped:\n%s", len(lines), runs.stdout)
	}
	q := kovmon(t, nil, "--data", data, "quarantine")
	if lines := strings.Split(strings.TrimSpace(q.stdout), "\n"); len(lines) != 2 {
		t.Errorf("kovmon quarantine: %d lines, want a header and 1 row:\n%s", len(lines), q.stdout)
	}
}
