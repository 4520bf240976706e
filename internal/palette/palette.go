// Package palette is the one set of colours that kovmon's pages and its annual report
// draw statuses with, so that "achieved" is the same green on a map, a ranking, a
// table and a printed page. The colours are from the Okabe–Ito palette, which readers
// with the common forms of colour blindness can tell apart; every status also has a
// symbol and a word wherever it is shown, so that colour is never the only cue.
package palette

import "ee/kovmon/kov"

// Style is how one status is drawn.
type Style struct {
	Color  string // fill, line and badge border
	Symbol string // shown beside the word, for readers who cannot tell the colours apart
}

// The statuses of spec/indicators.md. The four judgements get the four distinct hues;
// the statuses that judge nothing (baseline, no target) are greys, and "no data" is a
// pale grey that charts also hatch, so that it never reads as a value of 0.
var statuses = map[kov.Status]Style{
	kov.StatusAchieved:    {"#009E73", "✔"},
	kov.StatusOnTrack:     {"#56B4E9", "▲"},
	kov.StatusOffTrack:    {"#E69F00", "▼"},
	kov.StatusNotAchieved: {"#D55E00", "✘"},
	kov.StatusBaseline:    {"#7A7A7A", "●"},
	kov.StatusNoTarget:    {"#4D4D4D", "○"},
	kov.StatusNoData:      {NoData, "–"},
}

// Legend is the order the statuses are listed in wherever a legend names them: the
// judgements from best to worst, then those that judge nothing, then no data.
var Legend = []kov.Status{kov.StatusAchieved, kov.StatusOnTrack, kov.StatusOffTrack, kov.StatusNotAchieved,
	kov.StatusBaseline, kov.StatusNoTarget, kov.StatusNoData}

// Of returns the style of a status; an unknown one is drawn as no data.
func Of(status kov.Status) Style {
	if st, ok := statuses[status]; ok {
		return st
	}
	return statuses[kov.StatusNoData]
}

// Judged tells the statuses that compare a value with a target or its path.
func Judged(status kov.Status) bool {
	switch status {
	case kov.StatusAchieved, kov.StatusOnTrack, kov.StatusOffTrack, kov.StatusNotAchieved:
		return true
	}
	return false
}

// Colours beyond the statuses.
const (
	// NoData fills what has no value; Hatch is the pattern's line colour drawn over it.
	NoData = "#E6E6E6"
	Hatch  = "#A6A6A6"
	// Meets and Fails colour a municipality that meets a yes/no indicator's condition
	// or does not: the colours of achieved and not achieved.
	Meets = "#009E73"
	Fails = "#D55E00"

	// Series of the charts.
	Value     = "#0072B2" // the unit or the country
	National  = "#E69F00" // the country beside a unit
	Group     = "#CC79A7" // a peer group's pooled figure
	Target    = "#000000"
	Path      = "#7A7A7A"
	Forecast  = "#56B4E9"
	DefChange = "#CC79A7"
	YearShown = "#9A9A9A" // the line at the year a page shows
)

// HatchDecal is ECharts' decal of no data: diagonal lines of Hatch, the same on the
// pages and in the report, so that no data never reads as a colour.
var HatchDecal = map[string]any{"color": Hatch, "dashArrayX": []int{1, 0}, "dashArrayY": []int{2, 4}, "rotation": -0.785398}

// ValueBands colour a value in five bands of 20 points (0–20 … 80–100) where there is
// no status to colour by (years without targets): one hue, light to dark.
var ValueBands = []string{"#DEEBF7", "#9ECAE1", "#6BAED6", "#3182BD", "#08519C"}

// Band is the index in ValueBands of a value 0–100.
func Band(v float64) int {
	i := int(v / 20)
	if i < 0 {
		return 0
	}
	if i >= len(ValueBands) {
		return len(ValueBands) - 1
	}
	return i
}

// Sources colour the kinds of source data, one each, in Okabe–Ito order.
var Sources = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000", "#7A7A7A"}
