package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRefusesNonLoopback(t *testing.T) {
	for _, u := range []string{"http://example.com/", "http://10.0.0.1:8080/", "http://[2001:db8::1]/", "ftp://127.0.0.1/", "http://localhost.example.com/"} {
		if _, err := parseFlags([]string{"-url", u}); err == nil {
			t.Errorf("%s: accepted", u)
		}
	}
	for _, u := range []string{"http://127.0.0.1:8080/api/indicators?year=2018", "http://[::1]:9/", "http://localhost/", "http://127.1.2.3/"} {
		if _, err := parseFlags([]string{"-url", u}); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, args := range [][]string{{"-url", "http://127.0.0.1/", "-c", "0"}, {"-url", "http://127.0.0.1/", "-d", "1h"}, {"-url", "http://127.0.0.1/", "-n", "-1"}} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
}

func TestCountsRequestsAndErrors(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1)%10 == 0 {
			http.Error(w, "no", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(strings.Repeat("x", 1000)))
	}))
	defer srv.Close()
	cfg, err := parseFlags([]string{"-url", srv.URL, "-c", "4", "-n", "200", "-d", "20s"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	rr := res.routes[0]
	if got := int64(len(rr.latencies)) + rr.errors; got != 200 || hits.Load() != 200 {
		t.Errorf("%d requests counted, %d reached the server, want 200", got, hits.Load())
	}
	if rr.errors != 20 {
		t.Errorf("%d errors, want 20 (every tenth answer is a 503)", rr.errors)
	}
	if len(res.failures(cfg)) == 0 {
		t.Error("a run with errors does not fail")
	}
}

// TestMixAndUploads: the routes of a mix file are asked as often as their weights
// say, each counted apart; an upload is sent at its time with its generated rows,
// and one the server refuses fails the run; so does a route over -max-p95.
func TestMixAndUploads(t *testing.T) {
	var fast, slow, uploaded atomic.Int64
	var rows atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/fast":
			fast.Add(1)
		case "/slow":
			slow.Add(1)
			time.Sleep(20 * time.Millisecond)
		case "/api/ingest/usage":
			uploaded.Add(1)
			b, _ := io.ReadAll(r.Body)
			rows.Add(int64(strings.Count(string(b), "\n") - 1))
			if r.URL.Query().Get("name") == "kovmon-load-1.csv" {
				http.Error(w, `{"status": "rejected"}`, http.StatusUnprocessableEntity)
				return
			}
			io.WriteString(w, `{"status": "loaded"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	mix := filepath.Join(t.TempDir(), "mix.txt")
	os.WriteFile(mix, []byte("# routes\n3 /fast\n/slow   # one in four\n\n"), 0o644)
	cfg, err := parseFlags([]string{"-base", srv.URL, "-mix", mix, "-c", "2", "-n", "400", "-d", "30s",
		"-upload", "usage:1000@0s", "-upload", "usage:500@0s", "-max-p95", "10ms"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if fast.Load() != 300 || slow.Load() != 100 {
		t.Errorf("/fast asked %d times, /slow %d; want 300 and 100", fast.Load(), slow.Load())
	}
	if uploaded.Load() != 2 || rows.Load() != 1500 {
		t.Errorf("%d uploads of %d rows reached the server, want 2 of 1500", uploaded.Load(), rows.Load())
	}
	failures := strings.Join(res.failures(cfg), "\n")
	if !strings.Contains(failures, "/slow: p95") || strings.Contains(failures, "/fast") || !strings.Contains(failures, "upload 1") || strings.Contains(failures, "upload 0") {
		t.Errorf("failures:\n%s", failures)
	}
	var out strings.Builder
	res.print(&out, cfg)
	if !strings.Contains(out.String(), "/slow") || !strings.Contains(out.String(), "(all)") {
		t.Errorf("the table:\n%s", out.String())
	}
	for _, bad := range []string{"0 /x", "x /y", "/a /b /c", "nopath"} {
		if _, err := readMix(strings.NewReader(bad)); err == nil {
			t.Errorf("mix %q: accepted", bad)
		}
	}
}

func TestPercentile(t *testing.T) {
	r := &routeResult{}
	for i := 1; i <= 100; i++ {
		r.latencies = append(r.latencies, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 50 * time.Millisecond, 95: 95 * time.Millisecond, 99: 99 * time.Millisecond, 100: 100 * time.Millisecond} {
		if got := r.percentile(p); got != want {
			t.Errorf("p%v = %s, want %s", p, got, want)
		}
	}
}
