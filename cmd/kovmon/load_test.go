package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"ee/kovmon/auth"
)

// TestLoad drives a real `kovmon serve` on the demo data from this process over
// loopback: 100 clients for 60 s on the dashboards and the API (as anonymous public
// and as an analyst), while an admin uploads a feedback file every second. There must
// be no error and no lost upload (the rows are counted after), and the latency
// percentiles are logged. It takes over a minute, so it runs only with
// KOVMON_LOADTEST=1 (KOVMON_LOADTEST_SECONDS and _CLIENTS change the size).
func TestLoad(t *testing.T) {
	if os.Getenv("KOVMON_LOADTEST") != "1" {
		t.Log("KOVMON_LOADTEST=1 runs the load test")
		return
	}
	duration := time.Duration(envInt("KOVMON_LOADTEST_SECONDS", 60)) * time.Second
	clients := envInt("KOVMON_LOADTEST_CLIENTS", 100)
	data := t.TempDir()
	if r := kovmon(t, nil, "--data", data, "demo", "--registry", registryDir); r.code != 0 {
		t.Fatalf("demo: %+v", r)
	}
	dir := t.TempDir()
	users := writeFile(t, filepath.Join(dir, "users.yaml"), fmt.Sprintf("users:\n  - name: adm\n    role: admin\n    tokens: [%s]\n  - name: ana\n    role: analyst\n    tokens: [%s]\n",
		auth.HashToken("adm-token"), auth.HashToken("ana-token")))
	config := writeFile(t, filepath.Join(dir, "serve.yaml"), fmt.Sprintf("addr: %s\ninbox: %s\nusers_file: %s\nuploads_per_minute: 600\n", freeAddr(t), t.TempDir(), users))
	s := startServed(t, data, config)
	feedbackBefore := coverageRows(t, s.addr, "ana-token", "I.1")

	targets := []struct{ path, token string }{
		{"/", ""}, {"/?year=2018&lang=en", ""}, {"/indicator/I.4?year=2018", ""}, {"/indicator/II.1?year=2017&boundaries=current", ""},
		{"/municipality/0784", ""}, {"/municipality/0296?year=2019", ""}, {"/api/indicators?year=2018", ""},
		{"/api/indicators?year=2018&level=national&format=json", ""}, {"/extract.csv?year=2018&indicator=I.3", ""},
		{"/report?year=2018&lang=en", ""}, {"/healthz", ""}, {"/assets/dashboards.css", ""},
		{"/data", "ana-token"}, {"/api/status", "ana-token"}, {"/api/runs", "ana-token"}, {"/api/files", "ana-token"},
		{"/coverage.csv?ehak=0784", "ana-token"}, {"/api/explain?indicator=I.4&year=2018&ehak=0784", "ana-token"},
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 10 * time.Minute}
	var (
		mu        sync.Mutex
		latencies []time.Duration
		byPath    = map[string][]time.Duration{}
		failures  []string
		wg        sync.WaitGroup
	)
	send := func(method, path, token string, body io.Reader) (int, string) {
		req, _ := http.NewRequest(method, "http://"+s.addr+path, body)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return 0, err.Error()
		}
		return resp.StatusCode, string(b)
	}
	end := time.Now().Add(duration)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := c; time.Now().Before(end); i++ {
				tg := targets[i%len(targets)]
				start := time.Now()
				status, body := send("GET", tg.path, tg.token, nil)
				took := time.Since(start)
				mu.Lock()
				latencies = append(latencies, took)
				byPath[tg.path] = append(byPath[tg.path], took)
				if status != 200 {
					failures = append(failures, fmt.Sprintf("GET %s: %d %.100s", tg.path, status, body))
				}
				mu.Unlock()
			}
		}()
	}
	// Uploads start every 3 s without waiting for each other: they queue for the
	// writer, each loads and refreshes the indicators in turn.
	const perUpload = 50
	uploads := 0
	var uploading sync.WaitGroup
	for i := 0; time.Now().Before(end); i++ {
		var b strings.Builder
		b.WriteString("feedback_id,submitted_at,ehak_code,system,service_code,score,comment\n")
		for j := 0; j < perUpload; j++ {
			fmt.Fprintf(&b, "load-%d-%d,2019-06-%02dT10:00:00Z,0784,KOVTP,S1,%d,\n", i, j, 1+j%28, 1+j%5)
		}
		uploads++
		uploading.Add(1)
		go func() {
			defer uploading.Done()
			status, body := send("POST", fmt.Sprintf("/api/ingest/feedback?name=load-%d.csv", i), "adm-token", strings.NewReader(b.String()))
			if status != 200 || !strings.Contains(body, fmt.Sprintf(`"loaded": %d`, perUpload)) {
				mu.Lock()
				failures = append(failures, fmt.Sprintf("upload %d: %d %.200s", i, status, body))
				mu.Unlock()
			}
		}()
		time.Sleep(3 * time.Second)
	}
	wg.Wait()
	uploadsDone := time.Now()
	uploading.Wait()
	t.Logf("the last upload finished %s after the clients stopped", time.Since(uploadsDone).Round(time.Second))
	slices.Sort(latencies)
	pct := func(p float64) time.Duration { return latencies[int(p*float64(len(latencies)-1))] }
	t.Logf("%d clients, %s: %d requests (%.0f/s), p50 %s, p95 %s, p99 %s, max %s; %d uploads of %d rows; %d errors",
		clients, duration, len(latencies), float64(len(latencies))/duration.Seconds(), pct(0.5), pct(0.95), pct(0.99), latencies[len(latencies)-1],
		uploads, perUpload, len(failures))
	for _, tg := range targets {
		l := byPath[tg.path]
		slices.Sort(l)
		if len(l) > 0 {
			t.Logf("  %-50s %4d requests, p95 %s", tg.path, len(l), l[int(0.95*float64(len(l)-1))].Round(time.Millisecond))
		}
	}
	for i, f := range failures {
		if i == 20 {
			break
		}
		t.Error(f)
	}
	if got, want := coverageRows(t, s.addr, "ana-token", "I.1")-feedbackBefore, uploads*perUpload; got != want {
		t.Errorf("feedback rows added: %d, want %d (%d uploads of %d)", got, want, uploads, perUpload)
	}
}

func envInt(name string, fallback int) int {
	var n int
	if _, err := fmt.Sscan(os.Getenv(name), &n); err != nil || n <= 0 {
		return fallback
	}
	return n
}
