package demo

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

// day is a calendar date as days since 1970-01-01; comparisons of validity
// windows are then integer comparisons in the hot loops.
type day int32

const (
	farPast   day = -1 << 30
	farFuture day = 1 << 30
)

func dayOf(year int, month time.Month, d int) day {
	return day(time.Date(year, month, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func (d day) date() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

func (d day) String() string { return d.date().Format("2006-01-02") }

func parseDay(s string, empty day) (day, error) {
	if s == "" {
		return empty, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return 0, err
	}
	return day(t.Unix() / 86400), nil
}

// unit is one row of the municipality registry.
type unit struct {
	code       string
	name       string
	typ        string
	county     string
	countyName string
	from, to   day // valid on d when from <= d < to
	population int64
}

func (u *unit) activeOn(d day) bool { return u.from <= d && d < u.to }

type merger struct {
	oldCode, newCode string
	effective        day
	share            float64
}

// registry is what the generator needs to know about the municipalities:
// which codes exist when, and how old units flow into the current ones.
type registry struct {
	units   []unit // sorted by code, then valid_from
	mergers []merger
	// population by code and year (population.csv); may be empty.
	popByYear map[string]map[int]int64

	// Raw file contents, copied byte for byte to the output when the
	// registry came from files, so the demo loads the very registry it was
	// generated from.
	municipalitiesCSV, mergersCSV []byte
}

func loadRegistry(dir fs.FS) (*registry, error) {
	if dir == nil {
		return syntheticRegistry()
	}
	munis, err := fs.ReadFile(dir, "municipalities.csv")
	if err != nil {
		return nil, fmt.Errorf("demo registry: %w (give the folder holding municipalities.csv and mergers.csv, or none for the built-in registry)", err)
	}
	mergs, err := fs.ReadFile(dir, "mergers.csv")
	if err != nil {
		return nil, fmt.Errorf("demo registry: %w", err)
	}
	reg, err := parseRegistry(munis, mergs)
	if err != nil {
		return nil, err
	}
	if pop, err := fs.ReadFile(dir, "population.csv"); err == nil {
		if reg.popByYear, err = parsePopulation(pop); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("demo registry: %w", err)
	}
	return reg, nil
}

// readTable reads a small comma-separated file into rows keyed by header.
func readTable(name string, data []byte, required ...string) ([]map[string]string, error) {
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\ufeff")))
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("demo registry %s: %w", name, err)
	}
	for _, col := range required {
		found := false
		for _, h := range header {
			found = found || h == col
		}
		if !found {
			return nil, fmt.Errorf("demo registry %s: missing column %q", name, col)
		}
	}
	var rows []map[string]string
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("demo registry %s line %d: %w", name, line, err)
		}
		row := make(map[string]string, len(header))
		for i, h := range header {
			if i < len(rec) {
				row[h] = strings.TrimSpace(rec[i])
			}
		}
		rows = append(rows, row)
	}
}

func parseRegistry(munis, mergs []byte) (*registry, error) {
	reg := &registry{municipalitiesCSV: munis, mergersCSV: mergs}
	rows, err := readTable("municipalities.csv", munis, "ehak_code", "name", "valid_from", "valid_to")
	if err != nil {
		return nil, err
	}
	for i, row := range rows {
		u := unit{code: padCode(row["ehak_code"]), name: row["name"], typ: row["type"],
			county: row["county_code"], countyName: row["county_name"]}
		if u.from, err = parseDay(row["valid_from"], farPast); err != nil {
			return nil, fmt.Errorf("demo registry municipalities.csv line %d: valid_from: %w", i+2, err)
		}
		if u.to, err = parseDay(row["valid_to"], farFuture); err != nil {
			return nil, fmt.Errorf("demo registry municipalities.csv line %d: valid_to: %w", i+2, err)
		}
		if p := row["population"]; p != "" {
			if u.population, err = strconv.ParseInt(p, 10, 64); err != nil {
				return nil, fmt.Errorf("demo registry municipalities.csv line %d: population: %w", i+2, err)
			}
		}
		reg.units = append(reg.units, u)
	}
	rows, err = readTable("mergers.csv", mergs, "old_ehak_code", "new_ehak_code", "effective_date")
	if err != nil {
		return nil, err
	}
	for i, row := range rows {
		m := merger{oldCode: padCode(row["old_ehak_code"]), newCode: padCode(row["new_ehak_code"]), share: 1}
		if m.effective, err = parseDay(row["effective_date"], farPast); err != nil {
			return nil, fmt.Errorf("demo registry mergers.csv line %d: effective_date: %w", i+2, err)
		}
		if s := row["area_share"]; s != "" {
			if m.share, err = strconv.ParseFloat(s, 64); err != nil {
				return nil, fmt.Errorf("demo registry mergers.csv line %d: area_share: %w", i+2, err)
			}
		}
		reg.mergers = append(reg.mergers, m)
	}
	sort.SliceStable(reg.units, func(i, j int) bool {
		if reg.units[i].code != reg.units[j].code {
			return reg.units[i].code < reg.units[j].code
		}
		return reg.units[i].from < reg.units[j].from
	})
	sort.SliceStable(reg.mergers, func(i, j int) bool {
		a, b := reg.mergers[i], reg.mergers[j]
		if a.oldCode != b.oldCode {
			return a.oldCode < b.oldCode
		}
		return a.newCode < b.newCode
	})
	if len(reg.units) == 0 {
		return nil, fmt.Errorf("demo registry municipalities.csv: no municipalities")
	}
	return reg, nil
}

