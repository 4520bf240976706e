package dashboards

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"ee/kovmon/i18n"
	"ee/kovmon/internal/echarts"
	"ee/kovmon/internal/fixture"
	"ee/kovmon/kov"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/registry"
	"ee/kovmon/store/storetest"
)

// Kiili vald (0305) and Saku vald (0719), recoded in July 2019, are drawn with the
// shapes of 0304 and 0718 on every map from 2019 on, in both boundary modes, and no
// page says they are missing from the map (spec/indicators.md 1.1: a recode changes
// the code, not the territory).
func TestRecodedUnitsAreOnTheMap(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	fixture.RealRegistry(t, s)
	reg, err := registry.Load(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	cat := catalogue.Default()
	years := []int{2019, 2020, 2021}
	var computed []metrics.Computed
	for _, mode := range kov.AllBoundaries {
		c := metrics.Computed{Boundaries: mode}
		for _, y := range years {
			c.Figures = append(c.Figures, halfFigure(y, kov.LevelNational, kov.NationalCode, kov.NationalName))
			for _, u := range reg.ActiveUnits(mode, y) {
				c.Figures = append(c.Figures, halfFigure(y, kov.LevelMunicipality, u.Code, u.Name))
			}
		}
		computed = append(computed, c)
	}
	ref := metrics.Refresh{ID: "maps", Started: "2026-12-01 10:00:00", CatalogueVersion: cat.Version, CatalogueHash: cat.Hash()}
	if err := metrics.Publish(ctx, s, &ref, computed); err != nil {
		t.Fatal(err)
	}
	h := New(Options{Store: s, Catalogue: cat, EChartsPath: echarts.Find(), GeoJSON: fixture.Boundaries(t)})
	notOnMap, _, _ := strings.Cut(i18n.T("en", "dashboards.map_missing", ""), "%")
	for _, mode := range kov.AllBoundaries {
		for _, y := range years {
			url := fmt.Sprintf("/indicator/II.2?year=%d&boundaries=%s&lang=en", y, mode)
			status, body := get(t, h, url)
			if status != http.StatusOK {
				t.Fatalf("%s: %d", url, status)
			}
			page := string(body)
			for _, name := range []string{"Kiili vald", "Saku vald"} {
				// The map's item of the unit: its shape's name and its value.
				onMap := regexp.MustCompile(`"name":"` + name + `","tooltip":\{"formatter":"` + name + `: [^"]*"\},"value":50\}`)
				if !onMap.MatchString(page) {
					t.Errorf("%s: %s is not drawn on the map", url, name)
				}
			}
			if strings.Contains(page, notOnMap) {
				t.Errorf("%s says %q", url, page[strings.Index(page, notOnMap):][:80])
			}
		}
	}
}

// halfFigure is a II.2 figure of 1 / 2.
func halfFigure(year int, level kov.Level, code, name string) kov.Figure {
	v := 50.0
	return kov.Figure{IndicatorID: "II.2", Year: year, Level: level, EhakCode: code, Name: name,
		Value: &v, Numerator: 1, Denominator: 2, Status: "no_target", CatalogueVersion: "maps"}
}
