package report

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"ee/kovmon/i18n"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/store"
)

// Run is `kovmon report --year Y --lang et|en --out FILE`: it builds the report and
// writes FILE as HTML or PDF by its extension, then prints what it wrote, the content
// hash, the data snapshot and the time taken.
func Run(ctx context.Context, s store.Store, cat *catalogue.Catalogue, year int, lang, out, cacheDir string, stdout io.Writer) error {
	start := time.Now()
	format := strings.ToLower(strings.TrimPrefix(filepath.Ext(out), "."))
	if format == "htm" {
		format = "html"
	}
	if format != "html" && format != "pdf" {
		return fmt.Errorf("%w: --out %q must end in .html or .pdf", ErrBadRequest, out)
	}
	if lang == "" {
		lang = i18n.Default
	}
	rep, err := Build(ctx, Options{Store: s, Catalogue: cat, Year: year, Lang: lang})
	if err != nil {
		return err
	}
	written := len(rep.HTML)
	if format == "pdf" {
		pdf, err := printCached(ctx, pdfCache(cacheDir), rep.Hash, rep.HTML)
		if err != nil {
			return err
		}
		if err := WriteFile(out, pdf); err != nil {
			return err
		}
		written = len(pdf)
	} else if err := WriteFile(out, rep.HTML); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "report %d (%s): %s, %d bytes, %.1f s\ncontent sha256: %s\ndata snapshot: %s (refresh %s)\n",
		year, lang, out, written, time.Since(start).Seconds(), rep.Hash, rep.Snapshot, rep.RefreshID)
	return err
}

// WriteFile writes a report to path through a temporary file beside it, so that a
// failed write never leaves half a report under the asked name.
func WriteFile(path string, data []byte) error { return writeFileAtomic(path, data) }
