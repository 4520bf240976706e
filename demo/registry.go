package demo

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gocarina/gocsv"
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

// The reference files' columns (refdata's, or those of a --registry folder), read by
// gocsv by their csv tags. Text is trimmed; numbers are read strictly (gocsv's own
// conversion reads "12.7" as 12 and "0x10" as 16); dates are parsed after, with the
// default of their column.
type municipalityRecord struct {
	EhakCode   text        `csv:"ehak_code"`
	Name       text        `csv:"name"`
	Type       text        `csv:"type"`
	CountyCode text        `csv:"county_code"`
	CountyName text        `csv:"county_name"`
	ValidFrom  text        `csv:"valid_from"`
	ValidTo    text        `csv:"valid_to"`
	Population wholeNumber `csv:"population,default=0"`
}

type mergerRecord struct {
	OldEhakCode   text `csv:"old_ehak_code"`
	NewEhakCode   text `csv:"new_ehak_code"`
	EffectiveDate text `csv:"effective_date"`
	// AreaShare is nil when the column is absent or the cell empty: the whole unit.
	AreaShare *share `csv:"area_share,omitempty"`
}

type populationRecord struct {
	EhakCode   text        `csv:"ehak_code"`
	Year       wholeNumber `csv:"year"`
	Population wholeNumber `csv:"population"`
}

// text is a text cell without the white space around it.
type text string

func (t *text) UnmarshalCSV(s string) error {
	*t = text(strings.TrimSpace(s))
	return nil
}

// wholeNumber is a cell holding a whole decimal number.
type wholeNumber int64

func (n *wholeNumber) UnmarshalCSV(s string) error {
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return fmt.Errorf("%q is not a whole number", s)
	}
	*n = wholeNumber(v)
	return nil
}

// share is a cell holding a decimal number with a point.
type share float64

func (f *share) UnmarshalCSV(s string) error {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return fmt.Errorf("%q is not a number", s)
	}
	*f = share(v)
	return nil
}

// readTable reads a small comma-separated reference file with a header row into
// records by their csv tags (gocsv). A required column missing is an error naming
// the file, a value that does not convert one naming the file, line and column.
func readTable[T any](name string, data []byte, required ...string) ([]T, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	header, err := csv.NewReader(bytes.NewReader(data)).Read()
	if err != nil {
		return nil, fmt.Errorf("demo registry %s: %w", name, err)
	}
	for _, col := range required {
		if !slices.Contains(header, col) {
			return nil, fmt.Errorf("demo registry %s: missing column %q", name, col)
		}
	}
	var records []T
	if err := gocsv.UnmarshalBytes(data, &records); err != nil {
		// gocsv's conversion errors give the record's line and the field's column;
		// the CSV reader's own (a stray quote) carry StartLine and say where.
		var parseErr *csv.ParseError
		if errors.As(err, &parseErr) && parseErr.StartLine == 0 && parseErr.Column >= 1 && parseErr.Column <= len(header) {
			return nil, fmt.Errorf("demo registry %s line %d: %s: %w", name, parseErr.Line, header[parseErr.Column-1], parseErr.Err)
		}
		return nil, fmt.Errorf("demo registry %s: %w", name, err)
	}
	return records, nil
}

func parseRegistry(munis, mergs []byte) (*registry, error) {
	reg := &registry{municipalitiesCSV: munis, mergersCSV: mergs}
	units, err := readTable[municipalityRecord]("municipalities.csv", munis, "ehak_code", "name", "valid_from", "valid_to")
	if err != nil {
		return nil, err
	}
	for i, row := range units {
		u := unit{code: padCode(string(row.EhakCode)), name: string(row.Name), typ: string(row.Type),
			county: string(row.CountyCode), countyName: string(row.CountyName), population: int64(row.Population)}
		if u.from, err = parseDay(string(row.ValidFrom), farPast); err != nil {
			return nil, fmt.Errorf("demo registry municipalities.csv line %d: valid_from: %w", i+2, err)
		}
		if u.to, err = parseDay(string(row.ValidTo), farFuture); err != nil {
			return nil, fmt.Errorf("demo registry municipalities.csv line %d: valid_to: %w", i+2, err)
		}
		reg.units = append(reg.units, u)
	}
	mergers, err := readTable[mergerRecord]("mergers.csv", mergs, "old_ehak_code", "new_ehak_code", "effective_date")
	if err != nil {
		return nil, err
	}
	for i, row := range mergers {
		m := merger{oldCode: padCode(string(row.OldEhakCode)), newCode: padCode(string(row.NewEhakCode)), share: 1}
		if m.effective, err = parseDay(string(row.EffectiveDate), farPast); err != nil {
			return nil, fmt.Errorf("demo registry mergers.csv line %d: effective_date: %w", i+2, err)
		}
		if row.AreaShare != nil {
			m.share = float64(*row.AreaShare)
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
	rows, err := readTable[populationRecord]("population.csv", data, "ehak_code", "year", "population")
	if err != nil {
		return nil, err
	}
	pop := map[string]map[int]int64{}
	for _, row := range rows {
		code := padCode(string(row.EhakCode))
		if pop[code] == nil {
			pop[code] = map[int]int64{}
		}
		pop[code][int(row.Year)] = int64(row.Population)
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
