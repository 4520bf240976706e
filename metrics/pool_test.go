package metrics_test

import (
	"context"
	"reflect"
	"testing"

	"ee/kovmon/kov"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/store/storetest"
)

// TestPoolOfEveryUnitIsTheNationalFigure: a group of all the municipalities of each
// year pools to the national figure exactly — numerator, denominator, value,
// coverage, interval and status — for every indicator with municipal rows, in both
// boundary modes, on the demo data. That is what lets the pages call a county's or a
// town group's figure "pooled like the national one".
func TestPoolOfEveryUnitIsTheNationalFigure(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	loadDemo(t, ctx, s, func(string) bool { return true })
	cat := catalogue.Default()
	if _, err := metrics.Run(ctx, s, cat); err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, mode := range kov.AllBoundaries {
		for i := range cat.Indicators {
			ind := &cat.Indicators[i]
			if !ind.HasLevel(kov.LevelMunicipality) {
				continue
			}
			figures, err := metrics.Figures(ctx, s, cat, metrics.Filter{Boundaries: mode, Indicator: ind.ID})
			if err != nil {
				t.Fatal(err)
			}
			var national []kov.Figure
			members := map[int][]kov.Figure{}
			for _, f := range figures {
				if f.Level == kov.LevelNational {
					national = append(national, f)
				} else {
					members[f.Year] = append(members[f.Year], f)
				}
			}
			pooled := metrics.Pool(ind, national, members, "ALL", "all")
			if len(pooled) != len(national) {
				t.Fatalf("%s %s: %d pooled years, %d national", mode, ind.ID, len(pooled), len(national))
			}
			for j, p := range pooled {
				n := national[j]
				got := []any{p.Year, p.Numerator, p.Denominator, deref(p.Value), deref(p.Coverage), deref(p.CILow), deref(p.CIHigh), p.Status, p.Flags}
				want := []any{n.Year, n.Numerator, n.Denominator, deref(n.Value), deref(n.Coverage), deref(n.CILow), deref(n.CIHigh), n.Status, n.Flags}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s %s %d: pooled %v, national %v", mode, ind.ID, n.Year, got, want)
				}
				compared++
			}
		}
	}
	if compared < 100 {
		t.Fatalf("compared only %d figures", compared)
	}
}

func deref(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}
