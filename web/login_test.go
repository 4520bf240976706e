package web

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"ee/kovmon/auth"
)

// browserSession is a client with a cookie jar that does not follow redirects.
type browserSession struct {
	t      *testing.T
	f      *fixture
	client *http.Client
}

func newBrowserSession(t *testing.T, f *fixture) *browserSession {
	jar, _ := cookiejar.New(nil)
	return &browserSession{t: t, f: f, client: &http.Client{Jar: jar, CheckRedirect: noRedirect.CheckRedirect}}
}

func (b *browserSession) send(method, target string, form url.Values, header map[string]string) (*http.Response, string) {
	b.t.Helper()
	var req *http.Request
	if form != nil {
		req, _ = http.NewRequest(method, b.f.http.URL+target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req, _ = http.NewRequest(method, b.f.http.URL+target, nil)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp, sb.String()
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// formToken opens /login and returns the CSRF token of its form.
func (b *browserSession) formToken() string {
	b.t.Helper()
	_, body := b.send("GET", "/login", nil, nil)
	m := csrfInput.FindStringSubmatch(body)
	if m == nil {
		b.t.Fatalf("no CSRF field on /login: %s", body)
	}
	return m[1]
}

func (b *browserSession) login(name, password string) *http.Response {
	token := b.formToken()
	resp, _ := b.send("POST", "/login", url.Values{"csrf": {token}, "name": {name}, "password": {password}, "next": {"/data"}}, nil)
	return resp
}

func TestLoginSessionCSRFLogout(t *testing.T) {
	f := newFixture(t, true, nil)
	b := newBrowserSession(t, f)

	// The form's token must match its cookie: a login without it is refused.
	if resp, _ := b.send("POST", "/login", url.Values{"csrf": {"forged"}, "name": {"ana"}, "password": {testPassword}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("login with a forged CSRF token: %d", resp.StatusCode)
	}
	if resp := b.login("ana", "wrong password"); resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "failed") {
		t.Fatalf("wrong password: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := b.login("nobody", testPassword); !strings.Contains(resp.Header.Get("Location"), "failed") {
		t.Fatalf("unknown user: %s", resp.Header.Get("Location"))
	}
	resp := b.login("ana", testPassword)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/data" {
		t.Fatalf("login: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Path != "/" {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/", session)
	}
	if resp, _ := b.send("GET", "/data", nil, nil); resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "private, no-store" {
		t.Fatalf("/data as the signed-in analyst: %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	if resp, _ := b.send("GET", "/api/audit", nil, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("/api/audit as analyst: %d", resp.StatusCode)
	}
	// Logout is state-changing: without the session's CSRF token it is refused.
	if resp, _ := b.send("POST", "/logout", url.Values{}, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("logout without token: %d", resp.StatusCode)
	}
	token := b.formToken() // signed in, /login shows the session's token and the sign-out button
	if resp, _ := b.send("POST", "/logout", url.Values{"csrf": {token}}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	// The old cookie is worth nothing now, even replayed by hand.
	req, _ := http.NewRequest("GET", f.http.URL+"/data", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: session.Value})
	if r, err := noRedirect.Do(req); err != nil || r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("replayed session after logout: %v %v", r.StatusCode, err)
	}

	// The admin's session uploads with the CSRF header, and the audit log names her.
	admin := newBrowserSession(t, f)
	admin.login("adm", testPassword)
	csv := probes["POST /api/ingest/{kind}"].body
	upload := func(header map[string]string) int {
		req, _ := http.NewRequest("POST", f.http.URL+"/api/ingest/feedback?name=by-session.csv", strings.NewReader(csv))
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := admin.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if status := upload(nil); status != http.StatusForbidden {
		t.Fatalf("session upload without CSRF header: %d", status)
	}
	if status := upload(map[string]string{csrfHeader: admin.formToken()}); status != http.StatusOK {
		t.Fatalf("session upload with CSRF header: %d", status)
	}
	_, body, _ := f.do(t, auth.Admin, "GET", "/api/audit", nil)
	var entries []auth.Entry
	if err := json.Unmarshal([]byte(body), &entries); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"ana login failed": false, "nobody login failed": false, "ana login ok": false, "ana logout ok": false,
		"adm upload loaded": false, "ana denied forbidden": false, "ingest:test load loaded": false}
	for _, e := range entries {
		key := e.Actor + " " + e.Action + " " + e.Outcome
		if _, ok := want[key]; ok {
			want[key] = true
		}
		if e.Action == "upload" && !strings.Contains(e.Object, "by-session.csv sha256:") {
			t.Errorf("upload entry names %q", e.Object)
		}
	}
	for k, seen := range want {
		if !seen {
			t.Errorf("the audit log lacks %q: %s", k, body)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{"/data?year=2018": "/data?year=2018", "//evil.example/": "/", "https://evil.example": "/",
		"/\\evil.example": "/", "": "/", "data": "/", "/x\r\nSet-Cookie: a=b": "/",
		// What a browser makes of a Location before resolving it (issue 15, point 5):
		// tabs and newlines are removed, C0 controls and spaces at the ends trimmed, a
		// backslash is a slash, and then "//" starts another host.
		"/\t/evil.example": "/", "/\n/evil.example": "/", "/\r/evil.example": "/", "\t//evil.example": "/",
		" //evil.example": "/", "\x00//evil.example": "/", "/\\/evil.example": "/", "\\\\evil.example": "/",
		"///evil.example": "/", "/\t\\evil.example": "/", "javascript:alert(1)": "/", "java\tscript:alert(1)": "/",
		"http:/evil.example": "/", "/%09/evil.example": "/%09/evil.example", "/a/b?c=d#e": "/a/b?c=d#e",
		"/indicator/I.4?year=2018&lang=en": "/indicator/I.4?year=2018&lang=en"} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

// TestLoginRedirectStaysOnSite signs in with issue 15's next=/%09/evil.example: the
// answer sends the browser to "/", not to /<tab>/evil.example, which a browser reads
// as //evil.example.
func TestLoginRedirectStaysOnSite(t *testing.T) {
	f := newFixture(t, true, nil)
	b := newBrowserSession(t, f)
	if _, body := b.send("GET", "/login?next=/%09/evil.example", nil, nil); !strings.Contains(body, `name="next" value="/"`) {
		t.Errorf("the form keeps a next that leaves the site: %s", body)
	}
	token := b.formToken()
	resp, _ := b.send("POST", "/login", url.Values{"csrf": {token}, "name": {"ana"}, "password": {testPassword}, "next": {"/\t/evil.example"}}, nil)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/" {
		t.Errorf("login with next=/%%09/evil.example: %d Location %q, want 303 to /", resp.StatusCode, loc)
	}
}

func TestLoginIsRateLimited(t *testing.T) {
	f := newFixture(t, true, func(o *fixtureOptions) { o.LoginPerMinute = 5 })
	b := newBrowserSession(t, f)
	token := b.formToken()
	limited := 0
	for i := 0; i < 8; i++ {
		resp, _ := b.send("POST", "/login", url.Values{"csrf": {token}, "name": {"adm"}, "password": {"guess " + string(rune('a'+i))}}, nil)
		if resp.StatusCode == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited != 3 {
		t.Fatalf("%d of 8 quick guesses were refused; want 3 (burst 5)", limited)
	}
}

// TestCrossSiteWritesAreRefused: a page on another site cannot make a browser post to
// kovmon, even without any users (local mode, where every request is admin).
func TestCrossSiteWritesAreRefused(t *testing.T) {
	f := newFixture(t, false, nil)
	for _, h := range []map[string]string{{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}} {
		req, _ := http.NewRequest("POST", f.http.URL+"/api/ingest/feedback", strings.NewReader(probes["POST /api/ingest/{kind}"].body))
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site upload %v: %d, want 403", h, resp.StatusCode)
		}
	}
	if status, _, _ := f.do(t, auth.Anyone, "GET", "/data", nil); status != http.StatusOK {
		t.Errorf("local mode: /data %d, want 200 (everyone is admin on loopback without users)", status)
	}
}

func TestBodyLimits(t *testing.T) {
	f := newFixture(t, true, func(o *fixtureOptions) { o.MaxUpload = 1 << 20 })
	big := strings.Repeat("x", smallBody+1)
	if status, _, _ := f.do(t, auth.Anyone, "POST", "/login", strings.NewReader("name="+big)); status < 400 || status >= 500 {
		t.Errorf("a login body of %d bytes: %d, want 4xx", len(big)+5, status)
	}
	huge := strings.Repeat("y", 1<<20+1)
	if status, body, _ := f.do(t, auth.Admin, "POST", "/api/ingest/feedback", strings.NewReader(huge)); status != http.StatusRequestEntityTooLarge {
		t.Errorf("an upload over max_upload_bytes: %d %q, want 413", status, body)
	}
}
