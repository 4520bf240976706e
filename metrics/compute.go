package metrics

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/registry"
	kovsql "ee/kovmon/sql"
	"ee/kovmon/store"
	"ee/kovmon/surveys"
)

// Flags of spec/indicators.md.
const (
	FlagNoData = "no_data"
	FlagSmallN = "small_n"
	// FlagDefinitionChanged marks the first year of a revised definition (catalogue
	// `revisions`): a break in the series.
	FlagDefinitionChanged = "definition_changed"
)

// smallSample: an I.1 or I.4 figure with a denominator of 1–9 is flagged small_n.
const smallSample = 9

// QueryName is the SQL file of an indicator: "I.1" → indicator.I1, "II.3a" → indicator.II3a.
func QueryName(id string) string { return "indicator." + strings.ReplaceAll(id, ".", "") }

// unitFigure is what an indicator query says of one unit in one year.
type unitFigure struct{ numerator, denominator int64 }

type yearUnit struct {
	year int
	unit string
}

// inputs are what a refresh reads once and every indicator uses.
type inputs struct {
	cat   *catalogue.Catalogue
	reg   *registry.Registry
	years []int
	// sourceYears[mode][source or survey:question] holds the years in which the source
	// has a row attributed to a unit of the year in that boundary mode.
	sourceYears map[string]map[string]map[int]bool
}

// Compute runs the engine for one boundary mode and returns every figure of the
// spec's table (sorted as the spec asks) and the forecasts.
func Compute(ctx context.Context, s store.Store, in *inputs, mode string) (Computed, error) {
	out := Computed{Boundaries: mode}
	for i := range in.cat.Indicators {
		ind := &in.cat.Indicators[i]
		raw, err := runIndicatorQuery(ctx, s, ind, mode)
		if err != nil {
			return out, err
		}
		figures := assemble(in, ind, mode, raw)
		judge(figures, ind)
		out.Figures = append(out.Figures, figures...)
		out.Forecasts = append(out.Forecasts, project(figures, ind)...)
	}
	return out, nil
}

// runIndicatorQuery returns the query's figures by year and unit. Queries of counted
// rows answer numerator and denominator; share-of-municipalities queries answer
// `meets` (1 or 0) for the units that have a deciding row.
func runIndicatorQuery(ctx context.Context, s store.Store, ind *catalogue.Indicator, mode string) (map[yearUnit]unitFigure, error) {
	// A survey indicator's query reads the question the catalogue names, the same
	// one its no_data years and its explanation follow.
	res, err := s.Query(ctx, kovsql.Query(QueryName(ind.ID)), store.Params{"mode": mode, "question": ind.SurveyQuestion})
	if err != nil {
		return nil, fmt.Errorf("indicator %s (%s): %w", ind.ID, mode, err)
	}
	year, unit, meets, num, den := res.Col("year"), res.Col("unit"), res.Col("meets"), res.Col("numerator"), res.Col("denominator")
	figures := make(map[yearUnit]unitFigure, len(res.Rows))
	for _, row := range res.Rows {
		y, _ := strconv.Atoi(row[year])
		var f unitFigure
		if meets >= 0 {
			f.numerator, _ = strconv.ParseInt(row[meets], 10, 64)
			f.denominator = 1
		} else {
			f.numerator, _ = strconv.ParseInt(row[num], 10, 64)
			f.denominator, _ = strconv.ParseInt(row[den], 10, 64)
		}
		figures[yearUnit{y, row[unit]}] = f
	}
	return figures, nil
}

// sourceKey names the rows whose presence in a year decides the spec's "year without
// any source data" rule for an indicator.
func sourceKey(ind *catalogue.Indicator) string {
	switch ind.Source {
	case catalogue.SourceSurvey:
		return "survey:" + ind.SurveyQuestion
	case catalogue.SourceAudits:
		return "audits_window" // II.1 looks at Y-2..Y
	}
	return string(ind.Source)
}

