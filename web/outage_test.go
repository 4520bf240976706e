package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ee/kovmon/auth"
	"ee/kovmon/i18n"
	"ee/kovmon/internal/chserver"
	kovfixture "ee/kovmon/internal/fixture"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/store"
	"ee/kovmon/store/storetest"
)

// storeFree are the routes that answer without the store: the sign-in form and its
// checks, the static files, the pages' 404 and the catalogue in force (in memory).
// Every other route reads or writes the store.
var storeFree = map[string]bool{
	"GET /login": true, "POST /login": true, "POST /logout": true, "GET /assets/{name}": true,
	"GET /": true, "GET /geo/ee2018.json": true, "GET /api/catalogue": true,
}

// TestStoreOutageAnswers503 asks every route, through the guard, as every role that
// may use it, of a server whose store does not answer: a ClickHouse server that was
// stopped after the data loaded, and an embedded store closed before the first
// request. Every route that needs the store answers 503, the API, the pages and the
// report alike, with the same words (the pages in their language); the others answer
// as they always do. A changed catalogue is sent where one is put in force: the same
// one again changes nothing and needs no store.
func TestStoreOutageAnswers503(t *testing.T) {
	changed := strings.Replace(string(catalogue.Shipped()), "\nversion: ", "\nversion: outage-", 1)
	bodies := map[string]string{
		"PUT /api/catalogue":    changed,
		"POST /admin/catalogue": url.Values{"catalogue": {changed}}.Encode(),
	}
	for _, backend := range []string{"server", storetest.Embedded} {
		t.Run(backend, func(t *testing.T) {
			f, down := outageFixture(t, backend)
			down()
			for _, rt := range Routes() {
				probe := probes[rt.Pattern]
				if b, ok := bodies[rt.Pattern]; ok {
					probe.body = b
				}
				method, _, _ := strings.Cut(rt.Pattern, " ")
				for _, role := range []auth.Role{auth.Anyone, auth.Public, auth.Analyst, auth.Admin} {
					if effective := max(role, auth.Public); effective < rt.Role {
						continue // refused by the access rules, store or no store
					}
					status, body, _ := f.do(t, role, method, probe.target, strings.NewReader(probe.body))
					switch {
					case storeFree[rt.Pattern]:
						if status == http.StatusServiceUnavailable || status >= 500 {
							t.Errorf("%s as %s needs no store, and answers %d %.100q", probe.target, role, status, body)
						}
					case status != http.StatusServiceUnavailable:
						t.Errorf("%s %s as %s with the store down: %d %.160q, want 503", method, probe.target, role, status, body)
					case !strings.Contains(body, i18n.T(i18n.EN, "error.unavailable")) && !strings.Contains(body, i18n.T(i18n.ET, "error.unavailable")):
						t.Errorf("%s as %s: 503 without saying the store does not answer: %.160q", probe.target, role, body)
					}
				}
			}
		})
	}
}

// outageFixture is the web fixture on a store of the backend that the returned
// function takes down: a server of the test's own, stopped, or the embedded store,
// closed.
func outageFixture(t *testing.T, backend string) (*fixture, func()) {
	ctx := context.Background()
	var (
		s    store.Store
		down func()
	)
	if backend == storetest.Embedded {
		s = storetest.New(t)
	} else {
		set, err := chserver.Start(chserver.Options{Servers: 1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(set.Stop)
		b := &storetest.Backend{Name: backend, Set: set, Hosts: []string{set.Servers[0].Addr()}}
		b.CreateDatabase(t, "kovmon")
		if s, err = store.Open(ctx, b.Config("kovmon")); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		down = func() {
			set.Servers[0].Kill()
			time.Sleep(1100 * time.Millisecond) // the figures' reader asks a server for the latest refresh every second
		}
	}
	kovfixture.RealRegistry(t, s, [2]string{"testdata/feedback.csv", "feedback"})
	cat := catalogue.Default()
	if err := metrics.EnsureFresh(ctx, s, cat); err != nil {
		t.Fatal(err)
	}
	f := serveFixture(t, s, cat, true, nil)
	if down == nil {
		down = func() { s.Close() }
	}
	return f, down
}
