package web

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"ee/kovmon/auth"
	"ee/kovmon/kov"
	"ee/kovmon/web/compress"
)

// Cookie names. The session cookie is the only credential a browser holds.
const (
	sessionCookie = "kovmon_session"
	loginCSRF     = "kovmon_login_csrf"
	csrfHeader    = "X-CSRF-Token"
	csrfField     = "csrf"
)

// principal is who a request acts for.
type principal struct {
	name    string // "" anonymous
	role    auth.Role
	session *auth.Session // nil for tokens, anonymous and local mode
}

type principalKey struct{}

// MayReadLedger tells whether the request's user may read the ingest ledger (files,
// runs): the analyst role, as /data. The dashboards show the files and runs behind a
// figure to them only.
func MayReadLedger(r *http.Request) bool { return principalOf(r).role >= auth.Analyst }

func principalOf(r *http.Request) principal {
	p, _ := r.Context().Value(principalKey{}).(principal)
	return p
}

// errBadToken: an Authorization header that names no user is refused outright rather
// than served as anonymous, so that a script with a stale token fails loudly.
type authResult int

const (
	authOK authResult = iota
	authBadToken
)

// who reads the credentials of a request: a bearer token, else the session cookie,
// else nobody. Without a users file (local use on loopback) everyone is admin.
func (s *Server) who(r *http.Request) (principal, authResult) {
	if s.opts.Users == nil {
		return principal{name: "local", role: auth.Admin}, authOK
	}
	anonymous := principal{role: auth.Public}
	if s.opts.PublicRequiresLogin {
		anonymous.role = auth.Anyone
	}
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		u := s.opts.Users.ByToken(strings.TrimSpace(token))
		if !ok || u == nil {
			return anonymous, authBadToken
		}
		return principal{name: u.Name, role: u.Level()}, authOK
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		if sess := s.sessions.Get(c.Value); sess != nil {
			return principal{name: sess.User, role: sess.Role, session: sess}, authOK
		}
	}
	return anonymous, authOK
}

// clientIP is the client's address, for the rate limits and the audit log: the
// peer's, unless the peer is one of Options.TrustedProxies, in which case it is the
// address that proxy says it forwarded for. X-Forwarded-For is read from the right,
// skipping trusted proxies, so that a client cannot choose its own address by
// sending the header itself: only what a trusted proxy appended counts.
func (s *Server) clientIP(r *http.Request) string {
	peer := hostOf(r.RemoteAddr)
	if len(s.opts.TrustedProxies) == 0 {
		return peer
	}
	addr, err := netip.ParseAddr(peer)
	if err != nil || !s.trusted(addr) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer // a hop that is not an address: trust nothing before it
		}
		if !s.trusted(hop) {
			return hop.Unmap().String()
		}
	}
	return peer
}

func (s *Server) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.opts.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// allowedHost reports whether a request names a host kovmon answers for: a loopback
// name or address, the address the client connected to, or one of Options.Hosts.
// This is the defence against DNS rebinding: a page of evil.example whose name an
// attacker has pointed at 127.0.0.1 reaches kovmon as the same origin as itself, so
// neither CORS nor Sec-Fetch-Site stops it, but its requests say Host: evil.example.
// An address in Host cannot be rebound (the page would be kovmon's own origin), so
// the connection's own address is served without configuration.
func (s *Server) allowedHost(r *http.Request) bool {
	name := hostName(r.Host)
	if name == "" {
		return false
	}
	if name == "localhost" || s.hosts[name] {
		return true
	}
	addr, err := netip.ParseAddr(name)
	if err != nil {
		return false
	}
	if addr.Unmap().IsLoopback() {
		return true
	}
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return false
	}
	own, err := netip.ParseAddrPort(local.String())
	return err == nil && own.Addr().Unmap() == addr.Unmap()
}

// hostName is the host of a Host header or URL authority without port, brackets
// and trailing dot, in lower case.
func hostName(hostport string) string {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	return strings.ToLower(host)
}

// sameOrigin reports whether a state-changing request comes from kovmon's own pages
// (its Origin is the host it was sent to) or from a script, which sends no Origin.
// Without a users file every request is admin, so this is checked on top of
// http.CrossOriginProtection, which believes a Sec-Fetch-Site: same-origin.
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return hostName(u.Host) == hostName(r.Host) && portOf(u) == portOf(&url.URL{Scheme: u.Scheme, Host: r.Host})
}

