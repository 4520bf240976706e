// Package demo writes the demo data set: a registry and six years (2016–2021)
// of made-up measurements of every kind in the data contract, as files that
// the normal ingest pipeline loads. The data are designed so that every
// indicator moves plausibly across the 2017 municipal reform (STORY.md says
// what each one is meant to show) and so that every parser path and every
// quarantine reason gets exercised.
//
// The output depends only on the seed and the scale: each file draws from a
// random stream of its own, so files can be written in parallel and still be
// byte-identical from run to run.
package demo

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"
	_ "time/tzdata" // Tallinn's rules must not depend on the host's zoneinfo
)

// Options choose what Generate writes.
type Options struct {
	Seed int64
	// Scale is "small" (a few hundred thousand usage events: loads in
	// seconds) or "full" (tens of millions). Empty means small.
	Scale string
	// Registry holds municipalities.csv, mergers.csv and optionally
	// population.csv (refdata.FS() is the real one). Nil: a small built-in registry.
	Registry fs.FS
}

// Manifest lists the files written, in load order.
type Manifest struct {
	Files []File
}

// File is one written file: its contract kind (as `ingest --kind` takes it),
// its path, and how many data rows it holds (header excluded; deliberately
// bad and duplicate rows included).
type File struct {
	Kind string
	Path string
	Rows int64
}

// Years covered by the demo measurements.
const (
	FirstYear = 2016
	LastYear  = 2021
)

var tallinn = mustTallinn()

func mustTallinn() *time.Location {
	loc, err := time.LoadLocation("Europe/Tallinn")
	if err != nil {
		panic("demo: no Europe/Tallinn time zone: " + err.Error())
	}
	return loc
}

// scale holds the volumes that differ between small and full.
type scale struct {
	usageEvents    float64 // over all years
	feedbackRows   float64
	usageFloor     float64 // events per territory and year, at least
	feedbackFloor  float64
	midnightEvents int // per year, in the last two hours of 31 December UTC
	usageParts     int // files per year: keeps each file a bite the engine loads easily
}

var scales = map[string]scale{
	"small": {usageEvents: 300_000, feedbackRows: 20_000, usageFloor: 40, feedbackFloor: 10, midnightEvents: 4, usageParts: 1},
	"full":  {usageEvents: 40_000_000, feedbackRows: 1_000_000, usageFloor: 2_000, feedbackFloor: 60, midnightEvents: 60, usageParts: 2},
}

// Generate writes the demo data set into dir (created if missing) and returns
// the files in load order: municipalities, mergers, then the measurements.
func Generate(dir string, opt Options) (*Manifest, error) {
	if opt.Scale == "" {
		opt.Scale = "small"
	}
	sc, ok := scales[opt.Scale]
	if !ok {
		return nil, fmt.Errorf("demo: unknown scale %q (use small or full)", opt.Scale)
	}
	reg, err := loadRegistry(opt.Registry)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if len(reg.activeOn(dayOf(LastYear, 12, 31))) == 0 {
		return nil, fmt.Errorf("demo: the registry has no municipality valid on %d-12-31; the demo needs one that covers %d–%d", LastYear, FirstYear, LastYear)
	}
	w := newWorld(reg, opt.Seed, sc, dir)

	// Each job writes its own files from its own random stream; the
	// manifest keeps the jobs' order whatever order they finish in.
	jobs := []func() ([]File, error){w.writeRegistry}
	for year := FirstYear; year <= LastYear; year++ {
		for part := 0; part < sc.usageParts; part++ {
			jobs = append(jobs, func() ([]File, error) { return w.writeUsage(year, part) })
		}
	}
	jobs = append(jobs, w.writeFeedback, w.writeServices, w.writeAudits, w.writeSurvey, w.writeTrainings, w.writeOrgGoals)

	results := make([][]File, len(jobs))
	errs := make([]error, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				results[i], errs[i] = jobs[i]()
			}
		})
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	m := &Manifest{}
	for _, files := range results {
		m.Files = append(m.Files, files...)
	}
	return m, nil
}

// world is the fixed design drawn once from the seed: which territories
// exist and how fast each one moves. Jobs only read it.
type world struct {
	reg   *registry
	seed  uint64
	sc    scale
	dir   string
	terrs []*territory
	param []territoryParams
	// expected usage events of each territory per year, indexed [year-FirstYear][territory]
	usageExpected [][]float64
	feedbackExp   [][]float64
	// per-code deviation from its territory: the 213 old units differ
	// among themselves, not only the 79 new ones.
	codeOffset map[string]float64
}

type territoryParams struct {
	paperless2016 float64 // share of paperless acts in 2016
	paperSpeed    float64 // 1 = the national pace
	satisfied     float64 // offset of the satisfied share of feedback
}

