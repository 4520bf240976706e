package catalogue

import (
	"math"
	"math/big"
	"sort"
	"strconv"

	"ee/kovmon/kov"
)

// Statuses returns the status of every point of one indicator's series for one unit,
// in the order given, judged over the whole series: the same year gets the same status
// whether or not the output is later filtered to that year alone.
//
// The spec's rules, and the choices made where it is silent:
//
//   - A missing (nil or NaN) value is no_data, whatever the year.
//   - A year with its own target: achieved if value >= target, else not_achieved. This
//     holds even when it is the first year with data (a target year is never a
//     baseline: there is something to judge it against).
//   - Before the first target year, the first year with data is the baseline; a later
//     year is on_track if its value is on or above the straight line from (first year
//     with data, its value) to (first target year, its target), else off_track.
//   - After the last target year: no_target.
//   - No targets at all: every year with data is no_target. Without a target there is
//     no first target year, so neither "baseline" nor a path is defined, and calling a
//     year "baseline" would promise a judgement that never comes. This is also what an
//     indicator looks like in 2019–2021 until targets are set in the catalogue.
//   - A year strictly between two target years without its own target (say targets for
//     2017 and 2019 only): on_track if the value is on or above the straight line from
//     the earlier target to the later one, else off_track. That is the trajectory the
//     two targets imply, the same idea as the path before the first target, and it
//     does not depend on whether the unit had data in the earlier target year.
//   - Comparisons are exact (spec 1.1): the value as the fraction it was computed from,
//     the target as the decimal the catalogue writes, the path as a + (b-a)·k/n in
//     rational arithmetic; a value equal to the target or exactly on the path meets
//     it, and a value below by however little does not.
//
// Duplicate years are judged independently; series need not be sorted.
func Statuses(series []kov.Point, targets map[int]float64) []kov.Status {
	targetYears := make([]int, 0, len(targets))
	exactTargets := make(map[int]*big.Rat, len(targets))
	for y, t := range targets {
		if !math.IsNaN(t) && !math.IsInf(t, 0) {
			targetYears = append(targetYears, y)
			exactTargets[y] = decimal(t)
		}
	}
	sort.Ints(targetYears)

	firstYear, haveData := 0, false
	var firstValue *big.Rat
	for _, p := range series {
		if hasValue(p) && (!haveData || p.Year < firstYear) {
			firstYear, firstValue, haveData = p.Year, exactValue(p), true
		}
	}

	out := make([]kov.Status, len(series))
	for i, p := range series {
		out[i] = statusOf(p, exactTargets, targetYears, firstYear, firstValue)
	}
	return out
}

func statusOf(p kov.Point, targets map[int]*big.Rat, targetYears []int, firstYear int, firstValue *big.Rat) kov.Status {
	if !hasValue(p) {
		return kov.StatusNoData
	}
	v := exactValue(p)
	if t, ok := targets[p.Year]; ok {
		return judge(v, t, kov.StatusAchieved, kov.StatusNotAchieved)
	}
	if len(targetYears) == 0 || p.Year > targetYears[len(targetYears)-1] {
		return kov.StatusNoTarget
	}
	if first := targetYears[0]; p.Year < first {
		if p.Year == firstYear {
			return kov.StatusBaseline
		}
		// firstYear < p.Year < first here, so the path is well defined.
		path := pointOnLine(firstYear, firstValue, first, targets[first], p.Year)
		return judge(v, path, kov.StatusOnTrack, kov.StatusOffTrack)
	}
	// Between two target years: find the surrounding pair.
	k := sort.SearchInts(targetYears, p.Year) // targetYears[k-1] < p.Year < targetYears[k]
	before, after := targetYears[k-1], targetYears[k]
	path := pointOnLine(before, targets[before], after, targets[after], p.Year)
	return judge(v, path, kov.StatusOnTrack, kov.StatusOffTrack)
}

func hasValue(p kov.Point) bool {
	return p.Value != nil && !math.IsNaN(*p.Value) && !math.IsInf(*p.Value, 0)
}

// exactValue is a point's value as a fraction: 100·Numerator/Denominator when the
// point has them, else the exact value of its float.
func exactValue(p kov.Point) *big.Rat {
	if p.Denominator > 0 {
		return big.NewRat(100*p.Numerator, p.Denominator)
	}
	return new(big.Rat).SetFloat64(*p.Value)
}

// decimal is a target as the catalogue writes it: 33.3 is 333/10, not the binary
// float nearest to it.
func decimal(t float64) *big.Rat {
	r, ok := new(big.Rat).SetString(strconv.FormatFloat(t, 'g', -1, 64))
	if !ok {
		return new(big.Rat).SetFloat64(t)
	}
	return r
}

func judge(value, reference *big.Rat, reached, missed kov.Status) kov.Status {
	if value.Cmp(reference) >= 0 {
		return reached
	}
	return missed
}

// pointOnLine evaluates the line through (x0, y0) and (x1, y1) at x, x0 < x1, exactly.
func pointOnLine(x0 int, y0 *big.Rat, x1 int, y1 *big.Rat, x int) *big.Rat {
	rise := new(big.Rat).Sub(y1, y0)
	rise.Mul(rise, big.NewRat(int64(x-x0), int64(x1-x0)))
	return rise.Add(rise, y0)
}
