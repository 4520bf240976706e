package dashboards

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"ee/kovmon/i18n"
	"ee/kovmon/internal/palette"
	"ee/kovmon/kov"
	"ee/kovmon/registry"
	"ee/kovmon/web/compress"
)

// ---- Compare: up to five municipalities side by side on every indicator ----

// maxCompared is how many municipalities the comparison takes.
const maxCompared = 5

type comparePage struct {
	pageBase
	Units     []comparedUnit
	Choices   []county // units of the year that can be added, by name (Code, Name)
	CanAdd    bool
	Kept      []string // the codes compared, for the form
	Rows      []compareRow
	Chart     *chartBlock
	Empty     string
	TableCSV  template.URL
	Indicator string
}

type comparedUnit struct {
	Code, Name string
	Link       template.URL
	Remove     template.URL
}

type compareRow struct {
	ID, Name string
	Link     template.URL
	National compareCell
	Cells    []compareCell
}

type compareCell struct {
	Value   string
	Explain template.URL
	Badge   badge
}

func (s *server) compare(r *http.Request, v view) (string, any, error) {
	ctx := r.Context()
	codes, err := comparedCodes(r.URL.Query()["ehak"], v.reg)
	if err != nil {
		return "", nil, err
	}
	page := comparePage{pageBase: pageBase{V: v, Path: "/compare", Title: v.t("compare.title"), Filters: true},
		Kept: codes, CanAdd: len(codes) < maxCompared}
	page.Hidden = url.Values{"ehak": codes}
	for _, u := range v.reg.ActiveOn(v.boundaryDate()) {
		if !slices.Contains(codes, u.Code) {
			page.Choices = append(page.Choices, county{Code: u.Code, Name: u.Name})
		}
	}
	sort.Slice(page.Choices, func(i, j int) bool { return i18n.Less(page.Choices[i].Name, page.Choices[j].Name) })
	for _, c := range codes {
		u, _ := v.reg.Latest(c)
		rest := slices.DeleteFunc(slices.Clone(codes), func(x string) bool { return x == c })
		page.Units = append(page.Units, comparedUnit{Code: c, Name: u.Name, Link: v.link("/municipality/" + c), Remove: v.compareLink(rest)})
	}
	if len(codes) == 0 {
		page.Empty = v.t("compare.empty")
		return "compare", page, nil
	}
	national, municipal, err := s.allFigures(ctx, v)
	if err != nil {
		return "", nil, err
	}
	figure := map[string]map[string]kov.Figure{} // indicator → code → figure of the year
	for _, f := range municipal {
		if f.Year == v.Year && slices.Contains(codes, f.EhakCode) {
			if figure[f.IndicatorID] == nil {
				figure[f.IndicatorID] = map[string]kov.Figure{}
			}
			figure[f.IndicatorID][f.EhakCode] = f
			page.Units[slices.Index(codes, f.EhakCode)].Name = f.Name
		}
	}
	nationalBy := byIndicator(national)
	var ids []string
	series := make([]barSeries, len(codes)+1)
	for i, u := range page.Units {
		series[i] = barSeries{Name: u.Name, Color: palette.Sources[i]}
	}
	series[len(codes)] = barSeries{Name: v.t("chart.national"), Color: "#7A7A7A"}
	table := dataTable{Head: []string{v.t("table.indicator"), v.t("chart.national")}}
	for _, u := range page.Units {
		table.Head = append(table.Head, u.Name)
	}
	for i := range s.cat.Indicators {
		ind := &s.cat.Indicators[i]
		if !ind.HasLevel(kov.LevelMunicipality) {
			continue
		}
		nat, _ := ofYear(nationalBy[ind.ID], v.Year)
		row := compareRow{ID: ind.ID, Name: ind.Name.In(v.Lang), Link: v.link("/indicator/" + ind.ID),
			National: compareCell{Value: v.percent(nat.Value), Explain: v.explainLink(nat), Badge: v.badge(nat.Status)}}
		cells := []string{ind.ID, row.National.Value}
		for j, c := range codes {
			f, ok := figure[ind.ID][c]
			cell := compareCell{Value: "–", Badge: v.badge("no_data")}
			if ok {
				cell = compareCell{Value: v.unitValue(ind, f), Explain: v.explainLink(f), Badge: v.badge(f.Status)}
			}
			row.Cells = append(row.Cells, cell)
			cells = append(cells, cell.Value)
			series[j].Items = append(series[j].Items, v.barPoint(f.Value, page.Units[j].Name+" "+ind.ID, series[j].Color))
		}
		series[len(codes)].Items = append(series[len(codes)].Items, v.barPoint(nat.Value, v.t("chart.national")+" "+ind.ID, series[len(codes)].Color))
		table.Rows = append(table.Rows, cells)
		ids = append(ids, ind.ID)
		page.Rows = append(page.Rows, row)
	}
	var legend []legendItem
	for _, s := range series {
		legend = append(legend, legendItem{"box", s.Color, s.Name})
	}
	legend = append(legend, legendItem{"hatched", palette.NoData, v.t("status.no_data")})
	title := v.t("compare.chart", v.Year)
	chart := v.block("compare", title, v.groupedBars("compare", title, ids, series, nil), v.compareCSV(codes), table, legend)
	page.Chart = &chart
	return "compare", page, nil
}

