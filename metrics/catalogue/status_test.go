package catalogue

import (
	"math"
	"reflect"
	"testing"

	"ee/kovmon/kov"
)

func v(x float64) *float64 { return &x }

// percentOf computes a share the way the engine does, at run time in float64: Go
// would fold a constant expression like 29.0/100*100 exactly to 29.
func percentOf(numerator, denominator float64) float64 { return numerator / denominator * 100 }

// fraction is the point of a figure num/den, value and fraction, as the engine makes it.
func fraction(year int, num, den int64) kov.Point {
	return kov.Point{Year: year, Value: v(percentOf(float64(num), float64(den))), Numerator: num, Denominator: den}
}

// series builds points from year → value, nil meaning no data.
func series(start int, values ...*float64) []kov.Point {
	pts := make([]kov.Point, len(values))
	for i, val := range values {
		pts[i] = kov.Point{Year: start + i, Value: val}
	}
	return pts
}

func TestStatuses(t *testing.T) {
	only2018 := map[int]float64{2018: 50}
	iv2 := map[int]float64{2017: 50, 2018: 70}
	cases := []struct {
		name    string
		series  []kov.Point
		targets map[int]float64
		want    []kov.Status
	}{
		{
			name:    "baseline then target met",
			series:  series(2016, v(20), v(60)),
			targets: map[int]float64{2017: 50},
			want:    []kov.Status{kov.StatusBaseline, kov.StatusAchieved},
		},
		{
			// Path from (2015, 10) to (2018, 50): 2016 → 23.33…, 2017 → 36.66…
			name:    "on and off track before the first target",
			series:  series(2015, v(10), v(24), v(36), v(49)),
			targets: only2018,
			want:    []kov.Status{kov.StatusBaseline, kov.StatusOnTrack, kov.StatusOffTrack, kov.StatusNotAchieved},
		},
		{
			// Path from (2016, 20) to (2018, 50) passes 35 in 2017: exactly on it is on track.
			name:    "exactly on the path is on track",
			series:  series(2016, v(20), v(35), v(50)),
			targets: only2018,
			want:    []kov.Status{kov.StatusBaseline, kov.StatusOnTrack, kov.StatusAchieved},
		},
		{
			// 1/3 of the way from 0 to 100 is 33.333…; the value computed the same way
			// in another order must still count.
			name:    "path value with a repeating fraction",
			series:  []kov.Point{fraction(2015, 0, 3), fraction(2016, 1, 3), fraction(2017, 2, 3), fraction(2018, 3, 3)},
			targets: map[int]float64{2018: 100},
			want:    []kov.Status{kov.StatusBaseline, kov.StatusOnTrack, kov.StatusOnTrack, kov.StatusAchieved},
		},
		{
			name:    "value equal to target is achieved, also after float rounding",
			series:  []kov.Point{fraction(2018, 29, 100), fraction(2019, 1, 2)}, // 28.999999999999996
			targets: map[int]float64{2018: 29, 2019: 50},
			want:    []kov.Status{kov.StatusAchieved, kov.StatusAchieved},
		},
		{
			// spec 1.1: status compares exactly. 28.999999999999 % is short of 29 by
			// 1e-12 points, which a tolerance of 1e-9 would have absorbed.
			name:    "a value below the target by a hair is not achieved",
			series:  []kov.Point{fraction(2018, 28_999_999_999_999, 100_000_000_000_000)},
			targets: map[int]float64{2018: 29},
			want:    []kov.Status{kov.StatusNotAchieved},
		},
		{
			// Path from (2016, 100/3) to (2018, 50): 125/3 in 2017. 5/12 is exactly
			// on it; 41.6666666666 % is below it by 7e-11 points.
			name:    "exactly on the path, and a hair below it",
			series:  []kov.Point{fraction(2016, 1, 3), fraction(2017, 5, 12)},
			targets: only2018,
			want:    []kov.Status{kov.StatusBaseline, kov.StatusOnTrack},
		},
		{
			name:    "a hair below the path is off track",
			series:  []kov.Point{fraction(2016, 1, 3), fraction(2017, 416_666_666_666, 1_000_000_000_000)},
			targets: only2018,
			want:    []kov.Status{kov.StatusBaseline, kov.StatusOffTrack},
		},
		{
			// The target is the decimal the catalogue writes, 33.3, not the float
			// nearest to it.
			name:    "a decimal target is met by the same decimal",
			series:  []kov.Point{fraction(2018, 333, 1000), fraction(2019, 332_999_999, 1_000_000_000)},
			targets: map[int]float64{2018: 33.3, 2019: 33.3},
			want:    []kov.Status{kov.StatusAchieved, kov.StatusNotAchieved},
		},
		{
			name:    "a real shortfall is not absorbed by the tolerance",
			series:  series(2018, v(49.999)),
			targets: only2018,
			want:    []kov.Status{kov.StatusNotAchieved},
		},
		{
			name:    "after the last target year",
			series:  series(2018, v(55), v(10), v(90)),
			targets: only2018,
			want:    []kov.Status{kov.StatusAchieved, kov.StatusNoTarget, kov.StatusNoTarget},
		},
		{
			name:    "missing values are no_data in every position",
			series:  series(2015, nil, v(20), nil, v(40), nil),
			targets: only2018,
			want:    []kov.Status{kov.StatusNoData, kov.StatusBaseline, kov.StatusNoData, kov.StatusNotAchieved, kov.StatusNoData},
		},
		{
			name:    "NaN counts as missing",
			series:  series(2016, v(math.NaN()), v(20)),
			targets: only2018,
			want:    []kov.Status{kov.StatusNoData, kov.StatusBaseline},
		},
		{
			name:    "first data in a target year is judged, not a baseline",
			series:  series(2017, v(45), v(71)),
			targets: iv2,
			want:    []kov.Status{kov.StatusNotAchieved, kov.StatusAchieved},
		},
		{
			name:    "no targets at all",
			series:  series(2016, v(10), nil, v(30)),
			targets: nil,
			want:    []kov.Status{kov.StatusNoTarget, kov.StatusNoData, kov.StatusNoTarget},
		},
		{
			// Targets 2017: 50 and 2019: 70: the 2018 path value is 60.
			name:    "gap year between two targets follows the target-to-target path",
			series:  series(2017, v(55), v(60), v(70)),
			targets: map[int]float64{2017: 50, 2019: 70},
			want:    []kov.Status{kov.StatusAchieved, kov.StatusOnTrack, kov.StatusAchieved},
		},
		{
			name:    "gap year below the target-to-target path",
			series:  series(2017, v(55), v(59.9), v(70)),
			targets: map[int]float64{2017: 50, 2019: 70},
			want:    []kov.Status{kov.StatusAchieved, kov.StatusOffTrack, kov.StatusAchieved},
		},
		{
			// Already above the target at baseline: the path slopes down; staying above it is on track.
			name:    "downward path from a high baseline",
			series:  series(2014, v(90), v(40), v(80)),
			targets: map[int]float64{2018: 50},
			// path 2015 = 90 - 40/4 = 80: 40 is off track; 2016 path = 70: 80 on track.
			want: []kov.Status{kov.StatusBaseline, kov.StatusOffTrack, kov.StatusOnTrack},
		},
		{
			name:    "unsorted input keeps its order",
			series:  []kov.Point{{Year: 2018, Value: v(51)}, {Year: 2016, Value: v(20)}, {Year: 2017, Value: v(30)}},
			targets: only2018,
			// baseline 2016 is the earliest year with data, whatever its position.
			want: []kov.Status{kov.StatusAchieved, kov.StatusBaseline, expectedPathStatus(30, 20, 2016, 50, 2018, 2017)},
		},
		{
			name:    "baseline is the first year with data, not the first year listed",
			series:  series(2015, nil, v(20), v(40)),
			targets: only2018,
			want:    []kov.Status{kov.StatusNoData, kov.StatusBaseline, kov.StatusOnTrack},
		},
		{
			name:    "empty series",
			series:  nil,
			targets: only2018,
			want:    []kov.Status{},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Statuses(tc.series, tc.targets)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// expectedPathStatus computes the expected on/off-track status by the
// spec's formula, written differently from the code (cross-multiplied, no division),
// so the test does not merely echo the implementation.
func expectedPathStatus(value, firstValue float64, firstYear int, target float64, targetYear, year int) kov.Status {
	if (value-firstValue)*float64(targetYear-firstYear) >= (target-firstValue)*float64(year-firstYear) {
		return kov.StatusOnTrack
	}
	return kov.StatusOffTrack
}

// Filtering the output to one year must not change that year's status: statuses are
// judged over the whole series.
func TestStatusIndependentOfNeighbourOrder(t *testing.T) {
	s := series(2015, v(10), v(20), v(40), v(55))
	full := Statuses(s, map[int]float64{2018: 50})
	reversed := []kov.Point{s[3], s[2], s[1], s[0]}
	back := Statuses(reversed, map[int]float64{2018: 50})
	for i := range s {
		if full[i] != back[len(s)-1-i] {
			t.Errorf("year %d: %s in order, %s reversed", s[i].Year, full[i], back[len(s)-1-i])
		}
	}
}