func parsePopulation(data []byte) (map[string]map[int]int64, error) {
	rows, err := readTable("population.csv", data, "ehak_code", "year", "population")
	if err != nil {
		return nil, err
	}
	pop := map[string]map[int]int64{}
	for i, row := range rows {
		year, err1 := strconv.Atoi(row["year"])
		n, err2 := strconv.ParseInt(row["population"], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("demo registry population.csv line %d: year or population is not a number", i+2)
		}
		code := padCode(row["ehak_code"])
		if pop[code] == nil {
			pop[code] = map[int]int64{}
		}
		pop[code][year] = n
	}
	return pop, nil
}

func padCode(s string) string {
	for len(s) < 4 {
		s = "0" + s
	}
	return s
}

// activeOn lists the registry rows valid on d, in code order.
func (r *registry) activeOn(d day) []*unit {
	var out []*unit
	for i := range r.units {
		if r.units[i].activeOn(d) {
			out = append(out, &r.units[i])
		}
	}
	return out
}

// mergedBy reports whether code is the successor in a merger effective on or
// before d: the indicator spec's "merged municipality".
func (r *registry) mergedBy(code string, d day) bool {
	for _, m := range r.mergers {
		if m.newCode == code && m.effective <= d {
			return true
		}
	}
	return false
}

// candidate is a code under which rows of a territory may be recorded,
// with the share of the territory it stood for.
type candidate struct {
	unit   *unit
	share  float64 // product of area shares along the merger chain
	weight float64 // population share of the territory while it was valid
}

// territory is a municipality of the latest boundaries together with every
// code that ever covered part of it. The generator draws volumes per
// territory so that a time series stays comparable across the reform, and
// records each row under whichever code was valid (or, for stale systems,
// recently valid) at the row's date.
type territory struct {
	final   *unit
	lineage []candidate // final first, then predecessors in code order
	// majority predecessors: codes whose rows the engine attributes here
	// (largest area share), used for stale survey answers.
	majority []*unit
}

func (r *registry) unitsByCode(code string) []*unit {
	var out []*unit
	for i := range r.units {
		if r.units[i].code == code {
			out = append(out, &r.units[i])
		}
	}
	return out
}

// territories builds the territories of the units valid on d.
func (r *registry) territories(d day) []*territory {
	var out []*territory
	for _, final := range r.activeOn(d) {
		t := &territory{final: final}
		shares := map[string]float64{final.code: 1}
		frontier := []string{final.code}
		for len(frontier) > 0 {
			code := frontier[0]
			frontier = frontier[1:]
			for _, m := range r.mergers {
				if m.newCode != code || m.oldCode == code {
					continue
				}
				s := shares[code] * m.share
				if _, seen := shares[m.oldCode]; !seen {
					frontier = append(frontier, m.oldCode)
				}
				shares[m.oldCode] += s
			}
		}
		codes := make([]string, 0, len(shares))
		for c := range shares {
			codes = append(codes, c)
		}
		sort.Strings(codes)
		for _, c := range codes {
			for _, u := range r.unitsByCode(c) {
				cand := candidate{unit: u, share: shares[c]}
				cand.weight = float64(max(u.population, 1)) * cand.share
				if c == final.code {
					t.lineage = append([]candidate{cand}, t.lineage...)
				} else {
					t.lineage = append(t.lineage, cand)
				}
			}
			if c != final.code && r.largestSuccessor(c) == t.final.code {
				t.majority = append(t.majority, r.unitsByCode(c)[0])
			}
		}
		out = append(out, t)
	}
	return out
}

// largestSuccessor follows the merger chain from code the way the engine
// attributes rows: to the successor with the largest area share, transitively.
func (r *registry) largestSuccessor(code string) string {
	for range 16 { // chains are short; the bound guards against a cycle
		best, bestShare := "", -1.0
		for _, m := range r.mergers {
			if m.oldCode == code && m.newCode != code && m.share > bestShare {
				best, bestShare = m.newCode, m.share
			}
		}
		if best == "" {
			return code
		}
		code = best
	}
	return code
}

// population of the territory in a year: population.csv when it knows the
// territory (under its own or a predecessor's code), else the registry's
// latest figure.
func (r *registry) population(t *territory, year int) int64 {
	for _, c := range t.lineage {
		if byYear, ok := r.popByYear[c.unit.code]; ok && c.share == 1 {
			if n, ok := byYear[year]; ok {
				return n
			}
			// Nearest known year: population.csv ends before the demo does.
			best, bestDist := int64(0), 1<<30
			for y, n := range byYear {
				dist := abs(y - year)
				if dist < bestDist || (dist == bestDist && y > year) {
					best, bestDist = n, dist
				}
			}
			return best
		}
	}
	return max(t.final.population, 1)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
