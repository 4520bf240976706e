package dashboards

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
	"sync"
	"time"

	"ee/kovmon/internal/palette"
	"ee/kovmon/ledger"
	"ee/kovmon/store"
	"ee/kovmon/web/compress"
)

// cachedPage serves the pages made only of the computed figures (and the registry
// and coverage, which change only with a new refresh): each address is rendered once
// per refresh (and per whether the reader may see the ingest ledger, which the
// explanations show). Every query on the embedded engine waits for the one before it,
// so without this 50 clients wait for each other's queries.
func (s *server) cachedPage(build func(*http.Request, view) (string, any, error)) http.HandlerFunc {
	return s.cached(build, func(r *http.Request) (string, error) {
		id, err := s.figures.RefreshID(r.Context())
		return id + " " + strconv.FormatBool(s.provenance(r)), err
	})
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
			return "ledger-" + strconv.FormatUint(ledger.VersionOf(r.Context()), 10) + "-" + refresh, err
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
	body, err := s.execute(name, data)
	return body, v.Lang, err
}

// execute renders a page template with the layout.
func (s *server) execute(name string, data any) ([]byte, error) {
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writePage(w http.ResponseWriter, page *compress.Entry, lang string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", lang)
	compress.Write(w, page)
}

// errorPage is a page saying what went wrong, in lang, with the way back.
type errorPage struct {
	pageBase
	Status  int
	Message string
}

func (s *server) errorPage(w http.ResponseWriter, r *http.Request, status int, lang, msg string) {
	v := view{Lang: lang, Boundaries: "asof", Account: s.account, Assets: s.assets.names, cat: s.cat}
	page := errorPage{pageBase: pageBase{V: v, Path: "/", Title: v.t("error.title", status)}, Status: status, Message: msg}
	body, err := s.execute("error", page)
	if err != nil {
		http.Error(w, msg, status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", lang)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
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

// parseTemplates parses the layout with each page's template.
func parseTemplates() map[string]*template.Template {
	pages := map[string]*template.Template{}
	for _, name := range []string{"overview", "indicator", "municipality", "explain", "compare", "search", "data", "error"} {
		pages[name] = template.Must(template.New(name).Funcs(templateFuncs).ParseFS(embedded,
			"templates/layout.html", "templates/parts.html", "templates/"+name+".html"))
	}
	return pages
}

// templateFuncs are the few helpers the templates need beyond the view's methods.
var templateFuncs = template.FuncMap{
	// colour is a colour of the palette by name, for the swatches the page draws.
	"colour": func(name string) string {
		switch name {
		case "meets":
			return palette.Meets
		case "fails":
			return palette.Fails
		}
		return palette.NoData
	},
}
