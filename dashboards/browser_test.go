package dashboards

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"ee/kovmon/i18n"
	"ee/kovmon/internal/browsertest"
	"ee/kovmon/internal/palette"
	"ee/kovmon/kov"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/registry"
)

// undrawnCharts lists the chart containers without a canvas or SVG inside.
const undrawnCharts = `Array.from(document.querySelectorAll('[data-chart]'))
  .filter(e => !e.querySelector('canvas, svg')).map(e => e.dataset.chart)`

const chartCount = `document.querySelectorAll('[data-chart]').length`

// pageCase is a page of the fixture and the least number of charts it draws.
type pageCase struct {
	name, url string
	minCharts int
}

// everyPage is every kind of page, each in Estonian (the default) and English: what
// the width and language tests walk.
func everyPage() []pageCase {
	base := []pageCase{
		{"overview", "/", 13},
		{"overview_2016", "/?year=2016", 13},
		{"overview_group", "/?county=0037&type=vald", 13},
		{"indicator_I.1", "/indicator/I.1?year=2018", 3},
		{"indicator_I.3_yesno", "/indicator/I.3?year=2018", 3},
		{"indicator_II.2_2016", "/indicator/II.2?year=2016", 2},
		{"indicator_IV.1a", "/indicator/IV.1a", 1},
		{"indicator_IV.2_current_group", "/indicator/IV.2?boundaries=current&county=0037&pop=5k-10k", 3},
		{"indicator_I.4_2019", "/indicator/I.4?year=2019", 3},
		{"municipality_0714", "/municipality/0714?year=2018", 2},
		{"municipality_0784", "/municipality/0784", 2},
		{"municipality_0301_2016", "/municipality/0301?year=2016", 2},
		{"explain_municipal", "/explain/I.4/0784?year=2018", 0},
		{"explain_merged", "/explain/II.2/0714?year=2018", 0},
		{"explain_national", "/explain/I.1/EE?year=2017", 0},
		{"explain_group", "/explain/IV.2/group?year=2018&county=0037", 0},
		{"compare", "/compare?ehak=0784&ehak=0795&ehak=0624&ehak=0170&ehak=0171&year=2018", 1},
		{"compare_empty", "/compare", 0},
		{"search", "/search?q=vald", 0},
		{"data", "/data", 1},
		{"error_404", "/indicator/IX.9", 0},
		{"error_400", "/?year=1999", 0},
	}
	var out []pageCase
	for _, p := range base {
		out = append(out, pageCase{p.name + "_et", p.url, p.minCharts})
		sep := "?"
		if strings.Contains(p.url, "?") {
			sep = "&"
		}
		out = append(out, pageCase{p.name + "_en", p.url + sep + "lang=en", p.minCharts})
	}
	return out
}

// open loads a page and waits until its charts are drawn.
func open(t *testing.T, b *browsertest.Browser, url string) {
	t.Helper()
	b.Do(t, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("#page-title")), chromedp.WaitReady(chromedp.CSS("#attribution")))
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if undrawn := browsertest.Value(t, b, chromedp.Evaluate[[]string](undrawnCharts)); len(undrawn) == 0 {
			return
		}
	}
}

