// Package catalogue holds the indicator catalogue of the KOV ICT strategy 2017–2021:
// what every indicator measures, its source and denominator, its definition (one SQL
// statement of attributed rows and the params it reads: see definition.go), its
// targets by year and its Estonian and English texts, plus the rules that judge a
// value against the targets (Statuses).
//
// The catalogue is a YAML file so that targets for later years, the wording, the
// parameters of a rule and whole new indicators can be changed without a rebuild; the
// shipped file is embedded and is the default. Every figure computed from it records
// Version and Hash, so a figure can always be traced back to the exact definitions it
// was computed with.
package catalogue

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"ee/kovmon/kov"
)

//go:embed catalogue.yaml
var shippedFile []byte

// ShippedName is the name the embedded catalogue reports in errors and provenance.
const ShippedName = "catalogue.yaml (built in)"

// Years outside this range are certainly typos (e.g. 218 for 2018).
const (
	minYear = 2000
	maxYear = 2100
)

// ForecastMethod documents the forecast shown beside the indicators.
type ForecastMethod struct {
	Method      string   `yaml:"method"`
	Interval    float64  `yaml:"interval"`
	MinPoints   int      `yaml:"min_points"`
	Description kov.Text `yaml:"description"`
}

// Catalogue is a parsed and validated catalogue file.
type Catalogue struct {
	Version    string          `yaml:"version"`
	Goals      []kov.Goal      `yaml:"goals"`
	Sources    []kov.Source    `yaml:"sources"`
	Indicators []kov.Indicator `yaml:"indicators"`
	Forecast   ForecastMethod  `yaml:"forecast"`

	name   string
	hash   string
	source []byte // the file as given, for storing and serving it
}

// Default returns the embedded catalogue. It panics only if the shipped file is
// invalid, which TestShippedCatalogueIsValid prevents from ever being released.
func Default() *Catalogue {
	c, err := Parse(shippedFile, ShippedName)
	if err != nil {
		panic(err)
	}
	return c
}

// ShippedHash is the Hash of the embedded catalogue, without parsing it.
func ShippedHash() string {
	sum := sha256.Sum256(shippedFile)
	return hex.EncodeToString(sum[:])
}

// Shipped returns the bytes of the embedded catalogue, e.g. to write out a copy for
// editing.
func Shipped() []byte { return bytes.Clone(shippedFile) }

// Load reads and validates an edited catalogue from disk. The SQL of an indicator may
// sit beside it (query: my.I5 reads my.I5.sql in the file's folder): Load puts it into
// the entry (sql: |), so that Source, Hash and a stored version carry it.
func Load(path string) (*Catalogue, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("catalogue %s: %w", path, err)
	}
	if data, err = inlineBesideFiles(data, filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("catalogue %s: %w", path, err)
	}
	return Parse(data, path)
}

// Parse decodes and validates a catalogue file; name identifies it in errors. Fields
// the format does not know are rejected, so that a misspelt "targest:" is not silently
// ignored.
func Parse(data []byte, name string) (*Catalogue, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var c Catalogue
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("catalogue %s: %w", name, err)
	}
	c.fillLegacy()
	if problems := c.validate(); len(problems) > 0 {
		return nil, &ValidationError{File: name, Problems: problems}
	}
	sum := sha256.Sum256(data)
	c.hash = hex.EncodeToString(sum[:])
	c.name = name
	c.source = bytes.Clone(data)
	return &c, nil
}

// ValidationError lists everything wrong with a catalogue file at once, so that an
// editor can fix them all in one round.
type ValidationError struct {
	File     string
	Problems []string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("catalogue %s: %s", e.File, strings.Join(e.Problems, "; "))
}

// Name is the file the catalogue was read from.
func (c *Catalogue) Name() string { return c.name }

// Hash is the hex sha256 of the catalogue file's bytes.
func (c *Catalogue) Hash() string { return c.hash }

// Source returns the catalogue file's bytes, as they were parsed.
func (c *Catalogue) Source() []byte { return bytes.Clone(c.source) }

// Indicator returns the indicator with the given id.
func (c *Catalogue) Indicator(id string) (*kov.Indicator, bool) {
	for i := range c.Indicators {
		if c.Indicators[i].ID == id {
			return &c.Indicators[i], true
		}
	}
	return nil, false
}

// Order is the indicator's position in the catalogue (the spec's table order), for
// sorting output rows. Unknown ids get len(Indicators), so they sort after all known
// ones instead of before them.
func (c *Catalogue) Order(id string) int {
	for i := range c.Indicators {
		if c.Indicators[i].ID == id {
			return i
		}
	}
	return len(c.Indicators)
}

