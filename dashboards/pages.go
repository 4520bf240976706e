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
	"strings"

	"ee/kovmon/i18n"
	"ee/kovmon/internal/glossary"
	"ee/kovmon/internal/palette"
	"ee/kovmon/kov"
	"ee/kovmon/metrics"
)

// pageBase is what the layout needs: the view (for the filters, the links and the
// language switch), the page's path and title.
type pageBase struct {
	V        view
	Path     string
	Title    string
	Filters  bool // whether the page offers the year and boundary filters
	DrawsMap bool // the page draws the map: load its script and show its attribution
	// Groups: the page also offers the peer-group filters (county, type, population),
	// because its figures follow them; a page whose figures do not is not offered them.
	Groups bool
	// Hidden are parameters beyond the view that the filters keep (the compared units).
	Hidden url.Values
}

// Exported helpers the templates call on the view.

// T translates key.
func (v view) T(key string, args ...any) string { return v.t(key, args...) }

// Link is path with the view's query, changed by name/value pairs.
func (v view) Link(path string, extra ...string) template.URL { return v.link(path, extra...) }

// OtherLang is the language the switch offers.
func (v view) OtherLang() string { return i18n.Other(v.Lang) }

// ReportLink is the annual report of a year in a language and format.
func (v view) ReportLink(year int, lang, format string) template.URL {
	return template.URL(fmt.Sprintf("/report?year=%d&lang=%s&format=%s", year, lang, format))
}

// ReportYear is the year the header's report link opens: the page's year when a
// report can be made for it, else the latest that can.
func (v view) ReportYear() int {
	if slices.Contains(v.ReportYears, v.Year) {
		return v.Year
	}
	if n := len(v.ReportYears); n > 0 {
		return v.ReportYears[n-1]
	}
	return 0
}

// Langs are the languages, for the report links.
func (v view) Langs() []string { return i18n.Langs() }

// LangName names a language in the page's language.
func (v view) LangName(lang string) string { return v.t("lang." + lang) }

// badge is a status as shown: colour, symbol and word.
type badge struct {
	Status              kov.Status
	Text, Symbol, Color string
}

func (v view) badge(status kov.Status) badge {
	st := palette.Of(status)
	return badge{Status: status, Text: v.t("status." + string(status)), Symbol: st.Symbol, Color: st.Color}
}

// Statuses are the statuses in the order of the legends (palette.Legend).
func (v view) Statuses() []kov.Status { return palette.Legend }

// Badge is the status badge of status, for the templates.
func (v view) Badge(status kov.Status) badge { return v.badge(status) }

// explainLink leads to how a figure was made; a peer group's figure is explained by
// the group of the view.
func (v view) explainLink(f kov.Figure) template.URL {
	code := f.EhakCode
	if f.Level == kov.LevelGroup {
		code = groupCode
	}
	return v.yearLink("/explain/"+f.IndicatorID+"/"+code, f.Year)
}

// groupCode stands for the view's peer group in an explanation's address.
const groupCode = "group"

// figureRow is one figure in a table.
type figureRow struct {
	Code, Name  string
	Link        template.URL
	Level       string
	Value       string // for display
	ValueData   string // full precision, as in the CSV
	Explain     template.URL
	CI          string
	Numerator   string
	Denominator string
	Coverage    string
	Target      string
	Badge       badge
	Rank        string
	Flags       string
	Pooled      bool // a national or group figure
}

func (v view) figureRow(f kov.Figure) figureRow {
	row := figureRow{Code: f.EhakCode, Name: f.Name, Level: v.t("level." + string(f.Level)), Value: v.percent(f.Value),
		ValueData: metrics.FormatNumber(f.Value), Explain: v.explainLink(f), Numerator: v.count(f.Numerator),
		Denominator: v.count(f.Denominator), Coverage: v.percent(f.Coverage), Target: v.percent(f.Target),
		Badge: v.badge(f.Status), Flags: v.flags(f.Flags)}
	switch f.Level {
	case kov.LevelNational:
		row.Name, row.Pooled = v.t("unit.national_name"), true
	case kov.LevelGroup:
		row.Code, row.Pooled = "", true
	default:
		row.Link = v.link("/municipality/" + f.EhakCode)
	}
	if f.CILow != nil && f.CIHigh != nil {
		row.CI = v.percent(f.CILow) + " – " + v.percent(f.CIHigh)
	}
	return row
}

