// Command kovmon-load is a small HTTP load generator for measuring kovmon's latency
// from a second process. It keeps c clients sending GET requests, each waiting for
// the whole answer before the next, until the duration ends or n requests were sent,
// and prints per route the requests, errors and latency percentiles.
//
// One route (issue 5: GET /api/indicators?year=2018, p95 under 20 ms at 20 clients):
//
//	kovmon-load -url 'http://127.0.0.1:8080/api/indicators?year=2018' -c 20 -d 30s
//
// A mix of routes from a file, with uploads while it runs (issue 15: 100 clients for
// 60 s, two uploads of a million usage rows, p95 under 50 ms on every route):
//
//	kovmon-load -base http://127.0.0.1:8080 -mix scripts/bench-routes.txt -c 100 -d 60s \
//	    -upload usage:1000000@10s -upload usage:1000000@30s -max-p95 50ms
//
// The mix file has one route a line, "WEIGHT PATH" or "PATH" (weight 1), # starts a
// comment; each client goes round the routes, each as often as its weight says,
// starting at a place of its own. An upload "KIND:ROWS@AT" sends ROWS generated
// valid usage rows (KIND usage) AT after the start to POST /api/ingest/KIND; it
// counts as an error unless it is answered 200 with status loaded. KOVMON_TOKEN, when
// set, is sent as a bearer token with every request (a users file's analyst or
// admin). Requests ask for gzip as a browser does; the answers are read whole but not
// unpacked (that is the client's work, not the server's latency).
//
// It only talks to loopback addresses: it is a measuring tool for this machine, not a
// way to load someone else's server.
package main

import (
	"bufio"
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
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Bounds keep a mistyped flag from running for hours.
const (
	maxClients  = 1000
	maxDuration = 10 * time.Minute
	maxRequests = 10_000_000
	maxUploads  = 20
	maxRows     = 50_000_000
)

// route is one path of the mix and how often a client takes it in a round.
type route struct {
	path   string
	weight int
}

// upload is one file sent while the clients run.
type upload struct {
	kind string
	rows int
	at   time.Duration
}

// config is what the flags ask for.
type config struct {
	base     string // scheme://host:port
	routes   []route
	uploads  []upload
	clients  int
	duration time.Duration
	requests int64
	timeout  time.Duration
	maxP95   time.Duration
	token    string
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
	if problems := res.failures(cfg); len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, "kovmon-load:", p)
		}
		os.Exit(1)
	}
}

// uploadList gathers the repeated -upload flag.
type uploadList []upload

func (u *uploadList) String() string { return fmt.Sprint(*u) }

func (u *uploadList) Set(v string) error {
	spec, at, ok := strings.Cut(v, "@")
	kind, rows, ok2 := strings.Cut(spec, ":")
	if !ok || !ok2 {
		return fmt.Errorf("%q: KIND:ROWS@AT, e.g. usage:1000000@10s", v)
	}
	if kind != "usage" {
		return fmt.Errorf("%q: only usage rows are generated", v)
	}
	n, err := strconv.Atoi(rows)
	if err != nil || n < 1 || n > maxRows {
		return fmt.Errorf("%q: ROWS must be 1-%d", v, maxRows)
	}
	d, err := time.ParseDuration(at)
	if err != nil || d < 0 {
		return fmt.Errorf("%q: AT must be a duration, e.g. 10s", v)
	}
	*u = append(*u, upload{kind: kind, rows: n, at: d})
	return nil
}

