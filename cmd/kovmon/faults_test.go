package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"ee/kovmon/internal/chserver"
	"ee/kovmon/store/storetest"
)

// ownServers starts servers for one test alone (a test that kills them, or whose
// mistakes break them) with the database kovmon on each, and the flags that name it.
func ownServers(t *testing.T, servers int, cluster string) (*chserver.Set, []string) {
	t.Helper()
	set, err := chserver.Start(chserver.Options{Servers: servers, Cluster: cluster})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(set.Stop)
	b := &storetest.Backend{Name: "own", Cluster: cluster, Set: set}
	for _, srv := range set.Servers {
		b.Hosts = append(b.Hosts, srv.Addr())
	}
	b.CreateDatabase(t, "kovmon")
	args := []string{"--clickhouse", b.DSN("kovmon")}
	if cluster != "" {
		args = append(args, "--cluster", cluster)
	}
	return set, args
}

// scalar asks a server one number of the database kovmon.
func scalar(t *testing.T, addr, query string) int64 {
	t.Helper()
	return scalarIn(t, addr, "kovmon", query)
}

// scalarIn asks a server one number of the database.
func scalarIn(t *testing.T, addr, database, query string) int64 {
	t.Helper()
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}, Auth: clickhouse.Auth{Database: database}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var n uint64
	if err := conn.QueryRow(context.Background(), "SELECT toUInt64("+query+")").Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return int64(n)
}

// writeUsage writes the usage rows first … first+n-1 of 2018 (each an official act,
// every other one on the web), with event ids of their own, under six real codes in
// turn, shifted by shift.
func writeUsage(t *testing.T, path string, first, n, shift int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "event_id,event_time,ehak_code,system,service_code,channel,event,session_id,user_hash,duration_ms")
	codes := []string{"0784", "0296", "0624", "0901", "0141", "0198"}
	for i := first; i < first+n; i++ {
		channel := "web"
		if i%2 == 1 {
			channel = "paper"
		}
		fmt.Fprintf(w, "big-%09d,2018-03-%02dT10:00:00Z,%s,DHS,S001,%s,submit,,,\n", i, 1+i%28, codes[(i+shift)%len(codes)], channel)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// The server is killed in the middle of a load: kovmon ingest fails naming the
// server; nothing of the file is stored or counted; loading it again against the
// restarted server loads it once, completely.
func TestServerKilledDuringLoad(t *testing.T) {
	t.Parallel()
	set, args := ownServers(t, 1, "")
	srv := set.Servers[0]
	for _, f := range []string{"municipalities.csv", "mergers.csv"} {
		if r := kovmon(t, nil, append(args, "ingest", filepath.Join(registryDir, f))...); r.code != 0 {
			t.Fatalf("registry: %+v", r)
		}
	}
	small := filepath.Join(t.TempDir(), "usage_small.csv")
	writeUsage(t, small, 0, 1000, 0)
	if r := kovmon(t, nil, append(args, "ingest", small)...); r.code != 0 {
		t.Fatalf("small load: %+v", r)
	}
	national := append(args, "indicators", "--year", "2018", "--level", "national")
	before := kovmon(t, nil, national...)
	if before.code != 0 || !strings.Contains(before.stdout, "I.4,2018,national,EE,Eesti,50,500,1000,") {
		t.Fatalf("figures before: %+v", before)
	}

	const rows = 600_000
	big := filepath.Join(t.TempDir(), "usage_big.csv")
	writeUsage(t, big, 0, rows, 0)
	// The first rows of the small file are in it too: a duplicate on the way.
	cmd := exec.Command(binary, append(args, "ingest", big)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill the server once the load has put rows in its stage.
	staged := int64(0)
	for deadline := time.Now().Add(60 * time.Second); staged == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the load staged nothing in 60 s: %s %s", stdout.String(), stderr.String())
		}
		staged = scalar(t, srv.Addr(), "(SELECT ifNull(sum(total_rows), 0) FROM system.tables WHERE database = 'kovmon' AND startsWith(name, 'stage_usage'))")
	}
	srv.Kill()
	err := cmd.Wait()
	code := -1
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	}
	msg := strings.TrimSpace(stderr.String())
	if code != 1 || !strings.Contains(msg, srv.Addr()) || strings.Contains(msg, "\n") {
		t.Fatalf("kovmon ingest with the server killed after %d staged rows: exit %d, stderr %q; want 1 and one line naming %s", staged, code, msg, srv.Addr())
	}
	if !strings.Contains(stdout.String(), "usage_big.csv: REJECTED (usage)") || !strings.Contains(stdout.String(), srv.Addr()) {
		t.Errorf("kovmon ingest does not say what happened to the file: %q", stdout.String())
	}
	t.Logf("killed after %d staged rows; kovmon ingest said: %s%s", staged, stdout.String(), msg)
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if n := scalar(t, srv.Addr(), "(SELECT count() FROM usage)"); n != 1000 {
		t.Errorf("after the killed load the usage table holds %d rows, want the 1000 of before", n)
	}
	if n := scalar(t, srv.Addr(), "(SELECT count() FROM ingest_files WHERE file_name = 'usage_big.csv' AND status = 'loaded')"); n != 0 {
		t.Errorf("the ledger counts the killed load as loaded (%d rows)", n)
	}
	if r := kovmon(t, nil, national...); r.stdout != before.stdout {
		t.Errorf("the figures changed after a killed load:\n%s\nwant\n%s", r.stdout, before.stdout)
	}

	again := kovmon(t, nil, append(args, "ingest", big)...)
	want := fmt.Sprintf("%d rows read, %d loaded, 1000 duplicates skipped", rows, rows-1000)
	if again.code != 0 || !strings.Contains(again.stdout, want) {
		t.Fatalf("the load again: %+v; want %q", again, want)
	}
	if n, distinct := scalar(t, srv.Addr(), "(SELECT count() FROM usage)"), scalar(t, srv.Addr(), "(SELECT uniqExact(event_id) FROM usage)"); n != rows || distinct != rows {
		t.Errorf("after the load again: %d rows, %d distinct event ids; want %d of each", n, distinct, rows)
	}
	if r := kovmon(t, nil, national...); !strings.Contains(r.stdout, fmt.Sprintf("I.4,2018,national,EE,Eesti,50,%d,%d,", rows/2, rows)) {
		t.Errorf("I.4 after the complete load:\n%s", r.stdout)
	}
}

