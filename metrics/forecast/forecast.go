// Package forecast projects an indicator's series to a later year, with an 80 %
// prediction interval and the probability of reaching a target, for the dashboards'
// "will we get there?" view and the annual report.
//
// The series are short (the strategy runs 2017–2021, so 3–6 yearly points), so the
// method is deliberately plain and explainable:
//
//   - 3 or more points: ordinary least-squares linear trend over the years with data.
//     The prediction interval is ŷ ± t(0.90; n−2)·s·√(1 + 1/n + (x₀−x̄)²/Sxx), the
//     textbook interval for a new observation, which covers both the uncertainty of
//     the fitted line and the year-to-year scatter s around it. The probability of
//     reaching a target T is P(Y ≥ T) under the same Student-t predictive distribution.
//   - 2 points: a random walk with drift. The drift is the one observed yearly change;
//     with a single change the scatter cannot be estimated, so the scale is that
//     change itself, but at least MinDriftScale percentage points a year, with
//     t(1 df) quantiles: an honestly wide interval that says "we barely know".
//   - fewer than 2 points: no forecast.
//
// Values are percentages: the projection and interval are clamped to 0–100, and the
// probability is that of the clamped value, so a target of 0 is always reached.
package forecast

import (
	"math"
	"sort"

	"ee/kovmon/kov"
)

// Methods, as recorded in Forecast.Method.
const (
	MethodLinearTrend = "ols_linear_trend"
	MethodDrift       = "drift"
)

// Level is the coverage of the prediction interval.
const Level = 0.8

// MinDriftScale is the smallest yearly scale, in percentage points, of the two-point
// drift forecast: two equal values do not make the future certain.
const MinDriftScale = 5.0

// Forecast is a projection of a series to Year.
type Forecast struct {
	Year   int
	Value  float64
	Low80  float64
	High80 float64
	// PReach is the probability that the value in Year is at least the target; nil
	// when no target was given.
	PReach *float64
	Method string
	// N is the number of points with data the forecast rests on.
	N int
}

// Project projects the series to year. It returns false when there is no forecast:
// fewer than 2 points with data, two points in the same year, or a year not after the
// last year with data (that year has an observation, not a forecast).
func Project(points []kov.Point, year int, target *float64) (Forecast, bool) {
	var xs, ys []float64
	sorted := make([]kov.Point, 0, len(points))
	for _, p := range points {
		if p.Value != nil && !math.IsNaN(*p.Value) {
			sorted = append(sorted, p)
		}
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Year < sorted[j].Year })
	for i, p := range sorted {
		if i > 0 && p.Year == sorted[i-1].Year {
			return Forecast{}, false
		}
		xs = append(xs, float64(p.Year))
		ys = append(ys, *p.Value)
	}
	n := len(xs)
	if n < 2 || year <= sorted[n-1].Year {
		return Forecast{}, false
	}

	var centre, scale, df float64
	method := MethodLinearTrend
	if n == 2 {
		method = MethodDrift
		span := xs[1] - xs[0]
		step := (ys[1] - ys[0]) / span
		h := float64(year) - xs[1]
		centre = ys[1] + step*h
		// Random walk with drift, σ² per year: h·σ² from the walk plus h²·σ²/span from
		// a drift estimated over one span.
		sigma := math.Max(math.Abs(step), MinDriftScale)
		scale = sigma * math.Sqrt(h+h*h/span)
		df = 1
	} else {
		centre, scale = olsPrediction(xs, ys, float64(year))
		df = float64(n - 2)
	}

	f := Forecast{Year: year, Value: clamp(centre), Method: method, N: n}
	if scale == 0 {
		// A perfect line: the interval has no width.
		f.Low80, f.High80 = f.Value, f.Value
	} else {
		q := intervalQuantile(df)
		f.Low80, f.High80 = clamp(centre-q*scale), clamp(centre+q*scale)
	}
	if target != nil {
		p := reachProbability(centre, scale, df, *target)
		f.PReach = &p
	}
	return f, true
}

// olsPrediction fits y = a + b·x and returns the prediction at x0 and its standard
// error for a new observation.
func olsPrediction(xs, ys []float64, x0 float64) (yhat, se float64) {
	n := float64(len(xs))
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= n
	my /= n
	var sxx, sxy float64
	for i := range xs {
		dx := xs[i] - mx
		sxx += dx * dx
		sxy += dx * (ys[i] - my)
	}
	slope := sxy / sxx
	intercept := my - slope*mx
	var sse float64
	for i := range xs {
		r := ys[i] - (intercept + slope*xs[i])
		sse += r * r
	}
	// Residuals of an exact line are rounding noise; below this they are taken as 0 so
	// that a perfect line gets a zero-width interval rather than ±1e-14.
	if sse < 1e-20*math.Max(1, my*my)*n {
		sse = 0
	}
	s2 := sse / (n - 2)
	d := x0 - mx
	return intercept + slope*x0, math.Sqrt(s2 * (1 + 1/n + d*d/sxx))
}

// reachProbability is P(clamp(Y) >= target) for Y ~ centre + scale·T(df).
func reachProbability(centre, scale, df, target float64) float64 {
	switch {
	case target <= 0:
		return 1
	case target > 100:
		return 0
	case scale == 0:
		if centre >= target-kov.Tolerance {
			return 1
		}
		return 0
	}
	return 1 - studentTCDF((target-centre)/scale, df)
}

func clamp(v float64) float64 { return math.Min(100, math.Max(0, v)) }