func parseFlags(args []string) (config, error) {
	var cfg config
	var target, base, mix string
	var uploads uploadList
	fs := flag.NewFlagSet("kovmon-load", flag.ContinueOnError)
	fs.StringVar(&target, "url", "", "one URL to GET (http, a loopback host: 127.0.0.1, ::1 or localhost)")
	fs.StringVar(&base, "base", "", "with -mix: the server, e.g. http://127.0.0.1:8080")
	fs.StringVar(&mix, "mix", "", "a file of routes (\"WEIGHT PATH\" a line) to GET in turn")
	fs.Var(&uploads, "upload", "KIND:ROWS@AT: send ROWS generated usage rows AT after the start (repeatable)")
	fs.IntVar(&cfg.clients, "c", 20, "concurrent clients")
	fs.DurationVar(&cfg.duration, "d", 20*time.Second, "how long to run (at most 10m)")
	fs.Int64Var(&cfg.requests, "n", 0, "stop after this many requests (0: run for -d)")
	fs.DurationVar(&cfg.timeout, "timeout", 10*time.Second, "a request taking longer is an error")
	fs.DurationVar(&cfg.maxP95, "max-p95", 0, "exit with status 1 when p95 of any route is over this (0: no check)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	cfg.uploads = uploads
	cfg.token = os.Getenv("KOVMON_TOKEN")
	switch {
	case fs.NArg() > 0:
		return cfg, fmt.Errorf("unexpected arguments %v", fs.Args())
	case (target == "") == (mix == ""):
		return cfg, errors.New("give -url, or -mix with -base")
	case cfg.clients < 1 || cfg.clients > maxClients:
		return cfg, fmt.Errorf("-c must be 1–%d", maxClients)
	case cfg.duration <= 0 || cfg.duration > maxDuration:
		return cfg, fmt.Errorf("-d must be more than 0 and at most %s", maxDuration)
	case cfg.requests < 0 || cfg.requests > maxRequests:
		return cfg, fmt.Errorf("-n must be 0–%d", maxRequests)
	case len(cfg.uploads) > maxUploads:
		return cfg, fmt.Errorf("at most %d uploads", maxUploads)
	}
	if target != "" {
		if base != "" {
			return cfg, errors.New("-base goes with -mix, not -url")
		}
		u, err := url.Parse(target)
		if err != nil {
			return cfg, fmt.Errorf("-url: %v", err)
		}
		cfg.base = u.Scheme + "://" + u.Host
		cfg.routes = []route{{path: u.RequestURI(), weight: 1}}
	} else {
		if base == "" {
			return cfg, errors.New("-mix needs -base")
		}
		cfg.base = strings.TrimSuffix(base, "/")
		f, err := os.Open(mix)
		if err != nil {
			return cfg, err
		}
		defer f.Close()
		if cfg.routes, err = readMix(f); err != nil {
			return cfg, fmt.Errorf("%s: %w", mix, err)
		}
	}
	return cfg, checkLoopback(cfg.base)
}

// readMix reads a route mix: "WEIGHT PATH" or "PATH" a line, # comments.
func readMix(r io.Reader) ([]route, error) {
	var routes []route
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(text)
		if len(fields) == 0 {
			continue
		}
		rt := route{path: fields[len(fields)-1], weight: 1}
		if len(fields) == 2 {
			w, err := strconv.Atoi(fields[0])
			if err != nil || w < 1 || w > 1000 {
				return nil, fmt.Errorf("line %d: the weight must be a number 1-1000, not %q", line, fields[0])
			}
			rt.weight = w
		}
		if len(fields) > 2 || !strings.HasPrefix(rt.path, "/") {
			return nil, fmt.Errorf("line %d: want \"WEIGHT /path?query\" or \"/path?query\", not %q", line, sc.Text())
		}
		routes = append(routes, rt)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(routes) == 0 {
		return nil, errors.New("no routes")
	}
	return routes, nil
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

// routeResult gathers what the clients saw of one route.
type routeResult struct {
	latencies []time.Duration // of the requests that answered 2xx, sorted
	errors    int64
	firstErr  string
}

// uploadResult is how one upload went.
type uploadResult struct {
	upload
	took time.Duration
	err  error
}

// result gathers what the clients saw.
type result struct {
	routes  []*routeResult // as cfg.routes
	uploads []uploadResult
	elapsed time.Duration
}

func run(ctx context.Context, cfg config) (*result, error) {
	transport := &http.Transport{
		// One kept-alive connection per client, as a browser or dashboard would hold;
		// the default of 2 idle connections would make most requests dial anew.
		MaxIdleConns:        cfg.clients + maxUploads,
		MaxIdleConnsPerHost: cfg.clients + maxUploads,
		DialContext:         (&net.Dialer{Timeout: cfg.timeout}).DialContext,
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: cfg.timeout,
		CheckRedirect: func(req *http.Request, _ []*http.Request) error { return checkLoopback(req.URL.String()) }}

	// The clients' rounds: each route as often as its weight.
	var round []int
	for i, rt := range cfg.routes {
		for range rt.weight {
			round = append(round, i)
		}
	}
	clientsCtx, cancel := context.WithTimeout(ctx, cfg.duration)
	defer cancel()
	var (
		sent     atomic.Int64
		wg       sync.WaitGroup
		start    = time.Now()
		perLocal = make([][][]time.Duration, cfg.clients) // client, route
		errs     = make([][]int64, cfg.clients)
		firstErr = make([][]string, cfg.clients)
	)
	for i := range cfg.clients {
		perLocal[i] = make([][]time.Duration, len(cfg.routes))
		errs[i] = make([]int64, len(cfg.routes))
		firstErr[i] = make([]string, len(cfg.routes))
		wg.Go(func() {
			// The route follows the run's count of requests, not the client's own, so
			// that the mix holds whatever the clients' speeds: a client that waits on
			// a slow route does not skew the others' share.
			for clientsCtx.Err() == nil {
				n := sent.Add(1)
				if cfg.requests != 0 && n > cfg.requests {
					return
				}
				ri := round[(n-1)%int64(len(round))]
				took, err := get(clientsCtx, client, cfg.base+cfg.routes[ri].path, cfg.token)
				if clientsCtx.Err() != nil && err != nil {
					return // cut off by the end of the run, not the server's fault
				}
				if err != nil {
					errs[i][ri]++
					if firstErr[i][ri] == "" {
						firstErr[i][ri] = err.Error()
					}
					continue
				}
				perLocal[i][ri] = append(perLocal[i][ri], took)
			}
		})
	}
	res := &result{uploads: make([]uploadResult, len(cfg.uploads))}
	var uploading sync.WaitGroup
	for i, up := range cfg.uploads {
		uploading.Go(func() {
			select {
			case <-time.After(up.at):
			case <-clientsCtx.Done():
				res.uploads[i] = uploadResult{upload: up, err: errors.New("the run ended before this upload's time")}
				return
			}
			// An upload takes as long as it takes: not cut off by the run's end.
			began := time.Now()
			err := send(ctx, transport, cfg, i, up)
			res.uploads[i] = uploadResult{upload: up, took: time.Since(began), err: err}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	uploading.Wait()
	total := 0
	for ri := range cfg.routes {
		rr := &routeResult{}
		for c := range cfg.clients {
			rr.latencies = append(rr.latencies, perLocal[c][ri]...)
			rr.errors += errs[c][ri]
			if rr.firstErr == "" {
				rr.firstErr = firstErr[c][ri]
			}
		}
		slices.Sort(rr.latencies)
		total += len(rr.latencies) + int(rr.errors)
		res.routes = append(res.routes, rr)
	}
	if total == 0 {
		return nil, errors.New("no request completed")
	}
	return res, nil
}

// get sends one request and reads the whole answer; anything but 2xx is an error.
func get(ctx context.Context, client *http.Client, target, token string) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	// Asked for as a browser asks, but not unpacked: unpacking is the client's work,
	// and on one machine it would take the server's CPU and count as its latency.
	req.Header.Set("Accept-Encoding", "gzip")
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

// send posts one generated upload and checks that it loaded.
func send(ctx context.Context, transport *http.Transport, cfg config, i int, up upload) error {
	body := io.NopCloser(usageRows(i, up.rows))
	target := fmt.Sprintf("%s/api/ingest/%s?name=kovmon-load-%d.csv", cfg.base, up.kind, i)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, body)
	if err != nil {
		return err
	}
	if cfg.token != "" {
		req.Header.Set("Authorization", "Bearer "+cfg.token)
	}
	resp, err := (&http.Client{Transport: transport, Timeout: time.Hour}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(answer), `"status": "loaded"`) {
		return fmt.Errorf("upload %d: %s %.300s", i, resp.Status, answer)
	}
	return nil
}

// usageRows is a usage CSV of n valid rows for Tallinn in 2019, its event ids unique
// to upload i, written as it is read.
func usageRows(i, n int) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriterSize(pw, 1<<16)
		w.WriteString("event_id,event_time,ehak_code,system,service_code,channel,event\n")
		channels := []string{"web", "portal", "paper", "office"}
		for k := range n {
			fmt.Fprintf(w, "kovmon-load-%d-%d,2019-%02d-%02dT%02d:%02d:00Z,0784,KOVTP,S%d,%s,submit\n",
				i, k, 1+k%12, 1+k%28, k%24, k%60, k%50, channels[k%len(channels)])
		}
		pw.CloseWithError(w.Flush())
	}()
	return pr
}

// percentile is the nearest-rank p-th percentile of a route's successful requests.
func (r *routeResult) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(r.latencies)) + 0.999999999)
	return r.latencies[min(max(rank, 1), len(r.latencies))-1]
}

