package dashboards

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"ee/kovmon/i18n"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
)

// pageBase is what the layout needs: the view (for the filters, the links and the
// language switch), the page's path and title.
type pageBase struct {
	V       view
	Path    string
	Title   string
	Filters bool // whether the page offers the year/county/type filters
}

// Exported helpers the templates call on the view.

// T translates key.
func (v view) T(key string, args ...any) string { return v.t(key, args...) }

// Link is path with the view's query, changed by name/value pairs.
func (v view) Link(path string, extra ...string) template.URL { return v.link(path, extra...) }

// OtherLang is the language the switch offers.
func (v view) OtherLang() string { return i18n.Other(v.Lang) }

// badge is a status as shown: colour, symbol and word.
type badge struct{ Status, Text, Symbol, Color string }

func (v view) badge(status string) badge {
	st := styleOf(status)
	return badge{Status: status, Text: v.t("status." + status), Symbol: st.Symbol, Color: st.Color}
}

// figureRow is one figure in a table.
type figureRow struct {
	Code, Name  string
	Link        template.URL
	Level       string
	Value       string // for display
	ValueData   string // full precision, as in the CSV
	CI          string
	Numerator   string
	Denominator string
	Coverage    string
	Target      string
	Badge       badge
	Flags       string
}

func (v view) figureRow(f metrics.Figure) figureRow {
	row := figureRow{Code: f.EhakCode, Name: f.Name, Level: v.t("level." + f.Level), Value: v.percent(f.Value),
		ValueData: metrics.FormatNumber(f.Value), Numerator: strconv.FormatInt(f.Numerator, 10),
		Denominator: strconv.FormatInt(f.Denominator, 10), Coverage: v.percent(f.Coverage), Target: v.percent(f.Target),
		Badge: v.badge(f.Status), Flags: v.flags(f.Flags)}
	if f.Level == metrics.LevelNational {
		row.Name = v.t("unit.national_name")
	} else {
		row.Link = v.link("/municipality/" + f.EhakCode)
	}
	if f.CILow != nil && f.CIHigh != nil {
		row.CI = v.percent(f.CILow) + " – " + v.percent(f.CIHigh)
	}
	return row
}

func (v view) flags(flags []string) string {
	out := make([]string, len(flags))
	for i, f := range flags {
		out[i] = v.t("flag." + f)
	}
	return strings.Join(out, "; ")
}

// ---- Overview ----

type overviewPage struct {
	pageBase
	Goals      []goalBlock
	Achieved   int
	WithTarget int
	Extract    template.URL
	Updated    string
}

type goalBlock struct {
	ID, Title  string
	Indicators []overviewRow
}

type overviewRow struct {
	ID, Name  string
	Link      template.URL
	Value     string
	ValueData string
	Target    string
	Badge     badge
	Change    string
	Spark     chartBlock
}

func (s *server) overview(r *http.Request, v view) (string, any, error) {
	ctx := r.Context()
	f := v.filter()
	f.Year, f.Level = 0, metrics.LevelNational
	national, err := s.figures.Figures(ctx, f)
	if err != nil {
		return "", nil, err
	}
	byIndicator := map[string][]metrics.Figure{}
	for _, fig := range national {
		byIndicator[fig.IndicatorID] = append(byIndicator[fig.IndicatorID], fig)
	}
	page := overviewPage{pageBase: pageBase{V: v, Path: "/", Title: v.t("overview.title"), Filters: true},
		Extract: v.link("/extract.csv", paramYear, "")}
	if ref, ok, err := metrics.LatestRefresh(ctx, s.store); err != nil {
		return "", nil, err
	} else if ok {
		page.Updated = v.t("overview.last_updated", ref.Finished)
	}
	for _, g := range s.cat.Goals {
		block := goalBlock{ID: g.ID, Title: v.t("goal.label", g.ID) + ": " + g.Name.In(v.Lang)}
		for _, ind := range s.cat.Indicators {
			if ind.Goal != g.ID {
				continue
			}
			row := v.overviewRow(ind, byIndicator[ind.ID])
			if row.Badge.Status == "achieved" {
				page.Achieved++
			}
			if _, ok := ind.Target(v.Year); ok {
				page.WithTarget++
			}
			block.Indicators = append(block.Indicators, row)
		}
		page.Goals = append(page.Goals, block)
	}
	return "overview", page, nil
}

