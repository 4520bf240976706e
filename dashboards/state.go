package dashboards

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"time"

	"ee/kovmon/i18n"
	"ee/kovmon/kov"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/registry"
	"ee/kovmon/store"
)

// view is the state of a page, read from the URL query. Each field is checked against
// a closed list before anything reads the store with it.
type view struct {
	Lang       string
	Year       int  // the year shown; 0 only when there are no figures yet
	YearChosen bool // the query named the year (else the default: TargetYear)
	Boundaries kov.Boundaries
	County     string // a county code of the registry as given, or ""
	UnitType   string // linn, vald or ""
	Pop        string // a population band (popBands), or ""

	Years []int // years of the latest refresh
	// LatestYear is the latest year with figures; TargetYear the latest year for
	// which the catalogue sets targets and there are figures (0: none). Pages open
	// on TargetYear: that is where a target can be achieved or missed.
	LatestYear, TargetYear int
	// ReportYears are the years an annual report can be built for (a national value).
	ReportYears []int
	Counties    []county // counties of the view's year, by name
	// Account: the header links to the account page (/login: who is signed in,
	// sign out, and for admins the admin page).
	Account bool
	// Assets are the addresses of the static files, named by their content.
	Assets assetNames

	countyName  string            // the name of County: the group is the county of that name in every year
	countyNames map[string]string // county code → name, every code of the registry
	reg         *registry.Registry
	cat         *catalogue.Catalogue
}

type county struct{ Code, Name string }

// Query parameter names: part of the links users keep, so stable.
const (
	paramLang       = "lang"
	paramYear       = "year"
	paramBoundaries = "boundaries"
	paramCounty     = "county"
	paramType       = "type"
	paramPop        = "pop"
)

// popBands are the population bands of the peer groups, by their query value; a unit
// is in the band of its population in the registry.
var popBands = []popBand{
	{"u5k", 0, 5000},
	{"5k-10k", 5000, 10000},
	{"10k-20k", 10000, 20000},
	{"20k-50k", 20000, 50000},
	{"50k", 50000, 0},
}

type popBand struct {
	ID       string
	Min, Max int // Max 0: no upper bound
}

func bandOf(population int) string {
	for _, b := range popBands {
		if population >= b.Min && (b.Max == 0 || population < b.Max) {
			return b.ID
		}
	}
	return ""
}

// readView parses and checks the query. yearRequired=false lets "no year" mean every
// year (the extracts); pages default to TargetYear.
func (s *server) readView(ctx context.Context, q url.Values, yearRequired bool) (view, error) {
	v := view{Lang: i18n.Default, Boundaries: kov.BoundariesAsOf, Account: s.account, Assets: s.assets.names, cat: s.cat}
	if lang := q.Get(paramLang); lang != "" {
		if !slices.Contains(i18n.Langs(), lang) {
			return v, badRequest("error.bad_lang", lang)
		}
		v.Lang = lang
	}
	if b := kov.Boundaries(q.Get(paramBoundaries)); b != "" {
		if !b.Valid() {
			return v, badRequest("error.bad_boundaries", b)
		}
		v.Boundaries = b
	}
	if t := q.Get(paramType); t != "" {
		if t != "linn" && t != "vald" {
			return v, badRequest("error.bad_type", t)
		}
		v.UnitType = t
	}
	if p := q.Get(paramPop); p != "" {
		if !slices.ContainsFunc(popBands, func(b popBand) bool { return b.ID == p }) {
			return v, badRequest("error.bad_pop", p)
		}
		v.Pop = p
	}
	facts, years, err := s.refreshFacts(ctx, v.Boundaries)
	if err != nil {
		return v, err
	}
	v.reg, v.Years, v.ReportYears, v.countyNames = facts.reg, years, facts.reportYears, facts.countyNames
	if n := len(v.Years); n > 0 {
		v.LatestYear = v.Years[n-1]
	}
	for _, y := range s.cat.TargetYearsOf() {
		if slices.Contains(v.Years, y) {
			v.TargetYear = y
		}
	}
	if y := q.Get(paramYear); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || !slices.Contains(v.Years, n) {
			return v, badRequest("error.bad_year", y, yearList(v.Years))
		}
		v.Year, v.YearChosen = n, true
	} else if yearRequired {
		v.Year = v.TargetYear
		if v.Year == 0 {
			v.Year = v.LatestYear
		}
	}
	if c := q.Get(paramCounty); c != "" {
		name, ok := facts.countyNames[c]
		if !ok {
			return v, badRequest("error.bad_county", c)
		}
		v.County, v.countyName = c, name
	}
	v.Counties = countiesOn(v.reg, v.boundaryDate())
	return v, nil
}

