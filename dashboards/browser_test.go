package dashboards

import (
	"encoding/csv"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"ee/kovmon/internal/browsertest"
)

// undrawnCharts lists the chart containers without a canvas or SVG inside.
const undrawnCharts = `Array.from(document.querySelectorAll('[data-chart]'))
  .filter(e => !e.querySelector('canvas, svg')).map(e => e.dataset.chart)`

const chartCount = `document.querySelectorAll('[data-chart]').length`

// TestBrowser opens every page in headless Chromium and checks that it draws without
// errors, that the language switch and a filter work, and that a CSV link returns
// the figures the page shows. Screenshots go to testout/dashboards/.
func TestBrowser(t *testing.T) {
	_, h := newFixture(t)
	srv := serve(t, h)
	b := browsertest.New(t)
	out := outputDir(t)

	pages := []struct {
		name, url string
		minCharts int
	}{
		{"overview_et", "/", 13},
		{"overview_en", "/?lang=en", 13},
		{"indicator_I.1_et", "/indicator/I.1?year=2018", 3},
		{"indicator_I.1_en", "/indicator/I.1?year=2018&lang=en", 3},
		{"indicator_II.2_2016", "/indicator/II.2?year=2016", 2},
		{"municipality_0714", "/municipality/0714?year=2018", 2},
		{"data", "/data", 1},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			b.Do(t, chromedp.Navigate(srv.URL+p.url), chromedp.WaitVisible(chromedp.CSS("#page-title")))
			undrawn := browsertest.Value(t, b, chromedp.Evaluate[[]string](undrawnCharts))
			charts := browsertest.Value(t, b, chromedp.Evaluate[int](chartCount))
			shot := browsertest.Value(t, b, chromedp.FullScreenshot(100))
			if errs := b.TakeErrors(); len(errs) > 0 {
				t.Errorf("console errors on %s:\n%s", p.url, strings.Join(errs, "\n"))
			}
			if charts < p.minCharts {
				t.Errorf("%s: %d charts, want at least %d", p.url, charts, p.minCharts)
			}
			if len(undrawn) > 0 {
				t.Errorf("%s: charts without a canvas or svg: %v", p.url, undrawn)
			}
			path := filepath.Join(out, p.name+".png")
			if err := os.WriteFile(path, shot, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot %s", path)
		})
	}

	t.Run("language switch", func(t *testing.T) {
		b.Do(t, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#page-title")))
		before := browsertest.Value(t, b, chromedp.Text(chromedp.CSS("#page-title")))
		b.Do(t, chromedp.Click(chromedp.CSS("#lang-switch")))
		// The click loads a new document: poll it by script rather than hold nodes of
		// the old one, which a fast server replaces before they are read.
		var lang, after string
		for deadline := time.Now().Add(10 * time.Second); lang != "en" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			// An error here is the page between documents: try again.
			lang, _ = chromedp.Run(b.Ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
		}
		b.Do(t, chromedp.WaitVisible(chromedp.CSS("#page-title")))
		after = browsertest.Value(t, b, chromedp.Evaluate[string](`(document.querySelector('#page-title') || {}).textContent || ''`))
		if before == after || lang != "en" {
			t.Errorf("the language switch left the heading %q → %q (lang %q)", before, after, lang)
		}
		goalHeadings := browsertest.Value(t, b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('h2')).map(h => h.textContent)`))
		if len(goalHeadings) == 0 || !strings.HasPrefix(goalHeadings[0], "Goal I") {
			t.Errorf("English goal headings: %q", goalHeadings)
		}
	})

	t.Run("filter", func(t *testing.T) {
		const figure = `tr[data-indicator="I.1"] td.value`
		b.Do(t, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(figure)))
		before := browsertest.Value(t, b, chromedp.Text(chromedp.CSS(figure)))
		b.Do(t, chromedp.SetValue(chromedp.CSS("#filter-year"), "2016"), chromedp.Click(chromedp.CSS("#filter-apply")))
		location := ""
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if location = browsertest.Value(t, b, chromedp.Location()); strings.Contains(location, "year=2016") {
				break
			}
		}
		// Read the new document by script until it is there (see the language switch).
		after := before
		for deadline := time.Now().Add(10 * time.Second); after == before && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			after, _ = chromedp.Run(b.Ctx, chromedp.Evaluate[string](`(document.querySelector('`+figure+`') || {}).textContent || ''`))
		}
		if !strings.Contains(location, "year=2016") {
			t.Errorf("the year filter did not reach the URL: %s", location)
		}
		if before == after {
			t.Errorf("the year filter left the figure at %q", before)
		}
	})

	t.Run("csv link", func(t *testing.T) {
		// The figures table of an indicator page against the CSV linked above it, and
		// the ranking's CSV against the municipal rows of that table.
		b.Do(t, chromedp.Navigate(srv.URL+"/indicator/I.3?year=2018&county=0037"), chromedp.WaitVisible(chromedp.CSS("#table-csv")))
		tableCSV := browsertest.Value(t, b, chromedp.AttributeValue(chromedp.CSS("#table-csv"), "href")).Value
		rankCSV := browsertest.Value(t, b, chromedp.AttributeValue(chromedp.CSS(`figure[data-chart="ranking"] a.csv`), "href")).Value
		shown := browsertest.Value(t, b, chromedp.Evaluate[map[string]string](`Object.fromEntries(Array.from(document.querySelectorAll('table.figures tbody tr'))
			  .map(r => [r.dataset.ehak, r.querySelector('td.value').dataset.value]))`))
		if len(shown) < 2 {
			t.Fatalf("the figures table shows %d rows", len(shown))
		}
		rows := fetchCSV(t, srv.URL+tableCSV)
		if len(rows) != len(shown) {
			t.Errorf("table CSV has %d figures, the page shows %d", len(rows), len(shown))
		}
		for code, value := range rows {
			if shown[code] != value {
				t.Errorf("%s: CSV value %q, page shows %q", code, value, shown[code])
			}
		}
		ranked := fetchCSV(t, srv.URL+rankCSV)
		if _, national := ranked["EE"]; len(ranked) != len(shown)-1 || national {
			t.Errorf("ranking CSV has %d rows, want the %d municipalities shown", len(ranked), len(shown)-1)
		}
	})
	if errs := b.TakeErrors(); len(errs) > 0 {
		t.Errorf("console errors: %s", strings.Join(errs, "\n"))
	}
}

// fetchCSV reads an extract and returns value by ehak_code.
func fetchCSV(t *testing.T, url string) map[string]string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	records, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil || len(records) == 0 {
		t.Fatalf("GET %s: %v", url, err)
	}
	out := map[string]string{}
	for _, r := range records[1:] {
		out[r[3]] = r[5]
	}
	return out
}