func shoot(t *testing.T, b *browsertest.Browser, dir, name string) {
	t.Helper()
	shot := browsertest.Value(t, b, chromedp.FullScreenshot(100))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBrowser opens every page in headless Chromium and checks that it draws without
// errors, that the language switch and a filter work, and that a CSV link returns
// the figures the page shows. Screenshots go to testout/dashboards/.
func TestBrowser(t *testing.T) {
	_, h := newFixture(t)
	srv := serve(t, h)
	b := browsertest.New(t)
	out := outputDir(t)

	for _, p := range everyPage() {
		t.Run(p.name, func(t *testing.T) {
			open(t, b, srv.URL+p.url)
			undrawn := browsertest.Value(t, b, chromedp.Evaluate[[]string](undrawnCharts))
			charts := browsertest.Value(t, b, chromedp.Evaluate[int](chartCount))
			errs := b.TakeErrors()
			if strings.HasPrefix(p.name, "error_") {
				errs = slices.DeleteFunc(errs, func(e string) bool { return strings.Contains(e, "status of 4") })
			}
			if len(errs) > 0 {
				t.Errorf("console errors on %s:\n%s", p.url, strings.Join(errs, "\n"))
			}
			if charts < p.minCharts {
				t.Errorf("%s: %d charts, want at least %d", p.url, charts, p.minCharts)
			}
			if len(undrawn) > 0 {
				t.Errorf("%s: charts without a canvas or svg: %v", p.url, undrawn)
			}
			shoot(t, b, out, p.name)
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
		goalHeadings := browsertest.Value(t, b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('section.goal h2')).map(h => h.textContent)`))
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
		b.Do(t, chromedp.Navigate(srv.URL+"/indicator/I.1?year=2018&county=0037"), chromedp.WaitVisible(chromedp.CSS("#table-csv")))
		tableCSV := browsertest.Value(t, b, chromedp.AttributeValue(chromedp.CSS("#table-csv"), "href")).Value
		rankCSV := browsertest.Value(t, b, chromedp.AttributeValue(chromedp.CSS(`figure[data-chart="ranking"] a.csv`), "href")).Value
		shown := browsertest.Value(t, b, chromedp.Evaluate[map[string]string](`Object.fromEntries(Array.from(document.querySelectorAll('table.figures tbody tr'))
			  .map(r => [r.dataset.ehak, r.querySelector('td.value').dataset.value]))`))
		if len(shown) < 3 {
			t.Fatalf("the figures table shows %d rows", len(shown))
		}
		rows := fetchCSV(t, srv.URL+tableCSV)
		if len(rows) != len(shown) {
			t.Errorf("table CSV has %d figures, the page shows %d", len(rows), len(shown))
		}
		for code, value := range rows {
			if shown[code] != value {
				t.Errorf("%q: CSV value %q, page shows %q", code, value, shown[code])
			}
		}
		ranked := fetchCSV(t, srv.URL+rankCSV)
		if _, national := ranked["EE"]; len(ranked) != len(shown)-2 || national {
			t.Errorf("ranking CSV has %d rows, want the %d municipalities shown", len(ranked), len(shown)-2)
		}
	})
	if errs := b.TakeErrors(); len(errs) > 0 {
		t.Errorf("console errors: %s", strings.Join(errs, "\n"))
	}
}

// fetchCSV reads an extract and returns value by ehak_code (the standard columns, or
// a page's localized ones: the code is the fifth column, the value the seventh).
func fetchCSV(t *testing.T, url string) map[string]string {
	t.Helper()
	records := fetchRecords(t, url)
	code, value := 3, 5
	if records[0][0] != "indicator_id" {
		code, value = 4, 6
	}
	out := map[string]string{}
	for _, r := range records[1:] {
		out[r[code]] = r[value]
	}
	return out
}

func fetchRecords(t *testing.T, url string) [][]string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff"))))
	if bytes.Contains(body[:min(len(body), 400)], []byte(";")) && !bytes.Contains(body[:min(len(body), 80)], []byte(",")) {
		r.Comma = ';'
	}
	records, err := r.ReadAll()
	if err != nil || len(records) == 0 {
		t.Fatalf("GET %s: %v", url, err)
	}
	return records
}

// TestEveryScreenWidth (point 5): every page at a phone's 390 px and a desktop's
// 1366 px: the document is never wider than the window (no sideways scrolling), and
// every table keeps its status column in view. Screenshots go to
// testout/dashboards/390/ and /1366/.
func TestEveryScreenWidth(t *testing.T) {
	_, h := newFixture(t)
	srv := serve(t, h)
	for _, width := range []int{390, 1366} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			b := browsertest.NewAt(t, width, 900)
			dir := filepath.Join(outputDir(t), fmt.Sprint(width))
			for _, p := range everyPage() {
				open(t, b, srv.URL+p.url)
				got := browsertest.Value(t, b, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`))
				if got[1] != width {
					t.Fatalf("%s: the window is %d px wide, want %d", p.name, got[1], width)
				}
				if got[0] > width {
					wide := browsertest.Value(t, b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('body *'))
					  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5)
					  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))`))
					t.Errorf("%s at %d px: the page is %d px wide, it scrolls sideways; widest: %v", p.name, width, got[0], wide)
				}
				hidden := browsertest.Value(t, b, chromedp.Evaluate[int](`Array.from(document.querySelectorAll('td.status-cell')).filter(td => {
				    const r = td.getBoundingClientRect(); return r.width === 0 || r.right > window.innerWidth + 1; }).length`))
				if hidden > 0 {
					t.Errorf("%s at %d px: %d status cells out of view", p.name, width, hidden)
				}
				shoot(t, b, dir, p.name)
			}
		})
	}
}

// pageText collects what a reader meets on the page: its text (hidden tables
// included), the titles, labels and placeholders, and what the charts draw and say
// (series names, categories, labels, tooltips, the aria description) — except what is
// marked as another language (the language switch says "In English" in English).
const pageText = `(() => {
  const lang = document.documentElement.lang, out = [];
  const walk = el => {
    if (el.nodeType === Node.TEXT_NODE) { out.push(el.textContent); return; }
    if (el.nodeType !== Node.ELEMENT_NODE || ['SCRIPT', 'STYLE'].includes(el.tagName)) return;
    if (el.lang && el.lang !== lang) return;
    for (const a of ['title', 'aria-label', 'placeholder', 'alt']) if (el.getAttribute(a)) out.push(el.getAttribute(a));
    el.childNodes.forEach(walk);
  };
  walk(document.documentElement);
  // What a chart draws and says: series names, categories, labels, tooltips, axis
  // names and its description (not ECharts' own defaults, icons and colours).
  const text = v => typeof v === 'string' ? [v] : [];
  document.querySelectorAll('[_echarts_instance_]').forEach(el => {
    const c = echarts.getInstanceByDom(el); if (!c) return;
    const o = c.getOption();
    out.push(...text(((o.aria || {}).label || {}).description));
    [].concat(o.xAxis || [], o.yAxis || []).forEach(a => { out.push(...text(a.name)); (a.data || []).forEach(d => out.push(...text(typeof d === 'object' && d ? d.value : d))); });
    (o.series || []).forEach(s => {
      out.push(...text(s.name));
      (s.data || []).forEach(d => { if (d && typeof d === 'object') {
        out.push(...text(d.name), ...text((d.tooltip || {}).formatter), ...text((d.label || {}).formatter)); } });
    });
  });
  return out.join('\n');
})()`

// otherLanguage lists, for a language, the texts of the other one that must not
// appear on its pages: every catalogue text (split at its placeholders) and every
// indicator and goal name and method text of the other language, leaving out what
// both languages write alike, what this language writes too, and words of place names.
func otherLanguage(lang string, places map[string]bool) []string {
	other := i18n.Other(lang)
	own := map[string]bool{}
	var candidates []string
	verb := regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z]`)
	add := func(mine, theirs string) {
		for _, f := range verb.Split(strings.ReplaceAll(mine, "%%", "%"), -1) {
			own[strings.TrimSpace(f)] = true
		}
		if theirs == mine {
			return
		}
		for _, f := range verb.Split(strings.ReplaceAll(theirs, "%%", "%"), -1) {
			candidates = append(candidates, strings.TrimSpace(strings.Trim(f, " .,:;()·")))
		}
	}
	for _, key := range i18n.Keys() {
		if code, ok := strings.CutPrefix(key, "code."); ok && i18n.T(other, key) == code {
			continue // a code's label that is the code itself: codes stand beside their labels
		}
		add(i18n.T(lang, key), rawText(other, key))
	}
	cat := catalogue.Default()
	for _, g := range cat.Goals {
		add(g.Name.In(lang), g.Name.In(other))
	}
	for _, ind := range cat.Indicators {
		add(ind.Name.In(lang), ind.Name.In(other))
		for _, sentence := range strings.SplitAfter(ind.Description.In(other), ". ") {
			add("", strings.Join(strings.Fields(sentence), " "))
		}
	}
	var out []string
	letters := regexp.MustCompile(`\p{L}`)
	for _, c := range candidates {
		words := strings.Fields(c)
		n := len(letters.FindAllString(c, -1))
		if own[c] || n < 6 || (len(words) == 1 && n < 7) || slices.Contains(out, c) {
			continue
		}
		if !slices.ContainsFunc(words, func(w string) bool { return !places[strings.Trim(w, "(),.")] }) {
			continue // only words of place names: "Tartu linn" is Estonian on every page
		}
		out = append(out, c)
	}
	return out
}

