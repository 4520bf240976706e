package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"ee/kovmon/auth"
	"ee/kovmon/metrics/catalogue"
)

// probes is a concrete request for every route of the access table. A route added to
// the table without a probe here fails TestRoleMatrix; a route added to the dashboards
// without a line in the table fails TestEveryRouteHasARule.
var probes = map[string]struct {
	target string
	body   string
}{
	"GET /healthz":               {target: "/healthz"},
	"GET /login":                 {target: "/login"},
	"POST /login":                {target: "/login"}, // no CSRF cookie: 403 when allowed
	"POST /logout":               {target: "/logout"},
	"GET /assets/{name}":         {target: "/assets/dashboards.css"},
	"GET /":                      {target: "/nowhere"},
	"GET /{$}":                   {target: "/?year=2018"},
	"GET /indicator/{id}":        {target: "/indicator/I.4?year=2018"},
	"GET /municipality/{ehak}":   {target: "/municipality/0784"},
	"GET /extract.csv":           {target: "/extract.csv?year=2018"},
	"GET /extract.xlsx":          {target: "/extract.xlsx?year=2018&indicator=I.4"},
	"GET /explain/{id}/{ehak}":   {target: "/explain/I.4/0784?year=2018"},
	"GET /compare":               {target: "/compare?ehak=0784&ehak=0624"},
	"GET /search":                {target: "/search?q=tallinn"},
	"GET /geo/ee2018.json":       {target: "/geo/ee2018.json"},
	"GET /report":                {target: "/report?year=2018&lang=en"},
	"GET /api/indicators":        {target: "/api/indicators?year=2018&format=json"},
	"GET /data":                  {target: "/data"},
	"GET /coverage.csv":          {target: "/coverage.csv?ehak=0784"},
	"GET /api/explain":           {target: "/api/explain?indicator=I.1&year=2018&ehak=0784"},
	"GET /api/quarantine":        {target: "/api/quarantine"},
	"GET /api/files":             {target: "/api/files"},
	"GET /api/runs":              {target: "/api/runs"},
	"GET /api/status":            {target: "/api/status"},
	"GET /api/surveys/responses": {target: "/api/surveys/responses?year=2018"},
	"POST /api/ingest/{kind}":    {target: "/api/ingest/feedback?name=more.csv", body: "feedback_id,submitted_at,ehak_code,system,service_code,score,comment\nm1,2018-05-01T10:00:00Z,0784,KOVTP,S1,5,\n"},
	"POST /api/inbox/run":        {target: "/api/inbox/run"},
	"GET /api/audit":             {target: "/api/audit"},
	"GET /api/catalogue":         {target: "/api/catalogue"},
	"GET /api/catalogue/history": {target: "/api/catalogue/history"},
	// The catalogue in force again: allowed, it answers 200 and changes nothing.
	"PUT /api/catalogue":    {target: "/api/catalogue", body: string(catalogue.Shipped())},
	"GET /admin":            {target: "/admin"},
	"POST /admin/catalogue": {target: "/admin/catalogue", body: url.Values{"catalogue": {string(catalogue.Shipped())}}.Encode()},
}

// allowedStatus: what a permitted probe may answer (a login without its CSRF cookie is
// refused by the handler, not the rules; logout sends the browser home).
func allowedStatus(pattern string, status int) bool {
	switch pattern {
	case "POST /login":
		return status == http.StatusForbidden // the rules let it through; the missing CSRF cookie stops it
	case "POST /logout":
		return status == http.StatusSeeOther
	case "POST /api/ingest/{kind}":
		return status == http.StatusOK
	case "POST /admin/catalogue":
		return status == http.StatusSeeOther
	case "GET /":
		return status == http.StatusNotFound // the pages' own 404, in the language asked for
	case "GET /search":
		return status == http.StatusSeeOther // one unit found: its page
	}
	return status == http.StatusOK
}

// TestRoleMatrix asks every route as every role, with and without sign-in for the
// public pages: a role at or above the route's gets its answer, below it 401
// (nobody signed in) or 403 (signed in, too low).
func TestRoleMatrix(t *testing.T) {
	for _, requireLogin := range []bool{false, true} {
		f := newFixture(t, true, func(o *fixtureOptions) { o.PublicRequiresLogin = requireLogin })
		for _, rt := range Routes() {
			probe, ok := probes[rt.Pattern]
			if !ok {
				t.Errorf("route %q has no probe in access_test.go: add one, and check its role", rt.Pattern)
				continue
			}
			method, _, _ := strings.Cut(rt.Pattern, " ")
			for _, role := range []auth.Role{auth.Anyone, auth.Public, auth.Analyst, auth.Admin} {
				status, body, _ := f.do(t, role, method, probe.target, strings.NewReader(probe.body))
				effective := role
				if role == auth.Anyone && !requireLogin {
					effective = auth.Public // nobody signed in reads the public figures
				}
				var ok bool
				switch {
				case effective >= rt.Role:
					ok = allowedStatus(rt.Pattern, status)
				case role == auth.Anyone:
					ok = status == http.StatusUnauthorized
				default:
					ok = status == http.StatusForbidden
				}
				if !ok {
					t.Errorf("public_requires_login=%v %s as %s: %d %.120q (route needs %s)", requireLogin, probe.target, role, status, body, rt.Role)
				}
			}
		}
	}
	for pattern := range probes {
		if !slices.ContainsFunc(Routes(), func(r Route) bool { return r.Pattern == pattern }) {
			t.Errorf("probe %q names no route", pattern)
		}
	}
}

