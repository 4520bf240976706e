package metrics_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ee/kovmon/ingest"
	"ee/kovmon/kov"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/store"
	"ee/kovmon/store/storetest"
)

// I.1 and I.4 read the counts kept at insert (migration 0012), which keep the columns
// their rules filter on and the codes as recorded, so that the rule's params and the
// registry are applied at refresh time: a catalogue that changes I.1's systems and
// satisfied score, and mergers loaded after the rows, move the figures at the next
// refresh, with nothing loaded again.
func TestCountsFollowParamsAndRegistryWithoutReload(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	loader := &ingest.Loader{Store: s}
	load := func(kind, text string) {
		t.Helper()
		path := filepath.Join(t.TempDir(), kind+".csv")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if res, err := ingest.Run(ctx, loader, "test", []string{path}, kind); err != nil || res[0].Status != "loaded" {
			t.Fatalf("load %s: %v %+v", kind, err, res)
		}
	}
	// 0050 ends on 2019-07-01 and 0051 begins; which unit takes 0050's rows is said
	// only later, by the mergers.
	load("municipalities", "ehak_code,name,type,county_code,county_name,valid_from,valid_to,population\n"+
		"0040,Püsiv vald,vald,0039,Hiiu maakond,,,1200\n"+
		"0050,Vana-kood vald,vald,0039,Hiiu maakond,,2019-07-01,600\n"+
		"0051,Uus-kood vald,vald,0039,Hiiu maakond,2019-07-01,,600\n")
	load("feedback", "feedback_id,submitted_at,ehak_code,system,score\n"+
		"f1,2018-05-01T10:00:00Z,0040,KOVTP,5\nf2,2018-05-02T10:00:00Z,0040,KOVTP,4\nf3,2018-05-03T10:00:00Z,0040,VOLIS,2\n"+
		"f4,2018-05-04T10:00:00Z,0040,STAR,5\nf5,2018-05-05T10:00:00Z,0040,STAR,3\nf6,2018-05-06T10:00:00Z,0050,KOVMEN,4\n")
	load("usage", "event_id,event_time,ehak_code,system,service_code,channel,event\n"+
		"u1,2018-03-01T10:00:00Z,0050,KOVTP,S1,web,submit\nu2,2018-03-02T10:00:00Z,0050,KOVTP,S1,paper,decision\n"+
		"u3,2018-03-03T10:00:00Z,0040,KOVTP,S1,xroad,notification\n")

	figure := func(cat *catalogue.Catalogue, id string, mode kov.Boundaries, code string) string {
		t.Helper()
		if _, err := metrics.Run(ctx, s, cat); err != nil {
			t.Fatal(err)
		}
		figures, err := metrics.Figures(ctx, s, cat, metrics.Filter{Indicator: id, Year: 2018, EhakCode: code, Boundaries: mode})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range figures {
			if f.EhakCode == code {
				return fmt.Sprintf("%d/%d", f.Numerator, f.Denominator)
			}
		}
		return "none"
	}
	shipped := catalogue.Default()
	if got := figure(shipped, "I.1", kov.BoundariesAsOf, "0040"); got != "2/3" {
		t.Errorf("I.1 0040 with the shipped systems: %s, want 2/3 (KOVTP 5 and 4 of KOVTP and VOLIS)", got)
	}
	text := strings.Replace(string(catalogue.Shipped()), "params: {systems: [KOVTP, VOLIS, RPIS, KOVMEN], satisfied_score: 4}",
		"params: {systems: [KOVTP, STAR], satisfied_score: 5}", 1)
	edited, err := catalogue.Parse([]byte(text), "edited")
	if err != nil || text == string(catalogue.Shipped()) {
		t.Fatalf("edit I.1's params: %v", err)
	}
	if got := figure(edited, "I.1", kov.BoundariesAsOf, "0040"); got != "2/4" {
		t.Errorf("I.1 0040 with systems [KOVTP, STAR] and a score of 5: %s, want 2/4", got)
	}

	// Current boundaries: 0050 is no unit of the registry's latest date, and nothing
	// says yet who took its rows.
	if got := figure(shipped, "I.4", kov.BoundariesCurrent, "0051"); got != "0/0" {
		t.Errorf("I.4 0051 (current) before the mergers: %s, want 0/0", got)
	}
	load("mergers", "old_ehak_code,new_ehak_code,effective_date,area_share\n0050,0051,2019-07-01,\n")
	if got := figure(shipped, "I.4", kov.BoundariesCurrent, "0051"); got != "1/2" {
		t.Errorf("I.4 0051 (current) after the mergers: %s, want 1/2 (0050's rows)", got)
	}
	if got := figure(shipped, "I.4", kov.BoundariesAsOf, "0050"); got != "1/2" {
		t.Errorf("I.4 0050 (asof): %s, want 1/2", got)
	}
}

// The years reported (the first to the last year of any measurement row) are read
// from each table's parts, not its rows: the plan of the query reads no table's rows
// (ReadFromMergeTree), however many there are.
func TestYearsReportedReadNoRows(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	loadFiles(t, ctx, s,
		[3]string{"usage.csv", "usage", "event_id,event_time,ehak_code,system,service_code,channel,event\nu1,2018-03-01T10:00:00Z,0040,KOVTP,S1,web,submit\n"},
		[3]string{"feedback.csv", "feedback", "feedback_id,submitted_at,ehak_code,system,score\nf1,2017-05-01T10:00:00Z,0040,KOVTP,5\n"},
		[3]string{"org_goals.csv", "org_goals", "year,goal_id,description,achieved\n2019,g1,Eesmärk,true\n"},
	)
	res, err := s.Query(ctx, "EXPLAIN "+metrics.YearsQuery(), nil)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := store.Scan[struct {
		Line string `ch:"explain"`
	}](res, "EXPLAIN years reported")
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, l := range plan {
		text.WriteString(l.Line + "\n")
	}
	if strings.Contains(text.String(), "ReadFromMergeTree") || !strings.Contains(text.String(), "_minmax_count_projection") {
		t.Errorf("the years reported read rows:\n%s", text.String())
	}
	in, err := metrics.Inputs(ctx, s, catalogue.Default())
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(metrics.ReportedYears(in)); got != "[2017 2018 2019]" {
		t.Errorf("years reported %s, want [2017 2018 2019]", got)
	}
}
