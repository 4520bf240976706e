package registry_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"ee/kovmon/ingest"
	"ee/kovmon/kov"
	"ee/kovmon/refdata"
	"ee/kovmon/registry"
	"ee/kovmon/store"
	"ee/kovmon/store/storetest"
)

// realData is the real registry of package refdata (213 units before the 2017 reform,
// 79 after it).
var realData = refdata.Dir()

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func loadFiles(t *testing.T, s store.Store, files ...string) []ingest.FileResult {
	t.Helper()
	results, err := ingest.Run(context.Background(), &ingest.Loader{Store: s}, "test", files, "")
	if err != nil {
		t.Fatal(err)
	}
	return results
}

func loadReal(t *testing.T) (store.Store, *registry.Registry) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(realData, "municipalities.csv")); err != nil {
		t.Fatalf("the real registry is missing: %v", err)
	}
	s := storetest.New(t)
	for _, r := range loadFiles(t, s, filepath.Join(realData, "municipalities.csv"), filepath.Join(realData, "mergers.csv")) {
		if r.Status != "loaded" {
			t.Fatalf("%s: %s", r.File, r.Error)
		}
	}
	reg, err := registry.Load(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return s, reg
}

// The reform: 213 units on 2016-12-31, 79 on 2017-12-31 and 2018-12-31 (15 linn,
// 64 vald), as refdata/README.md states.
func TestRealRegistryCounts(t *testing.T) {
	_, reg := loadReal(t)
	for _, c := range []struct {
		day  string
		want int
	}{{"2016-12-31", 213}, {"2017-12-31", 79}, {"2018-12-31", 79}, {"2021-12-31", 79}} {
		if got := len(reg.ActiveOn(day(c.day))); got != c.want {
			t.Errorf("active on %s: %d, want %d", c.day, got, c.want)
		}
	}
	types := map[string]int{}
	for _, u := range reg.ActiveOn(day("2018-12-31")) {
		types[u.Type]++
	}
	if types["linn"] != 15 || types["vald"] != 64 {
		t.Errorf("2018 types %v, want 15 linn and 64 vald", types)
	}
	if got := reg.LatestDate().Format(time.DateOnly); got != "2019-07-01" {
		t.Errorf("latest date %s, want 2019-07-01 (the Kiili and Saku recodes)", got)
	}
}

// Every pre-reform unit has a successor among the 79, and the successors of a year are
// exactly the year's active units.
func TestRealRegistryEveryOldUnitHasASuccessor(t *testing.T) {
	_, reg := loadReal(t)
	active2018 := map[string]bool{}
	for _, u := range reg.ActiveOn(day("2018-12-31")) {
		active2018[u.Code] = true
	}
	for _, u := range reg.ActiveOn(day("2016-12-31")) {
		to, ok := reg.SuccessorOn(u.Code, day("2018-12-31"))
		if !ok || !active2018[to] {
			t.Errorf("%s %s: successor %q (ok=%v) is not a 2018 unit", u.Code, u.Name, to, ok)
		}
	}
}

// The merged municipalities of the real registry (spec/indicators.md 1.1): the same
// 52 units in every year 2017-2021, in both boundary modes. mergers.csv names 56
// successors. Four are recodes - one predecessor, its whole area, a code that did not
// exist before - and do not make their successor merged: Lääne-Nigula 0436 -> 0439
// and Nissi 0518 -> 0517 (2017-04-01; both then merged on in October, into 0441 and
// 0726), Kiili 0304 -> 0305 and Saku 0718 -> 0719 (2019-07-01; Kiili and Saku never
// merged, so 0305 and 0719 are not merged either). The other 52 are successors of a
// real merger in October 2017 and active from then on: 51 with several predecessors
// and Kohtla-Järve linn 0321, whose one predecessor 0322 gave it 94 % of its area.
func TestRealRegistryMergedSet(t *testing.T) {
	_, reg := loadReal(t)
	successors := map[string]int{} // successor → merger rows into it
	var recodes []string
	for _, m := range reg.Mergers() {
		successors[m.New]++
		if reg.IsRecode(m) {
			recodes = append(recodes, m.Old+"->"+m.New)
		}
	}
	sort.Strings(recodes)
	if len(successors) != 56 || strings.Join(recodes, ",") != "0304->0305,0436->0439,0518->0517,0718->0719" {
		t.Fatalf("%d successors, recodes %v; want 56 and the four of refdata/README.md", len(successors), recodes)
	}
	if successors["0321"] != 1 {
		t.Errorf("Kohtla-Järve 0321 has %d predecessors, want 1 (0322, 94 %% of it)", successors["0321"])
	}
	var want []string
	for code := range successors {
		if _, recoded := reg.RecodedFrom(code); !recoded {
			want = append(want, code)
		}
	}
	sort.Strings(want)
	if len(want) != 52 {
		t.Fatalf("%d successors of a merger, want 52", len(want))
	}
	for _, mode := range kov.AllBoundaries {
		if got := reg.MergedUnits(mode, 2016); len(got) != 0 {
			t.Errorf("%s 2016: %d merged units, want none (the reform took effect in October 2017)", mode, len(got))
		}
		for y := 2017; y <= 2021; y++ {
			var got []string
			for _, u := range reg.MergedUnits(mode, y) {
				got = append(got, u.Code)
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%s %d: %d merged units %v, want the 52 %v", mode, y, len(got), got, want)
			}
		}
	}
}

