package report

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"strings"

	"ee/kovmon/i18n"
)

//go:embed assets/report.html assets/report.css
var assets embed.FS

// DefaultEChartsPath is where `make deps` installs ECharts, relative to the repository.
const DefaultEChartsPath = ".deps/echarts/node_modules/echarts/dist/echarts.min.js"

// documentTemplate is the report; its functions are bound per language in render.
var documentTemplate = template.Must(template.New("report.html").Funcs(template.FuncMap{
	"t":       func(string, ...any) string { return "" },
	"css":     func() template.CSS { return "" },
	"echarts": func() template.JS { return "" },
	"decimal": func() string { return "" },
}).ParseFS(assets, "assets/report.html"))

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

// loadECharts reads echarts.min.js: the given path, else $KOVMON_ECHARTS, else the
// copy `make deps` installs, looked for from the working folder upwards (go test runs
// in the package folder) and beside the executable's folder (bin/kovmon).
func loadECharts(path string) ([]byte, error) {
	candidates := []string{path}
	if path == "" {
		candidates = echartsCandidates()
	}
	for _, p := range candidates {
		if p == "" {
			continue
		}
		data, err := os.ReadFile(p)
		if err == nil {
			if bytes.Contains(bytes.ToLower(data), []byte("</script")) {
				return nil, fmt.Errorf("report: %s contains </script and cannot be inlined", p)
			}
			return data, nil
		}
		if path != "" || !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("report: read the chart library: %w", err)
		}
	}
	return nil, fmt.Errorf("report: the chart library echarts.min.js was not found (looked for %s); run `make deps` or set KOVMON_ECHARTS to its path", DefaultEChartsPath)
}

func echartsCandidates() []string {
	if env := os.Getenv("KOVMON_ECHARTS"); env != "" {
		return []string{env}
	}
	var out []string
	for up := ""; len(up) <= len("../../../"); up += "../" {
		out = append(out, up+DefaultEChartsPath)
	}
	if exe, err := os.Executable(); err == nil {
		out = append(out, filepath.Join(filepath.Dir(filepath.Dir(exe)), DefaultEChartsPath))
	}
	return out
}
