package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ee/kovmon/auth"
	"ee/kovmon/metrics/catalogue"
)

// TestSessionsSurviveRestart: a browser signed in before a restart is still signed
// in after it, with the same CSRF token; its sign-out holds across the next restart
// too; and a user taken out of the users file loses the session at the restart.
func TestSessionsSurviveRestart(t *testing.T) {
	first := newFixture(t, true, nil)
	b := newBrowserSession(t, first)
	if resp := b.login(testUsers[auth.Analyst], testPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	u, _ := url.Parse(first.http.URL)
	var cookie string
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == sessionCookie {
			cookie = c.Value
		}
	}
	token := b.formToken()
	if cookie == "" || token == "" {
		t.Fatal("no session cookie or token after login")
	}
	// asCookie asks a server for the analyst's page with the session cookie.
	asCookie := func(f *fixture, method, target string, form url.Values) int {
		var req *http.Request
		if form != nil {
			req, _ = http.NewRequest(method, f.http.URL+target, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req, _ = http.NewRequest(method, f.http.URL+target, nil)
		}
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: cookie})
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	cat := catalogue.Default()
	second := newFixtureOnStore(t, first.store, cat)
	if status := asCookie(second, "GET", "/api/status", nil); status != http.StatusOK {
		t.Fatalf("after a restart the analyst's session gives %d on /api/status, want 200", status)
	}
	// The CSRF token carried over: the sign-out form of before the restart works.
	if status := asCookie(second, "POST", "/logout", url.Values{"csrf": {token}}); status != http.StatusSeeOther {
		t.Fatalf("logout after restart: %d", status)
	}
	third := newFixtureOnStore(t, first.store, cat)
	if status := asCookie(third, "GET", "/api/status", nil); status != http.StatusUnauthorized {
		t.Errorf("a signed-out session came back after a restart: %d", status)
	}

	// A user removed from the users file: the session ends at the restart.
	b2 := newBrowserSession(t, third)
	if resp := b2.login(testUsers[auth.Analyst], testPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	u, _ = url.Parse(third.http.URL)
	for _, c := range b2.client.Jar.Cookies(u) {
		if c.Name == sessionCookie {
			cookie = c.Value
		}
	}
	withoutAnalyst := serveFixture(t, first.store, cat, true, func(o *fixtureOptions) {
		var kept []auth.User
		for _, role := range []auth.Role{auth.Public, auth.Admin} {
			kept = append(kept, auth.User{Name: testUsers[role], Role: role.String(), Tokens: []string{auth.HashToken(tokenOf(role))}})
		}
		users, err := auth.NewUsers(kept)
		if err != nil {
			t.Fatal(err)
		}
		o.Users = users
	})
	if status := asCookie(withoutAnalyst, "GET", "/api/status", nil); status != http.StatusUnauthorized {
		t.Errorf("the session of a removed user still works after a restart: %d", status)
	}
}

// TestAccountPageWithoutUsers: without a users file nobody signs in; the account
// page says everyone is admin and links to the admin page, which answers.
func TestAccountPageWithoutUsers(t *testing.T) {
	f := newFixture(t, false, nil)
	status, body, _ := f.do(t, auth.Anyone, "GET", "/login", nil)
	if status != http.StatusOK || !strings.Contains(body, `id="admin-link"`) || strings.Contains(body, `name="password"`) {
		t.Errorf("account page without users: %d\n%.600s", status, body)
	}
	if status, _, _ := f.do(t, auth.Anyone, "GET", "/admin", nil); status != http.StatusOK {
		t.Errorf("/admin without users: %d", status)
	}
}
