package report

import (
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/render"
	"github.com/go-echarts/go-echarts/v2/types"

	"ee/kovmon/i18n"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
)

// chartView is one chart of the document: a sized element and its ECharts option.
type chartView struct {
	ID            string
	Title         string
	Width, Height int
	Wide          bool
	Option        template.JS
}

// Sizes in CSS pixels: two charts side by side fill the A4 text width (178 mm ≈ 672
// px), a wide chart fills it alone. Fixed sizes keep the printed layout identical to
// the screen one.
const (
	halfWidth   = 326
	fullWidth   = 664
	chartHeight = 230
	wideHeight  = 290
	// uprightNames is how many municipality names fit side by side under a wide chart.
	uprightNames = 8
)

// Colours: national series in the state's blue, targets in red, the condition met in
// green and no data in grey.
const (
	colourSeries = "#1f4e79"
	colourTarget = "#b03a2e"
	colourMet    = "#2e7d32"
	colourNotMet = "#c0392b"
	colourNoData = "#9e9e9e"
)

// chartID derives a stable element id from the indicator id ("II.3a" → "chart-II-3a-trend").
func chartID(indicator, kind string) string {
	return "chart-" + strings.ReplaceAll(indicator, ".", "-") + "-" + kind
}

func percentAxisLabel(lang string) *opts.AxisLabel {
	suffix := "%"
	if lang == i18n.ET {
		suffix = " %"
	}
	return &opts.AxisLabel{Formatter: types.FuncStr("{value}" + suffix), FontSize: 10}
}

// baseOptions are shared by every chart: no animation (the printed page must show the
// final state) and the element id pinned, so the document is reproducible.
func baseOptions(id string, width, height int) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{ChartID: id, Renderer: "svg",
			Width: px(width), Height: px(height)}),
		charts.WithAnimation(false),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0", ItemWidth: 14, ItemHeight: 8,
			TextStyle: &opts.TextStyle{FontSize: 10}}),
	}
}

// trendChart is the national series of every reported year with its targets.
func trendChart(lang string, ind *catalogue.Indicator, national map[int]metrics.Figure) *chartView {
	years := make([]int, 0, len(national))
	for y := range national {
		years = append(years, y)
	}
	sort.Ints(years)
	labels := make([]string, len(years))
	values := make([]opts.LineData, len(years))
	targets := make([]opts.LineData, len(years))
	for i, y := range years {
		labels[i] = itoa(y)
		values[i] = lineValue(national[y].Value)
		if t, ok := ind.Target(y); ok {
			targets[i] = opts.LineData{Value: t}
		} else {
			targets[i] = opts.LineData{Value: "-"}
		}
	}
	id := chartID(ind.ID, "trend")
	line := charts.NewLine()
	line.SetGlobalOptions(append(baseOptions(id, halfWidth, chartHeight),
		charts.WithGridOpts(opts.Grid{Left: "48", Right: "16", Top: "16", Bottom: "48"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Min: 0, Max: 100, AxisLabel: percentAxisLabel(lang)}),
		charts.WithXAxisOpts(opts.XAxis{AxisLabel: &opts.AxisLabel{FontSize: 10}}),
	)...)
	line.SetXAxis(labels).
		AddSeries(i18n.T(lang, "chart.national"), values,
			charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true), SymbolSize: 7}),
			charts.WithLineStyleOpts(opts.LineStyle{Color: colourSeries, Width: 2.5}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: colourSeries}),
			charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "top", FontSize: 9, Formatter: "{c}"})).
		AddSeries(i18n.T(lang, "chart.target"), targets,
			charts.WithLineChartOpts(opts.LineChart{ConnectNulls: opts.Bool(true), Symbol: "diamond", SymbolSize: 9}),
			charts.WithLineStyleOpts(opts.LineStyle{Color: colourTarget, Type: "dashed", Width: 1.5}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: colourTarget}))
	return snippet(line, id, i18n.T(lang, "report.chart.trend"), halfWidth, chartHeight, false)
}

// conditionChart counts the municipalities that meet an indicator's condition, do
// not, and have no data: municipal values of share indicators are 100 or 0.
func conditionChart(lang string, ind *catalogue.Indicator, year int, municipal []metrics.Figure) *chartView {
	met, notMet, noData := countConditions(municipal)
	id := chartID(ind.ID, "municipalities")
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(baseOptions(id, halfWidth, chartHeight),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithGridOpts(opts.Grid{Left: "40", Right: "16", Top: "24", Bottom: "40"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", MinInterval: 1, AxisLabel: &opts.AxisLabel{FontSize: 10}}),
		charts.WithXAxisOpts(opts.XAxis{AxisLabel: &opts.AxisLabel{FontSize: 10, Interval: "0"}}),
	)...)
	bar.SetXAxis([]string{i18n.T(lang, "report.chart.meets"), i18n.T(lang, "report.chart.fails"), i18n.T(lang, "status.no_data")}).
		AddSeries(i18n.T(lang, "level.municipality"), []opts.BarData{
			{Value: met, ItemStyle: &opts.ItemStyle{Color: colourMet}},
			{Value: notMet, ItemStyle: &opts.ItemStyle{Color: colourNotMet}},
			{Value: noData, ItemStyle: &opts.ItemStyle{Color: colourNoData}},
		}, charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "top", FontSize: 10}),
			charts.WithBarChartOpts(opts.BarChart{BarCategoryGap: "40%"}))
	return snippet(bar, id, i18n.T(lang, "report.chart.conditions", year), halfWidth, chartHeight, false)
}

