package dashboards

import (
	"bytes"
	"encoding/csv"
	"html/template"
	"net/http"
	"strconv"

	"ee/kovmon/metrics"
)

// page turns a page builder into a handler: the builder reads the store and names
// its template; the page is rendered into a buffer first so that an error still gets a
// clean status.
func (s *server) page(build func(*http.Request, view) (string, any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := s.requestView(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		name, data, err := build(r, v)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var buf bytes.Buffer
		if err := s.pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Language", v.Lang)
		w.Write(buf.Bytes())
	}
}

// extractCSV answers the figures of a filter in the extract's columns
// (metrics.WriteCSV): the chart links and the whole extract of the overview. Beyond
// the view it takes indicator, level and ehak, each checked like the view.
func (s *server) extractCSV(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v, err := s.readView(r.Context(), q, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := v.filter()
	f.Indicator, f.Level, f.EhakCode = q.Get("indicator"), q.Get("level"), q.Get("ehak")
	if err := f.Validate(s.cat); err != nil {
		s.fail(w, r, badRequest("%v", err))
		return
	}
	if f.EhakCode != "" && !v.reg.Known(f.EhakCode) {
		s.fail(w, r, badRequest("municipality %q is not in the registry", f.EhakCode))
		return
	}
	figures, err := s.figures.Figures(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeCSVHeaders(w, "kovmon-"+extractName(f)+".csv")
	if err := metrics.WriteCSV(w, figures); err != nil {
		s.log.Warn("writing extract", "err", err)
	}
}

// extractName names a download after what it holds.
func extractName(f metrics.Filter) string {
	name := f.Boundaries
	for _, part := range []string{f.Indicator, f.Level, f.EhakCode, f.County, f.UnitType} {
		if part != "" {
			name += "-" + part
		}
	}
	if f.Year != 0 {
		name += "-" + strconv.Itoa(f.Year)
	}
	return name
}

func writeCSVHeaders(w http.ResponseWriter, filename string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
}

// coverageCSV answers a municipality's (or every unit's) rows per source and year.
func (s *server) coverageCSV(w http.ResponseWriter, r *http.Request) {
	v, err := s.readView(r.Context(), r.URL.Query(), false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ehak := r.URL.Query().Get("ehak")
	if ehak != "" && !v.reg.Known(ehak) {
		s.fail(w, r, badRequest("municipality %q is not in the registry", ehak))
		return
	}
	rows, err := s.coverage(r.Context(), v, ehak)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeCSVHeaders(w, "kovmon-coverage-"+v.Boundaries+"-"+orAll(ehak)+".csv")
	cw := csv.NewWriter(w)
	cw.Write([]string{"source", "year", "rows"})
	for _, c := range rows {
		cw.Write([]string{c.Source, strconv.Itoa(c.Year), strconv.FormatInt(c.Rows, 10)})
	}
	cw.Flush()
}

func orAll(s string) string {
	if s == "" {
		return "all"
	}
	return s
}

// echartsScript serves echarts.min.js from disk; it changes only with `make deps`,
// so browsers may keep it for a long time.
func (s *server) echartsScript(w http.ResponseWriter, r *http.Request) {
	if s.echartsPath == "" {
		http.Error(w, "echarts.min.js not found: run `make deps` or set "+EChartsEnv, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeFile(w, r, s.echartsPath)
}

// stylesheet serves the embedded CSS.
func (s *server) stylesheet(w http.ResponseWriter, r *http.Request) {
	css, err := assets.ReadFile("static/dashboards.css")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(css)
}

// parseTemplates parses the layout with each page's template.
func parseTemplates() map[string]*template.Template {
	pages := map[string]*template.Template{}
	for _, name := range []string{"overview", "indicator", "municipality", "data"} {
		pages[name] = template.Must(template.New(name).Funcs(templateFuncs).ParseFS(assets,
			"templates/layout.html", "templates/parts.html", "templates/"+name+".html"))
	}
	return pages
}

// templateFuncs are the few helpers the templates need beyond the view's methods.
var templateFuncs = template.FuncMap{
	"list": func(items ...string) []string { return items },
}
