package metrics_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"ee/kovmon/ingest"
	"ee/kovmon/internal/fixture"
	"ee/kovmon/kov"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/store"
	"ee/kovmon/store/storetest"
)

// Indicator scripts (testdata/scripts/*.test): small fixture rows beside the figures
// they must produce, one case a file. A script is a sequence of blocks:
//
//	load KIND            CSV lines follow (header first), loaded through the real ingest
//	                     with the shipped survey definitions, as kovmon loads files
//	load KIND @FILE      the same, from a CSV file beside the script (shared fixtures)
//	expect MODE [year=Y] CSV lines follow: a header naming the columns to check
//	                     (indicator_id, year and ehak_code are required and pick the
//	                     row), then the rows; every listed cell must match the output
//	absent MODE          lines "indicator_id,year,ehak_code" that must have no row
//	revise ID YEAR       the catalogue records a change of ID's definition from YEAR
//
// Lines starting with # are comments; a blank line ends a block.
func TestIndicatorScripts(t *testing.T) {
	runScripts(t, "testdata/scripts/*.test", shippedCatalogue)
}

// TestMinistryScripts runs the scripts of testdata/scripts/ministry with the test
// catalogue that adds I.5 by a catalogue entry and one SQL file (fixture.MinistryCatalogue).
func TestMinistryScripts(t *testing.T) {
	runScripts(t, "testdata/scripts/ministry/*.test", fixture.LoadMinistryCatalogue)
}

// runScripts runs every script of the pattern on every backend: the embedded engine,
// a server, a two-shard cluster; the backends in parallel, each running the scripts
// in turn.
// TestMinistryScriptsWithTheREADMEStatement runs them again with I.5 written as the
// README's example of a catalogue's own indicator: every boundary mode in one
// statement, where the fixture's attributes one mode at a time. The figures must be
// the same, and the README's statement must run.
func TestMinistryScriptsWithTheREADMEStatement(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "is the same rule written one mode at a time):")
	_, block, ok2 := strings.Cut(after, "```sql\n")
	statement, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 || !strings.Contains(statement, "boundaries") {
		t.Fatal("README.md: no ```sql block after the words that introduce the example of I.5")
	}
	var lines []string
	for _, line := range strings.Split(statement, "\n") {
		lines = append(lines, strings.TrimPrefix(line, "   ")) // the block is indented in a list item
	}
	runScripts(t, "testdata/scripts/ministry/*.test", func(t testing.TB) *catalogue.Catalogue {
		cat, err := catalogue.Load(fixture.MinistryCatalogueWith(t, []byte(strings.Join(lines, "\n"))))
		if err != nil {
			t.Fatal(err)
		}
		if ind, ok := cat.Indicator("I.5"); !ok || ind.Resolved.PerMode {
			t.Fatal("the README's I.5 should attribute every mode at once")
		}
		return cat
	})
}

func runScripts(t *testing.T, pattern string, catalogueOf func(testing.TB) *catalogue.Catalogue) {
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts %s: %v", pattern, err)
	}
	for _, backend := range storetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			for _, file := range files {
				t.Run(strings.TrimSuffix(filepath.Base(file), ".test"), func(t *testing.T) {
					runScript(t, storetest.NewOn(t, backend), file, catalogueOf)
				})
			}
		})
	}
}

func shippedCatalogue(t testing.TB) *catalogue.Catalogue {
	cat, err := catalogue.Parse(catalogue.Shipped(), "catalogue.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

type block struct {
	verb, arg string
	line      int
	lines     []string
}

func readScript(t *testing.T, file string) []block {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blocks []block
	var cur *block
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), " \t")
		switch {
		case strings.HasPrefix(line, "#"):
		case line == "":
			cur = nil
		case cur == nil:
			verb, arg, _ := strings.Cut(line, " ")
			blocks = append(blocks, block{verb: verb, arg: arg, line: n})
			cur = &blocks[len(blocks)-1]
		default:
			cur.lines = append(cur.lines, line)
		}
	}
	return blocks
}