// A recode is recognised by all three of its conditions (one predecessor, its whole
// area, a code new on the day); a merger row that fails any one is not a recode.
func TestRecodes(t *testing.T) {
	units := []kov.Municipality{
		{Code: "0001"}, {Code: "0002"}, {Code: "0007"}, {Code: "0008"}, {Code: "0009"}, {Code: "0013"},
		{Code: "0003", ValidFrom: day("2017-10-22")}, // new, from three predecessors
		{Code: "0004", ValidFrom: day("2017-10-22")}, // new, the whole area of one: a recode
		{Code: "0005", ValidFrom: day("2017-10-22")}, // new, part of one
		{Code: "0006"}, // whole area of one, but it existed before
		{Code: "0012", ValidFrom: day("2016-01-01")}, // the same, valid from an earlier day
	}
	mergers := []kov.Merger{
		{Old: "0001", New: "0003", Effective: day("2017-10-22"), AreaShare: 1},
		{Old: "0002", New: "0003", Effective: day("2017-10-22"), AreaShare: 1},
		{Old: "0007", New: "0004", Effective: day("2017-10-22"), AreaShare: 1},
		{Old: "0008", New: "0005", Effective: day("2017-10-22"), AreaShare: 0.6},
		{Old: "0008", New: "0003", Effective: day("2017-10-22"), AreaShare: 0.4},
		{Old: "0009", New: "0006", Effective: day("2017-10-22"), AreaShare: 1},
		{Old: "0013", New: "0012", Effective: day("2017-10-22"), AreaShare: 1},
	}
	reg, err := registry.New(units, mergers)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range reg.Mergers() {
		if reg.IsRecode(m) {
			got = append(got, m.Old+"->"+m.New)
		}
	}
	if strings.Join(got, ",") != "0007->0004" {
		t.Errorf("recodes %v, want only 0007->0004", got)
	}
	if from, ok := reg.RecodedFrom("0004"); !ok || from != "0007" {
		t.Errorf("RecodedFrom(0004) = %q, %v", from, ok)
	}
	var merged []string
	for _, u := range reg.MergedUnits(kov.BoundariesAsOf, 2018) {
		merged = append(merged, u.Code)
	}
	if strings.Join(merged, ",") != "0003,0005,0006,0012" {
		t.Errorf("merged units 2018 %v, want 0003,0005,0006,0012 (not the recode's 0004)", merged)
	}
}

