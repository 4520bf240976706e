package dashboards

import (
	"html/template"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/render"

	"ee/kovmon/metrics"
	"ee/kovmon/registry"
)

// statusStyle is how a status is shown: a colour of the Okabe–Ito palette, which
// colour-blind readers can tell apart, and always a symbol and a word beside it.
type statusStyle struct{ Color, Symbol string }

var statusStyles = map[string]statusStyle{
	"achieved":     {"#009E73", "✔"},
	"on_track":     {"#0072B2", "▲"},
	"off_track":    {"#E69F00", "▼"},
	"not_achieved": {"#D55E00", "✘"},
	"baseline":     {"#777777", "●"},
	"no_target":    {"#CC79A7", "○"},
	"no_data":      {"#BBBBBB", "–"},
}

func styleOf(status string) statusStyle {
	if st, ok := statusStyles[status]; ok {
		return st
	}
	return statusStyles["no_data"]
}

// Series colours, from the same palette.
const (
	colorValue     = "#0072B2"
	colorNational  = "#E69F00"
	colorTarget    = "#000000"
	colorPath      = "#777777"
	colorForecast  = "#56B4E9"
	colorDefChange = "#CC79A7"
)

// chartBlock is a chart as a page shows it: the drawing, its data as CSV and a table
// for readers who cannot see the drawing.
type chartBlock struct {
	ID      string
	Title   string
	Element template.HTML
	Script  template.HTML
	CSV     template.URL
	Table   dataTable
	// CSVText and TableText label the CSV link and the table for readers.
	CSVText, TableText string
}

type dataTable struct {
	Caption string
	Head    []string
	Rows    [][]string
}

type snippetRenderer interface{ RenderSnippet() render.ChartSnippet }

func (v view) block(id, title string, chart snippetRenderer, csv template.URL, table dataTable) chartBlock {
	sn := chart.RenderSnippet()
	table.Caption = title
	return chartBlock{ID: id, Title: title, Element: template.HTML(sn.Element), Script: template.HTML(scriptSafe(sn.Script)), CSV: csv, Table: table,
		CSVText: v.t("chart.download_csv"), TableText: v.t("dashboards.chart_table")}
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

// baseOptions every chart shares: the pinned id (stable goldens), the script from
// this server, no animation (the figures, not the motion, matter) and ECharts' own
// description for screen readers.
func baseOptions(id, width, height string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{AssetsHost: "/assets/", ChartID: id, Width: width, Height: height}),
		charts.WithAnimation(false),
		charts.WithAriaOpts(&opts.Aria{Enabled: opts.Bool(true)}),
	}
}

var percentAxis = opts.YAxis{Type: "value", Min: 0, Max: 100, AxisLabel: &opts.AxisLabel{Formatter: "{value} %"}}

// missing is how ECharts is told that a point has no value.
const missing = "-"

func pointValue(v *float64) any {
	if v == nil {
		return missing
	}
	return round(*v, 2)
}

func round(x float64, decimals int) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', decimals, 64), 64)
	return f
}

func invisibleLine() charts.SeriesOpts {
	return charts.WithLineStyleOpts(opts.LineStyle{Opacity: opts.Float(0)})
}

func colored(color string) charts.SeriesOpts {
	return charts.WithItemStyleOpts(opts.ItemStyle{Color: color})
}

func dashed(color string) charts.SeriesOpts {
	return charts.WithLineStyleOpts(opts.LineStyle{Color: color, Type: "dashed", Width: 2})
}

