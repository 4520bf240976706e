// Package web is kovmon's HTTP face: the JSON/CSV API of spec/interfaces.md, the
// health check, and the mount points of the dashboards and the report. It owns the
// rules that every endpoint shares: one table of routes and the least role each needs
// (routes.go), sign-in, CSRF, body limits, rate limits and security headers
// (guard.go, csp.go), parameters checked against closed lists, errors mapped to
// statuses in one place, and the caches warmed after every write (warm.go). It is the
// HTTP adapter of the application service (package app), which owns the writer, the
// refresh, the inbox and the catalogue in force; cmd/kovmon wires the two.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"ee/kovmon/app"
	"ee/kovmon/auth"
	"ee/kovmon/i18n"
	"ee/kovmon/ingest"
	"ee/kovmon/kov"
	"ee/kovmon/ledger"
	"ee/kovmon/metrics"
	"ee/kovmon/store"
	"ee/kovmon/surveys"
	"ee/kovmon/web/httperr"
)

// Service is the application service the server is the adapter of, with the views
// it builds on each catalogue (the pages and the report).
type Service = app.Service[Views]

// Options wire the server.
type Options struct {
	Log *slog.Logger
	// MaxUpload bounds an upload's size in bytes.
	MaxUpload int64
	// UploadTimeout is how long an upload may take to arrive and load (default 1 h).
	UploadTimeout time.Duration

	// Users may sign in; nil means no sign-in at all and every request acts as admin,
	// which cmd/kovmon allows only on a loopback address.
	Users *auth.Users
	// PublicRequiresLogin: the published figures too need a signed-in user.
	PublicRequiresLogin bool
	// SecureCookies marks cookies Secure even on plain HTTP (TLS ends at a proxy);
	// with TLS here they always are.
	SecureCookies bool
	// SessionTTL is how long a sign-in lasts (default 8 h).
	SessionTTL time.Duration
	// LoginPerMinute and UploadPerMinute are the rate limits per client address
	// (defaults 10 and 60), each with a burst of the same size.
	LoginPerMinute, UploadPerMinute int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the client
	// (clientIP); empty: the peer is the client.
	TrustedProxies []netip.Prefix
	// Hosts are the public host names kovmon is reached by (public_hosts); with the
	// loopback names and the connection's own address they are the only Host headers
	// served (guard.go, allowedHost).
	Hosts []string
}

// Server is the HTTP API of the application service.
type Server struct {
	opts Options
	// app is the application service; its writer warms the caches for the next
	// readers when it has written (warm.go).
	app      *Service
	store    store.Store
	mux      *http.ServeMux
	sessions *auth.Sessions
	limiters map[string]*auth.Limiter
	audit    *auth.Audit
	// hosts are Options.Hosts, normalised (hostName).
	hosts map[string]bool
	// What the writer warms (warm.go): the routes without their guard, the
	// addresses recently asked, the generation last warmed; and /api/status's cache.
	warmMux     *http.ServeMux
	warmRoutes  map[string]Route
	recent      recentAddresses
	warmed      string
	statusCache statusCache
	// pinged is when the store last answered a health check (UnixNano).
	pinged atomic.Int64
}

// New builds the server and its routes on the application service svc.
func New(svc *Service, opts Options) *Server {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.MaxUpload == 0 {
		opts.MaxUpload = 4 << 30
	}
	if opts.SessionTTL == 0 {
		opts.SessionTTL = 8 * time.Hour
	}
	if opts.LoginPerMinute == 0 {
		opts.LoginPerMinute = 10
	}
	if opts.UploadPerMinute == 0 {
		opts.UploadPerMinute = 60
	}
	sessions := auth.NewSessions(opts.SessionTTL)
	sessions.Store, sessions.Log = svc.Store(), opts.Log.With("part", "sessions")
	s := &Server{opts: opts, app: svc, store: svc.Store(), mux: http.NewServeMux(), sessions: sessions,
		audit: &auth.Audit{Store: svc.Store(), Log: opts.Log.With("part", "audit")},
		limiters: map[string]*auth.Limiter{
			limitLogin:  auth.NewLimiter(opts.LoginPerMinute, opts.LoginPerMinute),
			limitUpload: auth.NewLimiter(opts.UploadPerMinute, opts.UploadPerMinute),
		}}
	s.hosts = map[string]bool{}
	for _, h := range opts.Hosts {
		s.hosts[hostName(h)] = true
	}
	// Only the routes of the table are served: anything else is 404, whatever the
	// dashboards or the report would answer.
	s.warmMux, s.warmRoutes = http.NewServeMux(), map[string]Route{}
	for _, rt := range routes() {
		h := rt.handler(s)
		if h == nil {
			h = http.NotFoundHandler()
		}
		s.mux.Handle(rt.Pattern, s.guard(rt, h))
		s.warmMux.Handle(rt.Pattern, h)
		s.warmRoutes[rt.Pattern] = rt
	}
	svc.AfterWrite(s.warmLocked)
	return s
}