func (v view) overviewRow(ind catalogue.Indicator, series []metrics.Figure) overviewRow {
	row := overviewRow{ID: ind.ID, Name: ind.Name.In(v.Lang), Link: v.link("/indicator/" + ind.ID),
		Value: "–", Target: "–", Badge: v.badge("no_data"), Change: "–"}
	var this, previous *metrics.Figure
	for i := range series {
		switch series[i].Year {
		case v.Year:
			this = &series[i]
		case v.Year - 1:
			previous = &series[i]
		}
	}
	if this != nil {
		row.Value, row.ValueData, row.Target, row.Badge = v.percent(this.Value), metrics.FormatNumber(this.Value), v.percent(this.Target), v.badge(this.Status)
		if this.Value != nil && previous != nil && previous.Value != nil {
			row.Change = v.t("dashboards.change_pp", signed(v.Lang, *this.Value-*previous.Value))
		}
	}
	id := "spark_" + strings.ReplaceAll(ind.ID, ".", "_")
	table := dataTable{Head: []string{v.t("table.year"), v.t("table.value"), v.t("table.status")}}
	for _, f := range series {
		table.Rows = append(table.Rows, []string{strconv.Itoa(f.Year), v.percent(f.Value), v.t("status." + f.Status)})
	}
	row.Spark = v.block(id, v.t("dashboards.trend", ind.ID), sparkline(id, series),
		v.link("/extract.csv", paramYear, "", "indicator", ind.ID, "level", metrics.LevelNational), table)
	return row
}

// signed prints a change with its sign, one decimal.
func signed(lang string, x float64) string {
	n := i18n.Number(lang, x, 1)
	if !strings.HasPrefix(n, "-") && strings.Trim(n, "0,.") != "" {
		n = "+" + n
	}
	return n
}

// ---- Indicator ----

type indicatorPage struct {
	pageBase
	ID, Name, Description, Source, Denominator string
	Targets                                    []string
	Baseline                                   string
	Survey                                     bool
	Municipal                                  bool
	National                                   chartBlock
	Forecast                                   string
	Changed                                    string
	Ranking                                    *chartBlock
	Map                                        *chartBlock
	MapNote                                    string
	Rows                                       []figureRow
	TableCSV                                   template.URL
}

