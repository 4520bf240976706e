package report

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ee/kovmon/internal/golden"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/store"
	"ee/kovmon/store/storetest"
)

const stubECharts = "testdata/echarts-stub.js"

func fixtureOptions(s store.Store, lang string) Options {
	return Options{Store: s, Catalogue: catalogue.Default(), Year: fixtureYear, Lang: lang,
		EChartsPath: stubECharts, Now: func() time.Time { return fixtureDate }}
}

// TestGoldenHTML builds the fixture's report in both languages, twice each: the two
// builds must be byte-identical (one hash), and equal to the golden file.
func TestGoldenHTML(t *testing.T) {
	s := newFixture(t)
	ctx := context.Background()
	hashes := map[string]string{}
	for _, lang := range []string{"et", "en"} {
		first, err := Build(ctx, fixtureOptions(s, lang))
		if err != nil {
			t.Fatal(err)
		}
		second, err := Build(ctx, fixtureOptions(s, lang))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(first.HTML)
		if first.Hash != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: Hash %s is not the sha256 of the HTML", lang, first.Hash)
		}
		if first.Hash != second.Hash || !bytes.Equal(first.HTML, second.HTML) {
			t.Errorf("%s: two builds from the same data differ: %s and %s", lang, first.Hash, second.Hash)
		}
		if first.Snapshot != fixtureSnapshot || first.RefreshID != fixtureRefresh {
			t.Errorf("%s: snapshot %q refresh %q, want %q %q", lang, first.Snapshot, first.RefreshID, fixtureSnapshot, fixtureRefresh)
		}
		hashes[lang] = first.Hash
		compareGolden(t, filepath.Join("testdata", "report_2018."+lang+".html"), first.HTML)
	}
	if hashes["et"] == hashes["en"] {
		t.Error("the Estonian and English reports have the same hash")
	}
}

// TestContents checks what the goldens hold but a reviewer of a golden diff could
// miss: the figures formatted for each language and the sentences written from them.
func TestContents(t *testing.T) {
	s := newFixture(t)
	for _, c := range []struct {
		lang string
		want []string
	}{
		{"et", []string{
			"45,6\u00a0%", // I.1 in 2018, the Estonian way
			"Sihttase 50\u00a0% jäi saavutamata, puudu jäi 4,4 protsendipunkti.",
			"Tingimusele vastas 456 kirjet 1000-st.",
			"Madalaim väärtus oli omavalitsusel Metsa vald (33,3\u00a0%).",
			"Prognoos aastaks 2019 on 50,2\u00a0%",
			"15.02.2019", fixtureSnapshot, fixtureRefresh, "Karantiinis",
			"Read, mis kontrolli ei läbinud, on analüütikutele lehel /data", // the quarantine detail is the analysts'
		}},
		{"en", []string{
			"45.6%",
			"The target of 50% was not met: 4.4 percentage points short.",
			"456 of 1,000 records met the condition.",
			"The lowest value was in Metsa vald (33.3%).",
			"15 February 2019", "kov-ikt-2018",
		}},
	} {
		rep, err := Build(context.Background(), fixtureOptions(s, c.lang))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !bytes.Contains(rep.HTML, []byte(w)) {
				t.Errorf("%s report lacks %q", c.lang, w)
			}
		}
		// The quarantine's detail is not for the ministry's readers.
		for _, w := range []string{"ehak_code peab olema 1-4 numbrit", "ehak_code must be 1-4 digits"} {
			if bytes.Contains(rep.HTML, []byte(w)) {
				t.Errorf("%s report shows the quarantine reason %q", c.lang, w)
			}
		}
	}
}

