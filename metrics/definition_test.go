package metrics_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"ee/kovmon/ingest"
	"ee/kovmon/kov"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/store"
	"ee/kovmon/store/storetest"
	"ee/kovmon/surveys"
)

// loadFiles loads each file (name, kind, CSV text) through the real ingest, each a
// file and a run of its own, over the scripts' small registry.
func loadFiles(t *testing.T, ctx context.Context, s store.Store, files ...[3]string) {
	t.Helper()
	loader := &ingest.Loader{Store: s, SurveyAnswer: surveysFor(t, catalogue.Default()).CheckAnswer}
	all := append([][3]string{{"units.csv", "municipalities", ""}, {"mergers.csv", "mergers", ""}}, files...)
	for i, f := range all {
		path := filepath.Join("testdata", "scripts", "registry_"+f[0])
		if i >= 2 {
			path = filepath.Join(t.TempDir(), f[0])
			if err := os.WriteFile(path, []byte(f[2]), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if res, err := ingest.Run(ctx, loader, "test", []string{path}, f[1]); err != nil || res[0].Status != "loaded" {
			t.Fatalf("load %s: %v %+v", f[0], err, res)
		}
	}
}

// surveysFor is the shipped survey definitions checked against cat, as kovmon loads
// answers with them.
func surveysFor(t testing.TB, cat *catalogue.Catalogue) *surveys.Set {
	t.Helper()
	set, err := surveys.Default()
	if err == nil {
		set, err = set.For(cat.SurveyFeeds())
	}
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// contributions summarises an explanation's files: name rows [numerator/denominator] codes.
func contributions(t *testing.T, ctx context.Context, s store.Store, cat *catalogue.Catalogue, id string, year int, code string, mode kov.Boundaries) string {
	t.Helper()
	ex, err := metrics.Explain(ctx, s, cat, id, year, code, mode)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, c := range ex.Contributors {
		p := fmt.Sprintf("%s %d", c.FileName, c.Rows)
		if c.Numerator != nil {
			p += fmt.Sprintf(" %d/%d", *c.Numerator, *c.Denominator)
		}
		parts = append(parts, p+" "+strings.Join(c.RecordedCodes, ","))
	}
	slices.Sort(parts)
	return strings.Join(parts, "; ")
}

// Explain lists the rows that decided a share of municipalities, not every row of the
// source: I.2 and I.3 count the latest snapshot of the year (among all rows attributed
// to the unit), II.2 the latest answer. Today's explain listed every snapshot and
// every answer.
func TestExplainListsTheDecidingRows(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	cat := catalogue.Default()
	loadFiles(t, ctx, s,
		// 0010's snapshots: March under 0001 (merged into it), June under 0010: June wins.
		[3]string{"services_march.csv", "services", "snapshot_date,ehak_code,service_code,service_name,has_eform,described,in_gateway\n" +
			"2018-03-01,0001,S1,Teenus 1,true,false,true\n2018-03-01,0001,S2,Teenus 2,true,false,true\n"},
		[3]string{"services_june.csv", "services", "snapshot_date,ehak_code,service_code,service_name,has_eform,described,in_gateway\n" +
			"2018-06-01,0010,S1,Teenus 1,true,true,true\n"},
		// 0040 answers twice, in two files: the later answer wins.
		[3]string{"survey_spring.csv", "survey", "survey_id,year,ehak_code,respondent_id,submitted_at,question_id,answer\n" +
			"kov-ikt-2018,2018,0040,r1,2018-03-01 10:00:00,network_standard,ei\n"},
		[3]string{"survey_autumn.csv", "survey", "survey_id,year,ehak_code,respondent_id,submitted_at,question_id,answer\n" +
			"kov-ikt-2018,2018,0040,r2,2018-09-01 10:00:00,network_standard,jah\n"},
	)
	if _, err := metrics.Run(ctx, s, cat); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id, code, want string
	}{
		{"I.2", "0010", "services_june.csv 1 0010"},
		{"I.3", "0010", "services_june.csv 1 0010"},
		{"I.2", kov.NationalCode, "services_june.csv 1 0010"},
		{"II.2", "0040", "survey_autumn.csv 1 0040"},
		{"II.2", kov.NationalCode, "survey_autumn.csv 1 0040"},
	} {
		if got := contributions(t, ctx, s, cat, tc.id, 2018, tc.code, kov.BoundariesAsOf); got != tc.want {
			t.Errorf("explain %s 2018 %s: %q, want %q", tc.id, tc.code, got, tc.want)
		}
	}
	figures, err := metrics.Figures(ctx, s, cat, metrics.Filter{Year: 2018, Indicator: "I.2", EhakCode: "0010"})
	if err != nil {
		t.Fatal(err)
	}
	if f := figures[len(figures)-1]; f.EhakCode != "0010" || f.Numerator != 1 {
		t.Errorf("I.2 0010 = %+v, want 1 (the June snapshot is complete)", f)
	}
}

// Changing I.4's rule is an edit of its catalogue entry, and everything made from its
// rows follows. Its channels say which acts are paperless (the numerator): they move
// the value and explain's numerators; the acts behind the figure, and so the years
// with data and the coverage, are the same acts whatever their channel (spec: "out of
// all such events"). Its events say which acts count at all: they move all four.
func TestI4ParamsMoveValueExplainYearsAndCoverage(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	header := "event_id,event_time,ehak_code,system,service_code,channel,event\n"
	loadFiles(t, ctx, s,
		[3]string{"usage_2016.csv", "usage", header + "n1,2016-05-01T10:00:00Z,0040,KOVTP,S1,email,notification\n"},
		[3]string{"usage_a.csv", "usage", header +
			"a1,2018-03-01T10:00:00Z,0040,KOVTP,S1,web,submit\na2,2018-03-02T10:00:00Z,0040,KOVTP,S1,web,submit\n" +
			"a3,2018-03-03T10:00:00Z,0040,KOVTP,S1,web,view\n"},
		[3]string{"usage_b.csv", "usage", header +
			"b1,2018-04-01T10:00:00Z,0040,KOVTP,S1,email,notification\nb2,2018-04-02T10:00:00Z,0040,KOVTP,S1,paper,decision\n"},
	)
	type observed struct{ value, explain, years, coverage string }
	observe := func(cat *catalogue.Catalogue) observed {
		t.Helper()
		if _, err := metrics.Run(ctx, s, cat); err != nil {
			t.Fatal(err)
		}
		figures, err := metrics.Figures(ctx, s, cat, metrics.Filter{Indicator: "I.4", EhakCode: "0040", Level: kov.LevelMunicipality})
		if err != nil {
			t.Fatal(err)
		}
		var o observed
		for _, f := range figures {
			o.value += fmt.Sprintf("%d:%d/%d ", f.Year, f.Numerator, f.Denominator)
		}
		o.explain = contributions(t, ctx, s, cat, "I.4", 2018, "0040", kov.BoundariesAsOf)
		years, err := metrics.YearsWithData(ctx, s, "I.4", kov.BoundariesAsOf)
		if err != nil {
			t.Fatal(err)
		}
		o.years = fmt.Sprint(years)
		coverage, err := metrics.Coverage(ctx, s, cat, kov.BoundariesAsOf, "0040")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range coverage {
			if c.Indicator == "I.4" {
				o.coverage += fmt.Sprintf("%d:%d ", c.Year, c.Rows)
			}
		}
		return o
	}
	edited := func(from, to string) *catalogue.Catalogue {
		t.Helper()
		text := strings.Replace(string(catalogue.Shipped()), from, to, 1)
		if text == string(catalogue.Shipped()) {
			t.Fatalf("the shipped catalogue has no %q", from)
		}
		cat, err := catalogue.Parse([]byte(text), "edited")
		if err != nil {
			t.Fatal(err)
		}
		return cat
	}

	shipped := observe(catalogue.Default())
	want := observed{
		value:    "2016:1/1 2017:0/0 2018:3/4 ",
		explain:  "usage_a.csv 2 2/2 0040; usage_b.csv 2 1/2 0040",
		years:    "[2016 2018]",
		coverage: "2016:1 2018:4 ",
	}
	if shipped != want {
		t.Fatalf("shipped catalogue:\n got %+v\nwant %+v", shipped, want)
	}

	channels := observe(edited("channels: [web, portal, email, xroad]", "channels: [web, portal]"))
	if channels.value != "2016:0/1 2017:0/0 2018:2/4 " || channels.explain != "usage_a.csv 2 2/2 0040; usage_b.csv 2 0/2 0040" {
		t.Errorf("channels [web, portal]: value %q, explain %q; want 2018 2/4 and usage_b.csv's numerator 0", channels.value, channels.explain)
	}
	if channels.years != shipped.years || channels.coverage != shipped.coverage {
		t.Errorf("channels [web, portal]: years %s, coverage %s; the acts behind I.4 are the same acts", channels.years, channels.coverage)
	}

	events := observe(edited("events: [submit, decision, notification]", "events: [submit, decision]"))
	wantEvents := observed{
		value:    "2016:0/0 2017:0/0 2018:2/3 ",
		explain:  "usage_a.csv 2 2/2 0040; usage_b.csv 1 0/1 0040",
		years:    "[2018]",
		coverage: "2018:3 ",
	}
	if events != wantEvents {
		t.Errorf("events [submit, decision]:\n got %+v\nwant %+v", events, wantEvents)
	}
	// Three refreshes ran; only the latest one's rows are kept (these series are too
	// short for a forecast).
	for _, table := range []string{"indicator_values", "indicator_rows"} {
		res, err := s.Query(ctx, "SELECT uniqExact(refresh_id) FROM "+table, nil)
		if err != nil || res.Rows[0][0] != "1" {
			t.Errorf("%s holds %v refreshes (%v), want the latest only", table, res.Rows, err)
		}
	}
}

// A definition that breaks the rows' contract, or reaches outside the database, stops
// the refresh with an error naming the indicator and what is wrong; nothing is
// published from it.
func TestBrokenDefinitionsStopTheRefresh(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	loadFiles(t, ctx, s, [3]string{"services.csv", "services", "snapshot_date,ehak_code,service_code,service_name,has_eform,described,in_gateway\n" +
		"2018-03-01,0040,S1,Teenus 1,true,false,true\n2018-03-01,0040,S2,Teenus 2,true,true,true\n"})
	rows := "SELECT year, ehak_code AS unit, ehak_code AS recorded_code, file_id, run_id, toUInt64(1) AS source_rows"
	for _, tc := range []struct{ sql, want string }{
		{rows + " FROM services", "indicator I.2 (indicator.I2, every boundary mode): the SQL returns no column meets"},
		// The boundary modes: a row of each, or one mode at a time, and modes that exist.
		{"SELECT a.year AS year, a.unit_code AS unit, s.ehak_code AS recorded_code, s.file_id AS file_id, s.run_id AS run_id, toUInt64(1) AS source_rows, toUInt8(1) AS meets" +
			" FROM attribution AS a INNER JOIN services AS s ON a.year = s.year AND a.ehak_code = s.ehak_code", "reads attribution but returns no boundaries column"},
		{"SELECT 'asof' AS boundaries, year, ehak_code AS unit, ehak_code AS recorded_code, file_id, run_id, toUInt64(1) AS source_rows, toUInt8(1) AS meets" +
			" FROM services WHERE {mode:String} != ''", "reads {mode:String} and returns a boundaries column"},
		{"SELECT 'as of' AS boundaries, year, ehak_code AS unit, ehak_code AS recorded_code, file_id, run_id, toUInt64(1) AS source_rows, toUInt8(1) AS meets" +
			" FROM services", `boundaries "as of" is not a boundary mode`},
		{rows + ", toUInt8(described) AS meets FROM services", "the rows of 0040 in 2018 disagree on meets"},
		{rows + ", toUInt8(2) AS meets FROM services", `meets "2" must be 0 or 1`},
		{rows + ", toUInt8(1) AS meets FROM services WHERE 0 = length((SELECT groupArray(line) FROM file('/etc/passwd', 'LineAsString')))", "readonly"},
	} {
		text := strings.Replace(string(catalogue.Shipped()), "  - id: I.2\n", "  - id: I.2\n    sql: \""+tc.sql+"\"\n", 1)
		cat, err := catalogue.Parse([]byte(text), "broken")
		if err != nil {
			t.Fatal(err)
		}
		before, _, _ := metrics.LatestRefresh(ctx, s)
		_, err = metrics.Run(ctx, s, cat)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\n error %v\n want %q", tc.sql, err, tc.want)
		}
		if after, _, _ := metrics.LatestRefresh(ctx, s); after.ID != before.ID {
			t.Errorf("%s: a refresh was published", tc.sql)
		}
	}
}
