package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"ee/kovmon/auth"
	"ee/kovmon/i18n"
	"ee/kovmon/kov"
)

// The login form is the service's own page, in both languages at once (it is the one
// page shown before anyone has chosen), with no script at all. To someone signed in
// it is the account page: who they are, sign out, and for an admin the admin page.
var loginPage = template.Must(template.New("login").Funcs(template.FuncMap{"both": bothLanguages}).Parse(`<!DOCTYPE html>
<html lang="et">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{both "login.title"}} · kovmon</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/assets/dashboards.css"></head>
<body><main>
{{if .Local}}
<h1>{{both "login.local"}}</h1>
<p><a id="admin-link" href="/admin">{{both "admin.link"}}</a></p>
<p><a href="/">kovmon</a></p>
{{else if .User}}
<h1>{{.User}} ({{.Role}})</h1>
<form method="post" action="/logout"><input type="hidden" name="csrf" value="{{.CSRF}}">
<button type="submit" id="logout">{{both "login.sign_out"}}</button></form>
{{if .Admin}}<p><a id="admin-link" href="/admin">{{both "admin.link"}}</a></p>{{end}}
<p><a href="/">kovmon</a></p>
{{else}}
<h1>{{both "login.title"}}</h1>
{{if .Failed}}<p role="alert" id="login-failed">{{both "login.failed"}}</p>{{end}}
<form method="post" action="/login">
<input type="hidden" name="csrf" value="{{.CSRF}}"><input type="hidden" name="next" value="{{.Next}}">
<p><label>{{both "login.name"}} <input name="name" autocomplete="username" required maxlength="64"></label></p>
<p><label>{{both "login.password"}} <input name="password" type="password" autocomplete="current-password" required maxlength="1024"></label></p>
<p><button type="submit" id="login">{{both "login.sign_in"}}</button></p>
</form>
{{end}}
</main></body></html>
`))

// bothLanguages is a text in Estonian, then English.
func bothLanguages(key string) string { return i18n.T(i18n.ET, key) + " · " + i18n.T(i18n.EN, key) }

type loginView struct {
	User, Role, CSRF, Next string
	Failed, Admin          bool
	Local                  bool // no users file: nobody signs in, everyone is admin
}

// safeNext keeps a redirect after login on this site: a path on this host, or "/".
// It judges the URL as a browser will read the Location header, not as it is
// written: a browser removes tabs and newlines anywhere, trims controls and spaces
// at the ends and reads a backslash as a slash, so "/\t/evil.example" is
// "//evil.example", another host. Anything a browser would change is refused whole
// rather than cleaned, and what is left must parse as a path with no scheme or host.
func safeNext(next string) string {
	if len(next) > 2048 || !strings.HasPrefix(next, "/") {
		return "/"
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return "/"
		}
	}
	if strings.HasPrefix(next, "//") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	if resolved := siteBase.ResolveReference(u); resolved.Host != siteBase.Host || resolved.Scheme != siteBase.Scheme {
		return "/"
	}
	return next
}

// siteBase stands for this site when safeNext resolves a path.
var siteBase = &url.URL{Scheme: "https", Host: "kovmon.invalid", Path: "/login"}

func (s *Server) cookie(r *http.Request, name, value, path string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil || s.opts.SecureCookies}
}

// loginForm shows the form (with a fresh double-submit CSRF token in a cookie and a
// hidden field) or, to someone signed in, who they are and the sign-out button.
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	v := loginView{Next: safeNext(r.URL.Query().Get("next")), Failed: r.URL.Query().Has("failed")}
	if s.opts.Users == nil {
		v.Local = true
	} else if p := principalOf(r); p.session != nil {
		v.User, v.Role, v.CSRF, v.Admin = p.name, p.role.String(), p.session.CSRF, p.role >= auth.Admin
	} else {
		v.CSRF = auth.RandomToken()
		http.SetCookie(w, s.cookie(r, loginCSRF, v.CSRF, "/login", 3600))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	loginPage.Execute(w, v)
}

// login checks the form's CSRF token against its cookie, then the name and password;
// a success starts a new session (a fresh id: an id planted before login is worth
// nothing) and is recorded, and so is a failure.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if s.opts.Users == nil {
		s.fail(w, r, kov.Errorf(kov.NotFound, "this kovmon has no users file: there is nobody to sign in as"))
		return
	}
	c, err := r.Cookie(loginCSRF)
	if err != nil || c.Value == "" || !auth.Equal(c.Value, r.PostFormValue(csrfField)) {
		s.fail(w, r, kov.Errorf(kov.Forbidden, "missing or wrong CSRF token: open /login again"))
		return
	}
	name := r.PostFormValue("name")
	next := safeNext(r.PostFormValue("next"))
	entry := auth.Entry{Actor: truncate(name, 64), Client: s.clientIP(r), Action: "login", Object: "session"}
	u := s.opts.Users.Login(name, r.PostFormValue("password"))
	if u == nil {
		entry.Outcome = "failed"
		s.audit.Record(r.Context(), entry)
		http.Redirect(w, r, "/login?failed=1&next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	if old, err := r.Cookie(sessionCookie); err == nil {
		s.sessions.End(r.Context(), old.Value)
	}
	sess := s.sessions.Start(r.Context(), u)
	http.SetCookie(w, s.cookie(r, sessionCookie, sess.ID, "/", int(s.sessions.TTL/time.Second)))
	http.SetCookie(w, s.cookie(r, loginCSRF, "", "/login", -1))
	entry.Role, entry.Outcome = sess.Role.String(), "ok"
	s.audit.Record(r.Context(), entry)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout ends the session (its CSRF token was checked by the guard).
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	if c, err := r.Cookie(sessionCookie); err == nil && p.session != nil {
		s.sessions.End(r.Context(), c.Value)
		s.audit.Record(r.Context(), auth.Entry{Actor: p.name, Role: p.role.String(), Client: s.clientIP(r), Action: "logout", Object: "session", Outcome: "ok"})
	}
	http.SetCookie(w, s.cookie(r, sessionCookie, "", "/", -1))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
