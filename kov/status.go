package kov

// Status is the judgement of one figure against the indicator's targets
// (spec/indicators.md, "Status"); the rules that give it are package catalogue's
// Statuses. Higher is better for every indicator.
type Status string

// The statuses, spelt as they appear in the CSV/JSON output.
const (
	StatusNoData      Status = "no_data"
	StatusAchieved    Status = "achieved"
	StatusNotAchieved Status = "not_achieved"
	StatusBaseline    Status = "baseline"
	StatusOnTrack     Status = "on_track"
	StatusOffTrack    Status = "off_track"
	StatusNoTarget    Status = "no_target"
)

// AllStatuses lists every status, e.g. for a legend or a test that every one has a text.
var AllStatuses = []Status{StatusAchieved, StatusNotAchieved, StatusOnTrack, StatusOffTrack,
	StatusBaseline, StatusNoTarget, StatusNoData}

// Point is one year of one indicator's series for one unit; Value is nil when there is
// no data. A figure's Point also carries the fraction its value was computed from
// (Value = 100·Numerator/Denominator, Denominator > 0), which the status rules compare
// exactly; a Point without one (Denominator 0) is compared by the exact value of its
// float.
type Point struct {
	Year                   int
	Value                  *float64
	Numerator, Denominator int64
}

// Tolerance is how far, in percentage points, a computed floating-point value may fall
// short of a bound and still count as reaching it, where no exact fraction is at hand
// (a forecast's centre, the report's wording). Statuses do not use it: they compare
// the fractions exactly.
const Tolerance = 1e-9
