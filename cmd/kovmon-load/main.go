// Command kovmon-load is a small HTTP load generator for measuring kovmon's API
// latency from a second process (issue 5: GET /api/indicators?year=2018, p95 under
// 20 ms at 20 concurrent clients). It keeps c clients sending GET requests, each
// waiting for the whole answer before the next, until the duration ends or n requests
// were sent, and prints the count, errors and latency percentiles.
//
//	kovmon-load -url 'http://127.0.0.1:8080/api/indicators?year=2018' -c 20 -d 30s
//
// It only talks to loopback addresses: it is a measuring tool for this machine, not a
// way to load someone else's server.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Bounds keep a mistyped flag from running for hours.
const (
	maxClients  = 1000
	maxDuration = 10 * time.Minute
	maxRequests = 10_000_000
)

// config is what the flags ask for.
type config struct {
	url      string
	clients  int
	duration time.Duration
	requests int64
	timeout  time.Duration
	maxP95   time.Duration
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "kovmon-load:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kovmon-load:", err)
		os.Exit(1)
	}
	res.print(os.Stdout, cfg)
	if cfg.maxP95 > 0 && res.percentile(95) > cfg.maxP95 {
		fmt.Fprintf(os.Stderr, "kovmon-load: p95 %s is over -max-p95 %s\n", ms(res.percentile(95)), ms(cfg.maxP95))
		os.Exit(1)
	}
	if res.errors > 0 {
		os.Exit(1)
	}
}

func parseFlags(args []string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("kovmon-load", flag.ContinueOnError)
	fs.StringVar(&cfg.url, "url", "", "the URL to GET (http, a loopback host: 127.0.0.1, ::1 or localhost)")
	fs.IntVar(&cfg.clients, "c", 20, "concurrent clients")
	fs.DurationVar(&cfg.duration, "d", 20*time.Second, "how long to run (at most 10m)")
	fs.Int64Var(&cfg.requests, "n", 0, "stop after this many requests (0: run for -d)")
	fs.DurationVar(&cfg.timeout, "timeout", 10*time.Second, "a request taking longer is an error")
	fs.DurationVar(&cfg.maxP95, "max-p95", 0, "exit with status 1 when p95 is over this (0: no check)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	switch {
	case fs.NArg() > 0:
		return cfg, fmt.Errorf("unexpected arguments %v", fs.Args())
	case cfg.url == "":
		return cfg, errors.New("-url is required")
	case cfg.clients < 1 || cfg.clients > maxClients:
		return cfg, fmt.Errorf("-c must be 1–%d", maxClients)
	case cfg.duration <= 0 || cfg.duration > maxDuration:
		return cfg, fmt.Errorf("-d must be more than 0 and at most %s", maxDuration)
	case cfg.requests < 0 || cfg.requests > maxRequests:
		return cfg, fmt.Errorf("-n must be 0–%d", maxRequests)
	}
	return cfg, checkLoopback(cfg.url)
}

// checkLoopback refuses any URL whose host is not a loopback address.
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("-url: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("-url: scheme must be http or https, not %q", u.Scheme)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-url: host %q is not a loopback address (127.0.0.0/8, ::1, localhost); kovmon-load only measures servers on this machine", host)
}

// result gathers what the clients saw.
type result struct {
	latencies []time.Duration // of the requests that answered 2xx, sorted
	errors    int64
	firstErr  string
	elapsed   time.Duration
}

func run(ctx context.Context, cfg config) (*result, error) {
	transport := &http.Transport{
		// One kept-alive connection per client, as a browser or dashboard would hold;
		// the default of 2 idle connections would make most requests dial anew.
		MaxIdleConns:        cfg.clients,
		MaxIdleConnsPerHost: cfg.clients,
		DialContext:         (&net.Dialer{Timeout: cfg.timeout}).DialContext,
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: cfg.timeout,
		CheckRedirect: func(req *http.Request, _ []*http.Request) error { return checkLoopback(req.URL.String()) }}

	ctx, cancel := context.WithTimeout(ctx, cfg.duration)
	defer cancel()
	var (
		sent     atomic.Int64
		mu       sync.Mutex
		res      = &result{}
		wg       sync.WaitGroup
		start    = time.Now()
		perLocal = make([][]time.Duration, cfg.clients)
	)
	for i := range cfg.clients {
		wg.Go(func() {
			for ctx.Err() == nil && (cfg.requests == 0 || sent.Add(1) <= cfg.requests) {
				took, err := get(ctx, client, cfg.url)
				if ctx.Err() != nil && err != nil {
					return // cut off by the end of the run, not the server's fault
				}
				if err != nil {
					mu.Lock()
					res.errors++
					if res.firstErr == "" {
						res.firstErr = err.Error()
					}
					mu.Unlock()
					continue
				}
				perLocal[i] = append(perLocal[i], took)
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	for _, l := range perLocal {
		res.latencies = append(res.latencies, l...)
	}
	slices.Sort(res.latencies)
	if len(res.latencies) == 0 && res.errors == 0 {
		return nil, errors.New("no request completed")
	}
	return res, nil
}

// get sends one request and reads the whole answer; anything but 2xx is an error.
func get(ctx context.Context, client *http.Client, target string) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return 0, fmt.Errorf("status %s", resp.Status)
	}
	return took, nil
}

// percentile is the nearest-rank p-th percentile of the successful requests.
func (r *result) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(r.latencies)) + 0.999999999)
	return r.latencies[min(max(rank, 1), len(r.latencies))-1]
}

func (r *result) print(w io.Writer, cfg config) {
	n := int64(len(r.latencies))
	fmt.Fprintf(w, "url        %s\nclients    %d\nelapsed    %.1f s\nrequests   %d (%.0f/s)\nerrors     %d\n",
		cfg.url, cfg.clients, r.elapsed.Seconds(), n+r.errors, float64(n+r.errors)/r.elapsed.Seconds(), r.errors)
	if r.firstErr != "" {
		fmt.Fprintf(w, "first err  %s\n", r.firstErr)
	}
	if n > 0 {
		fmt.Fprintf(w, "p50        %s\np95        %s\np99        %s\nmax        %s\n",
			ms(r.percentile(50)), ms(r.percentile(95)), ms(r.percentile(99)), ms(r.latencies[n-1]))
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
