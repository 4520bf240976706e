// Package palette is the one set of colours that kovmon's pages and its annual report
// draw statuses with, so that "achieved" is the same green on a map, a ranking, a
// table and a printed page. The colours are from the Okabe–Ito palette, which readers
// with the common forms of colour blindness can tell apart; every status also has a
// symbol and a word wherever it is shown, so that colour is never the only cue.
package palette

// Style is how one status is drawn.
type Style struct {
	Color  string // fill, line and badge border
	Symbol string // shown beside the word, for readers who cannot tell the colours apart
}

// The statuses of spec/indicators.md. The four judgements get the four distinct hues;
// the statuses that judge nothing (baseline, no target) are greys, and "no data" is a
// pale grey that charts also hatch, so that it never reads as a value of 0.
var statuses = map[string]Style{
	"achieved":     {"#009E73", "✔"},
	"on_track":     {"#56B4E9", "▲"},
	"off_track":    {"#E69F00", "▼"},
	"not_achieved": {"#D55E00", "✘"},
	"baseline":     {"#7A7A7A", "●"},
	"no_target":    {"#4D4D4D", "○"},
	"no_data":      {NoData, "–"},
}

// Of returns the style of a status; an unknown one is drawn as no data.
func Of(status string) Style {
	if st, ok := statuses[status]; ok {
		return st
	}
	return statuses["no_data"]
}

// Judged tells the statuses that compare a value with a target or its path.
func Judged(status string) bool {
	switch status {
	case "achieved", "on_track", "off_track", "not_achieved":
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
)

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
