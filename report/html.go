package report

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"os"
	"strings"

	"ee/kovmon/i18n"
	"ee/kovmon/internal/echarts"
	"ee/kovmon/internal/palette"
	"ee/kovmon/kov"
)

//go:embed assets/report.html assets/report.css
var assets embed.FS

// documentTemplate is the report; its functions are bound per language in render.
var documentTemplate = template.Must(template.New("report.html").Funcs(template.FuncMap{
	"t":         func(string, ...any) string { return "" },
	"css":       func() template.CSS { return "" },
	"echarts":   func() template.JS { return "" },
	"decimal":   func() string { return "" },
	"statusCSS": statusCSS,
	"symbol":    func(status kov.Status) string { return palette.Of(status).Symbol },
	"statuses":  func() []kov.Status { return palette.Legend },
}).ParseFS(assets, "assets/report.html"))

// statusCSS colours the statuses with the pages' palette: the text of a status in
// its colour, an annex cell on a tint of it, no data pale grey.
func statusCSS() template.CSS {
	var b strings.Builder
	for _, st := range kov.AllStatuses {
		c := palette.Of(st).Color
		fmt.Fprintf(&b, ".status.status-%[1]s { color: %[2]s; }\n.status-%[1]s.cell, .key.status-%[1]s { background: color-mix(in srgb, %[2]s 22%%, #fff); }\n", st, c)
	}
	// No data is plain pale grey with its dash in the annex: hundreds of patterned
	// cells make Chromium's printing crawl (a report of a year with little data took
	// longer than its time limit).
	fmt.Fprintf(&b, ".status-no_data.cell, .key.status-no_data { background: %s; color: #555; }\n", palette.NoData)
	return template.CSS(b.String())
}

func renderHTML(doc *document, echartsScript []byte) ([]byte, error) {
	css, err := assets.ReadFile("assets/report.css")
	if err != nil {
		return nil, err
	}
	tpl, err := documentTemplate.Clone()
	if err != nil {
		return nil, err
	}
	lang := doc.Lang
	tpl.Funcs(template.FuncMap{
		"t":   func(key string, args ...any) string { return i18n.T(lang, key, args...) },
		"css": func() template.CSS { return template.CSS(css) },
		// The library is our own pinned file, inserted verbatim so the document works
		// with no network at all.
		"echarts": func() template.JS { return template.JS(echartsScript) },
		"decimal": func() string { return strings.TrimSuffix(strings.TrimPrefix(i18n.Number(lang, 0.5, 1), "0"), "5") },
	})
	var buf bytes.Buffer
	if err := tpl.Execute(&buf, doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// loadECharts reads echarts.min.js: the given path, else echarts.Find's.
func loadECharts(path string) ([]byte, error) {
	if path == "" {
		if path = echarts.Find(); path == "" {
			return nil, fmt.Errorf("report: the chart library echarts.min.js was not found (looked for %s); run `make deps` or set %s to its path",
				echarts.Relative, echarts.Env)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("report: read the chart library: %w", err)
	}
	if bytes.Contains(bytes.ToLower(data), []byte("</script")) {
		return nil, fmt.Errorf("report: %s contains </script and cannot be inlined", path)
	}
	return data, nil
}