func (v view) flags(flags kov.Flags) string {
	var out []string
	for _, f := range flags {
		if f != kov.FlagNoData { // the status says it already
			out = append(out, v.t("flag."+string(f)))
		}
	}
	return strings.Join(out, "; ")
}

// The figures the pages are made of, all from the reader's cache.

// allFigures is every national and every municipal figure of the view's boundaries,
// all years: what the pages pick their figures and pool their groups from.
func (s *server) allFigures(ctx context.Context, v view) (national, municipal []kov.Figure, err error) {
	if national, err = s.figures.Figures(ctx, metrics.Filter{Boundaries: v.Boundaries, Level: kov.LevelNational}); err != nil {
		return nil, nil, err
	}
	municipal, err = s.figures.Figures(ctx, metrics.Filter{Boundaries: v.Boundaries, Level: kov.LevelMunicipality})
	return national, municipal, err
}

// byIndicator splits figures by indicator, keeping their order.
func byIndicator(figures []kov.Figure) map[string][]kov.Figure {
	out := map[string][]kov.Figure{}
	for _, f := range figures {
		out[f.IndicatorID] = append(out[f.IndicatorID], f)
	}
	return out
}

// pool is the series of an indicator pooled over the municipal figures that in
// chooses (metrics.Pool).
func pool(ind *kov.Indicator, national, municipal []kov.Figure, in func(kov.Figure) bool, name string) []kov.Figure {
	members := map[int][]kov.Figure{}
	for _, f := range municipal {
		if in(f) {
			members[f.Year] = append(members[f.Year], f)
		}
	}
	return metrics.Pool(ind, national, members, "", name)
}

// ofYear picks the figure of a year from a series (ok false: none).
func ofYear(series []kov.Figure, year int) (kov.Figure, bool) {
	for _, f := range series {
		if f.Year == year {
			return f, true
		}
	}
	return kov.Figure{}, false
}

// ranks gives each municipal figure with a value its place (1 = highest; equal
// values share a place) among those of the same year.
func ranks(figures []kov.Figure) map[string]int {
	var values []float64
	for _, f := range figures {
		if f.Value != nil {
			values = append(values, *f.Value)
		}
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(values)))
	out := map[string]int{}
	for _, f := range figures {
		if f.Value != nil {
			out[f.EhakCode] = sort.Search(len(values), func(i int) bool { return values[i] <= *f.Value }) + 1
		}
	}
	return out
}

// rankText is "12./79 (↑3)": the place among those with a value and the change from
// the year before (up is better), when the unit had a place then.
func (v view) rankText(code string, now, before map[string]int, ranked int) string {
	r, ok := now[code]
	if !ok {
		return "–"
	}
	text := v.t("dashboards.rank", r, ranked)
	if p, ok := before[code]; ok {
		switch {
		case p > r:
			text += " " + v.t("dashboards.rank_up", p-r)
		case p < r:
			text += " " + v.t("dashboards.rank_down", r-p)
		default:
			text += " " + v.t("dashboards.rank_same")
		}
	}
	return text
}

// ---- Overview ----

type overviewPage struct {
	pageBase
	Verdict     string // where the year stands against its targets
	Latest      string // the latest year with data, when it is not the year shown
	LatestLink  template.URL
	GroupNote   string
	Goals       []goalBlock
	Extract     template.URL
	ExtractXLSX template.URL
	ExtractET   template.URL
	Updated     string
}

type goalBlock struct {
	ID, Title  string
	Counts     []badgeCount
	Indicators []overviewRow
}

type badgeCount struct {
	Badge badge
	N     int
}

type overviewRow struct {
	ID, Name      string
	Link          template.URL
	Value         string
	ValueData     string
	Explain       template.URL
	Target        string
	Badge         badge
	Spark         chartBlock
	LatestValue   string
	LatestExplain template.URL
	Lagging       []lagItem
	LaggingNote   string
}