// comparedCodes checks the ehak parameters: registry codes, each once, at most five.
func comparedCodes(given []string, reg *registry.Registry) ([]string, error) {
	var codes []string
	for _, c := range given {
		if c == "" || slices.Contains(codes, c) {
			continue
		}
		if !reg.Known(c) {
			return nil, badRequest("error.bad_municipality", c)
		}
		codes = append(codes, c)
	}
	if len(codes) > maxCompared {
		return nil, badRequest("error.too_many_compared", maxCompared)
	}
	return codes, nil
}

// compareLink is the comparison of codes in the view.
func (v view) compareLink(codes []string) template.URL {
	q := v.values()
	for _, c := range codes {
		q.Add("ehak", c)
	}
	return template.URL("/compare?" + q.Encode())
}

// compareCSV is the extract of the compared units' figures of the year.
func (v view) compareCSV(codes []string) template.URL {
	q := v.values(paramYear, "")
	if v.Year != 0 {
		q.Set(paramYear, strconv.Itoa(v.Year))
	}
	for _, c := range codes {
		q.Add("ehak", c)
	}
	return template.URL("/extract.csv?" + q.Encode())
}

// ---- Search ----

type searchPage struct {
	pageBase
	Query   string
	Results []searchResult
	Note    string
}

type searchResult struct {
	Code, Name, Validity string
	Link                 template.URL
	Current              bool
}

// maxQuery bounds the search text; no name is longer.
const maxQuery = 100

// search finds municipalities by name (or code), ignoring case and diacritics: one
// current unit found opens its page, otherwise the page lists what was found.
func (s *server) search(w http.ResponseWriter, r *http.Request) {
	v, err := s.requestView(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if utf8.RuneCountInString(q) > maxQuery {
		s.fail(w, r, badRequest("error.query_too_long", maxQuery))
		return
	}
	page := searchPage{pageBase: pageBase{V: v, Path: "/search", Title: v.t("search.title")}, Query: q}
	results := findUnits(v, q)
	var current []searchResult
	for _, res := range results {
		if res.Current {
			current = append(current, res)
		}
	}
	if len(current) == 1 && (len(results) == 1 || strings.EqualFold(fold(current[0].Name), fold(q))) {
		http.Redirect(w, r, string(current[0].Link), http.StatusSeeOther)
		return
	}
	page.Results = results
	switch {
	case q == "":
		page.Note = v.t("search.hint")
	case len(results) == 0:
		page.Note = v.t("search.none", q)
	default:
		page.Note = v.t("search.found", len(results), q)
	}
	body, err := s.execute("search", page)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// One page per search: not for the memo of pages served again and again.
	writePage(w, compress.NewEntry(body), v.Lang)
}

// findUnits lists the registry's units whose name or code contains q, units in
// force on the view's boundary date first, each once (its latest period).
func findUnits(v view, q string) []searchResult {
	if q == "" {
		return nil
	}
	needle := fold(q)
	day := v.boundaryDate()
	seen := map[string]bool{}
	var out []searchResult
	for _, u := range v.reg.Units() {
		if seen[u.Code] || !(strings.Contains(fold(u.Name), needle) || strings.HasPrefix(u.Code, q)) {
			continue
		}
		seen[u.Code] = true
		latest, _ := v.reg.Latest(u.Code)
		_, current := v.reg.Unit(u.Code, day)
		out = append(out, searchResult{Code: u.Code, Name: latest.Name, Validity: validity(v, latest),
			Link: v.link("/municipality/" + u.Code), Current: current})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Current != out[j].Current {
			return out[i].Current
		}
		return i18n.Less(out[i].Name, out[j].Name)
	})
	return out
}

// fold lowers a name and takes its letters' diacritics off, so that "parnu" finds
// Pärnu and "JOGEVA" Jõgeva.
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case 'ä', 'Ä', 'á', 'à':
			return 'a'
		case 'õ', 'Õ', 'ö', 'Ö', 'ó':
			return 'o'
		case 'ü', 'Ü', 'ú':
			return 'u'
		case 'š', 'Š':
			return 's'
		case 'ž', 'Ž':
			return 'z'
		case 'é':
			return 'e'
		}
		return []rune(strings.ToLower(string(r)))[0]
	}, s)
}