func yearList(years []int) string {
	out := ""
	for i, y := range years {
		if i > 0 {
			out += ", "
		}
		out += strconv.Itoa(y)
	}
	return out
}

// boundaryDate is the day whose units the view's year is shown in.
func (v view) boundaryDate() time.Time {
	y := v.Year
	if y == 0 {
		y = v.LatestYear
	}
	if y == 0 {
		return v.reg.LatestDate()
	}
	return v.reg.BoundaryDate(v.Boundaries, y)
}

// refreshFacts returns what every request checks its parameters against, read once per
// refresh (a registry change always comes with a new refresh, which follows every
// load): the registry, its county codes, the years with figures per boundary mode and
// the years a report can be built for. The years of the boundary mode asked for are
// returned apart, read under the lock: the map of them is written by requests of the
// other mode.
func (s *server) refreshFacts(ctx context.Context, boundaries kov.Boundaries) (refreshFacts, []int, error) {
	id, err := s.figures.RefreshID(ctx)
	if err != nil {
		return refreshFacts{}, nil, err
	}
	s.factsMu.Lock()
	defer s.factsMu.Unlock()
	if s.facts.refresh != id || s.facts.reg == nil {
		reg, err := registry.Load(ctx, s.store)
		if err != nil {
			return refreshFacts{}, nil, err
		}
		names := map[string]string{}
		for _, u := range reg.Units() {
			if u.CountyCode != "" {
				names[u.CountyCode] = u.CountyName
			}
		}
		national, err := s.figures.Figures(ctx, metrics.Filter{Level: kov.LevelNational})
		if err != nil {
			return refreshFacts{}, nil, err
		}
		s.facts = refreshFacts{refresh: id, reg: reg, countyNames: names, years: map[kov.Boundaries][]int{}, reportYears: kov.YearsWithValue(national)}
	}
	if _, ok := s.facts.years[boundaries]; !ok {
		years, err := s.years(ctx, boundaries)
		if err != nil {
			return refreshFacts{}, nil, err
		}
		s.facts.years[boundaries] = years
	}
	return s.facts, s.facts.years[boundaries], nil
}

// refreshFacts is what refreshFacts keeps for one refresh. countyNames is filled
// before it is shared and only read after; years is read and written under factsMu.
type refreshFacts struct {
	refresh     string
	reg         *registry.Registry
	countyNames map[string]string // county code → name, every code of the registry
	years       map[kov.Boundaries][]int
	reportYears []int
}

func (s *server) years(ctx context.Context, boundaries kov.Boundaries) ([]int, error) {
	rows, err := store.Select[struct {
		Year int `ch:"year"`
	}](ctx, s.store, "dashboards.Years", store.Params{"boundaries": boundaries})
	if err != nil {
		return nil, fmt.Errorf("years: %w", err)
	}
	years := make([]int, len(rows))
	for i, r := range rows {
		years[i] = r.Year
	}
	return years, nil
}

// countiesOn lists the counties of the units active on day d, by name. The reform of
// 2017 recoded the counties, so a county has one code before it and another after;
// the list offers the code of the view's year, and any code of a county selects the
// county of that name.
func countiesOn(reg *registry.Registry, d time.Time) []county {
	seen := map[string]string{}
	for _, u := range reg.ActiveOn(d) {
		if u.CountyCode != "" {
			seen[u.CountyName] = u.CountyCode
		}
	}
	out := make([]county, 0, len(seen))
	for name, code := range seen {
		out = append(out, county{Code: code, Name: name})
	}
	sort.Slice(out, func(i, j int) bool { return i18n.Less(out[i].Name, out[j].Name) })
	return out
}

