package dashboards

import (
	"html"
	"html/template"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/render"
	"github.com/go-echarts/go-echarts/v2/types"

	"ee/kovmon/i18n"
	"ee/kovmon/internal/palette"
	"ee/kovmon/kov"
	"ee/kovmon/metrics"
	"ee/kovmon/registry"
)

// chartBlock is a chart as a page shows it: the drawing, its legend, its data as CSV
// and PNG, and a table for readers who cannot see the drawing.
type chartBlock struct {
	ID      string
	Title   string
	Element template.HTML
	Script  template.HTML
	Legend  []legendItem
	CSV     template.URL
	Table   dataTable
	// TableAt, when set, is the anchor of a table of the page that holds the chart's
	// data (the figures table under a map): the chart links to it instead of a copy.
	TableAt string
	// CSVText, PNGText and TableText label the links and the table for readers;
	// PNGFile names the downloaded picture.
	CSVText, PNGText, TableText, PNGFile string
}

// legendItem is one entry of a chart's legend, drawn by the page (not by ECharts), so
// that it wraps on a phone, is in the page's language, and its swatch is the same as
// the mark: Kind is the swatch's shape (line, dashed, square, band, diamond, box,
// hatched).
type legendItem struct {
	Kind, Color, Text string
}

type dataTable struct {
	Caption string
	Head    []string
	Rows    [][]string
}

type snippetRenderer interface{ RenderSnippet() render.ChartSnippet }

func (v view) block(id, title string, chart snippetRenderer, csv template.URL, table dataTable, legend []legendItem) chartBlock {
	sn := chart.RenderSnippet()
	if _, isMap := chart.(*charts.Map); isMap {
		sn.Script = withoutLegendSymbols(sn.Script)
	}
	table.Caption = title
	return chartBlock{ID: id, Title: title, Element: template.HTML(sn.Element), Script: template.HTML(scriptSafe(sn.Script)),
		Legend: legend, CSV: csv, Table: table, CSVText: v.t("chart.download_csv"), PNGText: v.t("chart.download_png"),
		TableText: v.t("dashboards.chart_table"), PNGFile: "kovmon-" + id + ".png"}
}

// withoutLegendSymbols turns off the dot ECharts puts on every region of a map
// series when the chart has a legend component, which go-echarts always writes (an
// empty one) and whose option go-echarts' series type lacks.
func withoutLegendSymbols(script string) string {
	return strings.Replace(script, `"type":"map",`, `"type":"map","showLegendSymbol":false,`, 1)
}

// scriptSafe escapes "</" inside a chart's script element: go-echarts writes the
// options as JSON without HTML escaping, so a name in the data holding "</script>"
// would end the element and put the rest into the page as markup (the report escapes
// its options the same way, report/charts.go). In JSON "<\/" reads as "</".
func scriptSafe(script string) string {
	start, end := strings.Index(script, ">")+1, strings.LastIndex(script, "</")
	if start <= 0 || end < start {
		return script
	}
	return script[:start] + strings.ReplaceAll(script[start:end], "</", `<\/`) + script[end:]
}

// baseOptions every chart shares: the pinned id (stable goldens), no animation (the
// figures, not the motion, matter), tooltips per point (each written in the page's
// language, see item), and a description for screen readers in the page's language
// instead of ECharts' English one. Decals are switched on so that "no data" can be
// hatched; every other mark sets its decal to none.
func baseOptions(id, width, height, description string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{ChartID: id, Width: width, Height: height}),
		charts.WithAnimation(false),
		charts.WithAriaOpts(&opts.Aria{Enabled: opts.Bool(true), Label: &opts.AriaLabel{Enabled: opts.Bool(true), Description: description}}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
	}
}

// missing is how ECharts is told that a point has no value.
const missing = "-"

func round(x float64, decimals int) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', decimals, 64), 64)
	return f
}

// item is one data point with its own tooltip and style. go-echarts' typed data have
// neither for most series, so the series' data are written as these. The tooltip is
// plain text, escaped here: ECharts shows it as HTML.
type item map[string]any

