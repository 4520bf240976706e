package main

import (
	"context"
	"net/http"
	"net/http/httptest"
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
	if got := int64(len(res.latencies)) + res.errors; got != 200 || hits.Load() != 200 {
		t.Errorf("%d requests counted, %d reached the server, want 200", got, hits.Load())
	}
	if res.errors != 20 {
		t.Errorf("%d errors, want 20 (every tenth answer is a 503)", res.errors)
	}
}

func TestPercentile(t *testing.T) {
	r := &result{}
	for i := 1; i <= 100; i++ {
		r.latencies = append(r.latencies, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 50 * time.Millisecond, 95: 95 * time.Millisecond, 99: 99 * time.Millisecond, 100: 100 * time.Millisecond} {
		if got := r.percentile(p); got != want {
			t.Errorf("p%v = %s, want %s", p, got, want)
		}
	}
}