func (r *result) print(w io.Writer, cfg config) {
	var all routeResult
	for _, rr := range r.routes {
		all.latencies = append(all.latencies, rr.latencies...)
		all.errors += rr.errors
	}
	slices.Sort(all.latencies)
	n := int64(len(all.latencies)) + all.errors
	fmt.Fprintf(w, "server     %s\nclients    %d\nelapsed    %.1f s\nrequests   %d (%.0f/s)\nerrors     %d\n\n",
		cfg.base, cfg.clients, r.elapsed.Seconds(), n, float64(n)/r.elapsed.Seconds(), all.errors)
	fmt.Fprintf(w, "%-50s %9s %7s %10s %10s %10s %10s\n", "route", "requests", "errors", "p50", "p95", "p99", "max")
	line := func(name string, rr *routeResult) {
		maxLatency := time.Duration(0)
		if len(rr.latencies) > 0 {
			maxLatency = rr.latencies[len(rr.latencies)-1]
		}
		fmt.Fprintf(w, "%-50s %9d %7d %10s %10s %10s %10s\n", name, int64(len(rr.latencies))+rr.errors, rr.errors,
			ms(rr.percentile(50)), ms(rr.percentile(95)), ms(rr.percentile(99)), ms(maxLatency))
	}
	for i, rr := range r.routes {
		line(cfg.routes[i].path, rr)
	}
	if len(r.routes) > 1 {
		line("(all)", &all)
	}
	for i, rr := range r.routes {
		if rr.firstErr != "" {
			fmt.Fprintf(w, "first error of %s: %s\n", cfg.routes[i].path, rr.firstErr)
		}
	}
	for i, up := range r.uploads {
		status := "loaded"
		if up.err != nil {
			status = up.err.Error()
		}
		fmt.Fprintf(w, "upload %d: %d %s rows at %s, %.1f s: %s\n", i, up.rows, up.kind, up.at, up.took.Seconds(), status)
	}
}

// failures are the reasons the run fails: any error, an upload that did not load, a
// route whose p95 is over -max-p95.
func (r *result) failures(cfg config) []string {
	var out []string
	for i, rr := range r.routes {
		if rr.errors > 0 {
			out = append(out, fmt.Sprintf("%s: %d errors", cfg.routes[i].path, rr.errors))
		}
		if p := rr.percentile(95); cfg.maxP95 > 0 && p > cfg.maxP95 {
			out = append(out, fmt.Sprintf("%s: p95 %s is over -max-p95 %s", cfg.routes[i].path, ms(p), ms(cfg.maxP95)))
		}
	}
	for i, up := range r.uploads {
		if up.err != nil {
			out = append(out, fmt.Sprintf("upload %d: %v", i, up.err))
		}
	}
	return out
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