func point(value any, tooltip string, color string) item {
	it := item{"value": value, "itemStyle": map[string]any{"color": color}}
	if tooltip != "" {
		it["tooltip"] = map[string]any{"formatter": html.EscapeString(tooltip)}
	}
	return it
}

// hatched marks an item as "no data": pale grey with diagonal lines, never mistaken
// for a value of 0.
func hatched(it item) item {
	style := it["itemStyle"].(map[string]any)
	style["color"] = palette.NoData
	style["decal"] = palette.HatchDecal
	return it
}

// setData replaces the data of the series added last.
func setData(series charts.MultiSeries, items []item) {
	series[len(series)-1].Data = items
}

// valueAxis is a 0–100 % axis in the page's language.
func (v view) valueAxis() opts.YAxis {
	return opts.YAxis{Type: "value", Min: 0, Max: 100, AxisLabel: &opts.AxisLabel{Formatter: types.FuncStr(v.percentTemplate())}}
}

// percentTemplate formats an axis value as a percentage: "20 %" in Estonian, "20%" in
// English. The values are whole tens, so ECharts prints them without separators.
func (v view) percentTemplate() string {
	if v.Lang == i18n.EN {
		return "{value}%"
	}
	return "{value} %"
}

func invisibleLine() charts.SeriesOpts {
	return charts.WithLineStyleOpts(opts.LineStyle{Opacity: opts.Float(0)})
}

func dashed(color string) charts.SeriesOpts {
	return charts.WithLineStyleOpts(opts.LineStyle{Color: color, Type: "dashed", Width: 2})
}

func solid(color string, width float32) charts.SeriesOpts {
	return charts.WithLineStyleOpts(opts.LineStyle{Color: color, Width: width})
}

// yearMark draws a thin vertical line at the year shown on a chart over years.
func yearMark(year int) []charts.SeriesOpts {
	return []charts.SeriesOpts{
		charts.WithMarkLineNameXAxisItemOpts(opts.MarkLineNameXAxisItem{XAxis: strconv.Itoa(year)}),
		charts.WithMarkLineStyleOpts(opts.MarkLineStyle{Symbol: []string{"none", "none"},
			LineStyle: &opts.LineStyle{Color: palette.YearShown, Type: "solid", Width: 1}, Label: &opts.Label{Show: opts.Bool(false)}}),
	}
}

// sparkline is the small trend of an indicator on the overview: the values by year,
// the targets as black squares, and the year shown marked.
func (v view) sparkline(id string, series []kov.Figure, targets map[int]float64, title string) *charts.Line {
	line := charts.NewLine()
	line.SetGlobalOptions(append(baseOptions(id, "150px", "44px", title),
		charts.WithXAxisOpts(opts.XAxis{Show: opts.Bool(false)}),
		charts.WithYAxisOpts(opts.YAxis{Show: opts.Bool(false), Min: 0, Max: 100}),
		charts.WithGridOpts(opts.Grid{Left: "6", Right: "6", Top: "6", Bottom: "6"}),
	)...)
	years := make([]string, len(series))
	values := make([]item, len(series))
	marks := make([]item, len(series))
	for i, f := range series {
		years[i] = strconv.Itoa(f.Year)
		values[i] = point(missing, "", palette.Value)
		if f.Value != nil {
			values[i] = point(round(*f.Value, 2), years[i]+": "+v.percent(f.Value), palette.Value)
		}
		marks[i] = point(missing, "", palette.Target)
		if t, ok := targets[f.Year]; ok {
			marks[i] = point(t, v.t("chart.target")+" "+years[i]+": "+i18n.Percent(v.Lang, t, 0), palette.Target)
		}
	}
	line.SetXAxis(years)
	line.AddSeries(v.t("chart.national"), nil, append(yearMark(v.Year), solid(palette.Value, 2),
		charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true), SymbolSize: 4}))...)
	setData(line.MultiSeries, values)
	line.AddSeries(v.t("chart.target"), nil, invisibleLine(), charts.WithLineChartOpts(opts.LineChart{Symbol: "rect", SymbolSize: 7}))
	setData(line.MultiSeries, marks)
	return line
}