// SelectedCounty tells whether the county of the list is the one the view names.
func (v view) SelectedCounty(c county) bool { return v.countyName != "" && c.Name == v.countyName }

// PopBands are the population bands, for the filter.
func (v view) PopBands() []popBand { return popBands }

// grouped tells whether the view narrows the municipalities to a peer group.
func (v view) grouped() bool { return v.County != "" || v.UnitType != "" || v.Pop != "" }

// inGroup tells whether a municipal figure belongs to the view's peer group: the
// county of that name (whatever its code in the figure's year), the type, the band of
// the unit's population.
func (v view) inGroup(f kov.Figure) bool {
	if f.Level != kov.LevelMunicipality {
		return false
	}
	if v.County != "" && v.countyNames[f.CountyCode] != v.countyName {
		return false
	}
	if v.UnitType != "" && f.UnitType != v.UnitType {
		return false
	}
	if v.Pop != "" && bandOf(v.population(f.EhakCode, f.Year)) != v.Pop {
		return false
	}
	return true
}

// population is the registry's population of a unit as it stood in a year's boundaries.
func (v view) population(code string, year int) int {
	if u, ok := v.reg.Unit(code, v.reg.BoundaryDate(v.Boundaries, year)); ok {
		return u.Population
	}
	if u, ok := v.reg.Latest(code); ok {
		return u.Population
	}
	return 0
}

// GroupLabel names the view's peer group ("Harju maakond · vallad · 5 000–9 999
// elanikku"), or "" when there is none.
func (v view) GroupLabel() string {
	var parts []string
	if v.County != "" {
		parts = append(parts, v.countyName)
	}
	if v.UnitType != "" {
		parts = append(parts, v.t("dashboards.type_"+v.UnitType))
	}
	if v.Pop != "" {
		parts = append(parts, v.t("pop."+v.Pop))
	}
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += " · "
		}
		out += p
	}
	return out
}

// values is the view as query parameters, with extra name/value pairs appended
// (an empty value removes the parameter). A year the reader did not choose stays out
// of links, so that a kept link follows the default.
func (v view) values(extra ...string) url.Values {
	q := url.Values{}
	q.Set(paramLang, v.Lang)
	if v.Year != 0 && v.YearChosen {
		q.Set(paramYear, strconv.Itoa(v.Year))
	}
	q.Set(paramBoundaries, string(v.Boundaries))
	if v.County != "" {
		q.Set(paramCounty, v.County)
	}
	if v.UnitType != "" {
		q.Set(paramType, v.UnitType)
	}
	if v.Pop != "" {
		q.Set(paramPop, v.Pop)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "" {
			q.Del(extra[i])
		} else {
			q.Set(extra[i], extra[i+1])
		}
	}
	return q
}

// link is path with the view's query (and changes to it).
func (v view) link(path string, extra ...string) template.URL {
	return template.URL(path + "?" + v.values(extra...).Encode())
}

// yearLink is path with the view's query for one year.
func (v view) yearLink(path string, year int, extra ...string) template.URL {
	return v.link(path, append([]string{paramYear, strconv.Itoa(year)}, extra...)...)
}

// t translates in the view's language.
func (v view) t(key string, args ...any) string { return i18n.T(v.Lang, key, args...) }

// percent formats a value for display (one decimal), or the no-value dash.
func (v view) percent(x *float64) string {
	if x == nil {
		return "–"
	}
	return i18n.Percent(v.Lang, *x, 1)
}

// count formats a whole number the language's way.
func (v view) count(n int64) string { return i18n.Number(v.Lang, float64(n), 0) }

// requestView reads the view of a page request.
func (s *server) requestView(r *http.Request) (view, error) {
	return s.readView(r.Context(), r.URL.Query(), true)
}
