package metrics_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"ee/kovmon/demo"
	"ee/kovmon/ingest"
	"ee/kovmon/kov"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/refdata"
	"ee/kovmon/registry"
	"ee/kovmon/store"
	"ee/kovmon/store/storetest"
)

// loadDemo loads the real registry (refdata) and the small demo data set (seed
// 1) through the real ingest; keep chooses the demo's measurement kinds to load.
func loadDemo(t testing.TB, ctx context.Context, s store.Store, keep func(kind string) bool) {
	t.Helper()
	loader := &ingest.Loader{Store: s, SurveyAnswer: surveysFor(t, catalogue.Default()).CheckAnswer}
	load := func(kind, path string) {
		results, err := ingest.Run(ctx, loader, "test", []string{path}, kind)
		if err != nil || results[0].Status != "loaded" {
			t.Fatalf("load %s %s: %v %+v", kind, path, err, results)
		}
	}
	load("municipalities", refdata.Path(refdata.Municipalities))
	load("mergers", refdata.Path(refdata.Mergers))
	manifest, err := demo.Generate(t.TempDir(), demo.Options{Seed: 1, Registry: refdata.FS()})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range manifest.Files {
		if f.Kind != "municipalities" && f.Kind != "mergers" && keep(f.Kind) {
			load(f.Kind, f.Path)
		}
	}
}

