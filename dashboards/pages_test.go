package dashboards

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"io"
	"math"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"ee/kovmon/i18n"
	"ee/kovmon/internal/fixture"
	"ee/kovmon/internal/golden"
	"ee/kovmon/ledger"
	"ee/kovmon/refdata"
	"ee/kovmon/web/compress"
)

// volatile are the parts of a page that change from run to run or with every edit of
// a static file: timestamps, the ids of ingest runs (which carry their start time) and
// the hashes in the static files' names.
var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\d{8}T\d{6}-[0-9a-f]{8}`), "RUN-ID"},
	{regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?`), "TIMESTAMP"},
	{regexp.MustCompile(`\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}`), "TIMESTAMP"},
	// The static files' names carry their content's hash: a change of the stylesheet
	// is not a change of every page (TestAssets checks the hashes).
	{regexp.MustCompile(`(/assets/[\w-]+)\.[0-9a-f]{10}\.`), "$1.HASH."},
	{regexp.MustCompile(`\d{1,2} [A-Z][a-z]+ \d{4} \d{2}:\d{2}:\d{2}`), "TIMESTAMP"},
}

func normalize(b []byte) []byte {
	for _, v := range volatile {
		b = v.re.ReplaceAll(b, []byte(v.with))
	}
	return b
}

func get(t *testing.T, h http.Handler, url string) (int, []byte) {
	t.Helper()
	srv := serve(t, h)
	resp, err := http.Get(srv.URL + url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// TestPagesGolden renders every page on the fixture and compares it with
// testdata/<name>.golden.html (go test ./dashboards -update rewrites them).
func TestPagesGolden(t *testing.T) {
	_, h := newFixture(t)
	for _, tc := range []struct{ name, url string }{
		{"overview", "/"},
		{"overview_en_2017", "/?lang=en&year=2017"},
		{"indicator_I.1_2018", "/indicator/I.1?year=2018"},
		{"indicator_II.2_2016_no_map", "/indicator/II.2?year=2016"},
		{"indicator_IV.2_current_harju", "/indicator/IV.2?boundaries=current&county=0037&lang=en"},
		{"indicator_IV.1a_national_only", "/indicator/IV.1a"},
		{"municipality_0714", "/municipality/0714?year=2018"},
		{"municipality_0301_2016", "/municipality/0301?year=2016&lang=en"},
		{"overview_harju_vald", "/?county=0037&type=vald"},
		{"explain_I.4_0784_2018", "/explain/I.4/0784?year=2018"},
		{"explain_II.2_group_en", "/explain/II.2/group?year=2018&type=linn&lang=en"},
		{"compare_3", "/compare?ehak=0784&ehak=0795&ehak=0624&year=2018"},
		{"search_tar", "/search?q=tar"},
		{"data", "/data"},
		{"extract_I.1_national", "/extract.csv?indicator=I.1&level=national"},
		{"extract_I.3_harju_et", "/extract.csv?indicator=I.3&year=2018&county=0037&lang=et"},
		{"extract_I.3_harju_excel", "/extract.csv?indicator=I.3&year=2018&county=0037&lang=et&format=excel"},
		{"coverage_0714", "/coverage.csv?ehak=0714"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := get(t, h, tc.url)
			if status != http.StatusOK {
				t.Fatalf("GET %s: status %d: %s", tc.url, status, body)
			}
			ext := ".golden.html"
			if strings.Contains(tc.url, ".csv") {
				ext = ".golden.csv"
			}
			compareGolden(t, filepath.Join("testdata", tc.name+ext), normalize(body))
		})
	}
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	golden.Compare(t, path, got, *update)
}

// TestRejectsParameters checks that every query parameter is held to its closed
// list: a value outside it is a 400 (or 404 for an unknown page), never a query.
func TestRejectsParameters(t *testing.T) {
	_, h := newFixture(t)
	for _, tc := range []struct {
		url    string
		status int
	}{
		{"/?year=1999", http.StatusBadRequest},
		{"/?year=2018%27%20OR%201%3D1", http.StatusBadRequest},
		{"/?lang=fi", http.StatusBadRequest},
		{"/?boundaries=today", http.StatusBadRequest},
		{"/?county=0000", http.StatusBadRequest},
		{"/?type=alev", http.StatusBadRequest},
		{"/indicator/IX.9", http.StatusNotFound},
		{"/municipality/9999", http.StatusNotFound},
		{"/extract.csv?indicator=IX.9", http.StatusBadRequest},
		{"/extract.csv?ehak=0784%27--", http.StatusBadRequest},
		{"/extract.csv?level=county", http.StatusBadRequest},
		{"/coverage.csv?ehak=9999", http.StatusBadRequest},
		{"/?pop=huge", http.StatusBadRequest},
		{"/explain/I.4/9999?year=2018", http.StatusNotFound},
		{"/explain/I.4/0784%27?year=2018", http.StatusNotFound},
		{"/explain/I.4/group?year=2018", http.StatusNotFound},
		{"/explain/IX.9/EE", http.StatusNotFound},
		{"/compare?ehak=9999", http.StatusBadRequest},
		{"/compare?ehak=0784&ehak=0795&ehak=0624&ehak=0170&ehak=0171&ehak=0130", http.StatusBadRequest},
		{"/search?q=" + strings.Repeat("a", 101), http.StatusBadRequest},
		{"/extract.csv?format=xls", http.StatusBadRequest},
		{"/extract.xlsx?indicator=IX.9", http.StatusBadRequest},
		{"/assets/nothing.js", http.StatusNotFound},
		{"/nowhere", http.StatusNotFound},
		{"/?year=2017&county=0037&type=linn&boundaries=current&lang=en", http.StatusOK},
	} {
		status, body := get(t, h, tc.url)
		if status != tc.status {
			t.Errorf("GET %s: status %d, want %d (%s)", tc.url, status, tc.status, bytes.TrimSpace(body))
		}
	}
}

// TestAssets: the pages name their static files by content hash; those are served for a
// year (immutable) and gzipped to a client that takes it, their content matching the
// hash in the name; the plain names still answer with a short cache life; the map
// script registers the boundaries.
func TestAssets(t *testing.T) {
	_, h := newFixture(t)
	srv := serve(t, h)
	_, page := get(t, h, "/indicator/I.1?year=2018")
	hashed := regexp.MustCompile(`/assets/(dashboards|echarts|map-ee2018)\.([0-9a-f]{10})\.(css|js|min\.js)`).FindAllStringSubmatch(string(page), -1)
	if len(hashed) != 4 {
		t.Fatalf("the indicator page names %d hashed assets, want 4 (css, js, echarts, map): %v", len(hashed), hashed)
	}
	for _, m := range hashed {
		req, _ := http.NewRequest("GET", srv.URL+m[0], nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		zipped, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("GET %s: status %d, encoding %q", m[0], resp.StatusCode, resp.Header.Get("Content-Encoding"))
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
			t.Errorf("GET %s: Cache-Control %q, want a year, immutable", m[0], cc)
		}
		zr, err := gzip.NewReader(bytes.NewReader(zipped))
		if err != nil {
			t.Fatalf("GET %s: not gzip: %v", m[0], err)
		}
		body, _ := io.ReadAll(zr)
		sum := sha256.Sum256(body)
		if hex.EncodeToString(sum[:5]) != m[2] || len(zipped) >= len(body) {
			t.Errorf("GET %s: content hash %x, name says %s; %d bytes gzipped of %d", m[0], sum[:5], m[2], len(zipped), len(body))
		}
	}
	for _, tc := range []struct{ path, contains, cache string }{
		{"/assets/echarts.min.js", "echarts", "max-age=3600"},
		{"/assets/map-ee2018.js", `echarts.registerMap("ee2018"`, "max-age=3600"},
		{"/assets/dashboards.css", ".status", "max-age=3600"},
		{"/assets/dashboards.js", "kovmonPNG", "max-age=3600"},
		{"/geo/ee2018.json", `"name":"Saaremaa vald"`, "max-age"},
	} {
		resp, err := http.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(tc.contains)) {
			t.Errorf("GET %s: status %d, body lacks %q", tc.path, resp.StatusCode, tc.contains)
		}
		if !strings.Contains(resp.Header.Get("Cache-Control"), tc.cache) {
			t.Errorf("GET %s: Cache-Control %q lacks %q", tc.path, resp.Header.Get("Cache-Control"), tc.cache)
		}
	}
}

