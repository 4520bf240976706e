package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ee/kovmon/auth"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
)

// editedCatalogue is the shipped catalogue with I.1's 2018 target moved from 50 to
// target and a new version.
func editedCatalogue(t *testing.T, version, target string) string {
	t.Helper()
	text := string(catalogue.Shipped())
	const old = "    targets: {2017: null, 2018: 50, 2019: null, 2020: null, 2021: null}"
	i := strings.Index(text, old)
	if i < 0 || !strings.Contains(text[:i], "id: I.1\n") || strings.Contains(text[strings.Index(text, "id: I.1\n"):i], "- id:") {
		t.Fatal("the shipped catalogue no longer has I.1's targets where this test edits them")
	}
	text = text[:i] + strings.Replace(text[i:], "2018: 50", "2018: "+target, 1)
	return strings.Replace(text, "\nversion: \"", "\nversion: \""+version+"-", 1)
}

// nationalI1Target2018 asks the API for I.1's national 2018 target.
func nationalI1Target2018(t *testing.T, f *fixture) float64 {
	t.Helper()
	status, body, _ := f.do(t, auth.Public, "GET", "/api/indicators?indicator=I.1&year=2018&level=national&boundaries=asof&format=json", nil)
	var figures []struct{ Target *float64 }
	if status != http.StatusOK || json.Unmarshal([]byte(body), &figures) != nil || len(figures) != 1 || figures[0].Target == nil {
		t.Fatalf("I.1 2018 national: %d %.300s", status, body)
	}
	return *figures[0].Target
}

// TestAdminChangesTheCatalogue: only an admin may change the catalogue; a file that
// does not validate changes nothing; a valid one is in force at once for the API,
// the pages and the catalogue download, is kept in the store for the next start, and
// the audit log says who changed it, and who tried.
func TestAdminChangesTheCatalogue(t *testing.T) {
	f := newFixture(t, true, nil)
	ctx := context.Background()
	if got := nationalI1Target2018(t, f); got != 50 {
		t.Fatalf("shipped I.1 2018 target %v, want 50", got)
	}
	edited := editedCatalogue(t, "test", "61")

	if status, _, _ := f.do(t, auth.Analyst, "PUT", "/api/catalogue", strings.NewReader(edited)); status != http.StatusForbidden {
		t.Errorf("analyst PUT /api/catalogue: %d, want 403", status)
	}
	broken := strings.Replace(edited, "2018: 61", "2018: lots", 1)
	status, body, _ := f.do(t, auth.Admin, "PUT", "/api/catalogue", strings.NewReader(broken))
	if status != http.StatusBadRequest || !strings.Contains(body, "lots") {
		t.Errorf("invalid catalogue: %d %.300s, want 400 naming the bad value", status, body)
	}
	if got := nationalI1Target2018(t, f); got != 50 {
		t.Errorf("after a refused catalogue the target is %v, want 50 still", got)
	}

	status, body, _ = f.do(t, auth.Admin, "PUT", "/api/catalogue", strings.NewReader(edited))
	var change metrics.CatalogueChange
	if status != http.StatusOK || json.Unmarshal([]byte(body), &change) != nil || change.Unchanged || !strings.HasPrefix(change.Version, "test-") {
		t.Fatalf("PUT /api/catalogue: %d %.300s", status, body)
	}
	if got := nationalI1Target2018(t, f); got != 61 {
		t.Errorf("API target after the change %v, want 61", got)
	}
	_, extract, _ := f.do(t, auth.Public, "GET", "/extract.csv?year=2018&indicator=I.1&level=national", nil)
	if !strings.Contains(extract, ",61,") {
		t.Errorf("the pages' extract does not show the new target 61:\n%.500s", extract)
	}
	if _, got, _ := f.do(t, auth.Anyone, "GET", "/api/catalogue", nil); got != edited {
		t.Errorf("GET /api/catalogue is not the catalogue put in force (%d bytes, want %d)", len(got), len(edited))
	}
	stored, err := metrics.ActiveCatalogue(ctx, f.store)
	if err != nil || stored.Hash() != change.SHA256 {
		t.Fatalf("the store's catalogue in force: %v, %v; want sha256 %s", stored, err, change.SHA256)
	}
	// A server started on the same store follows the stored catalogue.
	restarted := newFixtureOnStore(t, f.store, stored)
	if got := nationalI1Target2018(t, restarted); got != 61 {
		t.Errorf("after a restart the target is %v, want 61", got)
	}

	status, body, _ = f.do(t, auth.Analyst, "GET", "/api/catalogue/history", nil)
	var history []metrics.CatalogueVersion
	if status != http.StatusOK || json.Unmarshal([]byte(body), &history) != nil || len(history) != 1 ||
		history[0].Actor != testUsers[auth.Admin] || history[0].SHA256 != change.SHA256 {
		t.Errorf("catalogue history: %d %.300s", status, body)
	}
	entries := auditEntries(t, f, auth.ActionCatalogueChange)
	if len(entries) != 2 || entries[0].Outcome != "ok" || entries[0].Actor != testUsers[auth.Admin] ||
		!strings.Contains(entries[0].Object, change.SHA256) || entries[1].Outcome != "rejected" {
		t.Errorf("audit entries of the catalogue changes: %+v", entries)
	}
}

