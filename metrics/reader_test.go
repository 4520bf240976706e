package metrics_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ee/kovmon/ingest"
	"ee/kovmon/kov"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/store"
	"ee/kovmon/store/storetest"
)

// countingStore counts the queries that reach the store.
type countingStore struct {
	store.Store
	queries atomic.Int64
}

func (c *countingStore) Query(ctx context.Context, q string, p store.Params) (*store.Result, error) {
	c.queries.Add(1)
	return c.Store.Query(ctx, q, p)
}

// TestReaderCachesUntilPublish: the Reader answers like Figures, asks the store once
// per filter and refresh (also when many ask at once), and answers from a refresh as
// soon as it is published.
func TestReaderCachesUntilPublish(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	cat := catalogue.Default()
	loader := &ingest.Loader{Store: s}
	load := func(kind, csv string) {
		path := filepath.Join("testdata", "scripts", csv)
		if !strings.HasSuffix(csv, ".csv") {
			path = filepath.Join(t.TempDir(), kind+".csv")
			if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if res, err := ingest.Run(ctx, loader, "test", []string{path}, kind); err != nil || res[0].Status != "loaded" {
			t.Fatalf("load %s: %v %+v", kind, err, res)
		}
		if _, err := metrics.Run(ctx, s, cat); err != nil {
			t.Fatal(err)
		}
	}
	load("municipalities", "registry_units.csv")
	load("mergers", "registry_mergers.csv")
	load("usage", "event_id,event_time,ehak_code,system,service_code,channel,event\nu1,2018-03-01T10:00:00Z,0040,KOVTP,S1,web,submit\n")

	counting := &countingStore{Store: s}
	// An hour: the store is not the bare embedded engine, so the reader would recheck
	// by time too; this test is about Publish telling it.
	r := &metrics.Reader{Store: counting, Catalogue: cat, Recheck: time.Hour}
	f := metrics.Filter{Year: 2018, Indicator: "I.4"}
	i4 := func(want string) {
		t.Helper()
		got, err := r.Figures(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		direct, err := metrics.Figures(ctx, s, cat, f)
		if err != nil {
			t.Fatal(err)
		}
		if csvOf(t, got) != csvOf(t, direct) {
			t.Errorf("the reader answers\n%s\nthe table\n%s", csvOf(t, got), csvOf(t, direct))
		}
		var json strings.Builder
		if err := metrics.WriteJSON(&json, direct); err != nil {
			t.Fatal(err)
		}
		for format, want := range map[string]string{metrics.FormatCSV: csvOf(t, direct), metrics.FormatJSON: json.String()} {
			if b, err := r.Encoded(ctx, f, format); err != nil || string(b) != want {
				t.Errorf("Encoded %s = %v\n%s\nwant\n%s", format, err, b, want)
			}
		}
		if national := got[0]; national.EhakCode != "EE" || metrics.FormatNumber(national.Value) != want {
			t.Errorf("I.4 2018 national = %s %s, want %s", national.EhakCode, metrics.FormatNumber(national.Value), want)
		}
		got[0] = kov.Figure{} // the caller's own slice
	}
	i4("100")
	before := counting.queries.Load()
	i4("100")
	if n := counting.queries.Load() - before; n != 0 {
		t.Errorf("a second read of the same refresh sent %d queries, want 0", n)
	}

	load("usage", "event_id,event_time,ehak_code,system,service_code,channel,event\nu2,2018-03-02T10:00:00Z,0040,KOVTP,S1,paper,submit\n")
	i4("50")

	load("usage", "event_id,event_time,ehak_code,system,service_code,channel,event\nu3,2018-03-03T10:00:00Z,0040,KOVTP,S1,paper,decision\n")
	before = counting.queries.Load()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := r.Figures(ctx, f); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := counting.queries.Load() - before; n != 2 {
		t.Errorf("20 clients at once after a refresh sent %d queries, want 2 (the latest refresh, the figures)", n)
	}
	i4("33.333333333333336")

	if _, err := r.Figures(ctx, metrics.Filter{Boundaries: "sideways"}); err == nil {
		t.Error("a bad filter was accepted")
	}
	if _, err := r.Encoded(ctx, f, "xml"); err == nil {
		t.Error("format xml was accepted")
	}
}

func csvOf(t *testing.T, figures []kov.Figure) string {
	var b strings.Builder
	if err := metrics.WriteCSV(&b, figures); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestWriteCSVIsSafeForSpreadsheets: a name that is a formula reaches a spreadsheet
// as text, a negative number as a number (issue 15, point 2).
func TestWriteCSVIsSafeForSpreadsheets(t *testing.T) {
	v := -12.5
	var b strings.Builder
	if err := metrics.WriteCSV(&b, []kov.Figure{{IndicatorID: "I.4", Year: 2018, Level: kov.LevelMunicipality, EhakCode: "9990", Name: "=HYPERLINK(\"x\")", Value: &v}}); err != nil {
		t.Fatal(err)
	}
	if line := strings.Split(b.String(), "\n")[1]; !strings.HasPrefix(line, `I.4,2018,municipality,9990,"'=HYPERLINK(""x"")",-12.5,`) {
		t.Errorf("extract row %q", line)
	}
}

// TestExtractColumnsAreTheSpecs: the extract's header, which gocsv writes from
// kov.Figure's csv tags, is the spec's columns in the spec's order (Columns), also
// with no figure at all.
func TestExtractColumnsAreTheSpecs(t *testing.T) {
	var b strings.Builder
	if err := metrics.WriteCSV(&b, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), strings.Join(metrics.Columns, ",")+"\n"; got != want {
		t.Errorf("header %q, want %q", got, want)
	}
}