// TestMapIsSimplified: the map script is a small fraction of the boundary file and
// still holds every unit's shape.
func TestMapIsSimplified(t *testing.T) {
	raw := fixture.Boundaries(t)
	geo, err := loadGeoMap(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(geo.names) != 79 {
		t.Errorf("%d units on the map, want 79", len(geo.names))
	}
	if len(geo.script)*5 > len(raw) {
		t.Errorf("the map script is %d bytes of the file's %d: not simplified for the screen", len(geo.script), len(raw))
	}
	t.Logf("boundaries %d bytes, map script %d bytes (%d gzipped)", len(raw), len(geo.script), len(compress.Gzip(geo.script, gzip.BestCompression)))
}

// BenchmarkOverview renders the overview on the fixture.
func BenchmarkOverview(b *testing.B) {
	_, h := newFixture(b)
	srv := serve(b, h)
	b.ResetTimer()
	for b.Loop() {
		resp, err := http.Get(srv.URL + "/")
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// TestAttributionIsRefdatas: the credit every page shows is refdata's, word for word
// in Estonian.
func TestAttributionIsRefdatas(t *testing.T) {
	if got := i18n.T(i18n.ET, "dashboards.attribution"); got != refdata.Attribution {
		t.Errorf("the pages credit %q, refdata requires %q", got, refdata.Attribution)
	}
	_, h := newFixture(t)
	for _, url := range []string{"/", "/indicator/I.1?year=2018", "/data"} {
		_, body := get(t, h, url)
		if !bytes.Contains(body, []byte(refdata.Attribution)) {
			t.Errorf("%s does not show the attribution", url)
		}
	}
	_, body := get(t, h, "/indicator/I.1?year=2018")
	if !bytes.Contains(body, []byte(`class="attribution map-attribution"`)) {
		t.Errorf("the map has no attribution beside it")
	}
}

// TestSpreadsheets (point 8): the Estonian spreadsheet CSV has a BOM, ";" and decimal
// commas, with every value at full precision; the XLSX extract holds the same rows
// with numbers as number cells (to Excel's 15 significant digits), shown to one
// decimal by their format only.
func TestSpreadsheets(t *testing.T) {
	_, h := newFixture(t)
	const q = "indicator=I.1&year=2018&county=0037&lang=et"
	_, standard := get(t, h, "/extract.csv?indicator=I.1&year=2018&county=0037")
	_, excel := get(t, h, "/extract.csv?"+q+"&format=excel")
	if !bytes.HasPrefix(excel, []byte("\ufeff")) || !bytes.Contains(excel, []byte("\r\n")) {
		t.Errorf("the Excel CSV lacks its BOM or CRLF: %.40q", excel)
	}
	std, err := csv.NewReader(bytes.NewReader(standard)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(excel, []byte("\ufeff"))))
	r.Comma = ';'
	et, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// The Excel CSV has the pooled group row beside the standard one's rows.
	value := map[string]string{}
	for _, row := range std[1:] {
		value[row[3]] = row[5]
	}
	fractions := 0
	for _, row := range et[1:] {
		if row[4] == "" {
			continue // the group's row
		}
		want := strings.Replace(value[row[4]], ".", ",", 1)
		if row[6] != want {
			t.Errorf("%s: Excel CSV value %q, standard %q", row[4], row[6], value[row[4]])
		}
		if strings.Contains(row[6], ",") && len(row[6]) > 6 {
			fractions++
		}
	}
	if fractions == 0 {
		t.Errorf("no value with its full precision in the Excel CSV")
	}
	status, body := get(t, h, "/extract.xlsx?"+q)
	if status != http.StatusOK {
		t.Fatalf("GET /extract.xlsx: %d %s", status, body)
	}
	book, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sheet := i18n.T(i18n.ET, "xlsx.sheet")
	rows, err := book.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(et) || rows[0][6] != i18n.T(i18n.ET, "col.value") {
		t.Fatalf("the workbook has %d rows (CSV %d), header %q", len(rows), len(et), rows[0])
	}
	numbers := 0
	for i := 2; i <= len(rows); i++ {
		cell := "G" + strconv.Itoa(i)
		kind, _ := book.GetCellType(sheet, cell)
		raw, _ := book.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
		if raw == "" {
			continue // no data
		}
		style, _ := book.GetCellStyle(sheet, cell)
		format, _ := book.GetStyle(style)
		shown, _ := book.GetCellValue(sheet, cell)
		full, _ := strconv.ParseFloat(raw, 64)
		if kind == excelize.CellTypeSharedString || kind == excelize.CellTypeInlineString || format.CustomNumFmt == nil || *format.CustomNumFmt != "0.0" {
			t.Errorf("%s is not a number shown to one decimal (type %v, format %v)", cell, kind, format.CustomNumFmt)
		}
		if strings.Count(raw, "") > 6 && shown == raw {
			t.Errorf("%s shows %q: the format does not round the display", cell, shown)
		}
		// Excel keeps 15 significant digits of a number (excelize writes those).
		want, _ := strconv.ParseFloat(strings.Replace(et[i-1][6], ",", ".", 1), 64)
		if math.Abs(full-want) > 1e-12*math.Max(1, math.Abs(want)) {
			t.Errorf("%s holds %s, the CSV %v", cell, raw, want)
		}
		numbers++
	}
	if numbers < 5 {
		t.Errorf("only %d number cells", numbers)
	}
}

// TestDataListsEachRunOnce reads the data page's table of ingest runs: each run of
// the fixture's loads once (they were listed once per record, done and running, when
// the page and the API asked the ledger two different questions).
func TestDataListsEachRunOnce(t *testing.T) {
	s, h := newFixture(t)
	runs, err := ledger.Runs(context.Background(), s, 100)
	if err != nil {
		t.Fatal(err)
	}
	status, body := get(t, h, "/data?lang=en")
	if status != http.StatusOK {
		t.Fatalf("/data: %d", status)
	}
	listed := regexp.MustCompile(`<th scope="row"><code>(\d{8}T\d{6}-[0-9a-f]{8})</code></th><td data-label="Status">([^<]*)</td>`).FindAllSubmatch(body, -1)
	seen := map[string]int{}
	for _, m := range listed {
		seen[string(m[1])]++
		if string(m[2]) != "done" {
			t.Errorf("run %s is listed as %q, want done", m[1], m[2])
		}
	}
	if len(runs) != 4 || len(listed) != len(runs) || len(seen) != len(runs) {
		t.Errorf("/data lists %d runs (%d distinct), the ledger has %d (want the fixture's 4)", len(listed), len(seen), len(runs))
	}
}