// TestNationalFiguresAddUp checks the engine against sums it does not make itself,
// for every year and both boundary modes, on the demo data:
//   - the national I.1 and I.4 numerators and denominators are the sums of the
//     municipal ones, and both equal an independent count: the raw rows grouped by
//     Tallinn year and recorded code, the indicator's rule applied in Go, each code
//     attributed with Registry.SuccessorOn, units not active in the year left out;
//   - the national denominator of every share-of-municipalities indicator is the
//     number of active (or merged) units of the year, unless the figure is no_data.
func TestNationalFiguresAddUp(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	loadDemo(t, ctx, s, func(string) bool { return true })
	cat := catalogue.Default()
	if _, err := metrics.Run(ctx, s, cat); err != nil {
		t.Fatal(err)
	}
	reg, err := registry.Load(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	central := map[string]bool{"KOVTP": true, "VOLIS": true, "RPIS": true, "KOVMEN": true}
	acts := map[string]bool{"submit": true, "decision": true, "notification": true}
	paperless := map[string]bool{"web": true, "portal": true, "email": true, "xroad": true}
	raw := map[string][]codeCount{
		// The spec's rules, applied here to rows grouped by what they turn on.
		"I.1": rawCounts(t, ctx, s, "SELECT toYear(toTimeZone(submitted_at, 'Europe/Tallinn')) AS y, ehak_code, system, score, count() FROM feedback GROUP BY y, ehak_code, system, score",
			func(system, score string) (counts, satisfied bool) {
				n, _ := strconv.Atoi(score)
				return central[system], n >= 4
			}),
		"I.4": rawCounts(t, ctx, s, "SELECT toYear(toTimeZone(event_time, 'Europe/Tallinn')) AS y, ehak_code, event, channel, count() FROM usage GROUP BY y, ehak_code, event, channel",
			func(event, channel string) (counts, isPaperless bool) { return acts[event], paperless[channel] }),
	}
	for _, mode := range kov.AllBoundaries {
		figures, err := metrics.Figures(ctx, s, cat, metrics.Filter{Boundaries: mode})
		if err != nil {
			t.Fatal(err)
		}
		byKey := map[figureKey][]kov.Figure{} // national first, as the table is sorted
		years := map[int]bool{}
		for _, f := range figures {
			k := figureKey{f.IndicatorID, f.Year}
			byKey[k] = append(byKey[k], f)
			years[f.Year] = true
		}
		if len(years) < 6 {
			t.Fatalf("%s: figures for %d years, the demo covers 2016–2021", mode, len(years))
		}
		for y := range years {
			day := reg.BoundaryDate(mode, y)
			for id, rows := range raw {
				checkCountedFigures(t, mode, y, byKey[figureKey{id, y}], attribute(reg, day, y, rows))
			}
			active, merged := unitsOn(reg, day, y)
			for _, ind := range cat.Indicators {
				want := active
				switch ind.Denominator {
				case kov.DenominatorActiveMunicipalities:
				case kov.DenominatorMergedMunicipalities:
					want = merged
				default:
					continue
				}
				national := byKey[figureKey{ind.ID, y}][0]
				if national.Level != kov.LevelNational {
					t.Fatalf("%s %s %d: first row is %s %s", mode, ind.ID, y, national.Level, national.EhakCode)
				}
				if !national.HasFlag(kov.FlagNoData) && national.Denominator != int64(want) {
					t.Errorf("%s %s %d: national denominator %d, the registry has %d such units", mode, ind.ID, y, national.Denominator, want)
				}
			}
		}
	}
}

type figureKey struct {
	id   string
	year int
}

// codeCount is a count of raw rows of one Tallinn year and recorded code.
type codeCount struct {
	year           int
	code           string
	numerator, den int64
}

// rawCounts runs a query answering (year, code, a, b, count) and keeps the rows that
// rule counts, numerator where it says so.
func rawCounts(t *testing.T, ctx context.Context, s store.Store, query string, rule func(a, b string) (counts, inNumerator bool)) []codeCount {
	t.Helper()
	res, err := s.Query(ctx, query, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []codeCount
	for _, r := range res.Rows {
		counts, inNumerator := rule(r[2], r[3])
		if !counts {
			continue
		}
		y, _ := strconv.Atoi(r[0])
		n, _ := strconv.ParseInt(r[4], 10, 64)
		c := codeCount{year: y, code: r[1], den: n}
		if inNumerator {
			c.numerator = n
		}
		out = append(out, c)
	}
	return out
}

// attribute sums year y's counts per unit active on day, each code going to its
// successor on that day; codes that reach no active unit are left out.
func attribute(reg *registry.Registry, day time.Time, y int, rows []codeCount) map[string][2]int64 {
	out := map[string][2]int64{}
	for _, r := range rows {
		if r.year != y {
			continue
		}
		unit, ok := reg.SuccessorOn(r.code, day)
		if !ok {
			continue // the code reaches no unit of that day
		}
		if u, found := reg.Unit(unit, day); !found || !u.ActiveOn(day) {
			continue
		}
		sum := out[unit]
		out[unit] = [2]int64{sum[0] + r.numerator, sum[1] + r.den}
	}
	return out
}

// checkCountedFigures compares an I.1 or I.4 year (national row first) with the
// independent counts per unit.
func checkCountedFigures(t *testing.T, mode kov.Boundaries, y int, rows []kov.Figure, want map[string][2]int64) {
	t.Helper()
	if len(rows) == 0 {
		t.Fatalf("%s %d: no rows", mode, y)
	}
	national, municipal := rows[0], rows[1:]
	id := national.IndicatorID
	var sum, wantNational [2]int64
	seen := map[string]bool{}
	for _, f := range municipal {
		sum[0] += f.Numerator
		sum[1] += f.Denominator
		seen[f.EhakCode] = true
		if w := want[f.EhakCode]; f.Numerator != w[0] || f.Denominator != w[1] {
			t.Errorf("%s %s %d %s: %d / %d, the raw rows give %d / %d", mode, id, y, f.EhakCode, f.Numerator, f.Denominator, w[0], w[1])
		}
	}
	for code, w := range want {
		wantNational[0] += w[0]
		wantNational[1] += w[1]
		if !seen[code] {
			t.Errorf("%s %s %d: active unit %s has %d rows but no municipal figure", mode, id, y, code, w[1])
		}
	}
	if got := [2]int64{national.Numerator, national.Denominator}; got != sum || got != wantNational {
		t.Errorf("%s %s %d national: %d / %d; municipal rows sum to %d / %d; the raw rows give %d / %d",
			mode, id, y, got[0], got[1], sum[0], sum[1], wantNational[0], wantNational[1])
	}
	if wantNational[1] == 0 {
		t.Errorf("%s %s %d: no raw rows at all, the check proves nothing", mode, id, y)
	}
}

// unitsOn counts the units active on day by the spec's rule, and of those the merged
// ones (spec 1.1, in both modes): a unit that is itself the successor of a merger
// effective by y-12-31 that is not a recode, or the successor of a recode (its one
// predecessor, the whole area, a code new on the day) whose predecessor is merged.
func unitsOn(reg *registry.Registry, day time.Time, y int) (active, merged int) {
	into := map[string][]kov.Merger{}
	for _, m := range reg.Mergers() {
		into[m.New] = append(into[m.New], m)
	}
	existedBefore := func(code string, d time.Time) bool {
		for _, u := range reg.Units() {
			if u.Code == code && (u.ValidFrom.IsZero() || u.ValidFrom.Before(d)) {
				return true
			}
		}
		return false
	}
	var isMerged func(code string) bool
	isMerged = func(code string) bool {
		ms := into[code]
		if len(ms) == 1 && ms[0].Old != code && ms[0].AreaShare == 1 && !existedBefore(code, ms[0].Effective) {
			return isMerged(ms[0].Old)
		}
		for _, m := range ms {
			if !m.Effective.After(kov.YearEnd(y)) {
				return true
			}
		}
		return false
	}
	seen := map[string]bool{}
	for _, u := range reg.Units() {
		if seen[u.Code] || !u.ActiveOn(day) {
			continue
		}
		seen[u.Code] = true
		active++
		if isMerged(u.Code) {
			merged++
		}
	}
	return active, merged
}