// seriesInput is what the national chart of an indicator draws.
type seriesInput struct {
	Figures   []kov.Figure // national, by year
	Group     []kov.Figure // the peer group's pooled figures, by year (none: no group)
	GroupName string
	Forecasts []metrics.ForecastRow
	Targets   map[int]float64
}

// nationalSeries draws the national value (and the peer group's), the targets, the
// straight path from the first value to the first target, the forecast with its 80 %
// band, and marks the years whose definition changed and the year shown. Its legend
// is the page's (nationalLegend).
func (v view) nationalSeries(id string, in seriesInput) *charts.Line {
	yearSet := map[int]bool{}
	value := map[int]*float64{}
	group := map[int]*float64{}
	var changed []int
	firstYear, lastYear := 0, 0
	for _, f := range in.Figures {
		yearSet[f.Year] = true
		value[f.Year] = f.Value
		if f.Value != nil {
			if firstYear == 0 {
				firstYear = f.Year
			}
			lastYear = f.Year
		}
		if f.HasFlag(kov.FlagDefinitionChanged) {
			changed = append(changed, f.Year)
		}
	}
	for _, f := range in.Group {
		group[f.Year] = f.Value
	}
	forecast := map[int]metrics.ForecastRow{}
	for _, fc := range in.Forecasts {
		yearSet[fc.Year] = true
		forecast[fc.Year] = fc
	}
	for y := range in.Targets {
		if len(yearSet) == 0 || y >= minKey(yearSet) {
			yearSet[y] = true
		}
	}
	years := slices.Sorted(maps.Keys(yearSet))
	axis := make([]string, len(years))
	for i, y := range years {
		axis[i] = strconv.Itoa(y)
	}
	pts := func(color string, at func(y int) (any, string)) []item {
		out := make([]item, len(years))
		for i, y := range years {
			val, tip := at(y)
			out[i] = point(val, tip, color)
		}
		return out
	}
	valueAt := func(of map[int]*float64, name string) func(int) (any, string) {
		return func(y int) (any, string) {
			if x := of[y]; x != nil {
				return round(*x, 2), name + " " + strconv.Itoa(y) + ": " + v.percent(x)
			}
			return missing, ""
		}
	}
	targetYears := slices.Sorted(maps.Keys(in.Targets))
	targetAt := func(y int) (any, string) {
		if t, ok := in.Targets[y]; ok {
			return t, v.t("chart.target") + " " + strconv.Itoa(y) + ": " + i18n.Percent(v.Lang, t, 0)
		}
		return missing, ""
	}
	onPath := func(y int) (any, string) {
		if firstYear != 0 && y == firstYear && (len(targetYears) == 0 || y < targetYears[0]) && value[y] != nil {
			return round(*value[y], 2), ""
		}
		if t, ok := in.Targets[y]; ok {
			return t, ""
		}
		return missing, ""
	}
	// The forecast line and its band start at the last value (the band with zero
	// width), so that they widen from there.
	forecastAt := func(pick func(metrics.ForecastRow) float64, atLast func(float64) float64, tip bool) func(int) (any, string) {
		return func(y int) (any, string) {
			if fc, ok := forecast[y]; ok {
				text := ""
				if tip {
					text = v.t("forecast.title", y) + ": " + i18n.Percent(v.Lang, fc.Value, 1) + " (" +
						v.t("forecast.interval", i18n.Percent(v.Lang, fc.Low80, 1), i18n.Percent(v.Lang, fc.High80, 1)) + ")"
				}
				return round(pick(fc), 2), text
			}
			if y == lastYear && value[y] != nil {
				return round(atLast(*value[y]), 2), ""
			}
			return missing, ""
		}
	}
	last := func(x float64) float64 { return x }
	zero := func(float64) float64 { return 0 }
	line := charts.NewLine()
	line.SetGlobalOptions(append(baseOptions(id, "100%", "340px", v.t("dashboards.national_series")+". "+v.t("chart.aria_table")),
		charts.WithYAxisOpts(v.valueAxis()),
		charts.WithGridOpts(opts.Grid{Left: "44", Right: "16", Top: "16", Bottom: "28"}),
	)...)
	line.SetXAxis(axis)
	line.AddSeries(v.t("chart.national"), nil, append(yearMark(v.Year), solid(palette.Value, 3))...)
	setData(line.MultiSeries, pts(palette.Value, valueAt(value, v.t("chart.national"))))
	if len(in.Group) > 0 {
		line.AddSeries(in.GroupName, nil, solid(palette.Group, 3))
		setData(line.MultiSeries, pts(palette.Group, valueAt(group, in.GroupName)))
	}
	line.AddSeries(v.t("chart.target"), nil, invisibleLine(), charts.WithLineChartOpts(opts.LineChart{Symbol: "rect", SymbolSize: 12}))
	setData(line.MultiSeries, pts(palette.Target, targetAt))
	line.AddSeries(v.t("chart.path"), nil, dashed(palette.Path),
		charts.WithLineChartOpts(opts.LineChart{ConnectNulls: opts.Bool(true), ShowSymbol: opts.Bool(false)}))
	setData(line.MultiSeries, pts(palette.Path, onPath))
	if len(forecast) > 0 {
		line.AddSeries(v.t("chart.forecast"), nil, dashed(palette.Forecast))
		setData(line.MultiSeries, pts(palette.Forecast, forecastAt(func(fc metrics.ForecastRow) float64 { return fc.Value }, last, true)))
		// The band is two stacked series: the low end, invisible, and the width of
		// the interval on top of it, filled.
		band := charts.WithLineChartOpts(opts.LineChart{Stack: "band", ShowSymbol: opts.Bool(false)})
		line.AddSeries(v.t("chart.interval80"), nil, band, invisibleLine())
		setData(line.MultiSeries, pts(palette.Forecast, forecastAt(func(fc metrics.ForecastRow) float64 { return fc.Low80 }, last, false)))
		line.AddSeries(v.t("chart.interval80"), nil, band, invisibleLine(),
			charts.WithAreaStyleOpts(opts.AreaStyle{Color: palette.Forecast, Opacity: opts.Float(0.3)}))
		setData(line.MultiSeries, pts(palette.Forecast, forecastAt(func(fc metrics.ForecastRow) float64 { return fc.High80 - fc.Low80 }, zero, false)))
	}
	if len(changed) > 0 {
		line.AddSeries(v.t("flag.definition_changed"), nil, invisibleLine(), charts.WithLineChartOpts(opts.LineChart{Symbol: "diamond", SymbolSize: 16}))
		setData(line.MultiSeries, pts(palette.DefChange, func(y int) (any, string) {
			if slices.Contains(changed, y) && value[y] != nil {
				return round(*value[y], 2), v.t("flag.definition_changed") + " " + strconv.Itoa(y)
			}
			return missing, ""
		}))
	}
	return line
}

