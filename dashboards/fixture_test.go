package dashboards

import (
	"context"
	"flag"
	"hash/fnv"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"ee/kovmon/internal/echarts"
	"ee/kovmon/internal/fixture"
	"ee/kovmon/kov"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/registry"
	"ee/kovmon/store"
	"ee/kovmon/store/storetest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// fixtureYears are the years of the fixture figures: before, during and after the
// reform, and a year after the last target (2019), as the real data have.
var fixtureYears = []int{2016, 2017, 2018, 2019}

// newFixture loads the real registry and two small measurement files through the
// ingest pipeline, publishes made-up figures for every indicator, and returns the
// store and the dashboards' handler on it.
func newFixture(t testing.TB) (store.Store, http.Handler) {
	t.Helper()
	ctx := context.Background()
	s := storetest.New(t)
	fixture.RealRegistry(t, s, [2]string{"testdata/survey.csv", "survey"}, [2]string{"testdata/trainings.csv", "trainings"})
	reg, err := registry.Load(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	cat := catalogue.Default()
	// The figures are made up; the rows behind them (coverage) are the definitions'
	// rows of the two files loaded.
	in, err := metrics.Inputs(ctx, s, cat)
	if err != nil {
		t.Fatal(err)
	}
	var computed []metrics.Computed
	for _, boundaries := range kov.AllBoundaries {
		real, err := metrics.Compute(ctx, s, in, boundaries)
		if err != nil {
			t.Fatal(err)
		}
		c := fixtureFigures(cat, reg, boundaries)
		c.Rows = real.Rows
		computed = append(computed, c)
	}
	ref := metrics.Refresh{ID: "fixture", Started: "2026-11-25 10:00:00", CatalogueVersion: cat.Version, CatalogueHash: cat.Hash()}
	if err := metrics.Publish(ctx, s, &ref, computed); err != nil {
		t.Fatal(err)
	}
	h := New(Options{Store: s, Catalogue: cat, EChartsPath: echarts.Find(), GeoJSON: fixture.Boundaries(t)})
	return s, h
}

// fixtureFigures makes deterministic figures: a value from a hash of indicator, unit
// and year (a municipal row of a yes/no indicator 100 or 0), a status judged against the catalogue's target, a Wilson interval on the
// survey indicators, a definition change on I.1 in 2018, and a forecast per indicator.
func fixtureFigures(cat *catalogue.Catalogue, reg *registry.Registry, boundaries kov.Boundaries) metrics.Computed {
	out := metrics.Computed{Boundaries: boundaries}
	for _, ind := range cat.Indicators {
		var last float64
		for _, year := range fixtureYears {
			date := kov.YearEnd(year)
			if boundaries == kov.BoundariesCurrent {
				date = reg.LatestDate()
			}
			target := targetOf(&ind, year)
			nat := fixtureFigure(&ind, year, kov.LevelNational, kov.NationalCode, kov.NationalName, target)
			if ind.ID == "I.1" && year == 2018 {
				nat.Flags = append(nat.Flags, "definition_changed")
			}
			out.Figures = append(out.Figures, nat)
			last = *nat.Value
			if !ind.HasLevel(kov.LevelMunicipality) {
				continue
			}
			for _, u := range reg.ActiveOn(date) {
				f := fixtureFigure(&ind, year, kov.LevelMunicipality, u.Code, u.Name, target)
				f.CountyCode, f.UnitType = u.CountyCode, u.Type
				out.Figures = append(out.Figures, f)
			}
		}
		for i, year := range []int{2020, 2021, 2022} {
			spread := 5 * float64(i+1)
			out.Forecasts = append(out.Forecasts, metrics.ForecastRow{IndicatorID: ind.ID, Level: kov.LevelNational,
				EhakCode: kov.NationalCode, Year: year, Value: last + 2*float64(i+1), Low80: last + 2*float64(i+1) - spread,
				High80: last + 2*float64(i+1) + spread, Method: "ols_linear_trend", Points: 3})
		}
	}
	return out
}

func targetOf(ind *kov.Indicator, year int) *float64 {
	if t, ok := ind.Target(year); ok {
		return &t
	}
	return nil
}

func fixtureFigure(ind *kov.Indicator, year int, level kov.Level, code, name string, target *float64) kov.Figure {
	h := fnv.New32a()
	h.Write([]byte(ind.ID + "/" + code + "/" + strconv.Itoa(year)))
	n := h.Sum32()
	f := kov.Figure{IndicatorID: ind.ID, Year: year, Level: level, EhakCode: code, Name: name, Target: target,
		CatalogueVersion: "fixture"}
	if level == kov.LevelMunicipality && n%13 == 0 {
		f.Status, f.Flags = kov.StatusNoData, kov.Flags{kov.FlagNoData}
		return f
	}
	f.Denominator = int64(20 + n%80)
	f.Numerator = int64(n/97) % (f.Denominator + 1)
	if level == kov.LevelMunicipality && ind.MunicipalYesNo() {
		// The spec's rows of a share of municipalities: 1/1 meets, 0/1 does not.
		f.Denominator, f.Numerator = 1, int64(n/7)%2
	}
	// National figures climb over the years so that the overview has a story.
	if level == kov.LevelNational {
		f.Numerator = f.Denominator * int64(25+10*(year-2016)+int(n%20)) / 100
	}
	v := 100 * float64(f.Numerator) / float64(f.Denominator)
	f.Value = &v
	switch {
	case target != nil && v >= *target:
		f.Status = "achieved"
	case target != nil:
		f.Status = "not_achieved"
	case year == fixtureYears[0]:
		f.Status = "baseline"
	case year > 2018:
		f.Status = "no_target"
	case v >= 40:
		f.Status = "on_track"
	default:
		f.Status = "off_track"
	}
	if ind.Source == kov.SourceSurvey {
		low, high := v-8, v+8
		f.CILow, f.CIHigh = &low, &high
	}
	return f
}

// serve starts the handler on a loopback test server.
func serve(t testing.TB, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// outputDir is testout/ under the repository root (gitignored), for screenshots.
func outputDir(t testing.TB) string {
	dir, err := filepath.Abs(filepath.Join("..", "testout", "dashboards"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