// TestNoDataYear: a year without figures is an error naming the years with data,
// and so is a store where nothing has been computed.
func TestNoDataYear(t *testing.T) {
	s := newFixture(t)
	opts := fixtureOptions(s, "et")
	opts.Year = 2015
	_, err := Build(context.Background(), opts)
	var noData *NoDataError
	if !errors.As(err, &noData) {
		t.Fatalf("Build(2015) = %v, want a NoDataError", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "2015") || !strings.Contains(msg, "2016, 2017, 2018") {
		t.Errorf("message %q should name 2015 and the years with data", msg)
	}

	_, err = Build(context.Background(), fixtureOptions(storetest.New(t), "et"))
	if !errors.As(err, &noData) || !strings.Contains(err.Error(), "kovmon ingest") {
		t.Errorf("empty store: %v, want a NoDataError that says how to load data", err)
	}

	opts.Year, opts.Lang = fixtureYear, "fr"
	if _, err := Build(context.Background(), opts); !errors.Is(err, ErrBadRequest) {
		t.Errorf("lang fr: %v, want ErrBadRequest", err)
	}
}

// TestPDF prints the real document (with the real ECharts) and reads it back: the
// summary figures, the chart texts (drawn as SVG, so they are text in the PDF), A4
// pages and more than three of them. KOVMON_REPORT_KEEP=DIR keeps the PDF and PNGs
// of its first pages there for a look.
func TestPDF(t *testing.T) {
	s := newFixture(t)
	opts := fixtureOptions(s, "et")
	opts.EChartsPath = ""
	rep, err := Build(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	assertSelfContained(t, rep.HTML)
	dir := t.TempDir()
	if keep := os.Getenv("KOVMON_REPORT_KEEP"); keep != "" {
		dir = keep
	}
	out := filepath.Join(dir, "report_2018.et.pdf")
	start := time.Now()
	if err := WritePDF(context.Background(), rep.HTML, out); err != nil {
		t.Fatal(err)
	}
	t.Logf("PDF printed in %.1f s", time.Since(start).Seconds())

	text := strings.ReplaceAll(run(t, "pdftotext", "-layout", out, "-"), "\u00a0", " ")
	for _, want := range []string{"45,6 %", "Kokkuvõte", "Saavutamata", "Riigi tase", fixtureSnapshot} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q", want)
		}
	}
	info := run(t, "pdfinfo", out)
	pages := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindStringSubmatch(info)
	if pages == nil {
		t.Fatalf("pdfinfo gives no page count:\n%s", info)
	}
	if n, _ := strconv.Atoi(pages[1]); n < 3 {
		t.Errorf("the PDF has %d pages, want at least 3", n)
	}
	if !regexp.MustCompile(`Page size:.*\(A4\)`).MatchString(info) {
		t.Errorf("the PDF is not A4:\n%s", info)
	}
	if os.Getenv("KOVMON_REPORT_KEEP") != "" {
		run(t, "pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "4", out, filepath.Join(dir, "page"))
	}
}

// TestHandler serves the report and refuses what is not on the closed lists.
func TestHandler(t *testing.T) {
	s := newFixture(t)
	h := Handler(fixtureOptions(s, ""))
	for _, c := range []struct {
		query string
		code  int
		body  string
	}{
		{"year=2018&lang=en", http.StatusOK, "45.6%"},
		{"year=2018", http.StatusOK, "45,6\u00a0%"},
		{"year=2015&lang=et", http.StatusNotFound, "2016, 2017, 2018"},
		{"year=twenty&lang=et", http.StatusBadRequest, "year"},
		{"year=2018&lang=fr", http.StatusBadRequest, "lang"},
		{"year=2018&format=docx", http.StatusBadRequest, "format"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/report?"+c.query, nil))
		if rec.Code != c.code || !strings.Contains(rec.Body.String(), c.body) {
			t.Errorf("GET /report?%s = %d %.80q, want %d containing %q", c.query, rec.Code, rec.Body.String(), c.code, c.body)
		}
		if c.code == http.StatusOK && rec.Header().Get("ETag") == "" {
			t.Errorf("GET /report?%s has no ETag", c.query)
		}
	}
}

// TestConcurrentPDFRequestsShareOneBuild: ten clients asking for the same PDF at once
// get the same bytes from one build and one print (issue 15, point 8: they were
// printed one after the other), and a later request is answered from the cache.
func TestConcurrentPDFRequestsShareOneBuild(t *testing.T) {
	s := newFixture(t)
	opts := fixtureOptions(s, "")
	opts.EChartsPath = ""
	h := Handler(opts).(*handler)
	const clients = 10
	bodies := make([][]byte, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/report?year=2018&lang=en&format=pdf", nil))
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/pdf" {
				t.Errorf("client %d: %d %.100q", i, rec.Code, rec.Body.String())
			}
			bodies[i] = rec.Body.Bytes()
		})
	}
	wg.Wait()
	for i := 1; i < clients; i++ {
		if !bytes.Equal(bodies[i], bodies[0]) {
			t.Errorf("client %d got other bytes than client 0", i)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/report?year=2018&lang=en&format=pdf", nil))
	if n := h.builds.Load(); n != 1 {
		t.Errorf("%d concurrent requests and one more built the report %d times, want once", clients, n)
	}
}

// TestRun is the command: it writes the file its name asks for and says what it wrote.
func TestRun(t *testing.T) {
	s := newFixture(t)
	t.Setenv("KOVMON_ECHARTS", stubECharts)
	dir := t.TempDir()
	var stdout bytes.Buffer
	if err := Run(context.Background(), s, catalogue.Default(), fixtureYear, "en", filepath.Join(dir, "r.txt"), "", &stdout); !errors.Is(err, ErrBadRequest) {
		t.Errorf("--out r.txt: %v, want ErrBadRequest", err)
	}
	out := filepath.Join(dir, "r.html")
	if err := Run(context.Background(), s, catalogue.Default(), fixtureYear, "en", out, "", &stdout); err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(html)
	for _, want := range []string{hex.EncodeToString(sum[:]), fixtureSnapshot, out} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("Run's output %q lacks %q", stdout.String(), want)
		}
	}
}

// assertSelfContained: the document loads nothing: no src or href leaves it.
func assertSelfContained(t *testing.T, html []byte) {
	t.Helper()
	// The library's own code mentions <img src=…>; only the markup around it counts.
	markup := regexp.MustCompile(`(?s)<script>.*?</script>`).ReplaceAll(html, nil)
	if m := regexp.MustCompile(`(?i)<(script|link|img|iframe)[^>]+(src|href)=`).Find(markup); m != nil {
		t.Errorf("the report loads an external resource: %s", m)
	}
	if !bytes.Contains(html, []byte("echarts")) || len(html) < 500_000 {
		t.Errorf("the report (%d bytes) does not inline the ECharts library", len(html))
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	golden.Compare(t, path, got, *update)
}
