package metrics

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"ee/kovmon/kov"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/store"
)

// published counts the refreshes this process has published. A Reader compares it
// with the count it last saw to learn, without asking the store, that its cached
// figures belong to an older refresh.
var published atomic.Uint64

// Reader answers Figures from memory for as long as the refresh it read them from is
// the latest. The dashboards and the API ask for the same few tables over and over,
// and every query on the embedded engine waits for the one before it (store/embedded.go
// serialises them), so 20 clients asking at once wait for each other. Measured with
// cmd/kovmon-load (20 clients, 25 s, GET /api/indicators?year=2018 on the demo data, 2
// cores at load average 8–12 from other work): p95 0.7–1.0 s reading the table per
// request, 56 ms with the figures cached, 6.7 ms with the CSV cached too (Encoded).
//
// With the embedded engine this process is the only writer, and Publish tells the
// reader at once. A ClickHouse server may have other writers (a `kovmon ingest` next
// to `kovmon serve`), so there the reader asks for the latest refresh at most every
// Recheck: its answers may lag a refresh made elsewhere by that long.
type Reader struct {
	Store     store.Store
	Catalogue *catalogue.Catalogue
	// Recheck is how often to ask a server for its latest refresh (default 1 s);
	// unused with the embedded engine.
	Recheck time.Duration
	// MaxEntries bounds the distinct filters kept (default 512); when it is reached
	// the cache starts over.
	MaxEntries int
	// Pinned keeps the refresh the reader first reads, whatever is published later:
	// for a process that makes every refresh itself and replaces its reader once it
	// has warmed the new one (web, on the embedded engine), so that readers keep
	// being answered from memory while the new figures' answers are prepared.
	Pinned bool

	mu        sync.Mutex
	known     bool   // refreshID is the latest refresh as of seen/checked
	refreshID string // "" before the first refresh
	seen      uint64 // published, as of the last look
	checked   time.Time
	entries   map[Filter]*cacheEntry
}

// cacheEntry is one filter's figures; done closes when they (or err) are there, so
// that clients asking for the same filter at once wait for one query. The encoded
// forms are made on first use.
type cacheEntry struct {
	done    chan struct{}
	figures []kov.Figure
	err     error

	encode  sync.Mutex
	encoded map[string][]byte // by format
}

// NewReader returns a Reader of the computed table in s.
func NewReader(s store.Store, cat *catalogue.Catalogue) *Reader {
	return &Reader{Store: s, Catalogue: cat}
}

// Figures is Figures(ctx, r.Store, r.Catalogue, f) from the cache when it can be. The
// slice is the caller's own; the figures' pointer fields are shared and must not be
// written through.
func (r *Reader) Figures(ctx context.Context, f Filter) ([]kov.Figure, error) {
	e, err := r.cached(ctx, f)
	if err != nil {
		return nil, err
	}
	return slices.Clone(e.figures), nil
}

// Formats of Encoded.
const (
	FormatCSV  = "csv"
	FormatJSON = "json"
)

// Encoded returns the figures of f as WriteCSV or WriteJSON (format "csv" or "json")
// writes them, encoded once per refresh and filter: with the figures in memory,
// formatting a year's thousand rows was most of what an API request cost. The bytes
// are shared: do not change them.
func (r *Reader) Encoded(ctx context.Context, f Filter, format string) ([]byte, error) {
	write := WriteCSV
	switch format {
	case FormatCSV:
	case FormatJSON:
		write = WriteJSON
	default:
		return nil, fmt.Errorf("format must be csv or json, not %q", format)
	}
	e, err := r.cached(ctx, f)
	if err != nil {
		return nil, err
	}
	e.encode.Lock()
	defer e.encode.Unlock()
	if b, ok := e.encoded[format]; ok {
		return b, nil
	}
	var buf bytes.Buffer
	if err := write(&buf, e.figures); err != nil {
		return nil, err
	}
	if e.encoded == nil {
		e.encoded = map[string][]byte{}
	}
	e.encoded[format] = buf.Bytes()
	return buf.Bytes(), nil
}

// cached returns f's entry of the latest refresh, filled in.
func (r *Reader) cached(ctx context.Context, f Filter) (*cacheEntry, error) {
	if err := f.Validate(r.Catalogue); err != nil {
		return nil, err
	}
	e, fetch, err := r.entry(ctx, f)
	if err != nil {
		return nil, err
	}
	if fetch {
		// Not the caller's context: others may be waiting for this answer.
		e.figures, e.err = Figures(context.WithoutCancel(ctx), r.Store, r.Catalogue, f)
		close(e.done)
		if e.err != nil {
			r.mu.Lock()
			if r.entries[f] == e {
				delete(r.entries, f) // the next caller tries again
			}
			r.mu.Unlock()
		}
	}
	select {
	case <-e.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return e, e.err
}

// entry returns the cache entry of f for the latest refresh; fetch is true when the
// caller must fill it in.
func (r *Reader) entry(ctx context.Context, f Filter) (e *cacheEntry, fetch bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.checkRefreshLocked(ctx); err != nil {
		return nil, false, err
	}
	if e := r.entries[f]; e != nil {
		return e, false, nil
	}
	if r.entries == nil || len(r.entries) >= r.maxEntries() {
		r.entries = map[Filter]*cacheEntry{}
	}
	e = &cacheEntry{done: make(chan struct{})}
	r.entries[f] = e
	return e, true, nil
}

// checkRefreshLocked learns the latest refresh when it may have changed and drops the
// cache when it did. Holding mu while asking keeps a crowd of callers from all asking.
func (r *Reader) checkRefreshLocked(ctx context.Context) error {
	if r.Pinned && r.known {
		return nil
	}
	count := published.Load()
	stale := !r.known || count != r.seen ||
		(!store.Embedded(r.Store) && time.Since(r.checked) >= r.recheck())
	if !stale {
		return nil
	}
	latest, ok, err := LatestRefresh(ctx, r.Store)
	if err != nil {
		return err
	}
	id := ""
	if ok {
		id = latest.ID
	}
	if !r.known || id != r.refreshID {
		r.entries = nil
	}
	// count was read before asking, so a refresh published meanwhile is looked at
	// next time rather than missed.
	r.known, r.refreshID, r.seen, r.checked = true, id, count, time.Now()
	return nil
}

func (r *Reader) recheck() time.Duration {
	if r.Recheck > 0 {
		return r.Recheck
	}
	return time.Second
}

func (r *Reader) maxEntries() int {
	if r.MaxEntries > 0 {
		return r.MaxEntries
	}
	return 512
}

// RefreshID returns the id of the latest refresh ("" before the first), from memory
// when it can: callers key their own caches of what they build from the figures on it.
func (r *Reader) RefreshID(ctx context.Context) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.checkRefreshLocked(ctx); err != nil {
		return "", err
	}
	return r.refreshID, nil
}