// nationalLegend is the legend of nationalSeries.
func (v view) nationalLegend(groupName string, forecast, changed bool) []legendItem {
	items := []legendItem{{"line", palette.Value, v.t("chart.national")}}
	if groupName != "" {
		items = append(items, legendItem{"line", palette.Group, groupName})
	}
	items = append(items, legendItem{"square", palette.Target, v.t("chart.target")}, legendItem{"dashed", palette.Path, v.t("chart.path")})
	if forecast {
		items = append(items, legendItem{"dashed", palette.Forecast, v.t("chart.forecast")}, legendItem{"band", palette.Forecast, v.t("chart.interval80")})
	}
	if changed {
		items = append(items, legendItem{"diamond", palette.DefChange, v.t("flag.definition_changed")})
	}
	return append(items, legendItem{"year", palette.YearShown, v.t("chart.year_shown", v.Year)})
}

// colourOf is how a municipal figure is coloured on a map or a ranking: by its status
// when the year judges anything, else by its value's band, and grey when it has none.
func colourOf(f kov.Figure, byStatus bool) string {
	switch {
	case f.Value == nil:
		return palette.NoData
	case byStatus:
		return palette.Of(f.Status).Color
	default:
		return palette.ValueBands[palette.Band(*f.Value)]
	}
}

