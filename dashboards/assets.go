package dashboards

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"ee/kovmon/internal/echarts"
	"ee/kovmon/web/compress"
)

// The static files — the stylesheet, the pages' script, ECharts and the map — are
// served under names that carry a hash of their content (dashboards.3f9c0a1b2c.css),
// so that a browser may keep each for a year without asking again, and a new build's
// files, having new names, are fetched at once. They are also served gzipped, made
// once at start: ECharts is 1.1 MB as it is and about a third of that compressed.
// The plain names (dashboards.css) still answer, with a short cache life, for pages
// that are not the dashboards' own (the login and admin pages).

// startTime is the files' modification time for conditional requests: they change only
// with the process.
var startTime = time.Now()

// staticAsset is one static file, ready to send.
type staticAsset struct {
	contentType string
	body, gz    []byte
	immutable   bool // served under its hashed name
}

// assetNames are the addresses of the static files, for the templates.
type assetNames struct{ CSS, JS, ECharts, Map string }

// assetSet is every static file by name (hashed and plain).
type assetSet struct {
	names  assetNames
	byName map[string]*staticAsset
}

// Plain names of the static files.
const (
	assetCSS     = "dashboards.css"
	assetJS      = "dashboards.js"
	assetECharts = "echarts.min.js"
	assetMap     = "map-ee2018.js"
)

// buildAssets reads the static files, hashes and compresses them. ECharts missing
// (no `make deps`) leaves its plain name, which answers 404 with what to do; a page
// then shows its tables without charts.
func buildAssets(echartsPath string, geo *geoMap, log *slog.Logger) assetSet {
	set := assetSet{byName: map[string]*staticAsset{}}
	add := func(name, contentType string, body []byte) string {
		sum := sha256.Sum256(body)
		dot := strings.Index(name, ".")
		hashed := name[:dot] + "." + hex.EncodeToString(sum[:5]) + name[dot:]
		a := &staticAsset{contentType: contentType, body: body, gz: compress.Gzip(body, gzip.BestCompression)}
		set.byName[name] = a
		set.byName[hashed] = &staticAsset{contentType: contentType, body: body, gz: a.gz, immutable: true}
		return "/assets/" + hashed
	}
	css, _ := embedded.ReadFile("static/" + assetCSS)
	set.names.CSS = add(assetCSS, "text/css; charset=utf-8", css)
	js, _ := embedded.ReadFile("static/" + assetJS)
	set.names.JS = add(assetJS, "text/javascript; charset=utf-8", js)
	set.names.ECharts = "/assets/" + assetECharts
	if echartsPath != "" {
		if lib, err := os.ReadFile(echartsPath); err != nil {
			log.Warn("no charts: echarts.min.js cannot be read", "err", err)
		} else {
			set.names.ECharts = add(assetECharts, "text/javascript; charset=utf-8", lib)
		}
	}
	if geo != nil {
		set.names.Map = add(assetMap, "text/javascript; charset=utf-8", geo.script)
	}
	return set
}

// asset serves a static file: gzipped when the client takes it, for a year under
// its hashed name.
func (s *server) asset(w http.ResponseWriter, r *http.Request) {
	a := s.assets.byName[r.PathValue("name")]
	if a == nil {
		if r.PathValue("name") == assetECharts {
			http.Error(w, "echarts.min.js not found: run `make deps` or set "+echarts.Env, http.StatusNotFound)
			return
		}
		s.notFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Vary", "Accept-Encoding")
	if a.immutable {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=3600")
	}
	body := a.body
	if compress.AcceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = a.gz
	}
	http.ServeContent(w, r, "", startTime, bytes.NewReader(body))
}