// One shard is down: kovmon indicators and the pages say which, never answer with the
// other shard's figures, and a refresh that cannot read every shard publishes
// nothing.
func TestShardDown(t *testing.T) {
	t.Parallel()
	set, args := ownServers(t, 2, "kov_down")
	files := demoFiles(t)
	var load []string
	for _, f := range files {
		if base := filepath.Base(f); !strings.HasPrefix(base, "usage_") || base == "usage_2018.csv" {
			load = append(load, f)
		}
	}
	if r := kovmon(t, nil, append(append(args, "ingest"), load...)...); r.code != 0 {
		t.Fatalf("ingest: %+v", r)
	}
	national := append(args, "indicators", "--year", "2018", "--level", "national")
	before := kovmon(t, nil, national...)
	if before.code != 0 || !strings.Contains(before.stdout, "I.4,2018,national") {
		t.Fatalf("figures: %+v", before)
	}
	base := serveOn(t, args)
	if body, status := fetch(t, "GET", base+"/api/indicators?year=2018&level=national", ""); status != 200 || body != before.stdout {
		t.Fatalf("API before: %d %q", status, body)
	}
	refreshes := scalar(t, set.Servers[0].Addr(), "(SELECT count() FROM indicator_refreshes)")

	down := set.Servers[1]
	down.Kill()
	named := "shard 2 (" + down.Addr() + ")"
	r := kovmon(t, nil, national...)
	if msg := strings.TrimSpace(r.stderr); r.code != 1 || r.stdout != "" || !strings.Contains(msg, named) || strings.Contains(msg, "\n") {
		t.Errorf("kovmon indicators with shard 2 down: exit %d, stdout %q, stderr %q; want 1, nothing, one line naming %s", r.code, r.stdout, msg, named)
	}
	t.Logf("kovmon indicators said: %s", strings.TrimSpace(r.stderr))
	// The running server learns it within a second or so (it asks for the latest
	// refresh every second).
	var body string
	var status int
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if body, status = fetch(t, "GET", base+"/api/indicators?year=2018&level=national&lang=en", ""); status != 200 {
			break
		}
	}
	// Pages and the API name the shard, not its address (that is in the log).
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "Shard 2 of the ClickHouse cluster does not answer") {
		t.Errorf("API with shard 2 down: %d %q; want 503 naming shard 2", status, body)
	}
	if page, status := fetch(t, "GET", base+"/indicator/I.4?year=2018&lang=en", ""); status != http.StatusServiceUnavailable || !strings.Contains(page, "Shard 2 of") {
		t.Errorf("page with shard 2 down: %d %q; want 503 naming shard 2", status, page)
	}
	// /healthz takes a store that answered in the last second to answer still, so it
	// may say "ok" for up to a second after the shard went away; not after that.
	healthy := true
	for deadline := time.Now().Add(3 * time.Second); healthy && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		_, status := fetch(t, "GET", base+"/healthz", "")
		healthy = status == 200
	}
	if healthy {
		t.Error("/healthz is fine with shard 2 down, 3 s after the API said so")
	}
	// A new catalogue means a refresh; it cannot read shard 2, and is not put in force.
	cat, _ := fetch(t, "GET", base+"/api/catalogue", "")
	edited := strings.Replace(cat, "\nversion: \"", "\nversion: \"down-", 1)
	if body, status := fetch(t, "PUT", base+"/api/catalogue", edited); status == 200 {
		t.Errorf("a catalogue change was put in force with shard 2 down: %q", body)
	}

	if err := down.Restart(); err != nil {
		t.Fatal(err)
	}
	if n := scalar(t, set.Servers[0].Addr(), "(SELECT count() FROM indicator_refreshes)"); n != refreshes {
		t.Errorf("%d refreshes published while shard 2 was down", n-refreshes)
	}
	if r := kovmon(t, nil, national...); r.code != 0 || r.stdout != before.stdout {
		t.Errorf("figures after shard 2 is back differ from before: %+v", r)
	}
	if r := kovmon(t, nil, append(args, "catalogue", "show")...); strings.Contains(r.stdout, "down-") {
		t.Errorf("the refused catalogue is in force")
	}
}