// crossOrigin refuses state-changing requests that a browser sends from another site
// (Sec-Fetch-Site, Origin): the CSRF defence that also covers local use without
// sign-in, where a page on the web could otherwise post a file to 127.0.0.1.
var crossOrigin = http.NewCrossOriginProtection()

// ServeHTTP serves the routes, to the host names kovmon answers for only, and in
// local mode state changes from kovmon's own pages or from scripts only.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	securityHeaders(w, r)
	if !s.allowedHost(r) {
		http.Error(w, "kovmon does not answer for this host name; an operator lists the names it is reached by under public_hosts", http.StatusMisdirectedRequest)
		return
	}
	if s.opts.Users == nil && unsafeMethod(r.Method) && !sameOrigin(r) {
		s.fail(w, r, kov.Errorf(kov.Forbidden, "this kovmon has no users file and takes changes only from its own pages or from scripts"))
		return
	}
	crossOrigin.Handler(s.mux).ServeHTTP(w, r)
}

// RestoreSessions takes back the sign-ins that were live when the server last stopped.
func (s *Server) RestoreSessions(ctx context.Context) (int, error) {
	return s.sessions.Restore(ctx, s.opts.Users)
}

// badRequest is a request's parameter outside its closed list.
func badRequest(format string, args ...any) error { return kov.Errorf(kov.Invalid, format, args...) }

// fail answers an error with its status and message (statusOf).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := s.statusOf(r, err)
	http.Error(w, msg, status)
}

// statusOf is the status of an error (its code's, httperr.Status: the pages and the
// report answer the same) and the message shown, in English unless the request asks
// for Estonian (?lang=et). A fault of the service or the store is logged; the reader
// is told which shard does not answer, not where, and nothing of an internal error.
func (s *Server) statusOf(r *http.Request, err error) (int, string) {
	if httperr.Logged(err) {
		s.opts.Log.Error("request failed", "path", r.URL.Path, "err", err)
	}
	lang := i18n.EN
	if r.URL.Query().Get("lang") == i18n.ET {
		lang = i18n.ET
	}
	return httperr.Status(err), httperr.Message(err, lang)
}

// healthz says whether the store answers. A store that answered in the last second
// is taken to answer still: a health check every few milliseconds (a load balancer, a
// load test) would otherwise hold the embedded engine, which runs one statement at a
// time, for a millisecond each.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if last := s.pinged.Load(); last == 0 || time.Since(time.Unix(0, last)) > time.Second {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := s.store.Ping(ctx); err != nil {
			s.fail(w, r, kov.Errorf(kov.Unavailable, "the store does not answer: %w", err))
			return
		}
		s.pinged.Store(time.Now().UnixNano())
	}
	io.WriteString(w, "ok\n")
}

// filterFrom reads the indicator filter of a request; every value is checked against
// a closed list before it reaches a query.
func (s *Server) filterFrom(r *http.Request) (metrics.Filter, error) {
	q := r.URL.Query()
	f := metrics.Filter{Level: kov.Level(q.Get("level")), Boundaries: kov.Boundaries(q.Get("boundaries")), Indicator: q.Get("indicator"),
		EhakCode: q.Get("ehak"), County: q.Get("county"), UnitType: q.Get("type")}
	if y := q.Get("year"); y != "" {
		year, err := strconv.Atoi(y)
		if err != nil {
			return f, badRequest("year must be a number, not %q", y)
		}
		f.Year = year
	}
	if err := f.Validate(s.liveOf(r).Catalogue); err != nil {
		return f, err // kov.Invalid
	}
	return f, nil
}