// TestBadTokenIsRefused: a token that names nobody is 401 even on a public page, so a
// script with a stale token fails loudly instead of reading less than it thinks.
func TestBadTokenIsRefused(t *testing.T) {
	f := newFixture(t, true, nil)
	for _, h := range []string{"Bearer nonsense", "Basic YWRtOmFkbQ==", "Bearer " + auth.HashToken(tokenOf(auth.Admin))} {
		req, _ := http.NewRequest("GET", f.http.URL+"/api/indicators", nil)
		req.Header.Set("Authorization", h)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("Authorization %q: %d, want 401", h, resp.StatusCode)
		}
	}
}

// TestEveryRouteHasARule reads the source of every package that registers routes on a
// ServeMux and checks that each pattern is in the access table: a page added to the
// dashboards without a rule fails here (and is 404 until it has one), and the web
// package registers nothing outside the table.
func TestEveryRouteHasARule(t *testing.T) {
	inTable := map[string]bool{}
	for _, rt := range Routes() {
		inTable[rt.Pattern] = true
	}
	found := 0
	for _, dir := range []string{"../dashboards", "../report", "."} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			node, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(node, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) < 2 {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || (sel.Sel.Name != "HandleFunc" && sel.Sel.Name != "Handle") {
					return true
				}
				lit, ok := call.Args[0].(*ast.BasicLit)
				if !ok {
					if dir == "." && !isTableRegistration(call) {
						t.Errorf("%s registers a route outside the access table", file)
					}
					return true
				}
				pattern, _ := strconv.Unquote(lit.Value)
				found++
				if dir == "." {
					t.Errorf("%s registers %q directly: put it in routes() with its role", file, pattern)
				} else if !inTable[pattern] {
					t.Errorf("%s serves %q, which has no rule in web/routes.go: add it with the least role that may see it", file, pattern)
				}
				return true
			})
		}
	}
	if found < 10 {
		t.Fatalf("found only %d route registrations in the dashboards: has the code moved?", found)
	}
}

// isTableRegistration recognises New's loop: s.mux.Handle(rt.Pattern, …).
func isTableRegistration(call *ast.CallExpr) bool {
	sel, ok := call.Args[0].(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "Pattern"
}

// TestUnlistedPathsAre404: the site answers only what the table lists.
func TestUnlistedPathsAre404(t *testing.T) {
	f := newFixture(t, true, nil)
	for _, target := range []string{"/api/nothing", "/data/", "/assets/../data", "/.git/config", "/report/x", "/api/ingest", "/DATA"} {
		status, _, _ := f.do(t, auth.Admin, "GET", target, nil)
		if status != http.StatusNotFound && status != http.StatusMovedPermanently && status != http.StatusTemporaryRedirect {
			t.Errorf("GET %s as admin: %d, want 404", target, status)
		}
	}
	if status, _, _ := f.do(t, auth.Admin, "DELETE", "/api/audit", nil); status != http.StatusMethodNotAllowed {
		t.Errorf("DELETE /api/audit: %d, want 405", status)
	}
}

// TestNothingSecretReachesPublic: the feedback comment and the quarantined line are
// in the store and shown to an analyst, and appear in no answer to the public role.
func TestNothingSecretReachesPublic(t *testing.T) {
	f := newFixture(t, true, nil)
	if _, body, _ := f.do(t, auth.Analyst, "GET", "/data", nil); !strings.Contains(body, secretQuarantine) {
		t.Fatalf("the analyst's /data lacks the quarantined line: the test would prove nothing")
	}
	var public []string
	for _, rt := range Routes() {
		if rt.Role <= auth.Public && strings.HasPrefix(rt.Pattern, "GET ") {
			public = append(public, probes[rt.Pattern].target)
		}
	}
	public = append(public, "/api/indicators?format=csv", "/extract.csv", "/report?year=2018&lang=et", "/municipality/0784?year=2018", "/indicator/III.1?year=2018")
	for _, target := range public {
		for _, role := range []auth.Role{auth.Anyone, auth.Public} {
			_, body, _ := f.do(t, role, "GET", target, nil)
			for _, secret := range []string{secretComment, secretQuarantine, "Maasikas", "Jaan Tamm"} {
				if strings.Contains(body, secret) {
					t.Errorf("%s as %s shows %q", target, role, secret)
				}
			}
		}
	}
}

// TestExplanationShowsFilesToAnalysts: every number's explanation is public, but the
// files and runs behind it, like the ledger of /data, only to analysts; the page
// rendered for one role is never served to another.
func TestExplanationShowsFilesToAnalysts(t *testing.T) {
	f := newFixture(t, true, nil)
	const page = "/explain/I.1/0784?year=2018"
	for _, round := range []int{1, 2} { // the second round reads the page cache
		for _, tc := range []struct {
			role  auth.Role
			files bool
		}{{auth.Public, false}, {auth.Analyst, true}, {auth.Public, false}, {auth.Admin, true}} {
			status, body, _ := f.do(t, tc.role, "GET", page, nil)
			if status != http.StatusOK {
				t.Fatalf("round %d, GET %s as %s: %d", round, page, tc.role, status)
			}
			if shown := strings.Contains(body, "feedback.csv"); shown != tc.files {
				t.Errorf("round %d, as %s: the file behind the figure shown %v, want %v", round, tc.role, shown, tc.files)
			}
			if strings.Contains(body, "id=\"rule\"") == false {
				t.Errorf("round %d, as %s: the explanation has no rule", round, tc.role)
			}
		}
	}
}
