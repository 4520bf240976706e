package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"ee/kovmon/auth"
	"ee/kovmon/internal/browsertest"
)

// TestAdminInBrowser walks an admin through the pages in headless Chromium, under the
// real security headers: sign in, the account link on the overview, the admin page,
// a catalogue change through its form, the audit log showing it, and sign-out. No
// console error (a refused script or style is one) may appear. A screenshot of the
// admin page goes to testout/web/admin.png.
func TestAdminInBrowser(t *testing.T) {
	f := newFixture(t, true, nil)
	b := browsertest.New(t)
	b.Do(t, chromedp.Navigate(f.http.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), testUsers[auth.Admin]),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), testPassword),
		chromedp.Click(chromedp.CSS("#login")), chromedp.WaitVisible(chromedp.CSS("#page-title")))
	b.Do(t, chromedp.Navigate(f.http.URL+"/?year=2018"), chromedp.WaitVisible(chromedp.CSS("#account")),
		chromedp.Click(chromedp.CSS("#account")), chromedp.WaitVisible(chromedp.CSS("#admin-link")),
		chromedp.Click(chromedp.CSS("#admin-link")), chromedp.WaitVisible(chromedp.CSS("#catalogue-text")))

	edited := editedCatalogue(t, "browser", "63")
	b.Do(t, chromedp.SetValue(chromedp.CSS("#catalogue-text"), edited), chromedp.Click(chromedp.CSS("#catalogue-submit")),
		chromedp.WaitVisible(chromedp.CSS("#catalogue-changed")))
	changed := browsertest.Value(t, b, chromedp.Text(chromedp.CSS("#catalogue-changed")))
	audit := browsertest.Value(t, b, chromedp.Text(chromedp.CSS("#audit-log")))
	if !strings.Contains(changed, "browser-") || !strings.Contains(audit, "kataloogi muutmine") || !strings.Contains(audit, testUsers[auth.Admin]) {
		t.Errorf("after the change the page says %q and the audit log %.300q", changed, audit)
	}
	if got := nationalI1Target2018(t, f); got != 63 {
		t.Errorf("target after the form %v, want 63", got)
	}
	shot := browsertest.Value(t, b, chromedp.FullScreenshot(100))
	dir := filepath.Join("..", "testout", "web")
	if err := os.MkdirAll(dir, 0o755); err == nil {
		os.WriteFile(filepath.Join(dir, "admin.png"), shot, 0o644)
	}

	b.Do(t, chromedp.Navigate(f.http.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#logout")), chromedp.Click(chromedp.CSS("#logout")),
		chromedp.WaitVisible(chromedp.CSS("#page-title"))) // sign-out sends the browser to the overview
	// Signed out, the admin page sends the browser to the sign-in form.
	b.Do(t, chromedp.Navigate(f.http.URL+"/admin"), chromedp.WaitVisible(chromedp.CSS("#login")))
	location := browsertest.Value(t, b, chromedp.Location())
	if !strings.Contains(location, "/login?next=%2Fadmin") {
		t.Errorf("after sign-out /admin ended at %s, want the sign-in form", location)
	}
	if errs := b.TakeErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}
