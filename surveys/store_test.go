package surveys_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"ee/kovmon/ingest"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/refdata"
	"ee/kovmon/store"
	"ee/kovmon/store/storetest"
	"ee/kovmon/surveys"
)

// newSurveyStore returns a store holding a registry and a loader that checks survey
// answers against the shipped definitions.
func newSurveyStore(t *testing.T, registryFiles ...string) (store.Store, *ingest.Loader, *surveys.Set) {
	t.Helper()
	s := storetest.New(t)
	set, err := surveys.Default()
	if err != nil {
		t.Fatal(err)
	}
	if set, err = set.For(catalogue.Default().SurveyFeeds()); err != nil {
		t.Fatal(err)
	}
	l := &ingest.Loader{Store: s, SurveyAnswer: set.CheckAnswer}
	results, err := ingest.Run(context.Background(), l, "test", registryFiles, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Status != "loaded" {
			t.Fatalf("registry %s: %s", r.File, r.Error)
		}
	}
	return s, l, set
}

// The small registry of the indicator scripts: 0001 and 0002 (via 0003) merged into
// 0010, 0021 into 0020, which kept its code; 0040 and 0050 are untouched in 2018.
var testRegistry = []string{"../metrics/testdata/scripts/registry_units.csv", "../metrics/testdata/scripts/registry_mergers.csv"}

// The real registry: 213 units before the 2017 reform, 79 after it.
var realRegistry = []string{refdata.Path(refdata.Municipalities), refdata.Path(refdata.Mergers)}

