package forecast

import (
	"math"
	"sync"
)

// The Student-t distribution, written out here because the module has no statistics
// library and the forecast needs only its CDF and quantile; pulling in gonum for two
// functions would be a large dependency for little.

// studentTCDF is P(T <= t) for Student's t with df degrees of freedom (df > 0), via
// the regularized incomplete beta function: P(|T| > |t|) = I_{df/(df+t²)}(df/2, 1/2).
func studentTCDF(t, df float64) float64 {
	if math.IsInf(t, 1) {
		return 1
	}
	if math.IsInf(t, -1) {
		return 0
	}
	tail := 0.5 * regIncBeta(df/(df+t*t), df/2, 0.5) // P(T > |t|)
	if t > 0 {
		return 1 - tail
	}
	return tail
}

// intervalQuantiles caches studentTQuantile(0.5+Level/2, df): a refresh projects
// thousands of series, with a handful of different df, and each quantile is a
// bisection over the CDF.
var intervalQuantiles sync.Map // df → quantile

func intervalQuantile(df float64) float64 {
	if q, ok := intervalQuantiles.Load(df); ok {
		return q.(float64)
	}
	q := studentTQuantile(0.5+Level/2, df)
	intervalQuantiles.Store(df, q)
	return q
}

// studentTQuantile is the t with P(T <= t) = p, 0 < p < 1. The CDF is monotone, so
// bisection is exact to float precision and cannot diverge, unlike Newton's method in
// the heavy tails of small df.
func studentTQuantile(p, df float64) float64 {
	if p <= 0 {
		return math.Inf(-1)
	}
	if p >= 1 {
		return math.Inf(1)
	}
	lo, hi := -1.0, 1.0
	for studentTCDF(lo, df) > p {
		lo *= 2
	}
	for studentTCDF(hi, df) < p {
		hi *= 2
	}
	for i := 0; i < 200 && hi-lo > 1e-13*math.Max(1, math.Abs(lo)); i++ {
		mid := (lo + hi) / 2
		if studentTCDF(mid, df) < p {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// regIncBeta is the regularized incomplete beta function I_x(a, b), evaluated with the
// continued fraction of Numerical Recipes (2nd ed., §6.4, betacf) on whichever side of
// the mean it converges fast.
func regIncBeta(x, a, b float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	la, _ := math.Lgamma(a + b)
	lb, _ := math.Lgamma(a)
	lc, _ := math.Lgamma(b)
	front := math.Exp(la - lb - lc + a*math.Log(x) + b*math.Log1p(-x))
	if x < (a+1)/(a+b+2) {
		return front * betaContinuedFraction(x, a, b) / a
	}
	return 1 - front*betaContinuedFraction(1-x, b, a)/b
}

// betaContinuedFraction evaluates the continued fraction for I_x(a, b) by the modified
// Lentz method.
func betaContinuedFraction(x, a, b float64) float64 {
	const (
		maxIterations = 300
		epsilon       = 1e-15
		tiny          = 1e-300
	)
	qab, qap, qam := a+b, a+1, a-1
	c, d := 1.0, 1-qab*x/qap
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1; m <= maxIterations; m++ {
		fm := float64(m)
		m2 := 2 * fm
		h *= lentz(fm*(b-fm)*x/((qam+m2)*(a+m2)), &c, &d)
		del := lentz(-(a+fm)*(qab+fm)*x/((a+m2)*(qap+m2)), &c, &d)
		h *= del
		if math.Abs(del-1) < epsilon {
			break
		}
	}
	return h
}

// lentz is one step of the modified Lentz algorithm for the continued fraction: it
// updates c and d with the coefficient aa and returns the factor for the result.
func lentz(aa float64, c, d *float64) float64 {
	const tiny = 1e-300
	*d = 1 + aa**d
	if math.Abs(*d) < tiny {
		*d = tiny
	}
	*c = 1 + aa/(*c)
	if math.Abs(*c) < tiny {
		*c = tiny
	}
	*d = 1 / *d
	return *d * *c
}