// rawText is a catalogue text with its placeholders (T would fill them with nothing).
func rawText(lang, key string) string {
	return i18n.T(lang, key, placeholderArgs(i18n.T(i18n.ET, key))...)
}

// placeholderArgs gives each of a text's verbs an argument that prints as the verb
// itself, so that the text keeps its shape for splitting.
func placeholderArgs(text string) []any {
	n := strings.Count(strings.ReplaceAll(text, "%%", ""), "%")
	args := make([]any, n)
	for i := range args {
		args[i] = verbValue{}
	}
	return args
}

type verbValue struct{}

func (verbValue) Format(f fmt.State, _ rune) { io.WriteString(f, "%s") }

// TestOneLanguage (point 6): every page in Estonian carries no English text from the
// catalogues, in its text, its attributes and its charts (labels, tooltips, aria),
// and the other way round; numbers are written the page's way; the page's CSV
// extract has its headers and statuses in the page's language.
func TestOneLanguage(t *testing.T) {
	s, h := newFixture(t)
	srv := serve(t, h)
	b := browsertest.New(t)
	places := map[string]bool{}
	reg, err := registry.Load(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range reg.Units() {
		for _, w := range strings.Fields(u.Name + " " + u.CountyName) {
			places[w] = true
		}
	}
	foreign := map[string][]string{i18n.ET: otherLanguage(i18n.ET, places), i18n.EN: otherLanguage(i18n.EN, places)}
	if len(foreign[i18n.ET]) < 150 || len(foreign[i18n.EN]) < 150 {
		t.Fatalf("only %d English and %d Estonian texts to look for", len(foreign[i18n.ET]), len(foreign[i18n.EN]))
	}
	// Estonian writes 1 234,5 and English 1,234.5 (dates and versions set aside).
	dates := regexp.MustCompile(`\b\d{2}\.\d{2}\.\d{4}\b|\d{4}-\d{2}-\d{2}(\.\d+)?|\b\d+\.\d+\.\d+\b`)
	wrongNumber := map[string]*regexp.Regexp{i18n.ET: regexp.MustCompile(`\d\.\d|\d,\d{3}\b`), i18n.EN: regexp.MustCompile(`\d,\d(\D|$)`)}
	checked := 0
	for _, p := range everyPage() {
		lang := i18n.ET
		if strings.HasSuffix(p.name, "_en") {
			lang = i18n.EN
		}
		open(t, b, srv.URL+p.url)
		text := browsertest.Value(t, b, chromedp.Evaluate[string](pageText))
		flat := strings.Join(strings.Fields(text), " ")
		for _, f := range foreign[lang] {
			if containsWords(flat, f) {
				t.Errorf("%s (%s): %q is the other language's", p.name, lang, f)
			}
		}
		for _, m := range wrongNumber[lang].FindAllStringIndex(dates.ReplaceAllString(flat, ""), 3) {
			clean := dates.ReplaceAllString(flat, "")
			t.Errorf("%s (%s): a number written the other language's way: …%s…", p.name, lang, clean[max(0, m[0]-30):min(len(clean), m[1]+30)])
		}
		checked++
	}
	if checked < 40 {
		t.Fatalf("checked only %d pages", checked)
	}
	// The CSV of a page in its language: headers and statuses.
	for _, lang := range i18n.Langs() {
		records := fetchRecords(t, srv.URL+"/extract.csv?indicator=I.3&year=2018&lang="+lang)
		if want := i18n.T(lang, "col.status"); !slices.Contains(records[0], want) {
			t.Errorf("the %s CSV's header %q lacks %q", lang, records[0], want)
		}
		statuses := map[string]bool{}
		for _, st := range kov.AllStatuses {
			statuses[i18n.T(lang, "status."+string(st))] = true
		}
		for _, r := range records[1:] {
			if !statuses[r[12]] {
				t.Errorf("the %s CSV has the status %q", lang, r[12])
			}
		}
	}
}

// containsWords tells whether text holds phrase as whole words.
func containsWords(text, phrase string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], phrase)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(phrase)
		if (start == 0 || !isWordByte(text, start-1)) && (end == len(text) || !isWordByte(text, end)) {
			return true
		}
		i = start + 1
	}
}