// runScript runs one script on store s with a fresh catalogue (revise changes it).
func runScript(t *testing.T, s store.Store, file string, catalogueOf func(testing.TB) *catalogue.Catalogue) {
	ctx := context.Background()
	cat := catalogueOf(t)
	loader := &ingest.Loader{Store: s, SurveyAnswer: surveysFor(t, cat).CheckAnswer}
	computed := false
	for _, b := range readScript(t, file) {
		where := fmt.Sprintf("%s:%d", file, b.line)
		switch b.verb {
		case "load":
			kind, from, shared := strings.Cut(b.arg, " @")
			path := filepath.Join(filepath.Dir(file), from)
			if !shared {
				path = filepath.Join(t.TempDir(), kind+".csv")
				if err := os.WriteFile(path, []byte(strings.Join(b.lines, "\n")+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			results, err := ingest.Run(ctx, loader, "test", []string{path}, kind)
			if err != nil || results[0].Status != "loaded" {
				t.Fatalf("%s: load %s: %v %+v", where, b.arg, err, results)
			}
			// The definitions read the counts kept at insert: they must be the rows'.
			if differ, err := ingest.CountsDisagree(ctx, s); err != nil || len(differ) > 0 {
				t.Fatalf("%s: load %s: the counts kept at insert differ from the rows: %v %v", where, b.arg, err, differ)
			}
			computed = false
		case "revise":
			id, year, _ := strings.Cut(b.arg, " ")
			ind, ok := cat.Indicator(id)
			y, err := strconv.Atoi(year)
			if !ok || err != nil {
				t.Fatalf("%s: revise %q", where, b.arg)
			}
			ind.Revisions = append(ind.Revisions, kov.Revision{Year: y, Version: "test", Note: kov.Text{ET: "muudetud", EN: "changed"}})
			computed = false
		case "expect", "absent":
			if !computed {
				if _, err := metrics.Run(ctx, s, cat); err != nil {
					t.Fatalf("%s: compute: %v", where, err)
				}
				computed = true
			}
			if b.verb == "expect" {
				checkExpect(t, ctx, s, cat, b, where)
			} else {
				checkAbsent(t, ctx, s, cat, b, where)
			}
		default:
			t.Fatalf("%s: unknown verb %q", where, b.verb)
		}
	}
}

func figuresFor(t *testing.T, ctx context.Context, s store.Store, cat *catalogue.Catalogue, arg, where string) map[string][]string {
	fields := strings.Fields(arg)
	if len(fields) == 0 {
		t.Fatalf("%s: name the boundary mode", where)
	}
	f := metrics.Filter{Boundaries: kov.Boundaries(fields[0])}
	for _, opt := range fields[1:] {
		if y, ok := strings.CutPrefix(opt, "year="); ok {
			f.Year, _ = strconv.Atoi(y)
		}
	}
	figures, err := metrics.Figures(ctx, s, cat, f)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	var b strings.Builder
	if err := metrics.WriteCSV(&b, figures); err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n")[1:] {
		cells := splitCSV(line)
		rows[cells[0]+","+cells[1]+","+cells[3]] = cells
	}
	return rows
}

func checkExpect(t *testing.T, ctx context.Context, s store.Store, cat *catalogue.Catalogue, b block, where string) {
	t.Helper()
	rows := figuresFor(t, ctx, s, cat, b.arg, where)
	header := splitCSV(b.lines[0])
	colOf := map[string]int{}
	for i, c := range metrics.Columns {
		colOf[c] = i
	}
	for _, c := range header {
		if _, ok := colOf[c]; !ok {
			t.Fatalf("%s: unknown column %q", where, c)
		}
	}
	for _, line := range b.lines[1:] {
		want := splitCSV(line)
		cell := func(name string) string {
			for i, h := range header {
				if h == name {
					return want[i]
				}
			}
			t.Fatalf("%s: the header must name %s", where, name)
			return ""
		}
		key := cell("indicator_id") + "," + cell("year") + "," + cell("ehak_code")
		got, ok := rows[key]
		if !ok {
			t.Errorf("%s: no row %s", where, key)
			continue
		}
		for i, h := range header {
			if g := got[colOf[h]]; !sameCell(g, want[i]) {
				t.Errorf("%s: %s %s = %q, want %q", where, key, h, g, want[i])
			}
		}
	}
}

// sameCell compares numbers to 1e-9 (so that a script can write 33.333333333 for a
// third) and everything else exactly.
func sameCell(got, want string) bool {
	if got == want {
		return true
	}
	g, err1 := strconv.ParseFloat(got, 64)
	w, err2 := strconv.ParseFloat(want, 64)
	return err1 == nil && err2 == nil && g-w < 1e-9 && w-g < 1e-9
}

func checkAbsent(t *testing.T, ctx context.Context, s store.Store, cat *catalogue.Catalogue, b block, where string) {
	t.Helper()
	rows := figuresFor(t, ctx, s, cat, b.arg, where)
	for _, key := range b.lines {
		if _, ok := rows[key]; ok {
			t.Errorf("%s: row %s should not be there", where, key)
		}
	}
}

func splitCSV(line string) []string { return strings.Split(line, ",") }