func TestSuccessorRules(t *testing.T) {
	s := storetest.New(t)
	loadFiles(t, s, "../metrics/testdata/scripts/registry_units.csv", "../metrics/testdata/scripts/registry_mergers.csv")
	reg, err := registry.Load(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		code, day, want string
	}{
		{"0002", "2016-12-31", "0002"}, // still valid
		{"0002", "2017-06-30", "0003"}, // the April recode
		{"0002", "2017-12-31", "0010"}, // transitively: 0002 -> 0003 -> 0010
		{"0021", "2018-12-31", "0020"}, // merged into a unit that kept its code
		{"0020", "2016-12-31", "0020"}, // the old 0020 itself
		{"0030", "2018-12-31", "0020"}, // split: the largest share (0.7) wins
		{"0050", "2019-12-31", "0051"}, // the 2019 recode
		{"0050", "2018-12-31", "0050"},
		{"0010", "2016-12-31", ""}, // did not exist yet
	}
	for _, c := range cases {
		got, ok := reg.SuccessorOn(c.code, day(c.day))
		if got != c.want || ok != (c.want != "") {
			t.Errorf("SuccessorOn(%s, %s) = %q, %v; want %q", c.code, c.day, got, ok, c.want)
		}
	}
	codes := func(units []kov.Municipality) string {
		var out []string
		for _, u := range units {
			out = append(out, u.Code)
		}
		return strings.Join(out, ",")
	}
	if got := codes(reg.MergedUnits(kov.BoundariesAsOf, 2017)); got != "0010,0020" {
		t.Errorf("merged units 2017: %s", got)
	}
	// 0051 is the 2019 recode of 0050, which never merged: not a merged unit.
	if got := codes(reg.MergedUnits(kov.BoundariesAsOf, 2019)); got != "0010,0020" {
		t.Errorf("merged units 2019: %s", got)
	}
	if got := codes(reg.MergedUnits(kov.BoundariesCurrent, 2019)); got != "0010,0020" {
		t.Errorf("merged units 2019, current: %s", got)
	}
	if got := codes(reg.MergedUnits(kov.BoundariesAsOf, 2016)); got != "" {
		t.Errorf("merged units 2016: %s", got)
	}
	if got := codes(reg.ActiveUnits(kov.BoundariesCurrent, 2016)); got != "0010,0020,0040,0051" {
		t.Errorf("current units: %s", got)
	}
	if got := strings.Join(reg.PredecessorsOf("0010", day("2018-12-31")), ","); got != "0001,0002,0003" {
		t.Errorf("predecessors of 0010: %s", got)
	}
}

func TestRegistryIngestIsIdempotent(t *testing.T) {
	s, _ := loadReal(t)
	again := loadFiles(t, s, filepath.Join(realData, "municipalities.csv"))[0]
	if again.Status != "loaded" || again.Loaded != 0 || again.Duplicates != 269 {
		t.Fatalf("second load: %+v", again)
	}
	res, err := s.Query(context.Background(), "SELECT count() FROM municipalities", nil)
	if err != nil || res.Rows[0][0] != "269" {
		t.Fatalf("rows after loading twice: %v %v", res, err)
	}
}

// A bad registry file is rejected whole with file, line and reason, and nothing
// already stored changes.
func TestBadRegistryFilesAreRejected(t *testing.T) {
	cases := []struct {
		name, kind, content, wantErr string
	}{
		{"missing column", "municipalities", "ehak_code,type,county_code,county_name\n0001,vald,0037,Harju\n", "lacks required column name"},
		{"bad date", "municipalities", "ehak_code,name,type,county_code,county_name,valid_from\n0099,X vald,vald,0037,Harju,2017-13-01\n", "line 2, column valid_from: date must be YYYY-MM-DD"},
		{"bad type", "municipalities", "ehak_code,name,type,county_code,county_name\n0099,X,küla,0037,Harju\n", "line 2, column type"},
		{"unknown code in merger", "mergers", "old_ehak_code,new_ehak_code,effective_date\n0001,0010,2017-10-22\n9999,0010,2017-10-22\n", "code 9999 is not in the registry"},
		{"merger cycle", "mergers", "old_ehak_code,new_ehak_code,effective_date\n0040,0050,2017-10-22\n0050,0040,2017-10-22\n", "merger cycle: 0040 → 0050 → 0040"},
		{"bad share", "mergers", "old_ehak_code,new_ehak_code,effective_date,area_share\n0040,0050,2017-10-22,1.5\n", "line 2, column area_share"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := storetest.New(t)
			loadFiles(t, s, "../metrics/testdata/scripts/registry_units.csv", "../metrics/testdata/scripts/registry_mergers.csv")
			before := snapshot(t, s)
			path := filepath.Join(t.TempDir(), "bad.csv")
			os.WriteFile(path, []byte(c.content), 0o644)
			results, err := ingest.Run(context.Background(), &ingest.Loader{Store: s}, "test", []string{path}, c.kind)
			if err != nil {
				t.Fatal(err)
			}
			r := results[0]
			if r.Status != "rejected" || !strings.Contains(r.Error, c.wantErr) || !strings.Contains(r.Error, path) {
				t.Fatalf("result %+v; want rejected naming %s and %q", r, path, c.wantErr)
			}
			if after := snapshot(t, s); after != before {
				t.Fatalf("the store changed:\n%s\n%s", before, after)
			}
		})
	}
}

func snapshot(t *testing.T, s store.Store) string {
	res, err := s.Query(context.Background(), "SELECT (SELECT count() FROM municipalities), (SELECT count() FROM mergers), (SELECT count() FROM attribution)", nil)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(res.Rows[0], ",")
}
