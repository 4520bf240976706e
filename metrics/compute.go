package metrics

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"ee/kovmon/kov"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/registry"
	"ee/kovmon/store"
	"ee/kovmon/surveys"
)

// smallSample: an I.1 or I.4 figure with a denominator of 1–9 is flagged small_n.
const smallSample = 9

// inputs are what a refresh reads once and every indicator uses.
type inputs struct {
	cat   *catalogue.Catalogue
	reg   *registry.Registry
	years []int
	// populations[mode, year] are the units of the year in the mode, read of the
	// registry once a refresh (every indicator asks for them).
	populations map[populationKey]*population
}

type populationKey struct {
	mode kov.Boundaries
	year int
}

// population is the units of one year in one mode: active, as a set, and merged.
type population struct {
	units  []kov.Municipality
	active map[string]bool // a row that no unit of the year receives is no source data (spec 1.1)
	merged []kov.Municipality
}

// populationOf returns the units of year y in mode.
func (in *inputs) populationOf(mode kov.Boundaries, y int) *population {
	k := populationKey{mode, y}
	if p, ok := in.populations[k]; ok {
		return p
	}
	p := &population{units: in.reg.ActiveUnits(mode, y), active: map[string]bool{}, merged: in.reg.MergedUnits(mode, y)}
	for _, u := range p.units {
		p.active[u.Code] = true
	}
	if in.populations == nil {
		in.populations = map[populationKey]*population{}
	}
	in.populations[k] = p
	return p
}

// Compute runs the engine for one boundary mode and returns every figure of the
// spec's table (sorted as the spec asks), the forecasts and the definition rows the
// figures were made from.
func Compute(ctx context.Context, s store.Store, in *inputs, mode kov.Boundaries) (Computed, error) {
	out, err := computeModes(ctx, s, in, []kov.Boundaries{mode})
	if err != nil {
		return Computed{}, err
	}
	return out[0], nil
}

