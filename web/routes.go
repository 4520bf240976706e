package web

import (
	"net/http"
	"time"

	"ee/kovmon/auth"
	"ee/kovmon/ledger"
)

// Route is one entry of the access table: a ServeMux pattern, the least role that may
// use it, and the limits it runs under. The server registers exactly these routes and
// nothing else, so a page the dashboards add is unreachable (404) until it has a
// line here; TestRoleMatrix reads the same table and the dashboards' source to make
// sure of that.
type Route struct {
	Pattern string
	Role    auth.Role
	// Params are the query parameters the route reads: the hostile-value test and the
	// fuzz test feed each of them.
	Params []string
	// Body bounds the request body; 0: smallBody.
	Body int64
	// Limit names the per-client rate limit the route takes a token from ("" none).
	Limit string
	// Deadline, when set, replaces the server's read and write timeouts for this route
	// (uploads of gigabytes, a PDF printed by Chromium).
	Deadline time.Duration
	// OwnCSRF: the handler checks a CSRF token of its own (the login form's
	// double-submit cookie), not the session's.
	OwnCSRF bool
	// DocumentScripts: the response is a self-contained document whose inline scripts
	// are all its own (the annual report inlines ECharts to work offline); elsewhere
	// only inline scripts of the chart form are allowed (csp.go).
	DocumentScripts bool
	// Warm: the answers are kept per refresh of the figures (or change of the
	// ledger), and the writer renders the recently asked ones again after a change
	// (warm.go), so that readers do not wait for the engine behind the next load.
	Warm bool

	handler func(s *Server) http.Handler
}

// smallBody is what a request other than an upload may send: a login form at most.
const smallBody = 64 << 10

// Rate-limit names.
const (
	limitLogin  = "login"
	limitUpload = "upload"
)

var viewParams = []string{"year", "boundaries", "county", "type", "pop", "lang"}

