package report

import (
	"context"
	"flag"
	"path/filepath"
	"testing"
	"time"

	"ee/kovmon/ingest"
	"ee/kovmon/kov"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/store"
	"ee/kovmon/store/storetest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// The fixture: a registry of five units in which two merge in October 2017 (so 2016
// has four municipalities and 2017–2018 three), a small survey with one bad row,
// and made-up figures for every indicator in 2016–2018, published as a refresh.
const (
	fixtureSnapshot = "fixture-snapshot-0001"
	fixtureRefresh  = "r-fixture"
	fixtureYear     = 2018
)

// fixtureDate is the title page's date in the goldens.
var fixtureDate = time.Date(2019, 2, 15, 12, 0, 0, 0, time.UTC)

type unit struct{ code, name, county, kind string }

var (
	allika   = unit{"0001", "Allika vald", "0037", "vald"}
	kase     = unit{"0002", "Kase vald", "0037", "vald"}
	jarve    = unit{"0003", "Järveküla linn", "0037", "linn"}
	metsa    = unit{"0004", "Metsa vald", "0078", "vald"}
	merged   = unit{"0010", "Allika-Kase vald", "0037", "vald"}
	unitsOf  = map[int][]unit{2016: {allika, kase, jarve, metsa}, 2017: {jarve, metsa, merged}, 2018: {jarve, metsa, merged}}
	mergedOf = map[int][]unit{2017: {merged}, 2018: {merged}}
)

// rateRows pins the I.1 and I.4 rows of 2018 so that the national I.1 is 45,6 %
// (456 of 1000 feedback scores) and one I.4 row is a small sample.
var rateRows = map[string]map[string][2]int64{
	"I.1": {"0003": {200, 400}, "0004": {100, 300}, "0010": {156, 300}},
	"I.4": {"0003": {610, 900}, "0004": {3, 8}, "0010": {400, 700}},
}

func newFixture(t testing.TB) store.Store {
	t.Helper()
	ctx := context.Background()
	s := storetest.New(t)
	loader := &ingest.Loader{Store: s}
	for _, kind := range []string{"municipalities", "mergers", "survey"} {
		file := filepath.Join("testdata", "fixture", kind+".csv")
		res, err := ingest.Run(ctx, loader, "test", []string{file}, kind)
		if err != nil || len(res) != 1 || res[0].Status != "loaded" {
			t.Fatalf("load %s: %v %+v", file, err, res)
		}
	}
	cat := catalogue.Default()
	ref := metrics.Refresh{ID: fixtureRefresh, Started: "2019-02-01 10:00:00", CatalogueVersion: cat.Version,
		CatalogueHash: cat.Hash(), DataSnapshot: fixtureSnapshot}
	forecast := metrics.ForecastRow{IndicatorID: "I.1", Level: kov.LevelNational, EhakCode: kov.NationalCode,
		Year: 2019, Value: 50.2, Low80: 41.3, High80: 59.1, Method: "ols_linear_trend", Points: 3}
	computed := metrics.Computed{Boundaries: kov.BoundariesAsOf, Figures: fixtureFigures(cat),
		Forecasts: []metrics.ForecastRow{forecast}}
	if err := metrics.Publish(ctx, s, &ref, []metrics.Computed{computed}); err != nil {
		t.Fatal(err)
	}
	return s
}

// fixtureFigures makes every indicator's rows by the spec's rules from deterministic
// made-up counts, and judges them with the catalogue's own status rules.
func fixtureFigures(cat *catalogue.Catalogue) []kov.Figure {
	var out []kov.Figure
	for k := range cat.Indicators {
		ind := &cat.Indicators[k]
		series := map[string][]kov.Figure{} // by code, over the years
		for year := 2016; year <= 2018; year++ {
			national := kov.Figure{IndicatorID: ind.ID, Year: year, Level: kov.LevelNational,
				EhakCode: kov.NationalCode, Name: kov.NationalName}
			units := unitsOf[year]
			if ind.Denominator == kov.DenominatorMergedMunicipalities {
				units = mergedOf[year]
			}
			withData := int64(0)
			for j, u := range units {
				num, den := fixtureCounts(ind, k, j, year, u.code)
				if ind.Denominator == kov.DenominatorGoals {
					continue
				}
				f := kov.Figure{IndicatorID: ind.ID, Year: year, Level: kov.LevelMunicipality, EhakCode: u.code,
					Name: u.name, CountyCode: u.county, UnitType: u.kind, Numerator: num, Denominator: den}
				series[u.code] = append(series[u.code], f)
				national.Numerator += num
				if den > 0 {
					withData++
				}
				switch ind.Denominator {
				case kov.DenominatorRows, kov.DenominatorRespondents:
					national.Denominator += den
				default:
					national.Denominator++
				}
			}
			if ind.Denominator == kov.DenominatorGoals {
				national.Numerator, national.Denominator = []int64{3, 5, 7}[year-2016], []int64{8, 10, 10}[year-2016]
			}
			if ind.MunicipalYesNo() && len(units) > 0 {
				coverage := 100 * float64(withData) / float64(len(units))
				national.Coverage = &coverage
			}
			series[kov.NationalCode] = append(series[kov.NationalCode], national)
		}
		for _, code := range []string{kov.NationalCode, "0001", "0002", "0003", "0004", "0010"} {
			out = append(out, judge(ind, series[code])...)
		}
	}
	return out
}

// fixtureCounts gives one municipality's numerator and denominator.
func fixtureCounts(ind *kov.Indicator, k, j, year int, code string) (num, den int64) {
	if year == fixtureYear {
		if row, ok := rateRows[ind.ID][code]; ok {
			return row[0], row[1]
		}
	}
	if ind.Denominator == kov.DenominatorRows {
		den = int64(100 + 50*j + 10*(year-2016))
		share := int64(25 + (7*k+6*(year-2016)+9*j)%55)
		return den * share / 100, den
	}
	alwaysDecided := ind.ID == "II.1" || ind.ID == "IV.2"
	if !alwaysDecided && (k*5+j+year)%7 == 0 {
		return 0, 0
	}
	if (k+j+year)%3 != 0 {
		return 1, 1
	}
	return 0, 1
}

// judge fills value, target, status and flags of one unit's series.
func judge(ind *kov.Indicator, series []kov.Figure) []kov.Figure {
	points := make([]kov.Point, len(series))
	for i := range series {
		f := &series[i]
		if f.Denominator > 0 {
			v := 100 * float64(f.Numerator) / float64(f.Denominator)
			f.Value = &v
		} else {
			f.Flags = append(f.Flags, "no_data")
		}
		if f.Denominator > 0 && f.Denominator < 10 && ind.Denominator == kov.DenominatorRows {
			f.Flags = append(f.Flags, "small_n")
		}
		if t, ok := ind.Target(f.Year); ok {
			f.Target = &t
		}
		points[i] = kov.Point{Year: f.Year, Value: f.Value, Numerator: f.Numerator, Denominator: f.Denominator}
	}
	for i, st := range catalogue.Statuses(points, ind.TargetMap()) {
		series[i].Status = st
	}
	return series
}