func (s *server) indicator(r *http.Request, v view) (string, any, error) {
	ctx := r.Context()
	ind, ok := s.cat.Indicator(r.PathValue("id"))
	if !ok {
		return "", nil, fmt.Errorf("%w: no indicator %q in the catalogue", errNotFound, r.PathValue("id"))
	}
	f := v.filter()
	f.Indicator = ind.ID
	f.Year, f.Level = 0, metrics.LevelNational
	national, err := s.figures.Figures(ctx, f)
	if err != nil {
		return "", nil, err
	}
	f.Year, f.Level = v.Year, ""
	ofYear, err := s.figures.Figures(ctx, f)
	if err != nil {
		return "", nil, err
	}
	forecasts, err := metrics.Forecasts(ctx, s.store, v.Boundaries, ind.ID, metrics.NationalCode)
	if err != nil {
		return "", nil, err
	}
	page := indicatorPage{pageBase: pageBase{V: v, Path: "/indicator/" + ind.ID, Filters: true},
		ID: ind.ID, Name: ind.Name.In(v.Lang), Description: ind.Description.In(v.Lang),
		Source: v.t("source." + string(ind.Source)), Denominator: v.t("denominator." + string(ind.Denominator)),
		Survey: ind.Source == catalogue.SourceSurvey, Municipal: ind.HasLevel(catalogue.LevelMunicipality),
		TableCSV: v.link("/extract.csv", "indicator", ind.ID)}
	page.Title = v.t("indicator.label", ind.ID) + ": " + page.Name
	for _, y := range ind.TargetYears() {
		t, _ := ind.Target(y)
		page.Targets = append(page.Targets, fmt.Sprintf("%d: %s", y, i18n.Percent(v.Lang, t, 0)))
	}
	if b := ind.Baseline; b != nil && b.Value != nil {
		page.Baseline = fmt.Sprintf("%d: %s", b.Year, i18n.Percent(v.Lang, *b.Value, 1))
	}
	page.National = v.nationalBlock(ind, national, forecasts)
	if len(forecasts) > 0 {
		last := forecasts[len(forecasts)-1]
		page.Forecast = v.t("forecast.title", last.Year) + ": " + i18n.Percent(v.Lang, last.Value, 1) + ", " +
			v.t("forecast.interval", i18n.Percent(v.Lang, last.Low80, 1), i18n.Percent(v.Lang, last.High80, 1))
	}
	var changed []string
	for _, fig := range national {
		if fig.HasFlag("definition_changed") {
			changed = append(changed, strconv.Itoa(fig.Year))
		}
	}
	if len(changed) > 0 {
		page.Changed = v.t("dashboards.definition_changed_years", strings.Join(changed, ", "))
	}

	var municipal []metrics.Figure
	var target *float64
	for _, fig := range ofYear {
		page.Rows = append(page.Rows, v.figureRow(fig))
		if fig.Level == metrics.LevelMunicipality {
			municipal = append(municipal, fig)
		} else {
			target = fig.Target
		}
	}
	if page.Municipal && len(municipal) > 0 {
		rankCSV := v.link("/extract.csv", "indicator", ind.ID, "level", metrics.LevelMunicipality)
		table := v.municipalTable(municipal)
		rank := v.block("ranking", v.t("dashboards.ranking", v.Year), ranking("ranking", municipal, target, v.t("chart.target")), rankCSV, table)
		page.Ranking = &rank
		if ok, missing := mappable(s.geo, v.reg, municipal); ok {
			m := v.block("map", v.t("chart.map")+" "+strconv.Itoa(v.Year), choropleth("map", s.geo, v.reg, municipal, page.Name), rankCSV, table)
			page.Map = &m
			if len(missing) > 0 {
				page.MapNote = v.t("dashboards.map_missing", strings.Join(missing, ", "))
			}
		} else if s.geo == nil {
			page.MapNote = v.t("dashboards.map_unavailable")
		} else {
			page.MapNote = v.t("dashboards.map_no_boundaries", v.Year)
		}
	}
	return "indicator", page, nil
}

func (v view) nationalBlock(ind *catalogue.Indicator, national []metrics.Figure, forecasts []metrics.ForecastRow) chartBlock {
	labels := seriesLabels{Value: v.t("chart.national"), Target: v.t("chart.target"), Path: v.t("chart.path"),
		Forecast: v.t("chart.forecast"), Band: v.t("chart.interval80"), DefinitionChanged: v.t("flag.definition_changed")}
	table := dataTable{Head: []string{v.t("table.year"), v.t("table.value"), v.t("table.target"), v.t("table.status"),
		v.t("chart.forecast"), v.t("chart.interval80")}}
	for _, f := range national {
		table.Rows = append(table.Rows, []string{strconv.Itoa(f.Year), v.percent(f.Value), v.percent(f.Target), v.t("status." + f.Status), "", ""})
	}
	for _, fc := range forecasts {
		table.Rows = append(table.Rows, []string{strconv.Itoa(fc.Year), "", v.percent(fc.Target), "", i18n.Percent(v.Lang, fc.Value, 1),
			i18n.Percent(v.Lang, fc.Low80, 1) + " – " + i18n.Percent(v.Lang, fc.High80, 1)})
	}
	chart := nationalSeries("national_series", seriesInput{Figures: national, Forecasts: forecasts, Targets: ind.TargetMap(), Labels: labels})
	return v.block("national_series", v.t("dashboards.national_series"), chart,
		v.link("/extract.csv", paramYear, "", "indicator", ind.ID, "level", metrics.LevelNational), table)
}

func (v view) municipalTable(figures []metrics.Figure) dataTable {
	table := dataTable{Head: []string{v.t("table.code"), v.t("table.name"), v.t("table.value"), v.t("table.status")}}
	for _, f := range figures {
		table.Rows = append(table.Rows, []string{f.EhakCode, f.Name, v.percent(f.Value), v.t("status." + f.Status)})
	}
	return table
}

// Badge is the status badge of status, for the templates.
func (v view) Badge(status string) badge { return v.badge(status) }
