package dashboards

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
	"sync"
	"time"

	"ee/kovmon/ingest"
	"ee/kovmon/internal/echarts"
	"ee/kovmon/metrics"
	"ee/kovmon/spreadsheet"
	"ee/kovmon/store"
	"ee/kovmon/web/compress"
)

// cachedPage serves the pages made only of the computed figures (and the registry
// and coverage, which change only with a new refresh): each address is rendered once
// per refresh. Every query on the embedded engine waits for the one before it, so
// without this 50 clients wait for each other's queries.
func (s *server) cachedPage(build func(*http.Request, view) (string, any, error)) http.HandlerFunc {
	return s.cached(build, func(r *http.Request) (string, error) { return s.figures.RefreshID(r.Context()) })
}

// briefPage serves the data page, which shows the ingest ledger: it changes with
// every load. An embedded data folder is loaded by this process only, so a rendering
// is kept until this process changes the ledger (or the figures); on a ClickHouse
// server other processes load too, and a rendering is kept for a few seconds only —
// enough that a crowd of readers does not queue for the same dozen queries.
func (s *server) briefPage(build func(*http.Request, view) (string, any, error)) http.HandlerFunc {
	const keep = 3 * time.Second
	return s.cached(build, func(r *http.Request) (string, error) {
		if store.Embedded(s.store) {
			refresh, err := s.figures.RefreshID(r.Context())
			return "ledger-" + strconv.FormatUint(ingest.LedgerVersionOf(r.Context()), 10) + "-" + refresh, err
		}
		return strconv.FormatInt(time.Now().UnixNano()/int64(keep), 10), nil
	})
}

// cached serves a rendering of the page for as long as generation answers the same.
func (s *server) cached(build func(*http.Request, view) (string, any, error), generation func(*http.Request) (string, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		gen, err := generation(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p, err := s.pageCache.get(gen+" "+r.URL.RequestURI(), func() (renderedPage, error) {
			body, lang, err := s.render(r, build)
			if err != nil {
				return renderedPage{}, err
			}
			// Kept with its entry in the compress memo: served with no copy or hash.
			return renderedPage{compress.Remember(body), lang}, nil
		})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writePage(w, p.page, p.lang)
	}
}

// render builds a page into a buffer first, so that an error still gets a clean status.
func (s *server) render(r *http.Request, build func(*http.Request, view) (string, any, error)) ([]byte, string, error) {
	v, err := s.requestView(r)
	if err != nil {
		return nil, "", err
	}
	name, data, err := build(r, v)
	if err != nil {
		return nil, "", err
	}
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), v.Lang, nil
}

func writePage(w http.ResponseWriter, page *compress.Entry, lang string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", lang)
	compress.Write(w, page)
}

// renderedPage is a page as served.
type renderedPage struct {
	page *compress.Entry // the page's bytes, remembered (web/compress)
	lang string
}

// pageCache holds rendered pages by generation and address; it starts over when full,
// and entries of older generations are never asked for again. Requests for a page
// being rendered wait for that rendering instead of starting their own.
type pageCache struct {
	mu    sync.Mutex
	pages map[string]*pageFlight
}

type pageFlight struct {
	done chan struct{}
	page renderedPage
	err  error
}

const maxCachedPages = 2048

func (c *pageCache) get(key string, render func() (renderedPage, error)) (renderedPage, error) {
	c.mu.Lock()
	f, ok := c.pages[key]
	if !ok {
		if c.pages == nil || len(c.pages) >= maxCachedPages {
			c.pages = map[string]*pageFlight{}
		}
		f = &pageFlight{done: make(chan struct{})}
		c.pages[key] = f
	}
	c.mu.Unlock()
	if !ok {
		f.page, f.err = render()
		if f.err != nil {
			c.mu.Lock()
			delete(c.pages, key) // errors are not kept: the next request tries again
			c.mu.Unlock()
		}
		close(f.done)
	}
	<-f.done
	return f.page, f.err
}

// extractCSV answers the figures of a filter in the extract's columns
// (metrics.WriteCSV): the chart links and the whole extract of the overview. Beyond
// the view it takes indicator, level and ehak, each checked like the view.
func (s *server) extractCSV(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v, err := s.readView(r.Context(), q, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := v.filter()
	f.Indicator, f.Level, f.EhakCode = q.Get("indicator"), q.Get("level"), q.Get("ehak")
	if err := f.Validate(s.cat); err != nil {
		s.fail(w, r, badRequest("%v", err))
		return
	}
	if f.EhakCode != "" && !v.reg.Known(f.EhakCode) {
		s.fail(w, r, badRequest("municipality %q is not in the registry", f.EhakCode))
		return
	}
	// The extract as the reader keeps it encoded, once per refresh and filter (the
	// web layer compresses it once too).
	body, err := s.figures.Encoded(r.Context(), f, metrics.FormatCSV)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeCSVHeaders(w, "kovmon-"+extractName(f)+".csv")
	w.Write(body)
}

// extractName names a download after what it holds.
func extractName(f metrics.Filter) string {
	name := f.Boundaries
	for _, part := range []string{f.Indicator, f.Level, f.EhakCode, f.County, f.UnitType} {
		if part != "" {
			name += "-" + part
		}
	}
	if f.Year != 0 {
		name += "-" + strconv.Itoa(f.Year)
	}
	return name
}

func writeCSVHeaders(w http.ResponseWriter, filename string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
}

// coverageCSV answers a municipality's (or every unit's) rows per source and year.
func (s *server) coverageCSV(w http.ResponseWriter, r *http.Request) {
	v, err := s.readView(r.Context(), r.URL.Query(), false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ehak := r.URL.Query().Get("ehak")
	if ehak != "" && !v.reg.Known(ehak) {
		s.fail(w, r, badRequest("municipality %q is not in the registry", ehak))
		return
	}
	rows, err := s.coverage(r.Context(), v, ehak)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeCSVHeaders(w, "kovmon-coverage-"+v.Boundaries+"-"+orAll(ehak)+".csv")
	cw := spreadsheet.NewWriter(w)
	cw.Write([]string{"source", "year", "rows"})
	for _, c := range rows {
		cw.Write([]string{c.Source, strconv.Itoa(c.Year), strconv.FormatInt(c.Rows, 10)})
	}
	cw.Flush()
}

func orAll(s string) string {
	if s == "" {
		return "all"
	}
	return s
}

// echartsScript serves echarts.min.js from disk; it changes only with `make deps`,
// so browsers may keep it for a long time.
func (s *server) echartsScript(w http.ResponseWriter, r *http.Request) {
	if s.echartsPath == "" {
		http.Error(w, "echarts.min.js not found: run `make deps` or set "+echarts.Env, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeFile(w, r, s.echartsPath)
}

// stylesheet serves the embedded CSS.
func (s *server) stylesheet(w http.ResponseWriter, r *http.Request) {
	css, err := assets.ReadFile("static/dashboards.css")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(css)
}

// parseTemplates parses the layout with each page's template.
func parseTemplates() map[string]*template.Template {
	pages := map[string]*template.Template{}
	for _, name := range []string{"overview", "indicator", "municipality", "data"} {
		pages[name] = template.Must(template.New(name).Funcs(templateFuncs).ParseFS(assets,
			"templates/layout.html", "templates/parts.html", "templates/"+name+".html"))
	}
	return pages
}

// templateFuncs are the few helpers the templates need beyond the view's methods.
var templateFuncs = template.FuncMap{
	"list": func(items ...string) []string { return items },
}