type lagItem struct {
	Name, Value string
	Link        template.URL
}

func (s *server) overview(r *http.Request, v view) (string, any, error) {
	ctx := r.Context()
	national, municipal, err := s.allFigures(ctx, v)
	if err != nil {
		return "", nil, err
	}
	nationalBy, municipalBy := byIndicator(national), byIndicator(municipal)
	page := overviewPage{pageBase: pageBase{V: v, Path: "/", Title: v.t("overview.title"), Filters: true, Groups: true},
		Extract: v.link("/extract.csv", paramYear, ""), ExtractET: v.link("/extract.csv", paramYear, "", "format", "excel"),
		ExtractXLSX: v.link("/extract.xlsx", paramYear, "")}
	if ref, ok, err := metrics.LatestRefresh(ctx, s.store); err != nil {
		return "", nil, err
	} else if ok {
		page.Updated = v.t("overview.last_updated", v.timestamp(ref.Finished))
	}
	if v.grouped() {
		page.GroupNote = v.t("overview.group_note", v.GroupLabel())
	}
	if v.LatestYear != v.Year {
		page.Latest, page.LatestLink = v.t("overview.latest_year", v.LatestYear), v.yearLink("/", v.LatestYear)
	}
	achieved, judged := 0, 0
	for _, g := range s.cat.Goals {
		block := goalBlock{ID: g.ID, Title: v.t("goal.label", g.ID) + ": " + g.Name.In(v.Lang)}
		counts := map[kov.Status]int{}
		for i := range s.cat.Indicators {
			ind := &s.cat.Indicators[i]
			if ind.Goal != g.ID {
				continue
			}
			series := nationalBy[ind.ID]
			if v.grouped() && ind.HasLevel(kov.LevelMunicipality) {
				series = pool(ind, series, municipalBy[ind.ID], v.inGroup, v.GroupLabel())
			}
			row := v.overviewRow(ind, series, municipalBy[ind.ID])
			counts[row.Badge.Status]++
			if _, ok := ind.Target(v.Year); ok {
				judged++
				if row.Badge.Status == kov.StatusAchieved {
					achieved++
				}
			}
			block.Indicators = append(block.Indicators, row)
		}
		for _, st := range kov.AllStatuses {
			if counts[st] > 0 {
				block.Counts = append(block.Counts, badgeCount{v.badge(st), counts[st]})
			}
		}
		page.Goals = append(page.Goals, block)
	}
	switch {
	case judged > 0:
		page.Verdict = v.t("overview.verdict", v.Year, achieved, judged, judged-achieved)
	case v.TargetYear != 0:
		page.Verdict = v.t("overview.no_targets", v.Year, v.TargetYear)
	default:
		page.Verdict = v.t("overview.no_targets_at_all", v.Year)
	}
	return "overview", page, nil
}

// overviewRow is one indicator on the overview: the year's value, target and status
// (the peer group's pooled figure when the view has one), the trend, the latest
// year's value, and the municipalities that lag most.
func (v view) overviewRow(ind *kov.Indicator, series, municipal []kov.Figure) overviewRow {
	row := overviewRow{ID: ind.ID, Name: ind.Name.In(v.Lang), Link: v.link("/indicator/" + ind.ID),
		Value: "–", Target: "–", Badge: v.badge("no_data"), LatestValue: "–"}
	if t, ok := ind.Target(v.Year); ok {
		row.Target = i18n.Percent(v.Lang, t, 0)
	}
	if f, ok := ofYear(series, v.Year); ok {
		row.Value, row.ValueData, row.Explain, row.Badge = v.percent(f.Value), metrics.FormatNumber(f.Value), v.explainLink(f), v.badge(f.Status)
	}
	if f, ok := ofYear(series, v.LatestYear); ok && v.LatestYear != v.Year {
		row.LatestValue, row.LatestExplain = v.percent(f.Value), v.explainLink(f)
	}
	id := "spark_" + strings.ReplaceAll(ind.ID, ".", "_")
	table := dataTable{Head: []string{v.t("table.year"), v.t("table.value"), v.t("table.target"), v.t("table.status")}}
	targets := ind.TargetMap()
	for _, f := range series {
		target := "–"
		if t, ok := targets[f.Year]; ok {
			target = i18n.Percent(v.Lang, t, 0)
		}
		table.Rows = append(table.Rows, []string{strconv.Itoa(f.Year), v.percent(f.Value), target, v.t("status." + string(f.Status))})
	}
	title := v.t("dashboards.trend", ind.ID)
	row.Spark = v.block(id, title, v.sparkline(id, series, targets, title),
		v.link("/extract.csv", paramYear, "", "indicator", ind.ID, "level", string(kov.LevelNational)), table, nil)
	row.Lagging, row.LaggingNote = v.lagging(ind, municipal)
	return row
}