// sparkline is the small national trend of an indicator on the overview.
func sparkline(id string, series []metrics.Figure) *charts.Line {
	line := charts.NewLine()
	line.SetGlobalOptions(append(baseOptions(id, "160px", "44px"),
		charts.WithXAxisOpts(opts.XAxis{Show: opts.Bool(false)}),
		charts.WithYAxisOpts(opts.YAxis{Show: opts.Bool(false), Min: 0, Max: 100}),
		charts.WithGridOpts(opts.Grid{Left: "4", Right: "4", Top: "4", Bottom: "4"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
	)...)
	years := make([]string, len(series))
	points := make([]opts.LineData, len(series))
	for i, f := range series {
		years[i] = strconv.Itoa(f.Year)
		points[i] = opts.LineData{Value: pointValue(f.Value)}
	}
	line.SetXAxis(years).AddSeries("", points, colored(colorValue),
		charts.WithLineStyleOpts(opts.LineStyle{Color: colorValue, Width: 2}))
	return line
}

// seriesInput is what the national chart of an indicator draws.
type seriesInput struct {
	Figures   []metrics.Figure // national, by year
	Forecasts []metrics.ForecastRow
	Targets   map[int]float64
	Labels    seriesLabels
}

type seriesLabels struct{ Value, Target, Path, Forecast, Band, DefinitionChanged string }

// nationalSeries draws the national value, the targets, the straight path from the
// first value to the first target, the forecast with its 80 % band, and marks the years
// whose definition changed.
func nationalSeries(id string, in seriesInput) *charts.Line {
	yearSet := map[int]bool{}
	value := map[int]*float64{}
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
		if f.HasFlag("definition_changed") {
			changed = append(changed, f.Year)
		}
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
	pts := func(at func(y int) any) []opts.LineData {
		out := make([]opts.LineData, len(years))
		for i, y := range years {
			out[i] = opts.LineData{Value: at(y)}
		}
		return out
	}
	for i, y := range years {
		axis[i] = strconv.Itoa(y)
	}
	targetYears := slices.Sorted(maps.Keys(in.Targets))
	onPath := func(y int) any {
		if firstYear != 0 && y == firstYear && (len(targetYears) == 0 || y < targetYears[0]) {
			return pointValue(value[y])
		}
		if t, ok := in.Targets[y]; ok {
			return t
		}
		return missing
	}
	forecastLine := func(y int) any {
		if fc, ok := forecast[y]; ok {
			return round(fc.Value, 2)
		}
		if y == lastYear {
			return pointValue(value[y]) // the forecast line starts at the last value
		}
		return missing
	}
	line := charts.NewLine()
	line.SetGlobalOptions(append(baseOptions(id, "100%", "360px"),
		charts.WithYAxisOpts(percentAxis),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0"}),
		charts.WithGridOpts(opts.Grid{Left: "48", Right: "24", Top: "16", Bottom: "64"}),
	)...)
	line.SetXAxis(axis)
	line.AddSeries(in.Labels.Value, pts(func(y int) any { return pointValue(value[y]) }), colored(colorValue),
		charts.WithLineStyleOpts(opts.LineStyle{Color: colorValue, Width: 3}))
	line.AddSeries(in.Labels.Target, pts(func(y int) any {
		if t, ok := in.Targets[y]; ok {
			return t
		}
		return missing
	}), colored(colorTarget), invisibleLine(), charts.WithLineChartOpts(opts.LineChart{Symbol: "rect", SymbolSize: 12}))
	line.AddSeries(in.Labels.Path, pts(onPath), colored(colorPath), dashed(colorPath),
		charts.WithLineChartOpts(opts.LineChart{ConnectNulls: opts.Bool(true), ShowSymbol: opts.Bool(false)}))
	if len(forecast) > 0 {
		line.AddSeries(in.Labels.Forecast, pts(forecastLine),
			colored(colorForecast), dashed(colorForecast))
		// The band is drawn as two stacked series: the low end, invisible, and the
		// width of the interval on top of it, filled. Both carry the band's name so
		// that the legend toggles them together. Like the forecast line, the band
		// starts at the last value (zero width), so that it widens from there.
		low := func(y int) any {
			if fc, ok := forecast[y]; ok {
				return round(fc.Low80, 2)
			}
			if y == lastYear {
				return pointValue(value[y])
			}
			return missing
		}
		width := func(y int) any {
			if fc, ok := forecast[y]; ok {
				return round(fc.High80-fc.Low80, 2)
			}
			if y == lastYear && value[y] != nil {
				return 0.0
			}
			return missing
		}
		band := charts.WithLineChartOpts(opts.LineChart{Stack: "band", ShowSymbol: opts.Bool(false)})
		line.AddSeries(in.Labels.Band, pts(low), band, invisibleLine(), colored(colorForecast))
		line.AddSeries(in.Labels.Band, pts(width), band, invisibleLine(), colored(colorForecast),
			charts.WithAreaStyleOpts(opts.AreaStyle{Color: colorForecast, Opacity: opts.Float(0.3)}))
	}
	if len(changed) > 0 {
		line.AddSeries(in.Labels.DefinitionChanged, pts(func(y int) any {
			for _, c := range changed {
				if c == y {
					return pointValue(value[y])
				}
			}
			return missing
		}), colored(colorDefChange), invisibleLine(), charts.WithLineChartOpts(opts.LineChart{Symbol: "diamond", SymbolSize: 16}))
	}
	return line
}

// ranking draws the municipalities as horizontal bars, best at the top, each in its
// status colour, with the target as a vertical line.
func ranking(id string, figures []metrics.Figure, target *float64, targetLabel string) *charts.Bar {
	sorted := append([]metrics.Figure(nil), figures...)
	sort.SliceStable(sorted, func(i, j int) bool { return lessValue(sorted[i].Value, sorted[j].Value) })
	names := make([]string, len(sorted))
	bars := make([]opts.BarData, len(sorted))
	for i, f := range sorted {
		names[i] = f.Name
		bars[i] = opts.BarData{Value: pointValue(f.Value), ItemStyle: &opts.ItemStyle{Color: styleOf(f.Status).Color}}
	}
	height := strconv.Itoa(max(240, 18*len(sorted)+80)) + "px"
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(baseOptions(id, "100%", height),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Min: 0, Max: 100, AxisLabel: &opts.AxisLabel{Formatter: "{value} %"}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", AxisLabel: &opts.AxisLabel{Interval: "0"}}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "48", Top: "24", Bottom: "24", ContainLabel: opts.Bool(true)}),
	)...)
	var seriesOpts []charts.SeriesOpts
	if target != nil {
		seriesOpts = append(seriesOpts,
			charts.WithMarkLineNameXAxisItemOpts(opts.MarkLineNameXAxisItem{Name: targetLabel, XAxis: *target}),
			charts.WithMarkLineStyleOpts(opts.MarkLineStyle{Symbol: []string{"none", "none"},
				LineStyle: &opts.LineStyle{Color: colorTarget, Type: "dashed", Width: 2},
				Label:     &opts.Label{Show: opts.Bool(true), Formatter: targetLabel + " {c} %"}}))
	}
	bar.SetXAxis(names).AddSeries(targetLabel, bars, seriesOpts...)
	bar.XYReversal()
	return bar
}

// lessValue orders missing values first, so that they sit at the bottom of a ranking.
func lessValue(a, b *float64) bool {
	switch {
	case a == nil:
		return b != nil
	case b == nil:
		return false
	default:
		return *a < *b
	}
}

// choropleth colours the municipalities of the 2018 boundaries by value, on a
// single-hue scale that reads the same to colour-blind readers; a recoded unit has its
// predecessor's shape (geoMap.shapeName).
func choropleth(id string, geo *geoMap, reg *registry.Registry, figures []metrics.Figure, title string) *charts.Map {
	m := charts.NewMap()
	m.RegisterMapType(mapName)
	m.SetGlobalOptions(append(baseOptions(id, "100%", "480px"),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithVisualMapOpts(opts.VisualMap{Type: "continuous", Calculable: opts.Bool(true), Min: 0, Max: 100,
			Text: []string{"100 %", "0 %"}, InRange: &opts.VisualMapInRange{Color: []string{"#f7fbff", "#6baed6", "#08306b"}}}),
	)...)
	data := make([]opts.MapData, 0, len(figures))
	for _, f := range figures {
		if name, ok := geo.shapeName(f.EhakCode, reg); ok && f.Value != nil {
			data = append(data, opts.MapData{Name: name, Value: round(*f.Value, 2)})
		}
	}
	m.AddSeries(title, data)
	return m
}

// mappable reports whether most of the figures' units have a shape in the boundaries
// (the 2018 units, and units recoded since), and lists those that do not.
func mappable(geo *geoMap, reg *registry.Registry, figures []metrics.Figure) (ok bool, missingNames []string) {
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

// groupedBars draws named series side by side over categories, with the targets as
// markers on top (the municipality page: the unit against the country).
func groupedBars(id string, categories []string, series []barSeries, targets []any, targetLabel string) *charts.Bar {
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(baseOptions(id, "100%", "360px"),
		charts.WithYAxisOpts(percentAxis),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0"}),
		charts.WithGridOpts(opts.Grid{Left: "48", Right: "24", Top: "16", Bottom: "64"}),
	)...)
	bar.SetXAxis(categories)
	for _, s := range series {
		data := make([]opts.BarData, len(s.Values))
		for i, v := range s.Values {
			data[i] = opts.BarData{Value: v}
		}
		bar.AddSeries(s.Name, data, colored(s.Color))
	}
	if targets != nil {
		marks := charts.NewLine()
		points := make([]opts.LineData, len(targets))
		for i, t := range targets {
			points[i] = opts.LineData{Value: t}
		}
		marks.SetXAxis(categories).AddSeries(targetLabel, points, colored(colorTarget), invisibleLine(),
			charts.WithLineChartOpts(opts.LineChart{Symbol: "rect", SymbolSize: 12}))
		bar.Overlap(marks)
	}
	return bar
}

type barSeries struct {
	Name   string
	Color  string
	Values []any
}

// countBars draws counts side by side per category (source rows per indicator and
// year; the table beside it has the small ones a linear axis hardly shows).
func countBars(id string, categories []string, series []barSeries) *charts.Bar {
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(baseOptions(id, "100%", "320px"),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0"}),
		charts.WithGridOpts(opts.Grid{Left: "16", Right: "24", Top: "16", Bottom: "64", ContainLabel: opts.Bool(true)}),
	)...)
	bar.SetXAxis(categories)
	for _, s := range series {
		data := make([]opts.BarData, len(s.Values))
		for i, v := range s.Values {
			data[i] = opts.BarData{Value: v}
		}
		bar.AddSeries(s.Name, data, colored(s.Color))
	}
	return bar
}

// yearColors: one colour per year of the coverage chart, Okabe–Ito order.
var yearColors = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"}

func minKey(m map[int]bool) int {
	return slices.Sorted(maps.Keys(m))[0]
}