// computeModes is Compute for each of modes: the definitions of every indicator are
// read first, several at once (store.StatementsAtOnce; each is a small statement
// that keeps about one core busy), then assembled mode by mode.
func computeModes(ctx context.Context, s store.Store, in *inputs, modes []kov.Boundaries) ([]Computed, error) {
	n := len(in.cat.Indicators)
	rows := make([]map[kov.Boundaries][]definitionRow, n)
	var mu sync.Mutex // guards the maps of rows
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(store.StatementsAtOnce())
	for i := range in.cat.Indicators {
		ind := &in.cat.Indicators[i]
		rows[i] = map[kov.Boundaries][]definitionRow{}
		// A definition attributes every mode in one statement, unless it reads the
		// mode: then it runs once per mode.
		runs := [][]kov.Boundaries{modes}
		if ind.Resolved.PerMode {
			runs = nil
			for _, mode := range modes {
				runs = append(runs, []kov.Boundaries{mode})
			}
		}
		for _, run := range runs {
			g.Go(func() error {
				byMode, err := readDefinition(gctx, s, ind, run)
				mu.Lock()
				defer mu.Unlock()
				for mode, r := range byMode {
					rows[i][mode] = r
				}
				return err
			})
		}
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make([]Computed, len(modes))
	for m, mode := range modes {
		figures, forecasts, kept := make([][]kov.Figure, n), make([][]ForecastRow, n), make([][]definitionRow, n)
		for i := range in.cat.Indicators {
			ind := &in.cat.Indicators[i]
			var err error
			if figures[i], kept[i], err = assemble(in, ind, mode, rows[i][mode]); err != nil {
				return nil, err
			}
			judge(figures[i], ind)
			forecasts[i] = project(figures[i], ind)
		}
		out[m] = Computed{Boundaries: mode, Figures: slices.Concat(figures...), Forecasts: slices.Concat(forecasts...), Rows: slices.Concat(kept...)}
	}
	return out, nil
}

// definitionRow is one row of an indicator's definition: source rows of one file, run
// and recorded code, attributed to a unit (catalogue.RowColumns).
type definitionRow struct {
	indicator                          string
	year                               int
	unit, recordedCode, fileID, runID  string
	sourceRows, numerator, denominator int64
	meets                              bool
	// inFigures: the unit has a figure of the indicator in the year (III.x: merged units).
	inFigures bool
}

// definitionQuery is the statement that runs an indicator's definition: as a subquery
// and read-only, so that it cannot write nor reach outside the database (the
// catalogue refuses a definition with a SETTINGS clause of its own). On the embedded
// engine each definition runs on one thread: they run several at once on the
// machine's few cores (store.StatementsAtOnce), and a server with cores to spare
// keeps its own setting.
func definitionQuery(ind *kov.Indicator, embedded bool) string {
	q := "SELECT * FROM (\n" + ind.Definition() + "\n) SETTINGS readonly = 1"
	if embedded {
		q += ", max_threads = 1"
	}
	return q
}

// readDefinition runs an indicator's definition with the params of its catalogue
// entry, and reads its rows by column name, by boundary mode. A definition that reads
// the mode (Resolved.PerMode) is given the one of modes; one that does not attributes
// in every mode at once and says which in its boundaries column, or, without that
// column, attributes nothing (IV.1a): its rows hold in every mode.
func readDefinition(ctx context.Context, s store.Store, ind *kov.Indicator, modes []kov.Boundaries) (map[kov.Boundaries][]definitionRow, error) {
	params := store.Params(ind.QueryParams())
	what := string(modes[0])
	if ind.Resolved.PerMode {
		params[catalogue.ModeParam] = what
	} else {
		what = "every boundary mode"
	}
	res, err := s.Query(ctx, definitionQuery(ind, store.Embedded(s)), params)
	if err != nil {
		return nil, fmt.Errorf("indicator %s (%s, %s): %w", ind.ID, ind.QueryName(), what, err)
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("indicator %s (%s, %s): %s", ind.ID, ind.QueryName(), what, fmt.Sprintf(format, args...))
	}
	want := slices.Clone(catalogue.RowColumns)
	if ind.Counted() {
		want = append(want, catalogue.CountColumns...)
	} else {
		want = append(want, catalogue.MeetsColumn)
	}
	col := map[string]int{}
	for _, name := range want {
		if col[name] = res.Col(name); col[name] < 0 {
			return nil, fail("the SQL returns no column %s (it must return %s)", name, strings.Join(want, ", "))
		}
	}
	boundariesCol := res.Col(catalogue.BoundariesColumn)
	switch {
	case ind.Resolved.PerMode && boundariesCol >= 0:
		return nil, fail("the SQL reads {%s:String} and returns a %s column: attribute one mode (the one it is given) or every mode (and say which in %s), not both",
			catalogue.ModeParam, catalogue.BoundariesColumn, catalogue.BoundariesColumn)
	case !ind.Resolved.PerMode && boundariesCol < 0 && ind.Resolved.Attributes:
		// Its rows would count in each mode once per mode attributed.
		return nil, fail("the SQL reads attribution but returns no %s column: return attribution's boundaries as %s (or attribute only the mode {%s:String})",
			catalogue.BoundariesColumn, catalogue.BoundariesColumn, catalogue.ModeParam)
	}
	out := map[kov.Boundaries][]definitionRow{}
	for n, r := range res.Rows {
		number := func(name string) int64 {
			v, perr := strconv.ParseInt(r[col[name]], 10, 64)
			if perr != nil || v < 0 {
				err = fail("row %d: %s %q is not a count", n+1, name, r[col[name]])
			}
			return v
		}
		row := definitionRow{indicator: ind.ID, unit: r[col["unit"]], recordedCode: r[col["recorded_code"]],
			fileID: r[col["file_id"]], runID: r[col["run_id"]], sourceRows: number("source_rows")}
		row.year = int(number("year"))
		if ind.Counted() {
			row.numerator, row.denominator = number("numerator"), number("denominator")
			if err == nil && row.numerator > row.denominator {
				err = fail("row %d: numerator %d is more than denominator %d", n+1, row.numerator, row.denominator)
			}
		} else {
			switch m := r[col[catalogue.MeetsColumn]]; m {
			case "0", "1":
				row.meets = m == "1"
			default:
				err = fail("row %d: meets %q must be 0 or 1", n+1, m)
			}
		}
		if err != nil {
			return nil, err
		}
		switch {
		case boundariesCol >= 0:
			mode := kov.Boundaries(r[boundariesCol])
			if !mode.Valid() {
				return nil, fail("row %d: %s %q is not a boundary mode (%s)", n+1, catalogue.BoundariesColumn, mode, kov.AllBoundaries)
			}
			if slices.Contains(modes, mode) {
				out[mode] = append(out[mode], row)
			}
		default:
			for _, mode := range modes {
				out[mode] = append(out[mode], row)
			}
		}
	}
	return out, nil
}

// unitFigure is what the rows of one unit in one year say: counted rows, or the
// unit's decision (numerator 1 or 0 of 1).
type unitFigure struct{ numerator, denominator int64 }

// assemble turns an indicator's rows into the rows of the spec: one national row, and
// a municipal row per unit of the year's population (none for national-only
// indicators). It returns the rows it used, marked with whether their unit has a
// figure: they are stored with the figures, for explain and coverage.
func assemble(in *inputs, ind *kov.Indicator, mode kov.Boundaries, rows []definitionRow) ([]kov.Figure, []definitionRow, error) {
	reported := map[int]bool{}
	for _, y := range in.years {
		reported[y] = true
	}
	// Per year: has it source data, and what do the rows say of each unit.
	hasData := map[int]bool{}
	byUnit := map[int]map[string]unitFigure{}
	kept := rows[:0]
	for _, r := range rows {
		if !reported[r.year] {
			continue // e.g. an audit window reaching past the last year reported
		}
		if ind.Denominator != kov.DenominatorGoals && !in.populationOf(mode, r.year).active[r.unit] {
			continue // no unit of the year receives the row: it is no data (spec 1.1)
		}
		hasData[r.year] = true
		if byUnit[r.year] == nil {
			byUnit[r.year] = map[string]unitFigure{}
		}
		unit := r.unit
		if ind.Denominator == kov.DenominatorGoals {
			unit = "" // national only: every row of the year counts for the country
		}
		f, seen := byUnit[r.year][unit]
		if ind.Counted() {
			f.numerator += r.numerator
			f.denominator += r.denominator
		} else {
			decision := int64(0)
			if r.meets {
				decision = 1
			}
			if seen && f.numerator != decision {
				return nil, nil, fmt.Errorf("indicator %s (%s, %s): the rows of %s in %d disagree on meets: the SQL must decide once per unit and year",
					ind.ID, ind.QueryName(), mode, r.unit, r.year)
			}
			f.numerator, f.denominator = decision, 1
		}
		byUnit[r.year][unit] = f
		kept = append(kept, r)
	}

	// A national figure a year and, when the indicator has them, one per unit.
	perYear := 1
	if ind.HasLevel(kov.LevelMunicipality) && len(in.years) > 0 {
		perYear += len(in.populationOf(mode, in.years[len(in.years)-1]).units)
	}
	out := make([]kov.Figure, 0, len(in.years)*perYear)
	population := map[int]map[string]bool{}
	hasMunicipal := ind.HasLevel(kov.LevelMunicipality)
	for _, y := range in.years {
		// "No source data" (spec 1.1): no row of the indicator attributed to a unit of
		// the year, the same for every indicator.
		sourceHasRows := hasData[y]
		raw := byUnit[y]
		national := kov.Figure{IndicatorID: ind.ID, Year: y, Level: kov.LevelNational, EhakCode: kov.NationalCode, Name: kov.NationalName}
		if ind.Denominator == kov.DenominatorGoals {
			f := raw[""]
			national.Numerator, national.Denominator = f.numerator, f.denominator
			out = append(out, finish(national, ind, y))
			continue
		}
		units := in.populationOf(mode, y).units
		if ind.Denominator == kov.DenominatorMergedMunicipalities {
			units = in.populationOf(mode, y).merged
		}
		population[y] = map[string]bool{}
		withData := 0
		municipal := make([]kov.Figure, 0, len(units))
		for _, u := range units {
			population[y][u.Code] = true
			fig := kov.Figure{IndicatorID: ind.ID, Year: y, Level: kov.LevelMunicipality, EhakCode: u.Code, Name: u.Name,
				CountyCode: u.CountyCode, UnitType: u.Type}
			f, decided := raw[u.Code]
			if ind.UnitsWithoutRowsMeetNothing() && sourceHasRows {
				decided = true // no row means the condition is not met (II.1, IV.2)
				f.denominator = 1
			}
			if decided && sourceHasRows {
				fig.Numerator, fig.Denominator = f.numerator, f.denominator
				if f.denominator > 0 {
					withData++
				}
			}
			national.Numerator += fig.Numerator
			national.Denominator += fig.Denominator
			municipal = append(municipal, finish(fig, ind, y))
		}
		if sourceHasRows {
			poolShares(ind, &national, int64(withData), int64(len(units)))
		}
		out = append(out, finish(national, ind, y))
		if hasMunicipal {
			out = append(out, municipal...)
		}
	}
	for i := range kept {
		kept[i].inFigures = ind.Denominator == kov.DenominatorGoals || population[kept[i].year][kept[i].unit]
	}
	return out, kept, nil
}

// poolShares makes a pooled figure (national, or of a group of units) of a share of
// municipalities: a unit without data counts as not meeting the condition, so the
// denominator is every unit of the pool (count), except for IV.1b, whose denominator
// is those that answered; coverage is the share of units with data. Counted
// indicators pool their rows as they are.
func poolShares(ind *kov.Indicator, f *kov.Figure, withData, count int64) {
	if ind.Counted() {
		return
	}
	if ind.Denominator != kov.DenominatorRespondents {
		f.Denominator = count
	}
	f.Coverage = percent(withData, count)
}

// finish fills in the value, target, flags and interval of a figure.
func finish(f kov.Figure, ind *kov.Indicator, year int) kov.Figure {
	f.Value = percent(f.Numerator, f.Denominator)
	if t, ok := ind.Target(year); ok {
		f.Target = &t
	}
	if f.Value == nil {
		f.Flags = append(f.Flags, kov.FlagNoData)
		f.Coverage = nil
	} else if ind.Denominator == kov.DenominatorRows && f.Denominator <= smallSample {
		f.Flags = append(f.Flags, kov.FlagSmallN)
	}
	if ind.DefinitionChangedIn(year) {
		f.Flags = append(f.Flags, kov.FlagDefinitionChanged)
	}
	if ind.Source == kov.SourceSurvey && f.Level != kov.LevelMunicipality && f.Denominator > 0 {
		low, high := surveys.Wilson(int(f.Numerator), int(f.Denominator))
		low, high = low*100, high*100
		f.CILow, f.CIHigh = &low, &high
	}
	return f
}

// percent is 100·num/den at full precision (one rounding: num·100 is exact), or nil
// when den is 0.
func percent(num, den int64) *float64 {
	if den == 0 {
		return nil
	}
	v := float64(num*100) / float64(den)
	return &v
}

// seriesKey identifies one unit's series of an indicator.
type seriesKey struct {
	level kov.Level
	code  string
}

// judge sets the status of every figure, judged over the unit's whole series.
func judge(figures []kov.Figure, ind *kov.Indicator) {
	series := map[seriesKey][]int{}
	for i, f := range figures {
		k := seriesKey{f.Level, f.EhakCode}
		series[k] = append(series[k], i)
	}
	targets := ind.TargetMap()
	for _, idx := range series {
		points := make([]kov.Point, len(idx))
		for j, i := range idx {
			f := &figures[i]
			points[j] = kov.Point{Year: f.Year, Value: f.Value, Numerator: f.Numerator, Denominator: f.Denominator}
		}
		for j, st := range catalogue.Statuses(points, targets) {
			figures[idx[j]].Status = st
		}
	}
}

// Inputs reads what every indicator needs: the registry and the years reported.
func Inputs(ctx context.Context, s store.Store, cat *catalogue.Catalogue) (*inputs, error) {
	reg, err := registry.Load(ctx, s)
	if err != nil {
		return nil, err
	}
	in := &inputs{cat: cat, reg: reg}
	res, err := s.Query(ctx, yearsQuery(), nil)
	if err != nil {
		return nil, fmt.Errorf("years reported: %w", err)
	}
	span, err := store.Scan[struct {
		First int `ch:"first"`
		Last  int `ch:"last"`
	}](res, "years reported")
	if err != nil || len(span) != 1 {
		return nil, fmt.Errorf("years reported: %d rows, %v", len(span), err)
	}
	first, last := span[0].First, span[0].Last
	for y := first; first > 0 && y <= last; y++ {
		in.years = append(in.years, y)
	}
	return in, nil
}

// yearsQuery asks for the years reported (spec: every year from the earliest to the
// latest in which a measurement row of any kind is dated): the first and last year of
// every source table, from the closed list of sources (kov.SourceTables), the
// only text put into it. A large source's years are read from the counts kept of it
// at insert, which have a row for every year, code and file of its rows and are
// rolled back with them: a few thousand rows, not millions. 0 and 0 when there are
// no rows.
func yearsQuery() string {
	parts := make([]string, 0, len(kov.SourceTables()))
	for _, table := range kov.SourceTables() {
		if counts, ok := kov.CountsTable(table); ok {
			table = counts
		}
		parts = append(parts, "SELECT min(year) AS first, max(year) AS last FROM "+table+" HAVING count() > 0")
	}
	return "SELECT min(first) AS first, max(last) AS last FROM (\n    " + strings.Join(parts, "\n    UNION ALL ") + "\n)"
}

// DataSnapshot is a fingerprint of the loaded data (files and their counts).
func DataSnapshot(ctx context.Context, s store.Store) (string, error) {
	snapshot, _, err := store.SelectOne[struct {
		Snapshot string `ch:"snapshot"`
	}](ctx, s, "metrics.DataSnapshot", nil)
	return snapshot.Snapshot, err
}

// Run computes every indicator in both boundary modes and publishes the result.
func Run(ctx context.Context, s store.Store, cat *catalogue.Catalogue) (Refresh, error) {
	snapshot, err := DataSnapshot(ctx, s)
	if err != nil {
		return Refresh{}, err
	}
	return run(ctx, s, cat, snapshot)
}

// run computes and publishes the figures of the data whose fingerprint is snapshot.
func run(ctx context.Context, s store.Store, cat *catalogue.Catalogue, snapshot string) (Refresh, error) {
	start := time.Now()
	in, err := Inputs(ctx, s, cat)
	if err != nil {
		return Refresh{}, err
	}
	results, err := computeModes(ctx, s, in, kov.AllBoundaries)
	if err != nil {
		return Refresh{}, err
	}
	r := Refresh{ID: start.UTC().Format("20060102T150405.000000000"), Started: start.UTC().Format("2006-01-02 15:04:05.000"),
		CatalogueVersion: cat.Version, CatalogueHash: cat.Hash(), DataSnapshot: snapshot}
	r.Seconds = time.Since(start).Seconds()
	if err := Publish(ctx, s, &r, results); err != nil {
		return Refresh{}, err
	}
	return r, nil
}

// Freshness is the latest refresh (computed: there is one) and whether it was made
// from the current data and catalogue; kovmon refreshes before it answers when it
// was not.
type Freshness struct {
	Latest   Refresh
	Computed bool
	Fresh    bool
	snapshot string // the data's fingerprint it was compared with
}

// CheckFreshness compares the latest refresh with the data and catalogue.
func CheckFreshness(ctx context.Context, s store.Store, cat *catalogue.Catalogue) (Freshness, error) {
	var f Freshness
	var err error
	if f.snapshot, err = DataSnapshot(ctx, s); err != nil {
		return f, err
	}
	if f.Latest, f.Computed, err = LatestRefresh(ctx, s); err != nil || !f.Computed {
		return f, err
	}
	f.Fresh = f.Latest.DataSnapshot == f.snapshot && f.Latest.CatalogueHash == cat.Hash()
	return f, nil
}

// EnsureFresh refreshes the computed tables when they are stale.
func EnsureFresh(ctx context.Context, s store.Store, cat *catalogue.Catalogue) error {
	f, err := CheckFreshness(ctx, s, cat)
	if err != nil || f.Fresh {
		return err
	}
	_, err = run(ctx, s, cat, f.snapshot)
	return err
}