// lagging names the municipalities (of the peer group, if any) that lag most in the
// year: for a yes/no indicator those that do not meet the condition, else the three
// lowest values.
func (v view) lagging(ind *kov.Indicator, municipal []kov.Figure) ([]lagItem, string) {
	var ofYear []kov.Figure
	for _, f := range municipal {
		if f.Year == v.Year && f.Value != nil && (!v.grouped() || v.inGroup(f)) {
			ofYear = append(ofYear, f)
		}
	}
	if len(ofYear) == 0 {
		return nil, ""
	}
	sort.SliceStable(ofYear, func(i, j int) bool {
		if *ofYear[i].Value != *ofYear[j].Value {
			return *ofYear[i].Value < *ofYear[j].Value
		}
		return i18n.Less(ofYear[i].Name, ofYear[j].Name)
	})
	const shown = 3
	var items []lagItem
	note := ""
	if ind.MunicipalYesNo() {
		var failing []kov.Figure
		for _, f := range ofYear {
			if !f.Meets() {
				failing = append(failing, f)
			}
		}
		if len(failing) == 0 {
			return nil, v.t("overview.all_meet")
		}
		for _, f := range failing[:min(shown, len(failing))] {
			items = append(items, lagItem{Name: f.Name, Link: v.link("/municipality/" + f.EhakCode)})
		}
		note = v.t("overview.failing_count", len(failing), len(ofYear))
		return items, note
	}
	for _, f := range ofYear[:min(shown, len(ofYear))] {
		items = append(items, lagItem{Name: f.Name, Value: v.percent(f.Value), Link: v.link("/municipality/" + f.EhakCode)})
	}
	return items, note
}

// ---- Indicator ----

type indicatorPage struct {
	pageBase
	ID, Name, Description, Source, Denominator, DenominatorHelp string
	Targets                                                     []string
	Baseline                                                    string
	Survey                                                      bool
	Municipal                                                   bool
	YesNo                                                       bool
	National                                                    chartBlock
	Forecast                                                    string
	Changed                                                     string
	Latest                                                      string
	LatestLink                                                  template.URL
	GroupNote                                                   string
	Ranking                                                     *chartBlock
	Counts                                                      *chartBlock
	Map                                                         *chartBlock
	MapNote                                                     string
	Meets, Fails, NoData                                        []lagItem
	Rows                                                        []figureRow
	TableCSV, TableXLSX, TableET                                template.URL
}