// Paths designed for the national figures; the per-territory parameters
// are centred so that the pooled national value follows them.
var (
	paperlessPath = [...]float64{0.30, 0.36, 0.44, 0.51, 0.56, 0.60}
	satisfiedPath = [...]float64{0.40, 0.44, 0.48, 0.51, 0.53, 0.55}
	usageGrowth   = [...]float64{0.85, 0.92, 1.00, 1.05, 1.12, 1.10}
)

func newWorld(reg *registry, seed int64, sc scale, dir string) *world {
	w := &world{reg: reg, seed: uint64(seed), sc: sc, dir: dir, codeOffset: map[string]float64{}}
	w.terrs = reg.territories(dayOf(LastYear, 12, 31))
	rng := w.rng("world", 0, 0)

	years := LastYear - FirstYear + 1
	w.usageExpected = make([][]float64, years)
	w.feedbackExp = make([][]float64, years)
	var popSum float64
	pops := make([][]float64, years)
	for y := range years {
		pops[y] = make([]float64, len(w.terrs))
		for i, t := range w.terrs {
			pops[y][i] = float64(reg.population(t, FirstYear+y)) * usageGrowth[y]
			popSum += pops[y][i]
		}
	}
	for y := range years {
		w.usageExpected[y] = make([]float64, len(w.terrs))
		w.feedbackExp[y] = make([]float64, len(w.terrs))
		for i := range w.terrs {
			w.usageExpected[y][i] = max(sc.usageFloor, sc.usageEvents*pops[y][i]/popSum)
			w.feedbackExp[y][i] = max(sc.feedbackFloor, sc.feedbackRows*pops[y][i]/popSum)
		}
	}

	// Draw, then centre on the national path weighted by volume: otherwise
	// one lucky draw for the capital would move the whole country.
	w.param = make([]territoryParams, len(w.terrs))
	var weightSum, meanBase, meanSpeed, meanSat float64
	for i := range w.terrs {
		p := &w.param[i]
		p.paperless2016 = paperlessPath[0] + 0.09*rng.NormFloat64()
		p.paperSpeed = 0.4 + 1.2*rng.Float64()
		p.satisfied = 0.07 * rng.NormFloat64()
		weight := w.usageExpected[2][i]
		weightSum += weight
		meanBase += weight * p.paperless2016
		meanSpeed += weight * p.paperSpeed
		meanSat += weight * p.satisfied
	}
	for i := range w.param {
		p := &w.param[i]
		p.paperless2016 += paperlessPath[0] - meanBase/weightSum
		p.paperSpeed /= meanSpeed / weightSum
		p.satisfied -= meanSat / weightSum
	}
	// Only codes that end get an offset of their own: a current code's
	// offset would shift its whole territory (the capital: a third of the
	// country) away from the centred design.
	last := dayOf(LastYear, 12, 31)
	for _, u := range reg.units {
		if _, seen := w.codeOffset[u.code]; !seen && !u.activeOn(last) {
			w.codeOffset[u.code] = 0.05 * rng.NormFloat64()
		}
	}
	return w
}

// rng gives the random stream of one file (or one part of the design).
func (w *world) rng(kind string, a, b int) *rand.Rand {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%d/%d", kind, a, b)
	return rand.New(rand.NewPCG(w.seed, h.Sum64()))
}

func (w *world) path(name string) string { return filepath.Join(w.dir, name) }

// paperless is the probability that an official act of the territory, recorded
// under code, in year went through a paperless channel.
func (w *world) paperless(terr int, code string, year int) float64 {
	p := w.param[terr]
	national := paperlessPath[year-FirstYear]
	v := p.paperless2016 + p.paperSpeed*(national-paperlessPath[0]) + w.codeOffset[code]
	return clamp(v, 0.03, 0.97)
}

func (w *world) satisfiedShare(terr int, code string, year int) float64 {
	return clamp(satisfiedPath[year-FirstYear]+w.param[terr].satisfied+w.codeOffset[code], 0.05, 0.95)
}

func clamp(v, lo, hi float64) float64 { return math.Min(hi, math.Max(lo, v)) }

func (w *world) writeRegistry() ([]File, error) {
	var files []File
	for _, f := range []struct {
		kind, name string
		data       []byte
	}{
		{"municipalities", "municipalities.csv", w.reg.municipalitiesCSV},
		{"mergers", "mergers.csv", w.reg.mergersCSV},
	} {
		if err := os.WriteFile(w.path(f.name), f.data, 0o644); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		files = append(files, File{Kind: f.kind, Path: w.path(f.name), Rows: countDataLines(f.data)})
	}
	return files, nil
}

// countDataLines counts the non-empty lines after the header. Registry
// names hold no line breaks, so lines are rows.
func countDataLines(data []byte) int64 {
	var n int64
	start := 0
	for i, c := range data {
		if c == '\n' {
			if i > start {
				n++
			}
			start = i + 1
		}
	}
	if start < len(data) {
		n++
	}
	return max(n-1, 0)
}
