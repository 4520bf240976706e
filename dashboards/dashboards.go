// Package dashboards serves kovmon's web pages: the overview of the strategy's goals,
// a page per indicator and per municipality, and a page on what data has been loaded.
// The pages read the computed indicator tables (package metrics) and the ingest ledger,
// draw their charts with go-echarts (the ECharts script is served from disk, never
// from a CDN, because ministries run offline networks), and keep the whole view —
// year, boundary mode, county, linn/vald, language — in the URL query, so that a link
// reproduces what its sender saw. Every chart links to its data as CSV and carries a
// table for screen readers.
package dashboards

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"sync"

	"ee/kovmon/i18n"
	"ee/kovmon/internal/echarts"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/store"
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
}

//go:embed templates/*.html static/*
var assets embed.FS

// server holds what every page needs; it is safe for concurrent requests.
type server struct {
	store       store.Store
	cat         *catalogue.Catalogue
	figures     *metrics.Reader // the computed table, cached between refreshes
	pageCache   pageCache
	factsMu     sync.Mutex
	facts       refreshFacts
	log         *slog.Logger
	echartsPath string
	geo         *geoMap // nil without boundaries
	account     bool
	pages       map[string]*template.Template
}

// New returns the dashboards' handler, to be mounted at "/".
func New(opts Options) http.Handler {
	s := &server{store: opts.Store, cat: opts.Catalogue, figures: opts.Figures, log: opts.Log, echartsPath: opts.EChartsPath, account: opts.Account}
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
	if s.echartsPath == "" {
		s.echartsPath = echarts.Find()
	}
	if len(opts.GeoJSON) > 0 {
		geo, err := loadGeoMap(opts.GeoJSON)
		if err != nil {
			s.log.Warn("no map: the indicator pages show the ranking only", "err", err)
		} else {
			s.geo = geo
		}
	}
	s.pages = parseTemplates()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.cachedPage(s.overview))
	mux.HandleFunc("GET /indicator/{id}", s.cachedPage(s.indicator))
	mux.HandleFunc("GET /municipality/{ehak}", s.cachedPage(s.municipality))
	mux.HandleFunc("GET /data", s.briefPage(s.dataPage))
	mux.HandleFunc("GET /extract.csv", s.extractCSV)
	mux.HandleFunc("GET /coverage.csv", s.coverageCSV)
	mux.HandleFunc("GET /assets/echarts.min.js", s.echartsScript)
	mux.HandleFunc("GET /assets/map-ee2018.js", s.mapScript)
	mux.HandleFunc("GET /geo/ee2018.json", s.mapJSON)
	mux.HandleFunc("GET /assets/dashboards.css", s.stylesheet)
	return mux
}

// errBadRequest marks a query parameter outside its closed list: a 400, not a 500.
var errBadRequest = errors.New("bad request")

func badRequest(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errBadRequest, fmt.Sprintf(format, args...))
}

// errNotFound marks an unknown indicator or municipality.
var errNotFound = errors.New("not found")

// fail answers an error with the status its kind calls for, in one place.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	var down *store.ShardsDownError
	switch {
	case errors.Is(err, errBadRequest):
		status = http.StatusBadRequest
	case errors.Is(err, errNotFound):
		status = http.StatusNotFound
	case errors.As(err, &down):
		status = http.StatusServiceUnavailable
		s.log.Error("page failed", "path", r.URL.Path, "err", err)
	default:
		s.log.Error("page failed", "path", r.URL.Path, "err", err)
	}
	msg := err.Error()
	switch {
	case down != nil:
		// Which shard, not where: the address is in the log.
		msg = i18n.T(i18n.Normalize(r.URL.Query().Get("lang")), "common.shard_down", down.ShardNumbers())
	case status == http.StatusInternalServerError:
		msg = "internal error: the log has the details"
	}
	http.Error(w, msg, status)
}
