package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"ee/kovmon/ledger"
	"ee/kovmon/metrics"
	"ee/kovmon/store"
)

// Serving that keeps up while files load. Every answer worth keeping — a page, an
// extract, the API's figures, the report — is kept per refresh of the figures, and
// a page asked for just after a refresh would otherwise run its queries beside the
// next upload's staging, which keeps the engine's cores busy for as long as the file
// takes to read (seconds to minutes). So the application service's writer, before it lets the next one in,
// has the server render again what readers asked for under the old figures
// (warmLocked, its AfterWrite): the pages, extracts and reports come from
// memory, pre-compressed, as soon as the new figures are in force, and no reader
// waits for the engine while the next file loads. Readers that ask for something not
// asked for before still render it themselves.

// Bounds of a warm-up: the most recently asked addresses, for at most so long, so
// that a writer waiting for its turn waits seconds, not minutes.
const (
	warmAddresses = 64
	warmBudget    = 10 * time.Second
)

// recentAddresses remembers the addresses of warmable routes that were answered 200,
// most recent last, without repeats.
type recentAddresses struct {
	mu    sync.Mutex
	order []string
}

func (a *recentAddresses) add(uri string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if i := slices.Index(a.order, uri); i >= 0 {
		if i == len(a.order)-1 {
			return
		}
		a.order = slices.Delete(a.order, i, i+1)
	}
	a.order = append(a.order, uri)
	if len(a.order) > 4*warmAddresses {
		a.order = slices.Delete(a.order, 0, len(a.order)-warmAddresses)
	}
}

// latest lists up to n addresses, the most recent first.
func (a *recentAddresses) latest(n int) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := slices.Clone(a.order[max(0, len(a.order)-n):])
	slices.Reverse(out)
	return out
}

// generationOf names the state the caches of a live state were built from: the
// refresh of its figures and the ledger version of its pages.
func generationOf(ctx context.Context, l *live) (string, error) {
	refresh, err := l.Figures.RefreshID(ctx)
	return refresh + " " + strconv.FormatUint(l.Ledger, 10), err
}

// warmingKey marks a warm-up's request with the live state it warms (liveOf).
type warmingKey struct{}

// warmLocked prepares what readers will be answered after a write, before the next
// writer may start; the caller holds the writer lock. On the embedded engine, when a
// refresh has published new figures, it builds a new live state on them, renders
// into it again the addresses recently asked, and only then puts it in force:
// meanwhile readers are answered from the old one's memory. When only the ledger
// changed (a file rejected, or nothing new in it), the new state shares the old
// one's views and figures and moves on the ledger version its pages are built on.
// On a ClickHouse server the figures' reader follows the refreshes of other
// processes itself, and only the ledger version moves on. Each address goes through its route's
// own handler (no access check: nothing is answered to anyone) into a compressing
// writer that discards the bytes, which fills the handlers' caches and the compress
// memo.
func (s *Server) warmLocked() {
	ctx, cancel := context.WithTimeout(context.Background(), warmBudget)
	defer cancel()
	current := s.app.State()
	next := current
	if current.Figures.Pinned {
		latest, ok, err := metrics.LatestRefresh(ctx, s.store)
		if err != nil {
			s.opts.Log.Error("warming the caches: the latest refresh", "err", err)
			return
		}
		served, err := current.Figures.RefreshID(ctx)
		if err != nil {
			s.opts.Log.Error("warming the caches", "err", err)
			return
		}
		if ok && latest.ID != served {
			// The catalogue in force fitted its survey definitions when it was put in
			// force; the same pair fits now.
			next, _ = s.app.NewState(current.Catalogue)
		}
	}
	if version := ledger.Version(); next == current && current.Ledger != version {
		moved := *current
		moved.Ledger = version
		next = &moved
	}
	gen, err := generationOf(ctx, next)
	if err != nil {
		s.opts.Log.Error("warming the caches", "err", err)
		return
	}
	if gen == s.warmed && next == current {
		return
	}
	start, n := time.Now(), 0
	warming := context.WithValue(ctx, warmingKey{}, next)
	for _, uri := range s.recent.latest(warmAddresses) {
		if ctx.Err() != nil {
			break
		}
		req, err := http.NewRequestWithContext(warming, http.MethodGet, uri, nil)
		if err != nil {
			continue
		}
		req.Header.Set("Accept-Encoding", "gzip")
		rt, ok := s.warmable(req)
		if !ok {
			continue
		}
		serveWrapped(discard{header: http.Header{}}, req, rt, s.warmMux)
		n++
	}
	if next != current {
		s.app.Install(next)
	}
	s.warmed = gen
	s.opts.Log.Info("caches warmed", "addresses", n, "new_figures", next != current, "seconds", time.Since(start).Seconds())
}

// warmable returns the route of a request if it is one whose answers are kept per
// refresh; warmMux serves it without the guard.
func (s *Server) warmable(r *http.Request) (Route, bool) {
	_, pattern := s.warmMux.Handler(r)
	rt, ok := s.warmRoutes[pattern]
	if !ok || !rt.Warm {
		return Route{}, false
	}
	if rt.Pattern == "GET /report" && r.URL.Query().Get("format") == "pdf" {
		return Route{}, false // a PDF takes seconds of Chromium: printed when asked for
	}
	return rt, true
}

// rememberAddress notes an answered request of a warmable route.
func (s *Server) rememberAddress(rt Route, r *http.Request, status int) {
	if rt.Warm && status == http.StatusOK && r.Method == http.MethodGet {
		s.recent.add(r.URL.RequestURI())
	}
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(p []byte) (int, error) { return len(p), nil }
func (d discard) WriteHeader(int)             {}

// statusCache keeps /api/status per generation on the embedded engine, whose data
// this process alone changes: the freshness check reads the whole ledger, and it
// queued behind every load (6 s at p95 under issue 15's load). It holds the answers
// of a few generations: the state in force and the one being warmed are both asked.
type statusCache struct {
	mu      sync.Mutex
	answers map[string]map[string]any // by generation
	order   []string                  // generations, oldest first
}

const statusGenerations = 4

// statusAnswer is /api/status's answer for the live state of r: from the cache
// when nothing changed (the writer's warm-up fills it for the next state).
func (s *Server) statusAnswer(r *http.Request) (map[string]any, error) {
	ctx := r.Context()
	live := s.liveOf(r)
	embedded := store.Embedded(s.store)
	gen := ""
	if embedded {
		var err error
		if gen, err = generationOf(ctx, live); err != nil {
			return nil, err
		}
		s.statusCache.mu.Lock()
		answer, ok := s.statusCache.answers[gen]
		s.statusCache.mu.Unlock()
		if ok {
			return answer, nil
		}
	}
	f, err := metrics.CheckFreshness(ctx, s.store, live.Catalogue)
	if err != nil {
		return nil, err
	}
	answer := map[string]any{"computed": f.Computed, "fresh": f.Fresh, "latest_refresh": f.Latest, "store": s.store.Describe()}
	if embedded {
		c := &s.statusCache
		c.mu.Lock()
		if c.answers == nil {
			c.answers = map[string]map[string]any{}
		}
		if _, ok := c.answers[gen]; !ok {
			c.order = append(c.order, gen)
			if len(c.order) > statusGenerations {
				delete(c.answers, c.order[0])
				c.order = c.order[1:]
			}
		}
		c.answers[gen] = answer
		c.mu.Unlock()
	}
	return answer, nil
}
