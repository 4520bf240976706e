package demo

import (
	"math/rand/v2"
	"slices"
	"time"
)

// Daily rhythm of a municipality's e-services, Tallinn wall-clock hours:
// office hours dominate, nights are quiet but never empty.
var hourWeights = cumulative([]float64{0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 4, 6, 6.5, 6, 5, 6, 6, 5.5, 5, 4, 3.5, 3.5, 3, 2.5, 1.5, 0.8})

func dayWeight(t time.Time) float64 {
	w := 1.0
	switch t.Weekday() {
	case time.Saturday:
		w = 0.45
	case time.Sunday:
		w = 0.35
	}
	m, d := t.Month(), t.Day()
	switch {
	case m == time.July:
		w *= 0.7
	case m == time.December && d >= 24 && d <= 26, m == time.January && d == 1, m == time.June && (d == 23 || d == 24):
		w *= 0.3
	}
	return w
}

type instant struct {
	sec      int32 // seconds since the local midnight that starts the day
	forceUTC bool
}

// timeline spreads about total events of a year over its days and hours in
// Tallinn time, and calls emit for each in time order. Only the days of
// months first..last are emitted, so a year can be written in parts. The
// first midnight events of 1 January fall in the two hours that are still
// 31 December in UTC and are flagged to be written in UTC: the rows that
// test the Tallinn-year rule.
func timeline(rng *rand.Rand, year int, first, last time.Month, total float64, midnight int,
	emit func(d day, t time.Time, forceUTC bool) error) error {
	start := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	days := int(time.Date(year+1, 1, 1, 0, 0, 0, 0, time.UTC).Sub(start).Hours() / 24)
	weights := make([]float64, days)
	var sum float64
	for i := range weights {
		weights[i] = dayWeight(start.AddDate(0, 0, i))
		sum += weights[i]
	}
	var carry float64
	var batch []instant
	for i := range days {
		date := start.AddDate(0, 0, i)
		if date.Month() < first || date.Month() > last {
			continue
		}
		carry += total * weights[i] / sum
		n := int(carry)
		carry -= float64(n)
		batch = batch[:0]
		if i == 0 {
			for range midnight {
				batch = append(batch, instant{sec: int32(rng.IntN(2 * 3600)), forceUTC: true})
			}
		}
		for range n {
			hour := pick(rng, hourWeights)
			batch = append(batch, instant{sec: int32(hour*3600 + rng.IntN(3600))})
		}
		slices.SortStableFunc(batch, func(a, b instant) int { return int(a.sec - b.sec) })
		midnightLocal := time.Date(year, date.Month(), date.Day(), 0, 0, 0, 0, tallinn)
		d := day(date.Unix() / 86400)
		for _, in := range batch {
			if err := emit(d, midnightLocal.Add(time.Duration(in.sec)*time.Second), in.forceUTC); err != nil {
				return err
			}
		}
	}
	return nil
}

func cumulative(weights []float64) []float64 {
	out := make([]float64, len(weights))
	var sum float64
	for i, w := range weights {
		sum += w
		out[i] = sum
	}
	return out
}

// pick draws an index with probability proportional to its weight, given
// the cumulative weights.
func pick(rng *rand.Rand, cum []float64) int {
	r := rng.Float64() * cum[len(cum)-1]
	i, _ := slices.BinarySearch(cum, r)
	return min(i, len(cum)-1)
}

// codeChoice is the set of codes a territory's rows may carry on one day.
type codeChoice struct {
	units []*unit
	cum   []float64
}

func (c *codeChoice) pick(rng *rand.Rand) *unit {
	if len(c.units) == 1 {
		return c.units[0]
	}
	return c.units[pick(rng, c.cum)]
}

// staleWindow is how long after a code's end some systems still record rows
// under it.
const staleWindow = 456 // days: about fifteen months

// codesOn returns, for every territory, the codes valid on d and the codes
// that ended within the stale window before d.
func (w *world) codesOn(d day) (active, stale []codeChoice) {
	active = make([]codeChoice, len(w.terrs))
	stale = make([]codeChoice, len(w.terrs))
	for i, t := range w.terrs {
		var others float64
		for _, c := range t.lineage[1:] {
			if c.unit.activeOn(d) {
				others += c.weight
			}
		}
		for k, c := range t.lineage {
			switch {
			case c.unit.activeOn(d):
				weight := c.weight
				if k == 0 && others > 0 {
					// A successor that kept its code carries the merged
					// population in the registry; before the merger it
					// stood only for its own part.
					weight = max(weight-others, 0.1*weight)
				}
				active[i].add(c.unit, weight)
			case c.unit.to <= d && d < c.unit.to+staleWindow:
				stale[i].add(c.unit, c.weight)
			}
		}
		if len(active[i].units) == 0 {
			active[i].add(t.final, 1)
		}
	}
	return active, stale
}

func (c *codeChoice) add(u *unit, weight float64) {
	sum := weight
	if n := len(c.cum); n > 0 {
		sum += c.cum[n-1]
	}
	c.units = append(c.units, u)
	c.cum = append(c.cum, sum)
}

// codePicker remembers the day's code choices while a timeline runs.
type codePicker struct {
	w             *world
	day           day
	active, stale []codeChoice
	staleShare    float64
}

func (p *codePicker) pick(rng *rand.Rand, d day, terr int) *unit {
	if p.active == nil || d != p.day {
		p.day = d
		p.active, p.stale = p.w.codesOn(d)
	}
	if len(p.stale[terr].units) > 0 && rng.Float64() < p.staleShare {
		return p.stale[terr].pick(rng)
	}
	return p.active[terr].pick(rng)
}