// judgedYear tells whether any of the figures is judged against a target or its path;
// in other years (no targets, the baseline) charts colour by value.
func judgedYear(figures []kov.Figure) bool {
	return slices.ContainsFunc(figures, func(f kov.Figure) bool { return palette.Judged(f.Status) })
}

// statusLegend is the legend of a map or ranking coloured by colourOf.
func (v view) statusLegend(figures []kov.Figure, byStatus bool, target *float64) []legendItem {
	var items []legendItem
	if byStatus {
		seen := map[kov.Status]bool{}
		for _, f := range figures {
			seen[f.Status] = true
		}
		for _, st := range palette.Legend {
			if seen[st] && st != kov.StatusNoData { // no data is hatched, below
				items = append(items, legendItem{"box", palette.Of(st).Color, palette.Of(st).Symbol + " " + v.t("status."+string(st))})
			}
		}
	} else {
		for i, c := range palette.ValueBands {
			items = append(items, legendItem{"box", c, v.t("chart.band", 20*i, 20*(i+1))})
		}
	}
	items = append(items, legendItem{"hatched", palette.NoData, v.t("status.no_data")})
	if target != nil {
		items = append(items, legendItem{"dashed", palette.Target, v.t("chart.target") + " " + i18n.Percent(v.Lang, *target, 0)})
	}
	return items
}

// yesNoLegend is the legend of a yes/no indicator's map and counts.
func (v view) yesNoLegend() []legendItem {
	return []legendItem{{"box", palette.Meets, "✔ " + v.t("chart.meets")}, {"box", palette.Fails, "✘ " + v.t("chart.fails")},
		{"hatched", palette.NoData, "– " + v.t("status.no_data")}}
}

// ranking draws the municipalities with a value as horizontal bars, best at the top,
// each labelled with its value (so that 0 % shows as "0 %") and coloured by colourOf,
// with the target as a dashed line. Municipalities without a value are not bars: the
// page lists them under the chart.
func (v view) ranking(id string, figures []kov.Figure, target *float64, byStatus bool, title string) *charts.Bar {
	var sorted []kov.Figure
	for _, f := range figures {
		if f.Value != nil {
			sorted = append(sorted, f)
		}
	}
	// Ascending, because ECharts draws the first category at the bottom.
	sort.SliceStable(sorted, func(i, j int) bool {
		if *sorted[i].Value != *sorted[j].Value {
			return *sorted[i].Value < *sorted[j].Value
		}
		return i18n.Less(sorted[j].Name, sorted[i].Name)
	})
	names := make([]string, len(sorted))
	bars := make([]item, len(sorted))
	for i, f := range sorted {
		names[i] = f.Name
		text := f.Name + ": " + v.percent(f.Value)
		if byStatus {
			text += " · " + v.t("status."+string(f.Status))
		}
		bars[i] = point(round(*f.Value, 2), text, colourOf(f, byStatus))
		// The label's white ground keeps it legible where the target line crosses it.
		bars[i]["label"] = map[string]any{"show": true, "position": "right", "formatter": v.percent(f.Value), "fontSize": 11, "color": "#1b1b1b",
			"backgroundColor": "rgba(255,255,255,0.9)", "padding": []int{1, 2}}
	}
	height := strconv.Itoa(max(160, 20*len(sorted)+48)) + "px"
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(baseOptions(id, "100%", height, title+". "+v.t("chart.aria_table")),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Min: 0, Max: 100, AxisLabel: &opts.AxisLabel{Formatter: types.FuncStr(v.percentTemplate())}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", AxisLabel: &opts.AxisLabel{Interval: "0", FontSize: 12}}),
		charts.WithGridOpts(opts.Grid{Left: "4", Right: "52", Top: "8", Bottom: "24", ContainLabel: opts.Bool(true)}),
	)...)
	var seriesOpts []charts.SeriesOpts
	if target != nil {
		seriesOpts = append(seriesOpts,
			charts.WithMarkLineNameXAxisItemOpts(opts.MarkLineNameXAxisItem{XAxis: *target}),
			charts.WithMarkLineStyleOpts(opts.MarkLineStyle{Symbol: []string{"none", "none"},
				LineStyle: &opts.LineStyle{Color: palette.Target, Type: "dashed", Width: 2}, Label: &opts.Label{Show: opts.Bool(false)}}))
	}
	bar.SetXAxis(names).AddSeries(v.t("level.municipality"), nil, append(seriesOpts, charts.WithBarChartOpts(opts.BarChart{BarCategoryGap: "25%"}))...)
	setData(bar.MultiSeries, bars)
	bar.XYReversal()
	return bar
}