// routes is the access table of issue 9: public figures, analyst provenance and raw
// data, admin uploads, job control and audit. Order does not matter (ServeMux picks
// the most specific pattern).
func routes() []Route {
	// view serves with a handler of the catalogue in force, looked up per request.
	view := func(of func(Views) http.Handler) func(*Server) http.Handler {
		return func(s *Server) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				l := s.liveOf(r)
				h := of(l.Views)
				if h == nil {
					h = http.NotFoundHandler()
				}
				h.ServeHTTP(w, r.WithContext(ledger.WithVersion(r.Context(), l.Ledger)))
			})
		}
	}
	page := view(func(v Views) http.Handler { return v.Pages })
	fn := func(f func(*Server, http.ResponseWriter, *http.Request)) func(*Server) http.Handler {
		return func(s *Server) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { f(s, w, r) })
		}
	}
	filter := []string{"year", "level", "boundaries", "indicator", "ehak", "county", "type"}
	return []Route{
		// Anyone: what must work before a login.
		{Pattern: "GET /healthz", Role: auth.Anyone, handler: fn((*Server).healthz)},
		{Pattern: "GET /login", Role: auth.Anyone, Params: []string{"next"}, handler: fn((*Server).loginForm)},
		{Pattern: "POST /login", Role: auth.Anyone, Limit: limitLogin, OwnCSRF: true, handler: fn((*Server).login)},
		{Pattern: "POST /logout", Role: auth.Anyone, handler: fn((*Server).logout)},
		// The static files (stylesheet, scripts, ECharts, the map), named by their content.
		{Pattern: "GET /assets/{name}", Role: auth.Anyone, handler: page},
		// Any other path asked for: the pages' 404, in the language asked for (?lang=).
		{Pattern: "GET /", Role: auth.Anyone, Params: []string{"lang"}, handler: page},

		// Public: the published statistics.
		{Pattern: "GET /{$}", Role: auth.Public, Params: viewParams, Warm: true, handler: page},
		{Pattern: "GET /indicator/{id}", Role: auth.Public, Params: viewParams, Warm: true, handler: page},
		{Pattern: "GET /municipality/{ehak}", Role: auth.Public, Params: viewParams, Warm: true, handler: page},
		{Pattern: "GET /explain/{id}/{ehak}", Role: auth.Public, Params: viewParams, handler: page},
		{Pattern: "GET /compare", Role: auth.Public, Params: append(viewParams, "ehak"), handler: page},
		{Pattern: "GET /search", Role: auth.Public, Params: []string{"q", "lang"}, handler: page},
		{Pattern: "GET /extract.csv", Role: auth.Public, Params: append(viewParams, "indicator", "level", "ehak", "format"), Warm: true, handler: page},
		{Pattern: "GET /extract.xlsx", Role: auth.Public, Params: append(viewParams, "indicator", "level", "ehak"), handler: page},
		{Pattern: "GET /geo/ee2018.json", Role: auth.Public, handler: page},
		{Pattern: "GET /report", Role: auth.Public, Params: []string{"year", "lang", "format"}, Warm: true, Deadline: 5 * time.Minute, DocumentScripts: true,
			handler: view(func(v Views) http.Handler { return v.Report })},
		{Pattern: "GET /api/indicators", Role: auth.Public, Params: append(filter, "format"), Warm: true, handler: fn((*Server).indicators)},
		{Pattern: "GET /api/catalogue", Role: auth.Public, handler: fn((*Server).catalogueFile)},

		// Analyst: provenance, per-row data, quarantine lines.
		{Pattern: "GET /data", Role: auth.Analyst, Params: viewParams, Warm: true, handler: page},
		{Pattern: "GET /coverage.csv", Role: auth.Analyst, Params: append(viewParams, "ehak"), handler: page},
		{Pattern: "GET /api/explain", Role: auth.Analyst, Params: []string{"indicator", "year", "ehak", "boundaries"}, handler: fn((*Server).explain)},
		{Pattern: "GET /api/quarantine", Role: auth.Analyst, Params: []string{"file", "run", "limit"}, handler: fn((*Server).quarantine)},
		{Pattern: "GET /api/files", Role: auth.Analyst, Params: []string{"limit"}, handler: fn((*Server).files)},
		{Pattern: "GET /api/runs", Role: auth.Analyst, Params: []string{"limit"}, handler: fn((*Server).runs)},
		{Pattern: "GET /api/status", Role: auth.Analyst, Warm: true, handler: fn((*Server).status)},
		{Pattern: "GET /api/surveys/responses", Role: auth.Analyst, Params: []string{"year", "format"}, handler: fn((*Server).surveyResponses)},
		{Pattern: "GET /api/catalogue/history", Role: auth.Analyst, Params: []string{"limit"}, handler: fn((*Server).catalogueHistory)},

		// Admin: changing the figures, running the jobs, reading the audit log.
		{Pattern: "POST /api/ingest/{kind}", Role: auth.Admin, Params: []string{"name"}, Body: -1, Limit: limitUpload, Deadline: time.Hour,
			handler: fn((*Server).upload)},
		{Pattern: "POST /api/inbox/run", Role: auth.Admin, Params: []string{"kind"}, Deadline: time.Hour, handler: fn((*Server).runInbox)},
		{Pattern: "GET /api/audit", Role: auth.Admin, Params: []string{"limit"}, handler: fn((*Server).auditLog)},
		{Pattern: "PUT /api/catalogue", Role: auth.Admin, Body: maxCatalogue, handler: fn((*Server).putCatalogue)},
		{Pattern: "GET /admin", Role: auth.Admin, Params: []string{"limit", "changed", "lang"}, handler: fn((*Server).adminPage)},
		{Pattern: "POST /admin/catalogue", Role: auth.Admin, Params: []string{"lang"}, Body: 3 * maxCatalogue, handler: fn((*Server).postCatalogue)},
	}
}

// Routes lists the access table, for tests and documentation.
func Routes() []Route { return routes() }
