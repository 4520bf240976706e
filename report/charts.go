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
	"ee/kovmon/internal/palette"
	"ee/kovmon/kov"
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
	stripHeight = 150
)

// The colours are the pages' (internal/palette): statuses in the Okabe–Ito colours a
// colour-blind reader tells apart, the national series in its blue, targets black,
// no data pale grey and hatched.

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

// trendChart is the national series of every reported year with its targets, drawn
// as the pages draw them: the value a blue line, each target a black square.
func trendChart(lang string, ind *kov.Indicator, national map[int]kov.Figure) *chartView {
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
			charts.WithLineStyleOpts(opts.LineStyle{Color: palette.Value, Width: 2.5}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: palette.Value}),
			charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "top", FontSize: 9, Formatter: "{c}"})).
		AddSeries(i18n.T(lang, "chart.target"), targets,
			charts.WithLineChartOpts(opts.LineChart{Symbol: "rect", SymbolSize: 10}),
			charts.WithLineStyleOpts(opts.LineStyle{Opacity: opts.Float(0)}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: palette.Target}))
	return snippet(line, id, i18n.T(lang, "report.chart.trend"), halfWidth, chartHeight, false)
}

// conditionChart counts the municipalities that meet a yes/no indicator's condition,
// do not, and have no data (hatched): municipal values of these indicators are 100
// or 0.
func conditionChart(lang string, ind *kov.Indicator, year int, municipal []kov.Figure) *chartView {
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
		AddSeries(i18n.T(lang, "level.municipality"), nil, charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "top", FontSize: 10}),
			charts.WithBarChartOpts(opts.BarChart{BarCategoryGap: "40%"}))
	bar.MultiSeries[0].Data = []map[string]any{
		{"value": met, "itemStyle": map[string]any{"color": palette.Meets}},
		{"value": notMet, "itemStyle": map[string]any{"color": palette.Fails}},
		{"value": noData, "itemStyle": map[string]any{"color": palette.NoData, "decal": palette.HatchDecal}},
	}
	return snippet(bar, id, i18n.T(lang, "report.chart.conditions", year), halfWidth, chartHeight, false)
}

// municipalityChart shows where the municipalities stand on a rate indicator: a dot
// per municipality at its value, coloured by its status, with the target as a dashed
// line and the three lowest named — a strip that reads at any count of units, where
// 79 bars needed 79 names turned on their side.
func municipalityChart(lang string, ind *kov.Indicator, year int, municipal []kov.Figure) *chartView {
	withData := sortedByValue(municipal)
	const lanes = 5
	points := make([]map[string]any, len(withData))
	for i, f := range withData {
		lane := i % lanes
		p := map[string]any{"name": f.Name, "itemStyle": map[string]any{"color": palette.Of(f.Status).Color, "opacity": 0.9}}
		if k := len(withData) - 1 - i; k < 3 {
			// The three lowest are named, each on a lane of its own so that their
			// names never overlap: the lowest on the top lane.
			lane = lanes - 1 - 2*k
			p["label"] = map[string]any{"show": true, "formatter": f.Name, "position": "right", "fontSize": 8, "color": "#1b1b1b"}
		}
		p["value"] = []any{round1(*f.Value), lane}
		points[i] = p
	}
	id := chartID(ind.ID, "municipalities")
	scatter := charts.NewScatter()
	scatter.SetGlobalOptions(append(baseOptions(id, fullWidth, stripHeight),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithGridOpts(opts.Grid{Left: "16", Right: "24", Top: "24", Bottom: "32"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Min: 0, Max: 100, AxisLabel: percentAxisLabel(lang)}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Min: -1, Max: lanes, Show: opts.Bool(false)}),
	)...)
	var seriesOpts []charts.SeriesOpts
	if t, ok := ind.Target(year); ok {
		seriesOpts = append(seriesOpts,
			charts.WithMarkLineNameXAxisItemOpts(opts.MarkLineNameXAxisItem{Name: i18n.T(lang, "chart.target"), XAxis: t}),
			charts.WithMarkLineStyleOpts(opts.MarkLineStyle{Symbol: []string{"none", "none"},
				LineStyle: &opts.LineStyle{Color: palette.Target, Type: "dashed", Width: 1.5},
				Label:     &opts.Label{Show: opts.Bool(true), Position: "end", FontSize: 9, Formatter: i18n.T(lang, "chart.target") + " " + targetPercent(lang, t)}}))
	}
	scatter.AddSeries(i18n.T(lang, "level.municipality"), nil, append(seriesOpts,
		charts.WithScatterChartOpts(opts.ScatterChart{SymbolSize: 9}))...)
	scatter.MultiSeries[0].Data = points
	return snippet(scatter, id, i18n.T(lang, "report.chart.municipalities", year), fullWidth, stripHeight, true)
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

func countConditions(municipal []kov.Figure) (met, notMet, noData int) {
	for _, f := range municipal {
		switch {
		case f.Value == nil:
			noData++
		case f.Meets():
			met++
		default:
			notMet++
		}
	}
	return met, notMet, noData
}

// sortedByValue is the figures with a value, highest first, ties by code.
func sortedByValue(municipal []kov.Figure) []kov.Figure {
	var out []kov.Figure
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
