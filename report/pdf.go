package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// pdfTimeout bounds one print: starting Chromium, drawing the charts and printing
// take a few seconds; a minute means something hangs.
const pdfTimeout = 90 * time.Second

// footerTemplate numbers the pages. Chromium fills the classes; the template needs
// its own font size, or the text is too small to see. It is language-neutral on
// purpose ("3 / 12"), so WritePDF needs nothing but the document.
const footerTemplate = `<div style="width:100%;font-family:'Liberation Sans',Arial,sans-serif;font-size:8pt;color:#555;padding:0 16mm;display:flex;justify-content:space-between">` +
	`<span class="title"></span><span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>`

// ChromiumPath finds the browser: $KOVMON_CHROMIUM, then the usual names on PATH.
func ChromiumPath() (string, error) {
	if p := os.Getenv("KOVMON_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("report: no Chromium found for printing the PDF; install it (`make deps` names the package) or set KOVMON_CHROMIUM")
}

// WritePDF prints the report's HTML to an A4 PDF at out with headless Chromium: page
// numbers in the footer, backgrounds printed, charts drawn before printing. The
// document needs no network, and the browser is given none.
func WritePDF(ctx context.Context, html []byte, out string) error {
	pdf, err := PrintPDF(ctx, html)
	if err != nil {
		return err
	}
	return writeFileAtomic(out, pdf)
}

// PrintPDF is WritePDF's printing step, returning the PDF's bytes.
func PrintPDF(ctx context.Context, html []byte) ([]byte, error) {
	browser, err := ChromiumPath()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "kovmon-report-")
	if err != nil {
		return nil, fmt.Errorf("report pdf: %w", err)
	}
	defer os.RemoveAll(dir)
	doc := filepath.Join(dir, "report.html")
	if err := os.WriteFile(doc, html, 0o600); err != nil {
		return nil, fmt.Errorf("report pdf: %w", err)
	}

	// The timeout covers the whole browser: it is started for this one print.
	ctx, cancel := context.WithTimeout(ctx, pdfTimeout)
	defer cancel()
	allocOpts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		// A proxy that answers nothing: should the document ever ask the network for
		// something, the print shows it missing instead of quietly fetching it.
		chromedp.ProxyServer("http://127.0.0.1:9"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, allocOpts...)
	defer cancelAlloc()
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	defer cancelTab()

	if err := chromedp.Do(tabCtx, chromedp.Navigate("file://"+doc)); err != nil {
		return nil, fmt.Errorf("report pdf: open the document in %s: %w", browser, err)
	}
	if _, err := chromedp.Run(tabCtx, chromedp.Poll[bool]("window.kovmonReportReady === true")); err != nil {
		return nil, fmt.Errorf("report pdf: waiting for the charts: %w", err)
	}
	chartErrs, err := chromedp.Run(tabCtx, chromedp.Evaluate[[]string]("window.kovmonReportErrors"))
	if err != nil {
		return nil, fmt.Errorf("report pdf: %w", err)
	}
	if len(chartErrs) > 0 {
		return nil, fmt.Errorf("report pdf: %d charts failed to draw: %s", len(chartErrs), strings.Join(chartErrs, "; "))
	}
	// Two animation frames: whatever the SVG renderer scheduled has been painted.
	if _, err := chromedp.Run(tabCtx, chromedp.Evaluate[bool](
		`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`, chromedp.EvalAwaitPromise)); err != nil {
		return nil, fmt.Errorf("report pdf: %w", err)
	}
	pdf, err := chromedp.Run(tabCtx, chromedp.PrintToPDF(
		chromedp.PDFPaper(chromedp.PaperA4),
		chromedp.PDFPreferCSSPageSize(),
		chromedp.PDFPrintBackground(),
		chromedp.PDFHeaderTemplate("<span></span>"),
		chromedp.PDFFooterTemplate(footerTemplate),
		chromedp.PDFStream(),
	))
	if err != nil {
		return nil, fmt.Errorf("report pdf: print with %s: %w", browser, err)
	}
	return pdf, nil
}

// writeFileAtomic writes through a temporary file in the same folder, so that a
// failed run never leaves half a report under the asked name.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("report: write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("report: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("report: write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("report: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("report: write %s: %w", path, err)
	}
	return nil
}

// pdfCache keeps printed reports in a folder, one file per document: the name is the
// hash of the HTML that was printed, and the same HTML always prints the same PDF.
// Printing takes Chromium seconds; the same figures, catalogue and language give the
// same HTML (Build is deterministic), so a report is printed once per figures
// version, also across restarts.
type pdfCache string

// maxCachedPDFs bounds the folder: the oldest files go first.
const maxCachedPDFs = 64

func (c pdfCache) path(hash string) string { return filepath.Join(string(c), hash+".pdf") }

// get returns the PDF of the HTML with this hash, if it was printed before.
func (c pdfCache) get(hash string) ([]byte, bool) {
	if c == "" {
		return nil, false
	}
	pdf, err := os.ReadFile(c.path(hash))
	return pdf, err == nil && bytes.HasPrefix(pdf, []byte("%PDF-"))
}

// put keeps a printed PDF; a folder that cannot be written only costs the next print.
func (c pdfCache) put(hash string, pdf []byte) {
	if c == "" || os.MkdirAll(string(c), 0o755) != nil {
		return
	}
	if writeFileAtomic(c.path(hash), pdf) != nil {
		return
	}
	entries, err := os.ReadDir(string(c))
	if err != nil || len(entries) <= maxCachedPDFs {
		return
	}
	sort.Slice(entries, func(i, j int) bool {
		a, _ := entries[i].Info()
		b, _ := entries[j].Info()
		return a != nil && b != nil && a.ModTime().Before(b.ModTime())
	})
	for _, e := range entries[:len(entries)-maxCachedPDFs] {
		os.Remove(filepath.Join(string(c), e.Name()))
	}
}

// printCached prints html, or takes its PDF from the cache.
func printCached(ctx context.Context, cache pdfCache, hash string, html []byte) ([]byte, error) {
	if pdf, ok := cache.get(hash); ok {
		return pdf, nil
	}
	pdf, err := PrintPDF(ctx, html)
	if err != nil {
		return nil, err
	}
	cache.put(hash, pdf)
	return pdf, nil
}
