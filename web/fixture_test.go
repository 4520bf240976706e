package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"ee/kovmon/app"
	"ee/kovmon/auth"
	"ee/kovmon/dashboards"
	kovfixture "ee/kovmon/internal/fixture"
	"ee/kovmon/kov"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/report"
	"ee/kovmon/store"
	"ee/kovmon/store/storetest"
	"ee/kovmon/surveys"
)

// Secrets of the fixture: a feedback comment (loaded) and a quarantined line, which
// must never reach the public role.
const (
	secretComment    = "SECRET-COMMENT"
	secretQuarantine = "SECRET-QUARANTINE"
	testPassword     = "correct horse battery"
)

// The fixture's users: one per role, each with a token named after it.
var testUsers = map[auth.Role]string{auth.Public: "pub", auth.Analyst: "ana", auth.Admin: "adm"}

func tokenOf(role auth.Role) string { return "token-of-" + testUsers[role] }

type fixture struct {
	store store.Store
	app   *Service
	srv   *Server
	http  *httptest.Server
}

// fixtureOptions are what a test may tune: the server's options and the application
// service's (App).
type fixtureOptions struct {
	Options
	App app.Options[Views]
}

// newFixture loads the real registry and a small feedback file (one row with a
// comment, one quarantined) through the ingest, computes the indicators, and serves
// the whole site — API, dashboards, report — behind the access rules, with a user per
// role (password testPassword, token tokenOf(role)). users=false: no users file.
func newFixture(t testing.TB, users bool, tune func(*fixtureOptions)) *fixture {
	t.Helper()
	ctx := context.Background()
	s := storetest.New(t)
	kovfixture.RealRegistry(t, s, [2]string{"testdata/feedback.csv", "feedback"})
	cat := catalogue.Default()
	if err := metrics.EnsureFresh(ctx, s, cat); err != nil {
		t.Fatal(err)
	}
	return serveFixture(t, s, cat, users, tune)
}

// newFixtureOnStore is a second server on the store of another fixture, as after a
// restart: with users, following cat.
func newFixtureOnStore(t testing.TB, s store.Store, cat *catalogue.Catalogue) *fixture {
	return serveFixture(t, s, cat, true, nil)
}

func serveFixture(t testing.TB, s store.Store, cat *catalogue.Catalogue, users bool, tune func(*fixtureOptions)) *fixture {
	t.Helper()
	set, err := surveys.Default()
	if err != nil {
		t.Fatal(err)
	}
	opts := fixtureOptions{App: app.Options[Views]{Store: s, Catalogue: cat, Surveys: set, UploadDir: t.TempDir(),
		Views: func(cat *catalogue.Catalogue, figures *metrics.Reader) Views {
			return Views{
				Pages: dashboards.New(dashboards.Options{Store: s, Catalogue: cat, Figures: figures,
					GeoJSON: kovfixture.Boundaries(t), Account: users, Provenance: MayReadLedger}),
				Report: report.Handler(report.Options{Store: s, Catalogue: cat, Figures: figures})}
		}}}
	if users {
		var hash []byte
		hash, err = bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		var list []auth.User
		for role, name := range testUsers {
			list = append(list, auth.User{Name: name, Role: role.String(), Password: string(hash), Tokens: []string{auth.HashToken(tokenOf(role))}})
		}
		if opts.Users, err = auth.NewUsers(list); err != nil {
			t.Fatal(err)
		}
	}
	if tune != nil {
		tune(&opts)
	}
	svc := app.New(opts.App)
	f := &fixture{store: s, app: svc, srv: New(svc, opts.Options)}
	if _, err := f.srv.RestoreSessions(context.Background()); err != nil {
		t.Fatal(err)
	}
	svc.Inbox(t.TempDir()).Folders()
	f.http = httptest.NewServer(f.srv)
	t.Cleanup(f.http.Close)
	return f
}

// noRedirect shows redirects as they are: the access rules answer some with one.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// do sends a request as a role (auth.Anyone: no credentials) and returns the status
// and body.
func (f *fixture) do(t testing.TB, role auth.Role, method, target string, body io.Reader) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, f.http.URL+target, body)
	if err != nil {
		t.Fatal(err)
	}
	if role != auth.Anyone {
		req.Header.Set("Authorization", "Bearer "+tokenOf(role))
	}
	if method == http.MethodPost && strings.HasPrefix(target, "/admin/") {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded") // the admin page's forms
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// snapshot is the state of the store that no request but an upload may change: every
// table and its row count, and the indicator extract.
func snapshot(t testing.TB, s store.Store) string {
	t.Helper()
	ctx := context.Background()
	res, err := s.Query(ctx, "SELECT name, total_rows FROM system.tables WHERE database = currentDatabase() ORDER BY name", nil)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range res.Rows {
		if strings.HasPrefix(r[0], "stage_") || r[0] == "audit_log" {
			continue // stage tables come and go with loads; the audit log grows by design
		}
		b.WriteString(strings.Join(r, "=") + "\n")
	}
	figures, err := metrics.Figures(ctx, s, catalogue.Default(), metrics.Filter{Boundaries: kov.BoundariesAsOf})
	if err != nil {
		t.Fatal(err)
	}
	metrics.WriteCSV(&b, figures)
	return b.String()
}