// portOf is the port of a URL, its scheme's default when it names none.
func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

func hostOf(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return host
}

// guard wraps a route's handler with the rules every route shares, in this order:
// the body limit, the deadline, who is asking and whether their role suffices, the
// CSRF token of a signed-in browser, the rate limit, and the security headers with
// the content security policy.
func (s *Server) guard(rt Route, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case rt.Body == 0:
			r.Body = http.MaxBytesReader(w, r.Body, smallBody)
		case rt.Body > 0:
			r.Body = http.MaxBytesReader(w, r.Body, rt.Body)
		}
		if d := s.deadline(rt); d > 0 {
			rc := http.NewResponseController(w)
			rc.SetReadDeadline(time.Now().Add(d))
			rc.SetWriteDeadline(time.Now().Add(d))
		}
		if rt.Role >= auth.Analyst {
			w.Header().Set("Cache-Control", "private, no-store") // per-row data: not for shared caches
		}
		p, res := s.who(r)
		if res == authBadToken {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kovmon", error="invalid_token"`)
			s.fail(w, r, kov.Errorf(kov.Unauthorized, "the API token is not valid"))
			return
		}
		if p.role < rt.Role {
			s.refuse(w, r, rt, p)
			return
		}
		if unsafeMethod(r.Method) && p.session != nil && !rt.OwnCSRF {
			if !auth.Equal(csrfToken(r), p.session.CSRF) {
				s.fail(w, r, kov.Errorf(kov.Forbidden, "missing or wrong CSRF token: reload the page and try again"))
				return
			}
		}
		if l := s.limiters[rt.Limit]; l != nil && !l.Allow(s.clientIP(r)) {
			w.Header().Set("Retry-After", "60")
			s.fail(w, r, kov.Errorf(kov.TooMany, "too many requests from this address; wait a minute"))
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
		s.rememberAddress(rt, r, serveWrapped(w, r, rt, h))
	})
}

// serveWrapped serves r through h with the route's content security policy, then
// compressed, and returns the status: the one way every answer is made, so that the
// answers warmed ahead (warmLocked) are the bytes readers are served. The policy is
// worked out of the plain page, then the page is compressed: both once per distinct
// body (compress's memo).
func serveWrapped(w http.ResponseWriter, r *http.Request, rt Route, h http.Handler) int {
	gz := compress.NewWriter(w, r)
	cw := &cspWriter{ResponseWriter: gz, documentScripts: rt.DocumentScripts}
	h.ServeHTTP(cw, r)
	cw.finish()
	gz.Close()
	return cw.statusOrOK()
}

func (s *Server) deadline(rt Route) time.Duration {
	if rt.Body < 0 && s.opts.UploadTimeout > 0 {
		return s.opts.UploadTimeout
	}
	return rt.Deadline
}

// refuse answers a request whose role does not suffice: nobody signed in gets 401 (a
// browser asking for a page is sent to the login form), a signed-in user 403, which
// the audit log keeps.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, rt Route, p principal) {
	if p.name == "" {
		if r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/html") {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="kovmon"`)
		s.fail(w, r, kov.Errorf(kov.Unauthorized, "sign in first: /login, or an API token in Authorization: Bearer"))
		return
	}
	s.audit.Record(r.Context(), auth.Entry{Actor: p.name, Role: p.role.String(), Client: s.clientIP(r), Action: "denied",
		Object: r.Method + " " + r.URL.Path, Outcome: "forbidden", Detail: "needs " + rt.Role.String()})
	s.fail(w, r, kov.Errorf(kov.Forbidden, "your role (%s) may not use this; it needs %s", p.role, rt.Role))
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// csrfToken is the token a state-changing request carries: a header for scripts in
// the page, a form field for forms. The form is read only for form bodies, so that an
// upload's body is never parsed here.
func csrfToken(r *http.Request) string {
	if t := r.Header.Get(csrfHeader); t != "" {
		return t
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return r.PostFormValue(csrfField)
	}
	return ""
}

// securityHeaders go on every answer, a 404 too; HTML pages get their script policy
// from cspWriter.
func securityHeaders(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if r.TLS != nil {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
}