// municipalityChart is every municipality with data, highest value first, with the
// target as a line: who lags shows at the right-hand end.
func municipalityChart(lang string, ind *catalogue.Indicator, year int, municipal []metrics.Figure) *chartView {
	withData := sortedByValue(municipal)
	names := make([]string, len(withData))
	values := make([]opts.BarData, len(withData))
	for i, f := range withData {
		names[i] = f.Name
		values[i] = opts.BarData{Value: round1(*f.Value)}
	}
	// Names stand upright under the bars until there are too many to fit side by
	// side; all 79 municipalities of 2018 fit turned on their side.
	rotate, bottom := 0.0, "28"
	if len(names) > uprightNames {
		rotate, bottom = 90, "104"
	}
	id := chartID(ind.ID, "municipalities")
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(baseOptions(id, fullWidth, wideHeight),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithGridOpts(opts.Grid{Left: "48", Right: "16", Top: "16", Bottom: bottom}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Min: 0, Max: 100, AxisLabel: percentAxisLabel(lang)}),
		charts.WithXAxisOpts(opts.XAxis{AxisLabel: &opts.AxisLabel{Rotate: rotate, FontSize: 8, Interval: "0"}}),
	)...)
	seriesOpts := []charts.SeriesOpts{charts.WithItemStyleOpts(opts.ItemStyle{Color: colourSeries})}
	if t, ok := ind.Target(year); ok {
		seriesOpts = append(seriesOpts,
			charts.WithMarkLineNameYAxisItemOpts(opts.MarkLineNameYAxisItem{Name: i18n.T(lang, "chart.target"), YAxis: t}),
			charts.WithMarkLineStyleOpts(opts.MarkLineStyle{Symbol: []string{"none", "none"},
				LineStyle: &opts.LineStyle{Color: colourTarget, Type: "dashed", Width: 1.5},
				Label:     &opts.Label{Show: opts.Bool(true), Position: "insideEndTop", FontSize: 9, Formatter: "{b}"}}))
	}
	bar.SetXAxis(names).AddSeries(i18n.T(lang, "level.municipality"), values, seriesOpts...)
	return snippet(bar, id, i18n.T(lang, "report.chart.municipalities", year), fullWidth, wideHeight, true)
}

// snippet renders a chart's option as JSON for the document's own init script. The
// element is written by the document template, not go-echarts, so that its size and
// id are under the report's control; "</" is escaped so that no text in the data
// (a municipality's name) can close the script element.
func snippet(c interface{ RenderSnippet() render.ChartSnippet }, id, title string, width, height int, wide bool) *chartView {
	option := strings.TrimSpace(c.RenderSnippet().Option)
	option = strings.TrimSuffix(option, ";")
	option = strings.ReplaceAll(option, "</", `<\/`)
	return &chartView{ID: id, Title: title, Width: width, Height: height, Wide: wide, Option: template.JS(option)}
}

func px(n int) string { return strconv.Itoa(n) + "px" }

func itoa(n int) string { return strconv.Itoa(n) }

// round1 keeps chart data at the one decimal the document shows.
func round1(v float64) float64 { return math.Round(v*10) / 10 }

func lineValue(v *float64) opts.LineData {
	if v == nil {
		return opts.LineData{Value: "-"} // ECharts' "no value": a gap in the line
	}
	return opts.LineData{Value: round1(*v)}
}

func countConditions(municipal []metrics.Figure) (met, notMet, noData int) {
	for _, f := range municipal {
		switch {
		case f.Value == nil:
			noData++
		case *f.Value >= 100-catalogue.Tolerance:
			met++
		default:
			notMet++
		}
	}
	return met, notMet, noData
}

// sortedByValue is the figures with a value, highest first, ties by code.
func sortedByValue(municipal []metrics.Figure) []metrics.Figure {
	var out []metrics.Figure
	for _, f := range municipal {
		if f.Value != nil {
			out = append(out, f)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if *out[i].Value != *out[j].Value {
			return *out[i].Value > *out[j].Value
		}
		return out[i].EhakCode < out[j].EhakCode
	})
	return out
}