func auditEntries(t *testing.T, f *fixture, action string) []auth.Entry {
	t.Helper()
	_, body, _ := f.do(t, auth.Admin, "GET", "/api/audit", nil)
	var all, out []auth.Entry
	if err := json.Unmarshal([]byte(body), &all); err != nil {
		t.Fatalf("/api/audit: %v %.300s", err, body)
	}
	for _, e := range all {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// TestPinnedCatalogueIsNotChanged: with KOVMON_CATALOGUE set, the operator's file
// rules; a change is refused (409) and recorded.
func TestPinnedCatalogueIsNotChanged(t *testing.T) {
	f := newFixture(t, true, func(o *fixtureOptions) { o.App.CataloguePinned = "/etc/kovmon/catalogue.yaml" })
	status, body, _ := f.do(t, auth.Admin, "PUT", "/api/catalogue", strings.NewReader(editedCatalogue(t, "test", "61")))
	if status != http.StatusConflict || !strings.Contains(body, "KOVMON_CATALOGUE") {
		t.Errorf("PUT on a pinned catalogue: %d %.200s, want 409", status, body)
	}
	if got := nationalI1Target2018(t, f); got != 50 {
		t.Errorf("target %v, want 50", got)
	}
	if e := auditEntries(t, f, auth.ActionCatalogueChange); len(e) != 1 || e[0].Outcome != "refused" {
		t.Errorf("audit: %+v", e)
	}
}

// TestAdminPageForm: the admin page in a browser session: the account page links to
// it, its form needs the session's CSRF token, a bad catalogue comes back with the
// reasons and the text as typed, a good one is in force after the redirect, and the
// audit log on the page shows who did it.
func TestAdminPageForm(t *testing.T) {
	f := newFixture(t, true, nil)
	b := newBrowserSession(t, f)
	if resp := b.login(testUsers[auth.Admin], testPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	if _, account := b.send("GET", "/login", nil, nil); !strings.Contains(account, `href="/admin"`) || !strings.Contains(account, `id="logout"`) {
		t.Errorf("the account page of an admin has no admin link or sign-out:\n%.800s", account)
	}
	if _, overview := b.send("GET", "/?year=2018", nil, nil); !strings.Contains(overview, `id="account" href="/login"`) {
		t.Errorf("the overview has no link to the account page")
	}
	resp, page := b.send("GET", "/admin?lang=en", nil, nil)
	m := csrfInput.FindStringSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil || !strings.Contains(page, "The shipped catalogue is in force") {
		t.Fatalf("GET /admin: %d\n%.1000s", resp.StatusCode, page)
	}
	token := m[1]
	edited := editedCatalogue(t, "form", "62")
	if resp, _ := b.send("POST", "/admin/catalogue", url.Values{"catalogue": {edited}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("form without its CSRF token: %d, want 403", resp.StatusCode)
	}
	bad := strings.Replace(edited, "unit: percent", "unit: furlongs", 1)
	resp, page = b.send("POST", "/admin/catalogue?lang=en", url.Values{"csrf": {token}, "catalogue": {bad}}, nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="catalogue-error"`) || !strings.Contains(page, "furlongs") {
		t.Errorf("bad catalogue through the form: %d\n%.1500s", resp.StatusCode, page)
	}
	resp, _ = b.send("POST", "/admin/catalogue?lang=en", url.Values{"csrf": {token}, "catalogue": {edited}}, nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/admin?") {
		t.Fatalf("good catalogue through the form: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = b.send("GET", resp.Header.Get("Location"), nil, nil)
	if !strings.Contains(page, `id="catalogue-changed"`) || !strings.Contains(page, "catalogue change") || !strings.Contains(page, "form-") {
		t.Errorf("the admin page after the change does not say so:\n%.2000s", page)
	}
	if got := nationalI1Target2018(t, f); got != 62 {
		t.Errorf("target %v, want 62", got)
	}
}

// TestServerFollowsACatalogueStoredElsewhere: on a ClickHouse server another process
// may put a catalogue in force; the server follows it at its next check
// (SyncCatalogue, every 30 s in serve) or its next load, whichever comes first, and
// never recomputes with the catalogue it had.
func TestServerFollowsACatalogueStoredElsewhere(t *testing.T) {
	f := newFixture(t, true, nil)
	ctx := context.Background()
	putInForceElsewhere := func(version, target string) {
		t.Helper()
		cat, err := catalogue.Parse([]byte(editedCatalogue(t, version, target)), "elsewhere")
		if err != nil {
			t.Fatal(err)
		}
		prev, err := metrics.ActiveCatalogue(ctx, f.store)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := metrics.ChangeCatalogue(ctx, f.store, prev, cat, "other-process"); err != nil {
			t.Fatal(err)
		}
	}
	putInForceElsewhere("other", "64")
	if err := f.app.SyncCatalogue(ctx); err != nil {
		t.Fatal(err)
	}
	if got := nationalI1Target2018(t, f); got != 64 {
		t.Errorf("after SyncCatalogue the target is %v, want 64", got)
	}
	putInForceElsewhere("again", "66")
	status, body, _ := f.do(t, auth.Admin, "POST", "/api/ingest/feedback?name=more.csv", strings.NewReader(probes["POST /api/ingest/{kind}"].body))
	if status != http.StatusOK {
		t.Fatalf("upload: %d %.200s", status, body)
	}
	if got := nationalI1Target2018(t, f); got != 66 {
		t.Errorf("after a load the target is %v, want 66 (the catalogue in force)", got)
	}
}
