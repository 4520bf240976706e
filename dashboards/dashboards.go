// Package dashboards serves kovmon's web pages: the overview of the strategy's goals
// against their targets, a page per indicator and per municipality, how each figure
// was made, municipalities side by side, a search by name, and what data has been
// loaded. The pages read the computed indicator tables (package metrics) and the
// ingest ledger, draw their charts with go-echarts (the ECharts script is served by
// kovmon, never from a CDN, because ministries run offline networks), and keep the
// whole view — year, boundary mode, peer group, language — in the URL query, so that
// a link reproduces what its sender saw. Every chart links to its data as CSV, offers
// a PNG of itself, and carries a table for screen readers; every text is in the
// page's one language (package i18n).
package dashboards

import (
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"sync"

	"ee/kovmon/i18n"
	"ee/kovmon/internal/echarts"
	"ee/kovmon/kov"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/store"
	"ee/kovmon/web/httperr"
)

// Options configure the pages.
type Options struct {
	Store     store.Store
	Catalogue *catalogue.Catalogue // nil: catalogue.Default()
	// Figures reads the computed table of Catalogue; nil: a reader of its own. The
	// server shares one with its API, so that one cache serves both.
	Figures *metrics.Reader
	Log     *slog.Logger // nil: slog.Default()
	// EChartsPath is echarts.min.js on disk; empty: echarts.Find().
	EChartsPath string
	// GeoJSON holds the post-2017 municipal boundaries (properties OKOOD, ONIMI;
	// refdata ships them); empty: the indicator pages say there is no map and show
	// the ranking.
	GeoJSON []byte
	// Account links every page to the account page (/login: sign in and out, the
	// admin page). A page is rendered once for everyone, so the link is the same for
	// all; the account page itself says who is signed in.
	Account bool
	// Provenance tells whether a request may see the files and ingest runs behind a
	// figure (analysts: the access table gives the ledger to them); nil: everyone may.
	Provenance func(*http.Request) bool
}

//go:embed templates/*.html static/*
var embedded embed.FS

// server holds what every page needs; it is safe for concurrent requests.
type server struct {
	store      store.Store
	cat        *catalogue.Catalogue
	figures    *metrics.Reader // the computed table, cached between refreshes
	pageCache  pageCache
	factsMu    sync.Mutex
	facts      refreshFacts
	log        *slog.Logger
	geo        *geoMap // nil without boundaries
	assets     assetSet
	account    bool
	provenance func(*http.Request) bool
	pages      map[string]*template.Template
}

// New returns the dashboards' handler, to be mounted at "/".
func New(opts Options) http.Handler {
	s := &server{store: opts.Store, cat: opts.Catalogue, figures: opts.Figures, log: opts.Log, account: opts.Account,
		provenance: opts.Provenance}
	if s.cat == nil {
		s.cat = catalogue.Default()
	}
	if s.figures == nil {
		s.figures = metrics.NewReader(opts.Store, s.cat)
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.log = s.log.With("part", "dashboards")
	if s.provenance == nil {
		s.provenance = func(*http.Request) bool { return true }
	}
	echartsPath := opts.EChartsPath
	if echartsPath == "" {
		echartsPath = echarts.Find()
	}
	if len(opts.GeoJSON) > 0 {
		geo, err := loadGeoMap(opts.GeoJSON)
		if err != nil {
			s.log.Warn("no map: the indicator pages show the ranking only", "err", err)
		} else {
			s.geo = geo
		}
	}
	s.assets = buildAssets(echartsPath, s.geo, s.log)
	s.pages = parseTemplates()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.cachedPage(s.overview))
	mux.HandleFunc("GET /indicator/{id}", s.cachedPage(s.indicator))
	mux.HandleFunc("GET /municipality/{ehak}", s.cachedPage(s.municipality))
	mux.HandleFunc("GET /explain/{id}/{ehak}", s.cachedPage(s.explain))
	mux.HandleFunc("GET /compare", s.cachedPage(s.compare))
	mux.HandleFunc("GET /search", s.search)
	mux.HandleFunc("GET /data", s.briefPage(s.dataPage))
	mux.HandleFunc("GET /extract.csv", s.extractCSV)
	mux.HandleFunc("GET /extract.xlsx", s.extractXLSX)
	mux.HandleFunc("GET /coverage.csv", s.coverageCSV)
	mux.HandleFunc("GET /assets/{name}", s.asset)
	mux.HandleFunc("GET /geo/ee2018.json", s.mapJSON)
	// Any other path is the dashboards' 404 page, in the language asked for.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern == "" {
			s.notFound(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// badRequest and notFound are a request's errors (a parameter outside its closed
// list; an unknown page, indicator or municipality), each with its text in the
// catalogue (key and arguments) so that the error page speaks the page's language.
func badRequest(key string, args ...any) error {
	return kov.Localized(kov.Invalid, i18n.T(i18n.EN, key, args...), key, args...)
}

func notFound(key string, args ...any) error {
	return kov.Localized(kov.NotFound, i18n.T(i18n.EN, key, args...), key, args...)
}

// fail answers an error with the status its code calls for (httperr.Status: the API
// and the report answer the same), as a page in the request's language (or the
// default one when the language was the problem). A fault of the service or the
// store is logged; the page says which shard does not answer, not where.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if httperr.Logged(err) {
		s.log.Error("page failed", "path", r.URL.Path, "err", err)
	}
	lang := i18n.Normalize(r.URL.Query().Get(paramLang))
	if r.URL.Query().Get(paramLang) != lang {
		lang = i18n.Default
	}
	s.errorPage(w, r, httperr.Status(err), lang, httperr.Message(err, lang))
}

// notFound answers a path the dashboards do not have.
func (s *server) notFound(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, notFound("error.no_page", r.URL.Path))
}
