package demo

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
)

// catalogueDesign is how one municipality's service gateway develops.
type catalogueDesign struct {
	eformBase, eformGrowth float64 // e-form services in mid-2016 and added per year
	nonEform               int     // services without an e-form
	compliantFrom          float64 // fractional year from which every e-form service is described and listed
	order                  []int   // servicePool indexes in the order the municipality adds them
	boolStyle              int
}

// Quantiles of the year from which a municipality's e-form services are all
// described and listed (I.2): about a tenth by 2016, half by 2018.
var compliantQuantiles = [][2]float64{{0, 2015.3}, {0.08, 2016.5}, {0.28, 2017.5}, {0.48, 2018.5}, {0.60, 2019.5}, {0.68, 2020.5}, {0.76, 2021.5}, {1, 2025}}

func interpolate(points [][2]float64, x float64) float64 {
	for i := 1; i < len(points); i++ {
		if x <= points[i][0] {
			a, b := points[i-1], points[i]
			return a[1] + (b[1]-a[1])*(x-a[0])/(b[0]-a[0])
		}
	}
	return points[len(points)-1][1]
}

// codeRNG gives a stream of its own to each code, so a municipality's design
// does not change when the registry gains or loses another one.
func (w *world) codeRNG(purpose, code string) *rand.Rand {
	n, _ := strconv.Atoi(code)
	return w.rng(purpose, n, 0)
}

func (w *world) catalogue(u *unit) catalogueDesign {
	rng := w.codeRNG("catalogue", u.code)
	c := catalogueDesign{
		eformBase:     8 + 10*rng.Float64(),
		eformGrowth:   1.5 + 3*rng.Float64(),
		nonEform:      5 + rng.IntN(11),
		compliantFrom: interpolate(compliantQuantiles, rng.Float64()),
		order:         rng.Perm(len(servicePool)),
		boolStyle:     rng.IntN(len(boolSpellings)),
	}
	if u.to <= dayOf(2017, 12, 31) {
		// The small parishes before the reform had few e-forms and little
		// reason to add more in their last year.
		c.eformBase, c.eformGrowth = 1+9*rng.Float64(), 0.5+2*rng.Float64()
	}
	return c
}

func (w *world) writeServices() ([]File, error) {
	tab, err := createTable(w.path("services.csv"), ',', false,
		"snapshot_date", "ehak_code", "service_code", "service_name", "has_eform", "described", "in_gateway")
	if err != nil {
		return nil, err
	}
	designs := make([]catalogueDesign, len(w.reg.units))
	for i := range w.reg.units {
		designs[i] = w.catalogue(&w.reg.units[i])
	}
	for year := FirstYear; year <= LastYear; year++ {
		rng := w.rng("services", year, 0)
		yearStart, yearEnd := dayOf(year, 1, 1), dayOf(year+1, 1, 1)
		for i := range w.reg.units {
			u := &w.reg.units[i]
			from, to := max(u.from, yearStart), min(u.to, yearEnd)
			if from >= to {
				continue
			}
			length := int(to - from)
			snapshots, missing := 1+rng.IntN(3), 0.08
			if length < 120 {
				snapshots, missing = 1, 0.3
			}
			if rng.Float64() < missing {
				continue // the crawler found no catalogue this year
			}
			var dates []day
			for range snapshots {
				d := from + day(rng.IntN(length))
				if !slices.Contains(dates, d) {
					dates = append(dates, d)
				}
			}
			slices.Sort(dates)
			for _, d := range dates {
				w.writeSnapshot(tab, rng, u, &designs[i], d, year)
			}
		}
	}
	valid := w.terrs[0].final.code
	writeBadRows(tab, 2, [][]string{
		{"2019-06-01", "9999", "SX1", "Tundmatu teenus", "true", "true", "true"},
		{"2019-13-01", valid, "SX2", "Vigane kuupäev", "true", "false", "true"},
		{"2020-06-01", valid, "SX3", "Vigane tõeväärtus", "kindlasti", "true", "true"},
	})
	f, err := tab.close("services")
	return []File{f}, err
}

func (w *world) writeSnapshot(tab *table, rng *rand.Rand, u *unit, c *catalogueDesign, d day, year int) {
	when := float64(year) + float64(d-dayOf(year, 1, 1))/365
	eforms := int(math.Round(c.eformBase + c.eformGrowth*(when-2016.5)))
	eforms = max(0, min(eforms, len(servicePool)-c.nonEform))
	compliant := when >= c.compliantFrom
	// A municipality that is not there yet has a few e-forms that are not
	// described or not listed: the newest ones.
	gaps := 0
	if !compliant && eforms > 0 {
		gaps = min(eforms, 1+rng.IntN(3))
	}
	date := d.String()
	for k, idx := range c.order[:eforms+c.nonEform] {
		hasEform := k < eforms
		described, listed := true, true
		switch {
		case !hasEform:
			described, listed = rng.Float64() < 0.5, rng.Float64() < 0.6
		case k >= eforms-gaps:
			if rng.IntN(2) == 0 {
				described = false
			} else {
				listed = false
			}
		}
		tab.str(date)
		tab.str(u.code)
		tab.str(servicePool[idx].code)
		tab.str(servicePool[idx].name)
		tab.str(spellBool(hasEform, c.boolStyle))
		tab.str(spellBool(described, c.boolStyle))
		tab.str(spellBool(listed, c.boolStyle))
		tab.end()
	}
}
