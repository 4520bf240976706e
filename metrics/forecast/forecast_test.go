package forecast

import (
	"flag"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"ee/kovmon/internal/golden"
	"ee/kovmon/kov"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func val(x float64) *float64 { return &x }

func yearly(start int, values ...float64) []kov.Point {
	pts := make([]kov.Point, len(values))
	for i, v := range values {
		pts[i] = kov.Point{Year: start + i, Value: val(v)}
	}
	return pts
}

func pt(year int, v *float64) kov.Point { return kov.Point{Year: year, Value: v} }

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// Published Student-t table values (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.2).
func TestStudentTQuantileTable(t *testing.T) {
	cases := []struct{ p, df, want float64 }{
		{0.90, 1, 3.077684},
		{0.90, 2, 1.885618},
		{0.90, 3, 1.637744},
		{0.90, 4, 1.533206},
		{0.90, 10, 1.372184},
		{0.95, 30, 1.697261},
		{0.975, 5, 2.570582},
		{0.99, 20, 2.527977},
		{0.90, 1e7, 1.281552}, // the normal limit
	}
	for _, tc := range cases {
		got := studentTQuantile(tc.p, tc.df)
		if !near(got, tc.want, 5e-6) {
			t.Errorf("quantile(%v, df=%v) = %.7f, want %.6f", tc.p, tc.df, got, tc.want)
		}
		// Symmetry of the distribution.
		if lower := studentTQuantile(1-tc.p, tc.df); !near(lower, -got, 1e-9) {
			t.Errorf("quantile(%v, df=%v) = %v, want %v", 1-tc.p, tc.df, lower, -got)
		}
	}
}

// df 1 (Cauchy) and 2 have closed-form CDFs to check the incomplete beta against.
func TestStudentTCDFClosedForms(t *testing.T) {
	for _, x := range []float64{-50, -3, -1, -0.2, 0, 0.3, 1, 2.5, 10, 400} {
		cauchy := 0.5 + math.Atan(x)/math.Pi
		if got := studentTCDF(x, 1); !near(got, cauchy, 1e-12) {
			t.Errorf("CDF(%v, 1) = %v, want %v", x, got, cauchy)
		}
		two := 0.5 + x/(2*math.Sqrt(2+x*x))
		if got := studentTCDF(x, 2); !near(got, two, 1e-12) {
			t.Errorf("CDF(%v, 2) = %v, want %v", x, got, two)
		}
	}
}

func TestRegIncBeta(t *testing.T) {
	for _, x := range []float64{0.01, 0.2, 0.5, 0.77, 0.99} {
		// I_x(1, 1) is the uniform CDF; I_x(a, 1) = x^a.
		if got := regIncBeta(x, 1, 1); !near(got, x, 1e-13) {
			t.Errorf("I_%v(1,1) = %v", x, got)
		}
		if got := regIncBeta(x, 3.5, 1); !near(got, math.Pow(x, 3.5), 1e-13) {
			t.Errorf("I_%v(3.5,1) = %v", x, got)
		}
		// Reflection: I_x(a, b) = 1 − I_{1−x}(b, a).
		if a, b := regIncBeta(x, 2.5, 7), 1-regIncBeta(1-x, 7, 2.5); !near(a, b, 1e-13) {
			t.Errorf("reflection at %v: %v vs %v", x, a, b)
		}
	}
}

func TestPerfectLine(t *testing.T) {
	f, ok := Project(yearly(2015, 20, 30, 40, 50), 2019, val(60))
	if !ok {
		t.Fatal("no forecast")
	}
	if f.Value != 60 || f.Low80 != 60 || f.High80 != 60 {
		t.Errorf("got %v [%v, %v], want exactly 60 with zero width", f.Value, f.Low80, f.High80)
	}
	if *f.PReach != 1 {
		t.Errorf("PReach(60) = %v, want 1: the line reaches it exactly", *f.PReach)
	}
	g, _ := Project(yearly(2015, 20, 30, 40, 50), 2019, val(60.5))
	if *g.PReach != 0 {
		t.Errorf("PReach(60.5) = %v, want 0", *g.PReach)
	}
	if f.Method != MethodLinearTrend || f.N != 4 {
		t.Errorf("method %s n %d", f.Method, f.N)
	}
}

// A worked example small enough to check by hand. x = 1..5 (years 2014–2018),
// y = 10, 30, 20, 50, 40: x̄ = 3, ȳ = 30, Sxx = 10, Sxy = 80, b = 8, a = 6;
// residuals −4, 8, −10, 12, −6, SSE = 360, s² = 120 on 3 df. At x₀ = 6 (2019):
// ŷ = 54, se = √(120·(1 + 1/5 + 9/10)) = √252 = 15.874508; with the published
// t(0.90; 3) = 1.637744 the 80 % interval is 54 ± 25.997968.
func TestTextbookPredictionInterval(t *testing.T) {
	f, ok := Project(yearly(2014, 10, 30, 20, 50, 40), 2019, nil)
	if !ok {
		t.Fatal("no forecast")
	}
	const halfWidth = 1.637744 * 15.874508
	if !near(f.Value, 54, 1e-9) || !near(f.Low80, 54-halfWidth, 1e-4) || !near(f.High80, 54+halfWidth, 1e-4) {
		t.Errorf("got %v [%v, %v], want 54 [%v, %v]", f.Value, f.Low80, f.High80, 54-halfWidth, 54+halfWidth)
	}
	if f.PReach != nil {
		t.Error("PReach without a target must be nil")
	}
	// The upper bound is the 90th percentile: the chance of reaching it is 10 %.
	g, _ := Project(yearly(2014, 10, 30, 20, 50, 40), 2019, val(f.High80))
	if !near(*g.PReach, 0.10, 1e-6) {
		t.Errorf("PReach(High80) = %v, want 0.10", *g.PReach)
	}
}

func TestReachProbability(t *testing.T) {
	pts := yearly(2014, 10, 30, 20, 50, 40)
	centre, _ := Project(pts, 2019, nil)
	atCentre, _ := Project(pts, 2019, val(centre.Value))
	if !near(*atCentre.PReach, 0.5, 1e-9) {
		t.Errorf("PReach at the projected value = %v, want 0.5", *atCentre.PReach)
	}
	prev := 2.0
	for target := 0.0; target <= 100; target += 2.5 {
		f, _ := Project(pts, 2019, val(target))
		if *f.PReach > prev {
			t.Errorf("PReach rises from %v to %v at target %v: must not increase with the target", prev, *f.PReach, target)
		}
		if *f.PReach < 0 || *f.PReach > 1 {
			t.Errorf("PReach(%v) = %v outside [0, 1]", target, *f.PReach)
		}
		prev = *f.PReach
	}
	if zero, _ := Project(pts, 2019, val(0)); *zero.PReach != 1 {
		t.Errorf("a target of 0 is always reached, got %v", *zero.PReach)
	}
}

func TestClampedToPercent(t *testing.T) {
	f, ok := Project(yearly(2015, 40, 70, 95), 2019, val(100))
	if !ok {
		t.Fatal("no forecast")
	}
	if f.Value != 100 || f.High80 != 100 || f.Low80 < 0 || f.Low80 > 100 {
		t.Errorf("got %v [%v, %v], want clamped to 0–100", f.Value, f.Low80, f.High80)
	}
	g, _ := Project(yearly(2015, 30, 10, 2), 2019, nil)
	if g.Value != 0 || g.Low80 != 0 {
		t.Errorf("falling series: got %v [%v, %v], want clamped at 0", g.Value, g.Low80, g.High80)
	}
}

func TestTwoPointDrift(t *testing.T) {
	f, ok := Project(yearly(2016, 20, 30), 2018, val(40))
	if !ok {
		t.Fatal("no forecast")
	}
	// 2016–2017, step 10/year, h = 1: centre 40, scale 10·√(1 + 1) = 14.142136,
	// t(0.9; 1) = 3.077684.
	const half = 3.077684 * 14.142136
	if f.Method != MethodDrift || f.N != 2 || !near(f.Value, 40, 1e-9) {
		t.Errorf("got %+v", f)
	}
	if !near(f.Low80, math.Max(0, 40-half), 1e-4) || !near(f.High80, math.Min(100, 40+half), 1e-4) {
		t.Errorf("interval [%v, %v]", f.Low80, f.High80)
	}
	if !near(*f.PReach, 0.5, 1e-9) {
		t.Errorf("PReach at centre = %v", *f.PReach)
	}
	// Two equal values still get a non-zero interval.
	flat, ok := Project(yearly(2016, 50, 50), 2018, nil)
	if !ok {
		t.Fatal("no flat forecast")
	}
	if flat.High80-flat.Low80 < 2*MinDriftScale {
		t.Errorf("flat two-point interval [%v, %v] is too narrow", flat.Low80, flat.High80)
	}
}

func TestNoForecast(t *testing.T) {
	cases := []struct {
		name   string
		points []kov.Point
		year   int
	}{
		{"no points", nil, 2019},
		{"one point", yearly(2018, 40), 2019},
		{"one point among missing", []kov.Point{pt(2016, nil), pt(2017, val(3)), pt(2018, nil)}, 2019},
		{"target year already observed", yearly(2015, 10, 20, 30), 2017},
		{"target year equals the last", yearly(2015, 10, 20, 30), 2017},
		{"duplicate years", []kov.Point{pt(2016, val(10)), pt(2016, val(20))}, 2018},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if f, ok := Project(tc.points, tc.year, nil); ok {
				t.Errorf("got a forecast %+v", f)
			}
		})
	}
}

