package main

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"os"
	osexec "os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"ee/kovmon/internal/browsertest"
)

// Page-weight goals of issue 16 (point 7), in bytes transferred (compressed, headers
// included): an indicator page with an empty browser cache, the same page again with
// the cache warm, and the HTML annual report.
const (
	goalIndicatorCold = 700_000
	goalIndicatorWarm = 100_000
	goalReportHTML    = 500_000
)

// BenchmarkPageWeight measures what a browser transfers for kovmon's pages: the demo
// is loaded and served as `make run` does (or KOVMON_WEIGHT_URL names a server to
// measure instead), headless Chromium with a fresh profile opens an indicator page
// and the overview (cold), then opens them again (warm: the static files come from
// its cache), and the HTML report is fetched as a browser asks for it (gzip). The
// sizes are the network's encoded bytes per page, as Chromium reports them. It fails
// when a goal is missed.
func BenchmarkPageWeight(b *testing.B) {
	base := os.Getenv("KOVMON_WEIGHT_URL")
	if base == "" {
		data := b.TempDir()
		if out, err := osexec.Command(binary, "--data", data, "demo", "--seed", "1").CombinedOutput(); err != nil {
			b.Fatalf("demo: %v\n%s", err, out)
		}
		base = startServe(b, "--data", data)
	}
	for b.Loop() {
		br := browsertest.NewAt(b, 1366, 900)
		weigh := func(path string) int64 { return pageWeight(b, br, base+path) }
		indicatorCold := weigh("/indicator/I.4")
		indicatorWarm := weigh("/indicator/I.4")
		overviewWarm := weigh("/")
		reportHTML := reportWeight(b, base+"/report?year=2018&lang=et")
		b.ReportMetric(float64(indicatorCold)/1000, "indicator-cold-kB")
		b.ReportMetric(float64(indicatorWarm)/1000, "indicator-warm-kB")
		b.ReportMetric(float64(overviewWarm)/1000, "overview-warm-kB")
		b.ReportMetric(float64(reportHTML)/1000, "report-html-kB")
		b.Logf("transferred: indicator page %d kB cold, %d kB warm; overview %d kB warm; HTML report %d kB",
			indicatorCold/1000, indicatorWarm/1000, overviewWarm/1000, reportHTML/1000)
		for _, c := range []struct {
			name      string
			got, goal int64
		}{{"indicator page, cold cache", indicatorCold, goalIndicatorCold}, {"indicator page, warm cache", indicatorWarm, goalIndicatorWarm},
			{"HTML report", reportHTML, goalReportHTML}} {
			if c.got > c.goal {
				b.Errorf("%s: %d kB transferred, goal under %d kB", c.name, c.got/1000, c.goal/1000)
			}
		}
	}
}

// pageWeight opens a page and sums the bytes the network carried for it, until the
// page and its charts have loaded.
func pageWeight(b *testing.B, br *browsertest.Browser, url string) int64 {
	b.Helper()
	var mu sync.Mutex
	total := int64(0)
	ctx, cancel := context.WithCancel(br.Ctx)
	defer cancel()
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventLoadingFinished); ok {
			mu.Lock()
			total += int64(e.EncodedDataLength)
			mu.Unlock()
		}
	}); err != nil {
		b.Fatal(err)
	}
	br.Do(b, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("#page-title")))
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if undrawn := browsertest.Value(b, br, chromedp.Evaluate[int](`Array.from(document.querySelectorAll('[data-chart]')).filter(e => !e.querySelector('canvas, svg')).length`)); undrawn == 0 {
			break
		}
	}
	time.Sleep(300 * time.Millisecond) // the last loadingFinished events
	mu.Lock()
	defer mu.Unlock()
	return total
}

// reportWeight fetches the HTML report as a browser does (gzip accepted) and counts
// the bytes of the answer as sent.
func reportWeight(b *testing.B, url string) int64 {
	b.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	n, _ := io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %s", url, resp.Status)
	}
	if resp.Header.Get("Content-Encoding") == "gzip" {
		return n
	}
	b.Logf("the report came uncompressed (%d bytes; gzipped it would be %d)", n, gzipSize(b, url))
	return n
}

func gzipSize(b *testing.B, url string) int {
	resp, err := http.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	cw := &countWriter{}
	zw := gzip.NewWriter(cw)
	zw.Write(body)
	zw.Close()
	return cw.n
}

type countWriter struct{ n int }

func (c *countWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }
