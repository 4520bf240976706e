package metrics

import (
	"sort"

	"ee/kovmon/kov"
	"ee/kovmon/metrics/forecast"
)

// StrategyEnd is the strategy's last year: every series is also projected to it.
const StrategyEnd = 2021

// forecastYears are the years a series ending in last is projected to: the next
// target year after it and the strategy's last year; a series that already reaches
// both is projected one year on, so that every chart can show where it is heading.
func forecastYears(ind *kov.Indicator, last int) []int {
	var years []int
	for _, y := range ind.TargetYears() {
		if y > last {
			years = append(years, y)
			break
		}
	}
	if StrategyEnd > last && (len(years) == 0 || years[0] != StrategyEnd) {
		years = append(years, StrategyEnd)
	}
	if len(years) == 0 {
		years = append(years, last+1)
	}
	return years
}

// project forecasts every series of one indicator (figures of one boundary mode).
func project(figures []kov.Figure, ind *kov.Indicator) []ForecastRow {
	series := map[seriesKey][]kov.Point{}
	var keys []seriesKey
	for _, f := range figures {
		k := seriesKey{f.Level, f.EhakCode}
		if _, seen := series[k]; !seen {
			keys = append(keys, k)
		}
		series[k] = append(series[k], kov.Point{Year: f.Year, Value: f.Value})
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].level != keys[j].level {
			return keys[i].level == kov.LevelNational
		}
		return keys[i].code < keys[j].code
	})
	var out []ForecastRow
	for _, k := range keys {
		points := series[k]
		last := 0
		for _, p := range points {
			if p.Value != nil && p.Year > last {
				last = p.Year
			}
		}
		if last == 0 {
			continue
		}
		for _, y := range forecastYears(ind, last) {
			var target *float64
			if t, ok := ind.Target(y); ok {
				target = &t
			}
			fc, ok := forecast.Project(points, y, target)
			if !ok {
				continue
			}
			out = append(out, ForecastRow{IndicatorID: ind.ID, Level: k.level, EhakCode: k.code, Year: y, Value: fc.Value,
				Low80: fc.Low80, High80: fc.High80, PReach: fc.PReach, Target: target, Method: fc.Method, Points: fc.N})
		}
	}
	return out
}