// assemble turns an indicator query's answer into the rows of the spec: one national
// row, and a municipal row per unit of the year's population (none for national-only
// indicators).
func assemble(in *inputs, ind *catalogue.Indicator, mode string, raw map[yearUnit]unitFigure) []Figure {
	var out []Figure
	hasMunicipal := ind.HasLevel(catalogue.LevelMunicipality)
	for _, y := range in.years {
		// "No source data" (spec 1.1): no row of the source attributed to a unit of the
		// year, the same for every indicator.
		sourceHasRows := in.sourceYears[mode][sourceKey(ind)][y]
		national := Figure{IndicatorID: ind.ID, Year: y, Level: LevelNational, EhakCode: NationalCode, Name: NationalName}
		if ind.Denominator == catalogue.DenominatorGoals {
			if f, ok := raw[yearUnit{y, ""}]; ok {
				national.Numerator, national.Denominator = f.numerator, f.denominator
			}
			out = append(out, finish(national, ind, y))
			continue
		}
		units := in.reg.ActiveUnits(mode, y)
		if ind.Denominator == catalogue.DenominatorMergedMunicipalities {
			units = in.reg.MergedUnits(mode, y)
		}
		withData := 0
		var municipal []Figure
		for _, u := range units {
			fig := Figure{IndicatorID: ind.ID, Year: y, Level: LevelMunicipality, EhakCode: u.Code, Name: u.Name,
				CountyCode: u.CountyCode, UnitType: u.Type}
			f, decided := raw[yearUnit{y, u.Code}]
			if everyUnitHasData(ind) && sourceHasRows {
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
		if ind.Denominator != catalogue.DenominatorRows && sourceHasRows {
			// Shares of municipalities: a unit without data counts as not meeting the
			// condition, except for IV.1b, whose denominator is those that answered.
			if ind.Denominator != catalogue.DenominatorRespondents {
				national.Denominator = int64(len(units))
			}
			national.Coverage = percent(int64(withData), int64(len(units)))
		}
		out = append(out, finish(national, ind, y))
		if hasMunicipal {
			out = append(out, municipal...)
		}
	}
	return out
}

// everyUnitHasData: for II.1 and IV.2 a unit with no row simply did not do the thing.
func everyUnitHasData(ind *catalogue.Indicator) bool {
	return ind.Source == catalogue.SourceAudits || ind.Source == catalogue.SourceTrainings
}

// finish fills in the value, target, flags and interval of a figure.
func finish(f Figure, ind *catalogue.Indicator, year int) Figure {
	f.Value = percent(f.Numerator, f.Denominator)
	if t, ok := ind.Target(year); ok {
		f.Target = &t
	}
	if f.Value == nil {
		f.Flags = append(f.Flags, FlagNoData)
		f.Coverage = nil
	} else if ind.Denominator == catalogue.DenominatorRows && f.Denominator <= smallSample {
		f.Flags = append(f.Flags, FlagSmallN)
	}
	if ind.DefinitionChangedIn(year) {
		f.Flags = append(f.Flags, FlagDefinitionChanged)
	}
	if ind.Source == catalogue.SourceSurvey && f.Level != LevelMunicipality && f.Denominator > 0 {
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
type seriesKey struct{ level, code string }

// judge sets the status of every figure, judged over the unit's whole series.
func judge(figures []Figure, ind *catalogue.Indicator) {
	series := map[seriesKey][]int{}
	for i, f := range figures {
		k := seriesKey{f.Level, f.EhakCode}
		series[k] = append(series[k], i)
	}
	targets := ind.TargetMap()
	for _, idx := range series {
		points := make([]catalogue.Point, len(idx))
		for j, i := range idx {
			f := &figures[i]
			points[j] = catalogue.Point{Year: f.Year, Value: f.Value, Numerator: f.Numerator, Denominator: f.Denominator}
		}
		for j, st := range catalogue.Statuses(points, targets) {
			figures[idx[j]].Status = string(st)
		}
	}
}

// Inputs reads what every indicator needs: the registry, the years with data and
// which sources have rows attributed to a unit of the year in which years, per
// boundary mode.
func Inputs(ctx context.Context, s store.Store, cat *catalogue.Catalogue) (*inputs, error) {
	reg, err := registry.Load(ctx, s)
	if err != nil {
		return nil, err
	}
	in := &inputs{cat: cat, reg: reg, sourceYears: map[string]map[string]map[int]bool{}}
	first, last := 0, 0
	for _, mode := range []string{BoundariesAsOf, BoundariesCurrent} {
		res, err := s.Query(ctx, kovsql.Query("metrics.SourceYears"), store.Params{"mode": mode})
		if err != nil {
			return nil, fmt.Errorf("source years (%s): %w", mode, err)
		}
		bySource := map[string]map[int]bool{}
		for _, row := range res.Rows {
			source, question, attributed := row[0], row[1], row[3] == "1"
			y, _ := strconv.Atoi(row[2])
			if source != "audits_window" { // not a year any row is dated in
				if first == 0 || y < first {
					first = y
				}
				last = max(last, y)
			}
			if !attributed {
				continue // a year is reported whenever a row is dated in it, data or not
			}
			key := source
			if question != "" {
				key = source + ":" + question
			}
			if bySource[key] == nil {
				bySource[key] = map[int]bool{}
			}
			bySource[key][y] = true
		}
		in.sourceYears[mode] = bySource
	}
	for y := first; first > 0 && y <= last; y++ {
		in.years = append(in.years, y)
	}
	return in, nil
}

// DataSnapshot is a fingerprint of the loaded data (files and their counts).
func DataSnapshot(ctx context.Context, s store.Store) (string, error) {
	res, err := s.Query(ctx, kovsql.Query("metrics.DataSnapshot"), nil)
	if err != nil {
		return "", err
	}
	return res.Rows[0][0], nil
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
	var results []Computed
	for _, mode := range []string{BoundariesAsOf, BoundariesCurrent} {
		c, err := Compute(ctx, s, in, mode)
		if err != nil {
			return Refresh{}, err
		}
		results = append(results, c)
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