func TestMissingValuesAreSkipped(t *testing.T) {
	with, _ := Project([]kov.Point{pt(2015, val(20)), pt(2016, nil), pt(2017, val(40)), pt(2018, val(50))}, 2019, nil)
	without, _ := Project([]kov.Point{pt(2018, val(50)), pt(2015, val(20)), pt(2017, val(40))}, 2019, nil)
	if with != without || with.N != 3 {
		t.Errorf("with gap %+v, without %+v", with, without)
	}
}

func TestForecastGolden(t *testing.T) {
	cases := []struct {
		name   string
		points []kov.Point
		year   int
		target float64
	}{
		{"rising I.1 national", yearly(2016, 31.2, 38.9, 44.1), 2019, 50},
		{"rising to 2021", yearly(2016, 31.2, 38.9, 44.1, 47.0), 2021, 60},
		{"noisy flat", yearly(2016, 40, 35, 45, 38, 42), 2021, 50},
		{"two points", yearly(2016, 12, 25), 2018, 30},
		{"IV.2 with a gap", []kov.Point{pt(2016, val(22)), pt(2017, nil), pt(2018, val(64)), pt(2019, val(71))}, 2021, 70},
	}
	var b strings.Builder
	for _, tc := range cases {
		f, ok := Project(tc.points, tc.year, &tc.target)
		if !ok {
			fmt.Fprintf(&b, "%s: no forecast\n", tc.name)
			continue
		}
		fmt.Fprintf(&b, "%s: %d %s n=%d value=%.4f low80=%.4f high80=%.4f p(>=%g)=%.4f\n",
			tc.name, f.Year, f.Method, f.N, f.Value, f.Low80, f.High80, tc.target, *f.PReach)
	}
	golden.Compare(t, filepath.Join("testdata", "forecasts.golden"), []byte(b.String()), *update)
}