func fetch(t *testing.T, method, url, body string) (string, int) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode
}

// A cluster the server does not know, a database it lacks, a wrong password: one
// line saying what to fix, exit 1. Each has servers of its own, as a refused handshake
// breaks the embedded engine's server mode.
func TestServerMistakesOneLine(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		args func(addr string) []string
		want []string
	}{
		{"unknown cluster", func(addr string) []string {
			return []string{"--clickhouse", "clickhouse://" + addr + "/kovmon", "--cluster", "kovmon_prod"}
		}, []string{`no cluster "kovmon_prod"`, "mistakes", "--cluster"}},
		{"missing database", func(addr string) []string { return []string{"--clickhouse", "clickhouse://" + addr + "/kovmon_typo"} },
			[]string{`"kovmon_typo" does not exist`, "CREATE DATABASE"}},
		{"wrong password", func(addr string) []string {
			return []string{"--clickhouse", "clickhouse://default:hunter2@" + addr + "/kovmon"}
		}, []string{"wrong user name or password", "--clickhouse"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			set, _ := ownServers(t, 1, "mistakes")
			addr := set.Servers[0].Addr()
			r := kovmon(t, nil, append(c.args(addr), "indicators")...)
			msg := strings.TrimSpace(r.stderr)
			if r.code != 1 || strings.Contains(msg, "\n") || strings.Contains(msg, "hunter2") {
				t.Errorf("exit %d, stderr %q; want 1 and one line, no password", r.code, msg)
			}
			for _, w := range append(c.want, addr) {
				if !strings.Contains(msg, w) {
					t.Errorf("%q does not say %q", msg, w)
				}
			}
		})
	}
}

// A server deployment carries no embedded engine: with --clickhouse (or
// KOVMON_CLICKHOUSE) the binary runs where libchdb.so is nowhere to be found, and
// never loads it.
func TestServerModeWithoutTheEngineLibrary(t *testing.T) {
	t.Parallel()
	_, args := ownServers(t, 1, "")
	alone := t.TempDir() // no .deps beside the binary or the working folder
	exe := filepath.Join(alone, "bin", "kovmon")
	os.MkdirAll(filepath.Dir(exe), 0o755)
	data, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, data, 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"HOME=" + alone}
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "CHDB_LIB_PATH=") && !strings.HasPrefix(e, "HOME=") {
			env = append(env, e)
		}
	}
	run := func(extraEnv []string, args ...string) result {
		return runIn(t, exe, alone, append(env, extraEnv...), args...)
	}
	if r := run(nil, "--data", filepath.Join(alone, "data"), "indicators"); r.code != 1 || !strings.Contains(r.stderr, "libchdb.so") {
		t.Fatalf("the embedded engine is not missing here: %+v", r)
	}
	if r := run(nil, append(args, "ingest", filepath.Join(registryDir, "municipalities.csv"))...); r.code != 0 || !strings.Contains(r.stdout, "269 loaded") {
		t.Fatalf("ingest on a server without libchdb.so: %+v", r)
	}
	if r := run([]string{"KOVMON_CLICKHOUSE=" + args[1]}, "indicators", "--year", "2018"); r.code != 0 || !strings.HasPrefix(r.stdout, "indicator_id,") {
		t.Fatalf("indicators with KOVMON_CLICKHOUSE without libchdb.so: %+v", r)
	}
	// serve, and what its process has loaded.
	addr := freeAddr(t)
	cmd := exec.Command(exe, append(args, "serve", "--addr", addr, "--inbox", filepath.Join(alone, "inbox"))...)
	cmd.Dir, cmd.Env = alone, env
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if _, status := tryGet("http://" + addr + "/healthz"); status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not answer")
		}
	}
	maps, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/maps")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(maps, []byte("libchdb")) {
		t.Error("kovmon serve on a server loaded libchdb.so")
	}
}

func tryGet(url string) (string, int) {
	resp, err := http.Get(url)
	if err != nil {
		return "", 0
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode
}