func (s *Server) indicators(w http.ResponseWriter, r *http.Request) {
	f, err := s.filterFrom(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "csv" && format != "json" {
		s.fail(w, r, badRequest("format must be csv or json, not %q", format))
		return
	}
	if format == "" {
		format = metrics.FormatCSV
	}
	body, err := s.liveOf(r).Figures.Encoded(r.Context(), f, format)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	contentType := "text/csv; charset=utf-8"
	if format == metrics.FormatJSON {
		contentType = "application/json"
	}
	w.Header().Set("Content-Type", contentType)
	w.Write(body)
}

func (s *Server) explain(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	code := q.Get("ehak")
	if code == kov.NationalCode {
		// A municipality's code is checked with the rest of the filter; EE is not one.
		q.Del("ehak")
		r.URL.RawQuery = q.Encode()
	}
	f, err := s.filterFrom(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if f.Indicator == "" || f.Year == 0 || code == "" {
		s.fail(w, r, badRequest("explain needs indicator, year and ehak (a 4-digit code or EE)"))
		return
	}
	ex, err := metrics.Explain(r.Context(), s.store, s.liveOf(r).Catalogue, f.Indicator, f.Year, code, f.Boundaries)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, ex)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	enc.Encode(v)
}

// upload takes a file in the request body and loads it like `kovmon ingest --kind`.
// The body waits in a scratch folder of this process until its load has answered;
// a process killed meanwhile leaves the folder to the next start or load to remove,
// and any rows of the file to roll back (ingest.Recover): the client, whose request
// failed, sends the file again.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("kind")
	if !validKind(kind) {
		s.fail(w, r, badRequest("unknown kind %q", kind))
		return
	}
	name := uploadName(r.URL.Query().Get("name"), kind)
	if r.ContentLength > s.opts.MaxUpload {
		// Refused before a byte of the body is read (or asked for, with Expect:
		// 100-continue).
		s.record(r, "upload", kind+"/"+name, "not_received", fmt.Sprintf("Content-Length %d is over the limit", r.ContentLength))
		s.fail(w, r, s.tooLarge())
		return
	}
	dir, err := os.MkdirTemp(s.app.UploadDir(), ingest.ScratchPattern()+"upload-")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, name)
	if err := saveBody(http.MaxBytesReader(w, r.Body, s.opts.MaxUpload), path); err != nil {
		var tooBig *http.MaxBytesError
		s.record(r, "upload", kind+"/"+name, "not_received", err.Error())
		if errors.As(err, &tooBig) {
			s.fail(w, r, s.tooLarge())
			return
		}
		s.fail(w, r, badRequest("reading the upload: %v", err))
		return
	}
	// A load, once the file is here, finishes even if the client hangs up (app).
	results, err := s.app.Load(r.Context(), "http", []string{path}, kind)
	if err != nil {
		s.record(r, "upload", kind+"/"+name, "error", err.Error())
		s.fail(w, r, err)
		return
	}
	res := results[0]
	// The answer names the file as sent, not where this server kept it.
	res.File = name
	res.Error = strings.ReplaceAll(res.Error, path, name)
	s.record(r, "upload", fmt.Sprintf("%s/%s sha256:%s", kind, name, res.FileID), res.Status,
		fmt.Sprintf("run %s: %d rows read, %d loaded, %d duplicates, %d quarantined %s", res.RunID, res.RowsRead, res.Loaded, res.Duplicates, res.Quarantined, res.Error))
	if res.Status != "loaded" {
		w.WriteHeader(http.StatusUnprocessableEntity)
	}
	writeJSON(w, res)
}

func (s *Server) tooLarge() error {
	return kov.Errorf(kov.TooLarge, "the file is larger than %d bytes", s.opts.MaxUpload)
}

// uploadName is the name an upload is stored and listed under: the base name the
// client gave, on one line (a control character becomes "_": a newline in a name
// broke the `kovmon runs` table), at most 200 bytes; the kind's name if none is left.
func uploadName(given, kind string) string {
	name := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return '_'
		}
		return r
	}, filepath.Base(strings.ReplaceAll(given, "\\", "/")))
	name = strings.TrimSpace(name)
	for len(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "." || name == ".." || name == "/" || name == "" {
		name = kind + "-upload"
	}
	return name
}