func (s *server) indicator(r *http.Request, v view) (string, any, error) {
	ctx := r.Context()
	ind, ok := s.cat.Indicator(r.PathValue("id"))
	if !ok {
		return "", nil, notFound("error.no_indicator", r.PathValue("id"))
	}
	allNational, allMunicipal, err := s.allFigures(ctx, v)
	if err != nil {
		return "", nil, err
	}
	national, municipalAll := byIndicator(allNational)[ind.ID], byIndicator(allMunicipal)[ind.ID]
	forecasts, err := metrics.Forecasts(ctx, s.store, v.Boundaries, ind.ID, kov.NationalCode)
	if err != nil {
		return "", nil, err
	}
	page := indicatorPage{pageBase: pageBase{V: v, Path: "/indicator/" + ind.ID, Filters: true, Groups: true},
		ID: ind.ID, Name: ind.Name.In(v.Lang), Description: glossary.Explain(ind.Description.In(v.Lang), v.Lang, v.Year),
		Source: v.t("source." + string(ind.Source)), Denominator: v.t("denominator." + string(ind.Denominator)),
		DenominatorHelp: v.t("denominator." + string(ind.Denominator) + ".help"),
		Survey:          ind.Source == kov.SourceSurvey, Municipal: ind.HasLevel(kov.LevelMunicipality), YesNo: ind.MunicipalYesNo(),
		TableCSV: v.link("/extract.csv", "indicator", ind.ID), TableET: v.link("/extract.csv", "indicator", ind.ID, "format", "excel"),
		TableXLSX: v.link("/extract.xlsx", "indicator", ind.ID)}
	page.Title = v.t("indicator.label", ind.ID) + ": " + page.Name
	for _, y := range ind.TargetYears() {
		t, _ := ind.Target(y)
		page.Targets = append(page.Targets, fmt.Sprintf("%d: %s", y, i18n.Percent(v.Lang, t, 0)))
	}
	if b := ind.Baseline; b != nil {
		note := b.Note.In(v.Lang)
		if b.Value != nil {
			note = i18n.Percent(v.Lang, *b.Value, 1)
		}
		page.Baseline = fmt.Sprintf("%d: %s", b.Year, note)
	}
	if v.LatestYear != v.Year {
		page.Latest, page.LatestLink = v.t("overview.latest_year", v.LatestYear), v.yearLink(page.Path, v.LatestYear)
	}
	var group []kov.Figure
	if v.grouped() && page.Municipal {
		group = pool(ind, national, municipalAll, v.inGroup, v.GroupLabel())
		page.GroupNote = v.t("dashboards.group_pooled", v.GroupLabel())
	}
	page.National = v.nationalBlock(ind, national, group, forecasts)
	if len(forecasts) > 0 {
		last := forecasts[len(forecasts)-1]
		page.Forecast = v.t("forecast.title", last.Year) + ": " + i18n.Percent(v.Lang, last.Value, 1) + ", " +
			v.t("forecast.interval", i18n.Percent(v.Lang, last.Low80, 1), i18n.Percent(v.Lang, last.High80, 1))
	}
	var changed []string
	for _, fig := range national {
		if fig.HasFlag(kov.FlagDefinitionChanged) {
			changed = append(changed, strconv.Itoa(fig.Year))
		}
	}
	if len(changed) > 0 {
		page.Changed = v.t("dashboards.definition_changed_years", strings.Join(changed, ", "))
	}

	var municipal, before []kov.Figure
	var target *float64
	for _, f := range municipalAll {
		switch {
		case f.Year == v.Year && (!v.grouped() || v.inGroup(f)):
			municipal = append(municipal, f)
		case f.Year == v.Year-1:
			before = append(before, f)
		}
	}
	if f, ok := ofYear(national, v.Year); ok {
		page.Rows = append(page.Rows, v.figureRow(f))
		target = f.Target
	}
	if f, ok := ofYear(group, v.Year); ok {
		page.Rows = append(page.Rows, v.figureRow(f))
	}
	var yearAll []kov.Figure
	for _, f := range municipalAll {
		if f.Year == v.Year {
			yearAll = append(yearAll, f)
		}
	}
	now, then, ranked := ranks(yearAll), ranks(before), len(ranks(yearAll))
	for _, f := range municipal {
		row := v.figureRow(f)
		if !page.YesNo { // a yes/no indicator's places would only repeat who meets the condition
			row.Rank = v.rankText(f.EhakCode, now, then, ranked)
		}
		page.Rows = append(page.Rows, row)
	}
	if page.Municipal && len(municipal) > 0 {
		s.municipalCharts(v, ind, &page, municipal, target)
	}
	page.DrawsMap = page.Map != nil
	return "indicator", page, nil
}

