package dashboards

import (
	"bytes"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"ee/kovmon/internal/golden"
)

// volatile are the parts of a page that change from run to run: timestamps and the
// ids of ingest runs (which carry their start time).
var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\d{8}T\d{6}-[0-9a-f]{8}`), "RUN-ID"},
	{regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?`), "TIMESTAMP"},
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
		{"data", "/data"},
		{"extract_I.1_national", "/extract.csv?indicator=I.1&level=national"},
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
		{"/nowhere", http.StatusNotFound},
		{"/?year=2017&county=0037&type=linn&boundaries=current&lang=en", http.StatusOK},
	} {
		status, body := get(t, h, tc.url)
		if status != tc.status {
			t.Errorf("GET %s: status %d, want %d (%s)", tc.url, status, tc.status, bytes.TrimSpace(body))
		}
	}
}

// TestAssets checks the ECharts script is served from disk with long caching, and the
// map script registers the boundaries.
func TestAssets(t *testing.T) {
	_, h := newFixture(t)
	srv := serve(t, h)
	for _, tc := range []struct{ path, contains, cache string }{
		{"/assets/echarts.min.js", "echarts", "immutable"},
		{"/assets/map-ee2018.js", `echarts.registerMap("ee2018"`, "max-age"},
		{"/assets/dashboards.css", ".status", "max-age"},
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
