package report

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"ee/kovmon/i18n"
	"ee/kovmon/kov"
	"ee/kovmon/metrics"
	"ee/kovmon/web/compress"
	"ee/kovmon/web/httperr"
)

// Handler serves GET /report?year=Y&lang=et|en[&format=html|pdf]. The year must be
// one with data (404 naming the years that have it otherwise), the language and
// format come from closed lists (400 otherwise). Built reports are kept per refresh,
// so repeated requests cost nothing until the figures change; requests for a report
// being built wait for that build rather than start their own (ten clients asking
// for the same PDF at once got it one after the other, 3.5 s to 31.7 s: issue 15);
// and one PDF is printed at a time: Chromium is the heaviest thing the service runs.
func Handler(opts Options) http.Handler {
	return &handler{opts: opts, cache: map[cacheKey]*compress.Entry{}, hashes: map[cacheKey]string{}, flights: map[cacheKey]*flight{},
		printing: make(chan struct{}, 1), log: slog.Default().With("part", "report")}
}

// flight is a report being built; done closes when body, hash or err are there.
type flight struct {
	done chan struct{}
	body *compress.Entry
	hash string
	err  error
}

type cacheKey struct {
	refresh, lang, format string
	year                  int
}

type handler struct {
	opts     Options
	log      *slog.Logger
	mu       sync.Mutex
	refresh  string                       // the refresh the cache holds reports of
	cache    map[cacheKey]*compress.Entry // the bytes, remembered: served with no copy or hash
	hashes   map[cacheKey]string
	flights  map[cacheKey]*flight // reports being built, of any refresh
	printing chan struct{}
	builds   atomic.Int64 // reports built, for the tests
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "only GET", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	lang := q.Get("lang")
	if lang == "" {
		lang = i18n.Default
	}
	year, err := strconv.Atoi(q.Get("year"))
	format := q.Get("format")
	if format == "" {
		format = "html"
	}
	switch {
	case err != nil || year < minYear || year > maxYear:
		err = kov.Errorf(kov.Invalid, "year must be a year between %d and %d, e.g. ?year=2018", minYear, maxYear)
	case lang != i18n.ET && lang != i18n.EN:
		lang, err = i18n.Default, kov.Errorf(kov.Invalid, "lang must be et or en")
	case format != "html" && format != "pdf":
		err = kov.Errorf(kov.Invalid, "format must be html or pdf")
	}
	var (
		entry *compress.Entry
		hash  string
	)
	if err == nil {
		entry, hash, err = h.get(r.Context(), year, lang, format)
	}
	if err != nil {
		// The status is the error code's, as for the API and the pages (httperr).
		if httperr.Logged(err) {
			h.log.Error("report", "year", year, "lang", lang, "format", format, "err", err)
		}
		http.Error(w, httperr.Message(err, lang), httperr.Status(err))
		return
	}
	w.Header().Set("ETag", `"`+hash+`"`)
	w.Header().Set("X-Content-SHA256", hash)
	name := fmt.Sprintf("kovmon-report-%d-%s.%s", year, lang, format)
	if format == "pdf" {
		w.Header().Set("Content-Type", "application/pdf")
	} else {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	}
	w.Header().Set("Content-Disposition", `inline; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(entry.Bytes())))
	if r.Method == http.MethodHead {
		return
	}
	compress.Write(w, entry)
}

// latestRefresh is the id of the latest refresh, the reports' cache key.
func (h *handler) latestRefresh(ctx context.Context) (string, error) {
	if h.opts.Figures != nil {
		return h.opts.Figures.RefreshID(ctx)
	}
	refresh, _, err := metrics.LatestRefresh(ctx, h.opts.Store)
	return refresh.ID, err
}

// get returns the report from the cache, building it when the refresh changed, once
// however many ask at the same time. hash is always the HTML's, the document's
// identity in both formats.
func (h *handler) get(ctx context.Context, year int, lang, format string) (body *compress.Entry, hash string, err error) {
	refreshID, err := h.latestRefresh(ctx)
	if err != nil {
		return nil, "", err
	}
	key := cacheKey{refresh: refreshID, year: year, lang: lang, format: format}
	h.mu.Lock()
	if h.refresh != refreshID {
		h.refresh, h.cache, h.hashes = refreshID, map[cacheKey]*compress.Entry{}, map[cacheKey]string{}
	}
	if body, hash = h.cache[key], h.hashes[key]; body != nil {
		h.mu.Unlock()
		return body, hash, nil
	}
	f, building := h.flights[key]
	if !building {
		f = &flight{done: make(chan struct{})}
		h.flights[key] = f
	}
	h.mu.Unlock()
	if !building {
		// Not the caller's context: others may be waiting for this report.
		var b []byte
		b, f.hash, f.err = h.build(context.WithoutCancel(ctx), year, lang, format)
		switch {
		case f.err != nil:
		case format == "pdf":
			f.body = compress.NewEntry(b) // not text: nothing for the memo to compress
		default:
			f.body = compress.Remember(b)
		}
		h.mu.Lock()
		delete(h.flights, key)
		if f.err == nil && h.refresh == refreshID {
			h.cache[key], h.hashes[key] = f.body, f.hash
		}
		h.mu.Unlock()
		close(f.done)
	}
	select {
	case <-f.done:
		return f.body, f.hash, f.err
	case <-ctx.Done():
		return nil, "", ctx.Err()
	}
}

// build makes one report, printed when the format is pdf.
func (h *handler) build(ctx context.Context, year int, lang, format string) ([]byte, string, error) {
	h.builds.Add(1)
	opts := h.opts
	opts.Year, opts.Lang = year, lang
	rep, err := Build(ctx, opts)
	if err != nil {
		return nil, "", err
	}
	if format != "pdf" {
		return rep.HTML, rep.Hash, nil
	}
	// A report printed before is read from the disk without waiting for Chromium.
	if pdf, ok := pdfCache(h.opts.CacheDir).get(rep.Hash); ok {
		return pdf, rep.Hash, nil
	}
	select {
	case h.printing <- struct{}{}:
	case <-ctx.Done():
		return nil, "", ctx.Err()
	}
	defer func() { <-h.printing }()
	body, err := printCached(ctx, pdfCache(h.opts.CacheDir), rep.Hash, rep.HTML)
	if err != nil {
		return nil, "", err
	}
	return body, rep.Hash, nil
}