// yesNoCounts draws how many municipalities meet a yes/no indicator's condition, do
// not, and have no data: three labelled bars, the last one hatched.
func (v view) yesNoCounts(id string, meets, fails, noData int, title string) *charts.Bar {
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(baseOptions(id, "100%", "150px", title+". "+v.t("chart.aria_table")),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", MinInterval: 1, AxisLabel: &opts.AxisLabel{Show: opts.Bool(false)},
			SplitLine: &opts.SplitLine{Show: opts.Bool(false)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true), AxisLabel: &opts.AxisLabel{Interval: "0", FontSize: 12}}),
		charts.WithGridOpts(opts.Grid{Left: "4", Right: "40", Top: "4", Bottom: "4", ContainLabel: opts.Bool(true)}),
	)...)
	labels := []string{v.t("chart.meets"), v.t("chart.fails"), v.t("status.no_data")}
	counts := []int{meets, fails, noData}
	colours := []string{palette.Meets, palette.Fails, palette.NoData}
	items := make([]item, 3)
	for i := range items {
		items[i] = point(counts[i], labels[i]+": "+strconv.Itoa(counts[i]), colours[i])
		items[i]["label"] = map[string]any{"show": true, "position": "right", "formatter": strconv.Itoa(counts[i]), "fontSize": 12, "color": "#1b1b1b"}
	}
	hatched(items[2])
	bar.SetXAxis(labels).AddSeries(v.t("level.municipality"), nil, charts.WithBarChartOpts(opts.BarChart{BarCategoryGap: "30%"}))
	setData(bar.MultiSeries, items)
	bar.XYReversal()
	return bar
}

// choropleth colours the municipalities of the 2018 boundaries: a yes/no indicator by
// whether each meets the condition, any other by colourOf; no data hatched grey. A
// recoded unit has its predecessor's shape (geoMap.shapeName).
func (v view) choropleth(id string, geo *geoMap, reg *registry.Registry, figures []kov.Figure, yesNo, byStatus bool, title string) *charts.Map {
	m := charts.NewMap()
	m.RegisterMapType(mapName)
	m.SetGlobalOptions(baseOptions(id, "100%", "420px", title+". "+v.t("chart.aria_table"))...)
	data := make([]item, 0, len(figures))
	for _, f := range figures {
		name, ok := geo.shapeName(f.EhakCode, reg)
		if !ok {
			continue
		}
		var it item
		switch {
		case f.Value == nil:
			it = hatched(point(missing, f.Name+": "+v.t("status.no_data"), palette.NoData))
		case yesNo:
			colour, word := palette.Fails, v.t("chart.fails")
			if *f.Value >= 100-1e-9 {
				colour, word = palette.Meets, v.t("chart.meets")
			}
			it = point(round(*f.Value, 2), f.Name+": "+word, colour)
		default:
			text := f.Name + ": " + v.percent(f.Value)
			if byStatus {
				text += " · " + v.t("status."+string(f.Status))
			}
			it = point(round(*f.Value, 2), text, colourOf(f, byStatus))
		}
		it["name"] = name
		// A map item's fill is its areaColor, kept when the pointer is on it (the
		// series draws the border then).
		style := it["itemStyle"].(map[string]any)
		style["areaColor"] = style["color"]
		delete(style, "color")
		it["emphasis"] = map[string]any{"itemStyle": map[string]any{"areaColor": style["areaColor"]}}
		data = append(data, it)
	}
	m.AddSeries(title, nil, charts.WithLabelOpts(opts.Label{Show: opts.Bool(false)}),
		charts.WithItemStyleOpts(opts.ItemStyle{BorderColor: "#FFFFFF", BorderWidth: 0.6}),
		charts.WithEmphasisOpts(opts.Emphasis{Label: &opts.Label{Show: opts.Bool(false)}, ItemStyle: &opts.ItemStyle{BorderColor: "#000000", BorderWidth: 1.5}}))
	setData(m.MultiSeries, data)
	return m
}