func query(t *testing.T, s store.Store, q string, params store.Params) string {
	t.Helper()
	res, err := s.Query(context.Background(), q, params)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, row := range res.Rows {
		b.WriteString(strings.Join(row, " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// figures returns the 2018 asof figures keyed "indicator code", as
// "value numerator/denominator coverage".
func figures(t *testing.T, s store.Store) map[string]string {
	t.Helper()
	ctx := context.Background()
	cat := catalogue.Default()
	if _, err := metrics.Run(ctx, s, cat); err != nil {
		t.Fatal(err)
	}
	figs, err := metrics.Figures(ctx, s, cat, metrics.Filter{Year: 2018})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range figs {
		out[f.IndicatorID+" "+f.EhakCode] = fmt.Sprintf("%s %d/%d %s", metrics.FormatNumber(f.Value), f.Numerator, f.Denominator, metrics.FormatNumber(f.Coverage))
	}
	return out
}

func checkFigures(t *testing.T, got map[string]string, want map[string]string) {
	t.Helper()
	for key, w := range want {
		if got[key] != w {
			t.Errorf("figure %s = %q, want %q", key, got[key], w)
		}
	}
}

// TestLongAnswersOnTheEngine loads the long-format fixture: answer words of both
// languages and any case, decimal commas, % signs and spaces normalised; every reason
// an answer is quarantined for; an unknown question kept and reported; a municipality
// answering twice and a pre-merger code, settled by the indicator SQL.
func TestLongAnswersOnTheEngine(t *testing.T) {
	ctx := context.Background()
	s, l, set := newSurveyStore(t, testRegistry...)
	results, err := ingest.Run(ctx, l, "test", []string{"testdata/answers-2018.long.csv"}, "survey")
	if err != nil {
		t.Fatal(err)
	}
	r := results[0]
	if r.Status != "loaded" || r.RowsRead != 20 || r.Loaded != 14 || r.Quarantined != 6 {
		t.Fatalf("load: %+v", r)
	}
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "(unmapped): favourite_colour (1) / ") {
		t.Errorf("warnings %q, want favourite_colour reported as unmapped", r.Warnings)
	}

	wantStored := `2 0010 r1 network_standard yes
3 0001 r2 network_standard no
4 0020 r3 network_standard yes
5 0020 r3 security_policy yes
6 0020 r3 asset_register no
7 0020 r3 eservices_unified no
8 0020 r3 lan_rebuild in_progress
9 0020 r3 competence_centre_satisfaction 5
10 0020 r3 it_staff_fte 12.5
11 0020 r3 eservice_share_pct 45
17 0040 r5 favourite_colour Sinine
18 0040 r5 security_policy no
20 0020 r7 security_policy no
21 0040 r8 cloud_backup yes
`
	if got := query(t, s, "SELECT line, ehak_code, respondent_id, question_id, answer FROM survey_answers ORDER BY line", nil); got != wantStored {
		t.Errorf("stored answers:\n%s\nwant:\n%s", got, wantStored)
	}
	// Every reason the definitions give that a row can reach: an empty answer is
	// already a missing value to the ingest, before any definition is asked.
	wantQuarantine := `12 answer not a yes/no answer
13 answer scale answer must be 1-5
14 answer not a number
15 answer percent must be 0-100
16 answer not one of: done, in_progress, not_started
19 answer missing value
`
	if got := query(t, s, "SELECT line, column, reason FROM quarantine ORDER BY line", nil); got != wantQuarantine {
		t.Errorf("quarantine:\n%s\nwant:\n%s", got, wantQuarantine)
	}

	// 0010: r1 said jah on 1 March, r2 under the pre-merger code 0001 said EI on 5
	// March: the later answer counts for 0010. 0020 said JAH to security_policy, then
	// ei (r7) on 20 March. 0040's only network answer was quarantined: no data.
	checkFigures(t, figures(t, s), map[string]string{
		"II.2 0010":  "0 0/1 ",
		"II.2 0020":  "100 1/1 ",
		"II.2 0040":  " 0/0 ",
		"II.2 EE":    "25 1/4 50",
		"II.3a 0020": "0 0/1 ",
		"II.3a EE":   "0 0/4 50",
		"II.3b EE":   "0 0/4 25",
		"III.1 EE":   "0 0/2 50",
		"III.2 0020": "100 1/1 ",
		"III.2 EE":   "50 1/2 50",
		"IV.1b EE":   "100 1/1 25",
	})

	report, err := surveys.Responses(ctx, s, set, 2018)
	if err != nil {
		t.Fatal(err)
	}
	if report.SurveyID != "kov-ikt-2018" || strings.Join(report.SurveyIDs, ",") != "kov-ikt-2018,kov-ikt-2018-kordus" {
		t.Errorf("survey %q, ids %q", report.SurveyID, report.SurveyIDs)
	}
	if report.Active != 4 || report.Responded != 3 || fmt.Sprint(report.NonRespondents) != "[0050 Vana-kood vald]" || len(report.OutsideActive) != 0 {
		t.Errorf("responded %d of %d, non-respondents %v, outside %v", report.Responded, report.Active, report.NonRespondents, report.OutsideActive)
	}
	byQuestion := map[string]surveys.QuestionResponse{}
	for _, q := range report.Questions {
		byQuestion[q.QuestionID] = q
	}
	if q := byQuestion["network_standard"]; q.Answered != 2 || fmt.Sprint(q.Distribution) != "[{yes 1} {no 1}]" {
		t.Errorf("network_standard: %+v (0010's latest is no, 0020 yes)", q)
	}
	if q := byQuestion["favourite_colour"]; q.Defined || q.Answered != 1 {
		t.Errorf("favourite_colour: %+v, want an undefined question answered once", q)
	}
	years, err := surveys.ResponseYears(ctx, s)
	if err != nil || fmt.Sprint(years) != "[2018]" {
		t.Errorf("response years %v %v", years, err)
	}
}

// TestEveryReasonIsTranslated: quarantine reasons are shown in Estonian too.
func TestEveryReasonIsTranslated(t *testing.T) {
	for _, err := range surveys.Reasons() {
		reason := err.Error()
		if err == surveys.ErrNotAChoice {
			reason += ": done, in_progress"
		}
		if ingest.ReasonEstonian(reason) == reason {
			t.Errorf("reason %q has no Estonian wording in ingest.ReasonEstonian", reason)
		}
	}
}

// TestWideExportOnTheEngine loads the example LimeSurvey export through IngestWide:
// stored answers and every quarantined row point at the export's lines, rows that
// could not be converted are quarantined too (not dropped), and loading the export
// again adds nothing.
func TestWideExportOnTheEngine(t *testing.T) {
	ctx := context.Background()
	s, l, _ := newSurveyStore(t, realRegistry...)
	wide, mapping := "testdata/lime-2018.csv", "testdata/lime-2018.mapping.yaml"
	results, err := surveys.IngestWide(ctx, l, "test", mapping, []string{wide})
	if err != nil {
		t.Fatal(err)
	}
	r := results[0]
	if r.Status != "loaded" || r.File != wide || r.Loaded != 39 || r.Quarantined != 6 {
		t.Fatalf("load: %+v", r)
	}
	warnings := strings.Join(r.Warnings, "\n")
	for _, want := range []string{`not loaded: ["Vastaja e-post"]`, `missing from the export: ["Kas töötajad saavad turvaliselt kaugtööd teha?"]`} {
		if !strings.Contains(warnings, want) {
			t.Errorf("warnings %q lack %q", warnings, want)
		}
	}
	// The lines are the export's: Tallinn's correction (line 4) holds a quoted line
	// break, so Keila's row starts on line 6; Tartu answered under its pre-reform code.
	wantLines := "2 0784 1\n3 0795 2\n4 0784 3\n6 0296 4\n8 0198 6\n"
	if got := query(t, s, "SELECT DISTINCT line, ehak_code, respondent_id FROM survey_answers ORDER BY line", nil); got != wantLines {
		t.Errorf("stored lines:\n%s\nwant:\n%s", got, wantLines)
	}
	wantQuarantine := `6 answer percent must be 0-100
7 KOV EHAK kood missing EHAK code
8 answer not a number
8 answer not a yes/no answer
8 answer scale answer must be 1-5
9  row has 6 fields, header has 16
`
	q := "SELECT line, column, reason FROM quarantine WHERE file_name LIKE '%lime-2018.csv' ORDER BY line, reason"
	if got := query(t, s, q, nil); got != wantQuarantine {
		t.Errorf("quarantine:\n%s\nwant:\n%s", got, wantQuarantine)
	}
	if got := query(t, s, "SELECT count() FROM quarantine WHERE file_name = {f:String} AND kind = 'survey' AND file_id = {fid:String}", store.Params{"f": "lime-2018.csv", "fid": r.FileID}); got != "6\n" {
		t.Errorf("%s quarantine rows name the export and its file id, want all 6", strings.TrimSpace(got))
	}

	again, err := surveys.IngestWide(ctx, l, "test", mapping, []string{wide})
	if err != nil {
		t.Fatal(err)
	}
	if a := again[0]; a.Loaded != 0 || a.FileID != r.FileID {
		t.Errorf("second load: %+v", a)
	}
	if got := query(t, s, "SELECT count() FROM quarantine", nil); got != "6\n" {
		t.Errorf("quarantine holds %s rows after a second load, want 6", strings.TrimSpace(got))
	}

	// A mapping naming a column the export lacks rejects that file only.
	bad, err := surveys.IngestWide(ctx, l, "test", mapping, []string{"testdata/answers-2018.long.csv", wide})
	if err != nil {
		t.Fatal(err)
	}
	if bad[0].Status != "rejected" || !strings.Contains(bad[0].Error, `missing column "KOV EHAK kood"`) || bad[1].Status != "loaded" {
		t.Errorf("mixed load: %+v", bad)
	}
}

func reportOutputs(t *testing.T, r *surveys.ResponseReport) (rates, non, dist, js []byte) {
	t.Helper()
	var a, b, c bytes.Buffer
	if err := r.WriteCSV(&a); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteNonRespondentsCSV(&b); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteDistributionCSV(&c); err != nil {
		t.Fatal(err)
	}
	j, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return a.Bytes(), b.Bytes(), c.Bytes(), append(j, '\n')
}