// municipalCharts draws the year's municipalities: the map, and for a yes/no
// indicator the counts with the lists of who meets, who does not and who has no
// data; for a rate the ranking.
func (s *server) municipalCharts(v view, ind *kov.Indicator, page *indicatorPage, municipal []kov.Figure, target *float64) {
	rankCSV := v.link("/extract.csv", "indicator", ind.ID, "level", string(kov.LevelMunicipality))
	// The municipalities' charts draw the rows of the page's figures table: they link
	// to it rather than carry a copy each.
	table := dataTable{}
	inTable := func(b chartBlock) chartBlock { b.TableAt = "figures"; return b }
	byStatus := judgedYear(municipal)
	legend := v.statusLegend(municipal, byStatus, nil)
	if page.YesNo {
		legend = v.yesNoLegend()
	}
	if ok, missingUnits := mappable(s.geo, v.reg, municipal); ok {
		title := v.t("chart.map") + " " + strconv.Itoa(v.Year)
		m := inTable(v.block("map", title, v.choropleth("map", s.geo, v.reg, municipal, page.YesNo, byStatus, page.Name), rankCSV, table, legend))
		page.Map = &m
		if len(missingUnits) > 0 {
			page.MapNote = v.t("dashboards.map_missing", strings.Join(missingUnits, ", "))
		}
	} else if s.geo == nil {
		page.MapNote = v.t("dashboards.map_unavailable")
	} else {
		page.MapNote = v.t("dashboards.map_no_boundaries", v.Year)
	}
	sorted := slices.Clone(municipal)
	sort.SliceStable(sorted, func(i, j int) bool { return i18n.Less(sorted[i].Name, sorted[j].Name) })
	for _, f := range sorted {
		it := lagItem{Name: f.Name, Link: v.link("/municipality/" + f.EhakCode)}
		switch {
		case f.Value == nil:
			page.NoData = append(page.NoData, it)
		case f.Meets():
			page.Meets = append(page.Meets, it)
		default:
			page.Fails = append(page.Fails, it)
		}
	}
	if page.YesNo {
		title := v.t("dashboards.who_meets", v.Year)
		counts := inTable(v.block("counts", title, v.yesNoCounts("counts", len(page.Meets), len(page.Fails), len(page.NoData), title),
			rankCSV, table, v.yesNoLegend()))
		page.Counts = &counts
		return
	}
	page.Meets, page.Fails = nil, nil
	title := v.t("dashboards.ranking", v.Year)
	rank := inTable(v.block("ranking", title, v.ranking("ranking", municipal, target, byStatus, title), rankCSV, table,
		v.statusLegend(municipal, byStatus, target)))
	page.Ranking = &rank
}

func (v view) nationalBlock(ind *kov.Indicator, national, group []kov.Figure, forecasts []metrics.ForecastRow) chartBlock {
	groupName := ""
	head := []string{v.t("table.year"), v.t("chart.national"), v.t("table.target"), v.t("table.status")}
	if len(group) > 0 {
		groupName = v.GroupLabel()
		head = append(head, groupName)
	}
	table := dataTable{Head: append(head, v.t("chart.forecast"), v.t("chart.interval80"))}
	targets := ind.TargetMap()
	changed := false
	for _, f := range national {
		row := []string{strconv.Itoa(f.Year), v.percent(f.Value), v.percent(f.Target), v.t("status." + string(f.Status))}
		if len(group) > 0 {
			g, _ := ofYear(group, f.Year)
			row = append(row, v.percent(g.Value))
		}
		table.Rows = append(table.Rows, append(row, "", ""))
		changed = changed || f.HasFlag(kov.FlagDefinitionChanged)
	}
	for _, fc := range forecasts {
		target := "–"
		if t, ok := targets[fc.Year]; ok {
			target = i18n.Percent(v.Lang, t, 0)
		}
		row := []string{strconv.Itoa(fc.Year), "", target, ""}
		if len(group) > 0 {
			row = append(row, "")
		}
		table.Rows = append(table.Rows, append(row, i18n.Percent(v.Lang, fc.Value, 1),
			i18n.Percent(v.Lang, fc.Low80, 1)+" – "+i18n.Percent(v.Lang, fc.High80, 1)))
	}
	chart := v.nationalSeries("national_series", seriesInput{Figures: national, Group: group, GroupName: groupName, Forecasts: forecasts, Targets: targets})
	return v.block("national_series", v.t("dashboards.national_series"), chart,
		v.link("/extract.csv", paramYear, "", "indicator", ind.ID, "level", string(kov.LevelNational)), table,
		v.nationalLegend(groupName, len(forecasts) > 0, changed))
}