// IDs lists the indicator ids in table order.
func (c *Catalogue) IDs() []string {
	ids := make([]string, len(c.Indicators))
	for i, ind := range c.Indicators {
		ids[i] = ind.ID
	}
	return ids
}

// TargetYearsOf lists, ascending, every year for which some indicator has a target.
func (c *Catalogue) TargetYearsOf() []int {
	seen := map[int]bool{}
	for i := range c.Indicators {
		for _, y := range c.Indicators[i].TargetYears() {
			seen[y] = true
		}
	}
	years := make([]int, 0, len(seen))
	for y := range seen {
		years = append(years, y)
	}
	sort.Ints(years)
	return years
}

func (c *Catalogue) validate() []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	if strings.TrimSpace(c.Version) == "" {
		add("version is missing")
	}
	checkText := func(where string, t kov.Text) {
		if strings.TrimSpace(t.ET) == "" {
			add("%s: Estonian text (et) is missing", where)
		}
		if strings.TrimSpace(t.EN) == "" {
			add("%s: English text (en) is missing", where)
		}
	}
	checkYear := func(where string, y int) {
		if y < minYear || y > maxYear {
			add("%s: year %d is outside %d–%d", where, y, minYear, maxYear)
		}
	}

	if len(c.Goals) == 0 {
		add("no goals")
	}
	goals := map[string]bool{}
	for i, g := range c.Goals {
		where := fmt.Sprintf("goal #%d %q", i+1, g.ID)
		if g.ID == "" {
			add("goal #%d: id is missing", i+1)
		} else if goals[g.ID] {
			add("%s: duplicate goal id", where)
		}
		goals[g.ID] = true
		checkText(where+" name", g.Name)
	}

	declared := map[kov.Source]bool{}
	for _, s := range c.Sources {
		if !s.Known() {
			add("sources: unknown source %q (known: %s)", s, joinAny(kov.Sources()))
		}
		declared[s] = true
	}

	if len(c.Indicators) == 0 {
		add("no indicators")
	}
	ids := map[string]bool{}
	for n, ind := range c.Indicators {
		where := fmt.Sprintf("indicator %q", ind.ID)
		if ind.ID == "" {
			where = fmt.Sprintf("indicator #%d", n+1)
			add("%s: id is missing", where)
		} else if ids[ind.ID] {
			add("%s: duplicate id", where)
		}
		ids[ind.ID] = true
		if !goals[ind.Goal] {
			add("%s: unknown goal %q", where, ind.Goal)
		}
		checkText(where+" name", ind.Name)
		checkText(where+" description", ind.Description)
		switch {
		case !ind.Source.Known():
			add("%s: unknown source %q (known: %s)", where, ind.Source, joinAny(kov.Sources()))
		case len(c.Sources) > 0 && !declared[ind.Source]:
			add("%s: source %q is not in the file's sources list", where, ind.Source)
		}
		if !slices.Contains(kov.Denominators, ind.Denominator) {
			add("%s: unknown denominator %q (known: %s)", where, ind.Denominator, joinAny(kov.Denominators))
		}
		if ind.Unit != kov.UnitPercent {
			add("%s: unit %q is not supported (only %q)", where, ind.Unit, kov.UnitPercent)
		}
		if len(ind.Levels) == 0 {
			add("%s: no levels", where)
		}
		for _, l := range ind.Levels {
			if l != kov.LevelNational && l != kov.LevelMunicipality {
				add("%s: unknown level %q", where, l)
			}
		}
		validateDefinition(&ind, where, add)
		if b := ind.Baseline; b != nil {
			checkYear(where+" baseline", b.Year)
			if b.Value != nil && (*b.Value < 0 || *b.Value > 100) {
				add("%s baseline: value %v is outside 0–100", where, *b.Value)
			}
		}
		for _, r := range ind.Revisions {
			checkYear(where+" revision", r.Year)
			checkText(fmt.Sprintf("%s revision %d note", where, r.Year), r.Note)
		}
		for _, y := range slices.Sorted(maps.Keys(ind.Targets)) {
			checkYear(fmt.Sprintf("%s target", where), y)
			if v := ind.Targets[y]; v != nil && (*v < 0 || *v > 100) {
				add("%s target %d: %v is outside 0–100", where, y, *v)
			}
		}
	}

	c.resolveDefinitions(add)

	f := c.Forecast
	if f.Method == "" {
		add("forecast: method is missing")
	}
	if f.Interval <= 0 || f.Interval >= 1 {
		add("forecast: interval %v must be a probability strictly between 0 and 1", f.Interval)
	}
	checkText("forecast description", f.Description)
	return problems
}

func joinAny[T ~string](list []T) string {
	s := make([]string, len(list))
	for i, v := range list {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