// record writes an audit entry for the request's user.
func (s *Server) record(r *http.Request, action, object, outcome, detail string) {
	p := principalOf(r)
	s.audit.Record(r.Context(), auth.Entry{Actor: p.name, Role: p.role.String(), Client: s.clientIP(r),
		Action: action, Object: object, Outcome: outcome, Detail: detail})
}

// runInbox is the scheduled-job control: load what waits in the inbox now (every
// kind, or ?kind=), instead of at the next tick.
func (s *Server) runInbox(w http.ResponseWriter, r *http.Request) {
	kinds := ingest.AllKindNames()
	if k := r.URL.Query().Get("kind"); k != "" {
		if !validKind(k) {
			s.fail(w, r, badRequest("unknown kind %q", k))
			return
		}
		kinds = []string{k}
	}
	results, err := s.app.RunInbox(r.Context(), kinds)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	loaded := 0
	for _, res := range results {
		if res.Status == "loaded" {
			loaded++
		}
	}
	s.record(r, "inbox_run", strings.Join(kinds, ","), "done", fmt.Sprintf("%d files, %d loaded", len(results), loaded))
	if results == nil {
		results = []ingest.FileResult{}
	}
	writeJSON(w, results)
}

// auditLog shows the audit log to admins.
func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) {
	listJSON(s, w, r, 200, s.audit.List)
}

// listJSON answers a list endpoint: the newest limit items (?limit=, 1 to 10000,
// default fallback) as JSON.
func listJSON[T any](s *Server, w http.ResponseWriter, r *http.Request, fallback int, list func(context.Context, int) ([]T, error)) {
	limit, err := intParam(r, "limit", fallback, 10000)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items, err := list(r.Context(), limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if items == nil {
		items = []T{} // [] rather than null
	}
	writeJSON(w, items)
}

func validKind(kind string) bool { return slices.Contains(ingest.AllKindNames(), kind) }

func saveBody(body io.Reader, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func intParam(r *http.Request, name string, fallback, max int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return fallback, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, badRequest("%s must be a number from 1 to %d", name, max)
	}
	return n, nil
}

func (s *Server) quarantine(w http.ResponseWriter, r *http.Request) {
	file, run := r.URL.Query().Get("file"), r.URL.Query().Get("run")
	listJSON(s, w, r, 100, func(ctx context.Context, limit int) ([]ledger.QuarantinedRow, error) {
		return ledger.Quarantine(ctx, s.store, file, run, limit)
	})
}

func (s *Server) files(w http.ResponseWriter, r *http.Request) {
	listJSON(s, w, r, 100, func(ctx context.Context, limit int) ([]ledger.File, error) {
		return ledger.Files(ctx, s.store, limit)
	})
}

func (s *Server) runs(w http.ResponseWriter, r *http.Request) {
	listJSON(s, w, r, 50, func(ctx context.Context, limit int) ([]ledger.Run, error) {
		return ledger.Runs(ctx, s.store, limit)
	})
}

// status says whether the figures are up to date with the data.
func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	answer, err := s.statusAnswer(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, answer)
}

// surveyResponses is the response tracking of one survey year: CSV (rates), JSON (all).
func (s *Server) surveyResponses(w http.ResponseWriter, r *http.Request) {
	year, err := strconv.Atoi(r.URL.Query().Get("year"))
	if err == nil {
		err = surveys.CheckYear(year)
	}
	if err != nil {
		s.fail(w, r, badRequest("year must be a survey year, %d to %d", surveys.MinYear, surveys.MaxYear))
		return
	}
	set := s.app.State().Surveys
	if set == nil {
		s.fail(w, r, errors.New("no survey definitions"))
		return
	}
	rep, err := surveys.Responses(r.Context(), s.store, set, year)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		writeJSON(w, rep)
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		rep.WriteCSV(w)
	case "nonresponse":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		rep.WriteNonRespondentsCSV(w)
	case "distribution":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		rep.WriteDistributionCSV(w)
	default:
		s.fail(w, r, badRequest("format must be json, csv, nonresponse or distribution"))
	}
}