func isWordByte(s string, i int) bool {
	c := s[i]
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// TestOverviewAtAGlance (point 1): the overview opens on the latest year that has
// targets (2018, not the latest year, 2019), says how many are achieved in all and
// per goal, and shows for each indicator its value, target, status, a trend with the
// target marked and the year shown, the latest year's value and who lags most; the
// peer-group filters turn the figures into the group's pooled ones, labelled.
func TestOverviewAtAGlance(t *testing.T) {
	_, h := newFixture(t)
	srv := serve(t, h)
	b := browsertest.New(t)
	open(t, b, srv.URL+"/")
	verdict := browsertest.Value(t, b, chromedp.Text(chromedp.CSS("#verdict")))
	if !strings.HasPrefix(verdict, "2018. aasta sihttasemed:") || !strings.Contains(verdict, "13-st") {
		t.Errorf("the overview opens with %q, want the 2018 verdict over 13 indicators", verdict)
	}
	latest := browsertest.Value(t, b, chromedp.Text(chromedp.CSS("#latest-year")))
	if !strings.Contains(latest, "2019") {
		t.Errorf("the latest year line says %q", latest)
	}
	type row struct {
		ID, Value, Target, Status, Latest string
		Lagging                           int
		Targets, YearMark                 bool
	}
	rows := browsertest.Value(t, b, chromedp.Evaluate[[]row](`Array.from(document.querySelectorAll('tr[data-indicator]')).map(tr => {
	  const el = tr.querySelector('.spark .item'), opt = el && echarts.getInstanceByDom(el).getOption();
	  return {ID: tr.dataset.indicator, Value: tr.querySelector('td.value').textContent.trim(), Target: tr.querySelector('td.target').textContent.trim(),
	    Status: tr.querySelector('.status').className, Latest: tr.querySelector('td.latest').textContent.trim(),
	    Lagging: tr.querySelectorAll('td.lagging a').length,
	    Targets: !!opt && opt.series[1].data.some(d => d.value === 50 || d.value === 30 || d.value === 60 || d.value === 70),
	    YearMark: !!opt && opt.series[0].markLine.data.some(d => d.xAxis === '2018')};
	})`))
	if len(rows) != 13 {
		t.Fatalf("%d indicator rows, want 13", len(rows))
	}
	achieved := 0
	for _, r := range rows {
		if r.Value == "" || r.Value == "–" || r.Target == "–" || r.Latest == "" || !r.Targets || !r.YearMark {
			t.Errorf("%s: value %q target %q latest %q, trend with targets %v and the year marked %v", r.ID, r.Value, r.Target, r.Latest, r.Targets, r.YearMark)
		}
		if r.ID != "IV.1a" && r.Lagging == 0 && !strings.Contains(r.Status, "achieved") {
			t.Errorf("%s names no municipality that lags", r.ID)
		}
		if strings.Contains(r.Status, "status-achieved") {
			achieved++
		}
	}
	if !strings.Contains(verdict, fmt.Sprintf(" %d näitajat 13-st", achieved)) {
		t.Errorf("the verdict %q does not count the %d achieved rows", verdict, achieved)
	}
	counts := browsertest.Value(t, b, chromedp.Evaluate[int](`Array.from(document.querySelectorAll('.goal-counts .count strong')).reduce((n, s) => n + Number(s.textContent), 0)`))
	if counts != 13 {
		t.Errorf("the goals' counts add up to %d, want 13", counts)
	}
	// A peer group: the figures become the group's, and say so.
	national := browsertest.Value(t, b, chromedp.Text(chromedp.CSS(`tr[data-indicator="IV.2"] td.value`)))
	open(t, b, srv.URL+"/?county=0037&type=vald")
	note := browsertest.Value(t, b, chromedp.Text(chromedp.CSS("#group-note")))
	group := browsertest.Value(t, b, chromedp.Text(chromedp.CSS(`tr[data-indicator="IV.2"] td.value`)))
	if !strings.Contains(note, "Harju maakond · Vallad") || group == national {
		t.Errorf("with the Harju vald group the note says %q and IV.2 reads %q (national %q)", note, group, national)
	}
	// The county of the old code selects the county of that name in every year.
	open(t, b, srv.URL+"/?county=0037&type=vald&year=2016")
	old := browsertest.Value(t, b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#filter-county option[selected]')).map(o => o.textContent)`))
	if len(old) != 1 || old[0] != "Harju maakond" {
		t.Errorf("the county filter shows %q selected in 2016", old)
	}
	labels := browsertest.Value(t, b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#filter-county option')).map(o => o.textContent)`))
	for _, l := range labels {
		if strings.Contains(l, "(") {
			t.Errorf("the county list shows %q", l)
		}
	}
}

// TestEveryNumberExplained (point 2): every value on the pages links to its
// explanation, which gives the rule, numerator and denominator and the status in the
// page's language, the predecessors of a merged unit and the files behind it; every
// page links to the report of every year in both languages.
func TestEveryNumberExplained(t *testing.T) {
	_, h := newFixture(t)
	srv := serve(t, h)
	b := browsertest.New(t)
	for _, url := range []string{"/", "/indicator/I.4?year=2018", "/municipality/0714?year=2018", "/compare?ehak=0784&ehak=0624&year=2018", "/?county=0037"} {
		open(t, b, srv.URL+url)
		bare := browsertest.Value(t, b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('td.value, td.latest, td.national, td.peers, table.compare td'))
		  .filter(td => td.textContent.trim() !== '–' && !td.querySelector('a.explain')).map(td => td.textContent.trim())`))
		if len(bare) > 0 {
			t.Errorf("%s: values without an explanation link: %q", url, bare)
		}
		reports := browsertest.Value(t, b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#reports a[data-report]')).map(a => a.dataset.report)`))
		for _, y := range []string{"2016", "2017", "2018", "2019"} {
			for _, l := range i18n.Langs() {
				for _, f := range []string{"html", "pdf"} {
					if !slices.Contains(reports, y+"-"+l+"-"+f) {
						t.Errorf("%s: no link to the %s report in %s as %s", url, y, l, f)
					}
				}
			}
		}
		if href := browsertest.Value(t, b, chromedp.AttributeValue(chromedp.CSS("#report-link"), "href")).Value; !strings.HasPrefix(href, "/report?year=") {
			t.Errorf("%s: the header's report link is %q", url, href)
		}
	}
	// A merged unit's explanation, followed from its page.
	open(t, b, srv.URL+"/municipality/0714?year=2018")
	want := browsertest.Value(t, b, chromedp.Text(chromedp.CSS(`tr[data-indicator="I.4"] td.value`)))
	b.Do(t, chromedp.Click(chromedp.CSS(`tr[data-indicator="I.4"] td.value a`)))
	// The whole new document, down to its footer.
	b.Do(t, chromedp.WaitVisible(chromedp.CSS("#formula")), chromedp.WaitReady(chromedp.CSS("#attribution")))
	value := browsertest.Value(t, b, chromedp.Text(chromedp.CSS("#explained-value")))
	formula := browsertest.Value(t, b, chromedp.Text(chromedp.CSS("#formula")))
	rule := browsertest.Value(t, b, chromedp.Text(chromedp.CSS("#rule")))
	why := browsertest.Value(t, b, chromedp.Text(chromedp.CSS("#why")))
	predecessors := browsertest.Value(t, b, chromedp.Evaluate[int](`document.querySelectorAll('#predecessors li').length`))
	// The fixture's source rows are survey answers and trainings: II.2's file.
	open(t, b, srv.URL+"/explain/II.2/0714?year=2018")
	files := browsertest.Value(t, b, chromedp.Evaluate[int](`document.querySelectorAll('#files tbody tr').length`))
	if value != want || !regexp.MustCompile(`^= \d+ / \d+ × 100$`).MatchString(formula) || !strings.Contains(rule, "taotlus (submit)") ||
		!strings.Contains(rule, "Aasta 2018") || why == "" || predecessors == 0 || files == 0 {
		t.Errorf("explanation: value %q (page %q), formula %q, rule %q, why %q, %d predecessors, %d files", value, want, formula, rule, why, predecessors, files)
	}
	// A peer group's figure is explained by its members.
	open(t, b, srv.URL+"/explain/IV.2/group?year=2018&county=0037")
	members := browsertest.Value(t, b, chromedp.Evaluate[int](`document.querySelectorAll('#members tbody tr').length`))
	if members < 10 {
		t.Errorf("the Harju group's IV.2 is explained by %d members", members)
	}
}

// TestChartsSayWhatTheyMean (point 4): maps and rankings colour by status from the
// one palette, "no data" is hatched and named, never drawn as 0; a yes/no indicator
// shows who meets, who does not and who has no data (no bars of 100); the target
// line and its legend match; every chart offers its PNG, which is a picture.
func TestChartsSayWhatTheyMean(t *testing.T) {
	_, h := newFixture(t)
	srv := serve(t, h)
	b := browsertest.New(t)
	type mark struct {
		Name, Color, Decal, Label string
		Value                     any
	}
	items := func(chart string) []mark {
		return browsertest.Value(t, b, chromedp.Evaluate[[]mark](`(() => {
		  const el = document.querySelector('figure[data-chart="`+chart+`"] .item');
		  return echarts.getInstanceByDom(el).getOption().series[0].data.map((d, i) => ({Name: d.name || '', Value: d.value,
		    Color: d.itemStyle.areaColor || d.itemStyle.color, Decal: d.itemStyle.decal ? 'hatched' : '', Label: d.label ? d.label.formatter : ''}));
		})()`))
	}
	// I.1, a rate: the map and the ranking by status.
	open(t, b, srv.URL+"/indicator/I.1?year=2018")
	colours := map[string]kov.Status{}
	for _, st := range []kov.Status{kov.StatusAchieved, kov.StatusNotAchieved} {
		colours[palette.Of(st).Color] = st
	}
	noData := 0
	for _, m := range items("map") {
		switch {
		case m.Value == "-":
			noData++
			if m.Decal != "hatched" || m.Color != palette.NoData {
				t.Errorf("map: %s has no data but is drawn %s %q", m.Name, m.Color, m.Decal)
			}
		case colours[m.Color] == "":
			t.Errorf("map: %s is %s, not a status colour", m.Name, m.Color)
		}
	}
	if noData == 0 {
		t.Errorf("the fixture's map has no unit without data")
	}
	zero := false
	for _, m := range items("ranking") {
		if m.Value == "-" {
			t.Errorf("ranking: %s without data is a bar", m.Name)
		}
		if colours[m.Color] == "" {
			t.Errorf("ranking: a bar is %s, not a status colour", m.Color)
		}
		if v, ok := m.Value.(float64); ok && v == 0 {
			zero = zero || m.Label == "0,0 %"
		}
	}
	if !zero {
		t.Log("no 0 % bar in the ranking to check its label")
	}
	listed := browsertest.Value(t, b, chromedp.Evaluate[int](`document.querySelectorAll('#ranking-no-data a').length`))
	if listed == 0 {
		t.Errorf("the municipalities without data are not listed beside the ranking")
	}
	legend := browsertest.Value(t, b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('figure[data-chart="ranking"] .chart-legend li'))
	  .map(li => li.querySelector('.swatch').className + ' ' + li.textContent.trim())`))
	if !slices.ContainsFunc(legend, func(l string) bool { return strings.Contains(l, "swatch-dashed") && strings.Contains(l, "Sihttase 50") }) ||
		!slices.ContainsFunc(legend, func(l string) bool {
			return strings.Contains(l, "swatch-hatched") && strings.Contains(l, "Andmed puuduvad")
		}) {
		t.Errorf("the ranking's legend: %q", legend)
	}
	line := browsertest.Value(t, b, chromedp.Evaluate[map[string]any](`(() => {
	  const ml = echarts.getInstanceByDom(document.querySelector('figure[data-chart="ranking"] .item')).getOption().series[0].markLine;
	  return {type: ml.lineStyle.type, color: ml.lineStyle.color, x: ml.data[0].xAxis};
	})()`))
	if line["type"] != "dashed" || line["color"] != palette.Target || line["x"] != 50.0 {
		t.Errorf("the ranking's target line is %v, its legend a dashed %s line at 50", line, palette.Target)
	}
	// I.3, yes/no: who meets, who does not, who has no data; no ranking of 100s.
	open(t, b, srv.URL+"/indicator/I.3?year=2018")
	if n := browsertest.Value(t, b, chromedp.Evaluate[int](`document.querySelectorAll('figure[data-chart="ranking"]').length`)); n != 0 {
		t.Errorf("a yes/no indicator draws a ranking")
	}
	who := browsertest.Value(t, b, chromedp.Evaluate[map[string]int](`Object.fromEntries(Array.from(document.querySelectorAll('.who-list'))
	  .map(s => [s.dataset.who, s.querySelectorAll('a').length]))`))
	counted := items("counts")
	if len(counted) != 3 || who["meets"] == 0 || who["fails"] == 0 || who["no_data"] == 0 ||
		counted[0].Value != float64(who["meets"]) || counted[1].Value != float64(who["fails"]) || counted[2].Value != float64(who["no_data"]) ||
		counted[2].Decal != "hatched" {
		t.Errorf("who meets %v, counts drawn %+v", who, counted)
	}
	for _, m := range items("map") {
		if m.Value != "-" && m.Color != palette.Meets && m.Color != palette.Fails {
			t.Errorf("yes/no map: %s is %s", m.Name, m.Color)
		}
	}
	// 2019 has no targets: colour by value, said so in the legend (no pink wall).
	open(t, b, srv.URL+"/indicator/I.1?year=2019")
	for _, m := range items("ranking") {
		if !slices.Contains(palette.ValueBands, m.Color) {
			t.Errorf("2019 ranking: a bar is %s, not a value band", m.Color)
		}
	}
	// The PNG of a chart.
	png64 := browsertest.Value(t, b, chromedp.Evaluate[string](`window.kovmonPNG('ranking')`))
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(png64, "data:image/png;base64,"))
	if err != nil {
		t.Fatalf("the chart's PNG: %v (%.40s)", err, png64)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil || img.Bounds().Dx() < 400 {
		t.Errorf("the chart's PNG does not decode as a picture: %v", err)
	}
	buttons := browsertest.Value(t, b, chromedp.Evaluate[[]bool](`Array.from(document.querySelectorAll('[data-chart]')).map(f => {
	  const btn = f.querySelector('button.png'); return !!btn && !btn.hidden && !!f.querySelector('a.csv'); })`))
	if len(buttons) < 3 || slices.Contains(buttons, false) {
		t.Errorf("PNG buttons beside the CSV links: %v", buttons)
	}
	if errs := b.TakeErrors(); len(errs) > 0 {
		t.Errorf("console errors: %s", strings.Join(errs, "\n"))
	}
}

// TestCompareAndFind (point 3): a search by name without diacritics opens the unit;
// up to five units side by side on every indicator; peers and ranks on a unit's page.
func TestCompareAndFind(t *testing.T) {
	_, h := newFixture(t)
	srv := serve(t, h)
	b := browsertest.New(t)
	open(t, b, srv.URL+"/")
	b.Do(t, chromedp.SendKeys(chromedp.CSS("#search-q"), "parnu linn\n"))
	location := ""
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if location = browsertest.Value(t, b, chromedp.Location()); strings.Contains(location, "/municipality/") {
			break
		}
	}
	if !strings.Contains(location, "/municipality/0624") {
		t.Errorf("searching for “parnu linn” ended at %s, want Pärnu linn (0624)", location)
	}
	open(t, b, srv.URL+"/compare?ehak=0784&year=2018")
	b.Do(t, chromedp.SetValue(chromedp.CSS("#compare-add"), "0624"), chromedp.Click(chromedp.CSS("#compare-apply")))
	var columns int
	for deadline := time.Now().Add(10 * time.Second); columns != 4 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		columns, _ = chromedp.Run(b.Ctx, chromedp.Evaluate[int](`(document.querySelectorAll('#compare-table thead th') || []).length`))
	}
	rows := browsertest.Value(t, b, chromedp.Evaluate[int](`document.querySelectorAll('#compare-table tbody tr').length`))
	if columns != 4 || rows != 12 {
		t.Errorf("comparing two units: %d columns (indicator, national, 2 units), %d rows, want 4 and 12", columns, rows)
	}
	open(t, b, srv.URL+"/municipality/0784?year=2018")
	peers := browsertest.Value(t, b, chromedp.Text(chromedp.CSS("#peers")))
	rank := browsertest.Value(t, b, chromedp.Text(chromedp.CSS(`#unit-figures tr[data-indicator="I.1"] td:nth-of-type(6)`)))
	if !strings.Contains(peers, "Linnad") || !regexp.MustCompile(`^\d+\./\d+( \([↑↓=]\d*\))?$`).MatchString(rank) {
		t.Errorf("Tallinn's peers %q, I.1 rank %q", peers, rank)
	}
}