// mappable reports whether most of the figures' units have a shape in the boundaries
// (the 2018 units, and units recoded since), and lists those that do not.
func mappable(geo *geoMap, reg *registry.Registry, figures []kov.Figure) (ok bool, missingNames []string) {
	if geo == nil || len(figures) == 0 {
		return false, nil
	}
	found := 0
	for _, f := range figures {
		if _, in := geo.shapeName(f.EhakCode, reg); in {
			found++
		} else {
			missingNames = append(missingNames, f.Name)
		}
	}
	return found*2 > len(figures), missingNames
}

// barSeries is one series of a bar chart over categories: the values with their
// tooltips, and "no data" points (hatched bars the height of the axis).
type barSeries struct {
	Name  string
	Color string
	Items []item
}

// groupedBars draws named series side by side over categories, with the targets as
// squares on top (the municipality page: the unit against the country).
func (v view) groupedBars(id, title string, categories []string, series []barSeries, targets []item) *charts.Bar {
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(baseOptions(id, "100%", "340px", title+". "+v.t("chart.aria_table")),
		charts.WithYAxisOpts(v.valueAxis()),
		charts.WithXAxisOpts(opts.XAxis{AxisLabel: &opts.AxisLabel{Interval: "0", FontSize: 11}}),
		charts.WithGridOpts(opts.Grid{Left: "44", Right: "8", Top: "16", Bottom: "28"}),
	)...)
	bar.SetXAxis(categories)
	for _, s := range series {
		bar.AddSeries(s.Name, nil, charts.WithBarChartOpts(opts.BarChart{BarGap: "10%"}))
		setData(bar.MultiSeries, s.Items)
	}
	if targets != nil {
		marks := charts.NewLine()
		marks.SetXAxis(categories).AddSeries(v.t("chart.target"), nil, invisibleLine(),
			charts.WithLineChartOpts(opts.LineChart{Symbol: "rect", SymbolSize: 12}))
		setData(marks.MultiSeries, targets)
		bar.Overlap(marks)
	}
	return bar
}

// countBars draws counts side by side per category (the source rows behind each
// indicator, a bar per year). ECharts writes axis numbers with English thousands
// separators, so the axis counts in thousands or millions where the numbers are large
// (its unit is in the legend), and every tooltip is written in the page's language.
func (v view) countBars(id, title string, categories []string, series []barSeries) (*charts.Bar, string) {
	top := 0.0
	for _, s := range series {
		for _, it := range s.Items {
			if n, ok := it["value"].(float64); ok {
				top = max(top, n)
			}
		}
	}
	scale, unit := 1.0, v.t("chart.rows")
	switch {
	case top >= 1e6:
		scale, unit = 1e6, v.t("chart.million_rows")
	case top >= 1e3:
		scale, unit = 1e3, v.t("chart.thousand_rows")
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(baseOptions(id, "100%", "300px", title+". "+v.t("chart.aria_table")),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: unit, MinInterval: 1}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "8", Top: "28", Bottom: "8", ContainLabel: opts.Bool(true)}),
	)...)
	bar.SetXAxis(categories)
	for _, s := range series {
		scaled := make([]item, len(s.Items))
		for i, it := range s.Items {
			scaled[i] = it
			if n, ok := it["value"].(float64); ok {
				scaled[i]["value"] = round(n/scale, 3)
			}
		}
		bar.AddSeries(s.Name, nil)
		setData(bar.MultiSeries, scaled)
	}
	return bar, unit
}

func minKey(m map[int]bool) int {
	return slices.Sorted(maps.Keys(m))[0]
}
