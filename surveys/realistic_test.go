package surveys_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"ee/kovmon/kov"
	"ee/kovmon/registry"
	"ee/kovmon/surveys"
)

// limeHeader is the header of the 2018 LimeSurvey export (lime-2018.mapping.yaml);
// answer columns in the order of the questions below.
var limeHeader = []string{"Vastuse ID", "Esitamise aeg", "KOV EHAK kood", "KOV nimi",
	"Kas KOV-i IKT-võrk on korraldatud ühtse standardi järgi?", "Kas KOV-il on kinnitatud infoturbepoliitika?",
	"Kas KOV-il on infovarade nimekiri?", "Kas ühinenud KOV-i e-teenused on ühtlustatud?", "Kohtvõrkude ümberehitus",
	"Rahulolu IKT kompetentsikeskusega (1-5)", "IKT-töötajate arv (täistööajale taandatuna)", "E-taotluste osakaal (%)",
	"Varukoopiad väljaspool asutust", "Kommentaarid"}

var questions = []string{"network_standard", "security_policy", "asset_register", "eservices_unified", "lan_rebuild",
	"competence_centre_satisfaction", "it_staff_fte", "eservice_share_pct", "cloud_backup", "comments"}

// survey79 is a generated 2018 survey of the 79 municipalities, and what each unit's
// latest admissible answer is: the expected figures are counted from it, not from the
// engine.
type survey79 struct {
	export         []byte
	latest         map[string]map[string]string // unit -> question -> normalised answer
	active, merged []kov.Municipality
	nonRespondents []string
}

// generate79 writes a LimeSurvey-like export (';', BOM) for the units active at the
// end of 2018: 12 of 79 (15 %) do not answer; some leave questions blank; the two
// merger questions are answered by merged units only, as the form skips them for the
// others; words are Estonian and English in any case, numbers with decimal commas
// and % signs. Saaremaa vald answers under a pre-reform code, Tallinn answers twice
// (the later row changes its answer), and one answer is not admissible.
func generate79(reg *registry.Registry) survey79 {
	rng := rand.New(rand.NewPCG(2018, 79))
	g := survey79{latest: map[string]map[string]string{},
		active: reg.ActiveUnits(kov.BoundariesAsOf, 2018), merged: reg.MergedUnits(kov.BoundariesAsOf, 2018)}
	isMerged := map[string]bool{}
	for _, u := range g.merged {
		isMerged[u.Code] = true
	}
	silent := map[string]bool{}
	for _, i := range rng.Perm(len(g.active)) {
		if code := g.active[i].Code; len(silent) < 12 && code != "0784" && code != "0714" {
			silent[code] = true
			g.nonRespondents = append(g.nonRespondents, code)
		}
	}
	pick := func(words ...string) string { return words[rng.IntN(len(words))] }
	yesNo := func(pYes float64) (string, string) {
		if rng.Float64() < pYes {
			return "yes", pick("Jah", "jah", "JAH", "yes", "Yes")
		}
		return "no", pick("Ei", "ei", "EI", "no", "No")
	}
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	w.Comma = ';'
	w.Write(limeHeader)
	id := 0
	start := time.Date(2018, 3, 1, 0, 0, 0, 0, time.UTC)
	row := func(u kov.Municipality, code string, at time.Time, answers map[string][2]string) {
		id++
		rec := []string{strconv.Itoa(id), at.Format("2006-01-02 15:04:05"), code, u.Name}
		for _, q := range questions {
			rec = append(rec, answers[q][1])
			if value := answers[q][0]; value != "" {
				if g.latest[u.Code] == nil {
					g.latest[u.Code] = map[string]string{}
				}
				g.latest[u.Code][q] = value
			}
		}
		w.Write(rec)
	}
	for _, u := range g.active {
		if silent[u.Code] {
			continue
		}
		answers := map[string][2]string{}
		set := func(q, value, written string) {
			if rng.Float64() < 0.05 { // left blank
				return
			}
			answers[q] = [2]string{value, written}
		}
		v, word := yesNo(0.55)
		set("network_standard", v, word)
		v, word = yesNo(0.65)
		set("security_policy", v, word)
		v, word = yesNo(0.45)
		set("asset_register", v, word)
		if isMerged[u.Code] {
			v, word = yesNo(0.5)
			set("eservices_unified", v, word)
			switch r := rng.Float64(); {
			case r < 0.3:
				set("lan_rebuild", "done", pick("valmis", "Tehtud", "done"))
			case r < 0.65:
				set("lan_rebuild", "in_progress", pick("pooleli", "töös", "In_progress"))
			default:
				set("lan_rebuild", "not_started", pick("alustamata", "not_started", "Ei"))
			}
		}
		score := []int{1, 2, 3, 3, 4, 4, 4, 5, 5}[rng.IntN(9)]
		set("competence_centre_satisfaction", strconv.Itoa(score), pick(strconv.Itoa(score), strconv.Itoa(score)+",0"))
		fte := float64(1+rng.IntN(24)) / 2
		set("it_staff_fte", strconv.FormatFloat(fte, 'f', -1, 64), strings.Replace(strconv.FormatFloat(fte, 'f', -1, 64), ".", ",", 1))
		pct := rng.IntN(101)
		set("eservice_share_pct", strconv.Itoa(pct), pick(strconv.Itoa(pct), strconv.Itoa(pct)+" %", strconv.Itoa(pct)+"%"))
		v, word = yesNo(0.7)
		set("cloud_backup", v, word)
		code := u.Code
		switch u.Code {
		case "0714": // Saaremaa vald, under the code of one of the units it was formed from
			code = reg.PredecessorsOf(u.Code, kov.YearEnd(2018))[0]
		case "0784": // Tallinn first says yes, and corrects itself below
			answers["network_standard"] = [2]string{"yes", "Jah"}
		case "0296": // Keila linn: not an admissible yes/no answer, quarantined
			answers["asset_register"] = [2]string{"", "ei tea"}
		}
		day, hour, minute := rng.IntN(30), 8+rng.IntN(9), rng.IntN(60) // office hours in March
		row(u, code, start.Add(time.Duration(day*24*60+hour*60+minute)*time.Minute), answers)
		if u.Code == "0784" { // Tallinn corrects itself a month later
			answers["network_standard"] = [2]string{"no", "ei"}
			answers["comments"] = [2]string{"Parandus: võrk ei vasta veel standardile", "Parandus: võrk ei vasta veel standardile"}
			row(u, code, start.Add(40*24*time.Hour+10*time.Hour), answers)
		}
	}
	w.Flush()
	g.export = b.Bytes()
	return g
}

// expected counts a share-of-municipalities figure from the generated answers, as
// "numerator/denominator".
func (g survey79) expected(question string, units []kov.Municipality, meets func(string) bool, answeredOnly bool) string {
	num, den := 0, 0
	for _, u := range units {
		a, ok := g.latest[u.Code][question]
		if answeredOnly && !ok {
			continue
		}
		den++
		if ok && meets(a) {
			num++
		}
	}
	return fmt.Sprintf("%d/%d", num, den)
}

// TestSurveyOf79 is issue 4's "Done when": a wide export of a realistic survey of the
// 79 municipalities, loaded with its mapping, gives the six survey indicators through
// the indicator engine, and the response report lists the non-respondents.
func TestSurveyOf79(t *testing.T) {
	ctx := context.Background()
	s, l, set := newSurveyStore(t, realRegistry...)
	reg, err := registry.Load(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	g := generate79(reg)
	if len(g.active) != 79 || len(g.nonRespondents) != 12 {
		t.Fatalf("%d active, %d non-respondents; want 79 and 12", len(g.active), len(g.nonRespondents))
	}
	surveys.CheckGolden(t, "kov-ikt-2018-79.csv", g.export)

	results, err := surveys.IngestWide(ctx, l, "test", "testdata/lime-2018.mapping.yaml", []string{"testdata/kov-ikt-2018-79.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if r := results[0]; r.Status != "loaded" || r.Quarantined != 1 || !strings.Contains(strings.Join(r.Reasons, ";"), ": answer: not a yes/no answer") {
		t.Fatalf("load: %+v", r)
	}

	got := figures(t, s)
	yes := func(a string) bool { return a == "yes" }
	want := map[string]string{
		"II.2":  g.expected("network_standard", g.active, yes, false),
		"II.3a": g.expected("security_policy", g.active, yes, false),
		"II.3b": g.expected("asset_register", g.active, yes, false),
		"III.1": g.expected("eservices_unified", g.merged, yes, false),
		"III.2": g.expected("lan_rebuild", g.merged, func(a string) bool { return a == "done" || a == "in_progress" }, false),
		"IV.1b": g.expected("competence_centre_satisfaction", g.active, func(a string) bool { return a >= "4" }, true),
	}
	for _, id := range []string{"II.2", "II.3a", "II.3b", "III.1", "III.2", "IV.1b"} {
		fig, w := got[id+" EE"], want[id]
		t.Logf("%-5s national: value numerator/denominator coverage = %s", id, fig)
		if _, ratio, _ := strings.Cut(fig, " "); !strings.HasPrefix(ratio, w+" ") || strings.HasPrefix(fig, " ") {
			t.Errorf("%s national = %q, want %s with a value", id, fig, w)
		}
	}
	if tallinn := got["II.2 0784"]; tallinn != "0 0/1 " {
		t.Errorf("Tallinn II.2 = %q, want its later answer no", tallinn)
	}
	if saaremaa := got["II.2 0714"]; strings.HasPrefix(saaremaa, " ") {
		t.Errorf("Saaremaa II.2 = %q, want its answer under the pre-reform code", saaremaa)
	}

	report, err := surveys.Responses(ctx, s, set, 2018)
	if err != nil {
		t.Fatal(err)
	}
	if report.Active != 79 || report.Responded != 67 || len(report.NonRespondents) != 12 || len(report.OutsideActive) != 0 {
		t.Errorf("responded %d of %d, %d non-respondents, outside %v", report.Responded, report.Active, len(report.NonRespondents), report.OutsideActive)
	}
	for _, m := range report.NonRespondents {
		if len(g.latest[m.Code]) > 0 {
			t.Errorf("%s %s answered but is listed as a non-respondent", m.Code, m.Name)
		}
	}
	rates, non, dist, js := reportOutputs(t, report)
	surveys.CheckGolden(t, "kov-ikt-2018-79.rates.golden.csv", rates)
	surveys.CheckGolden(t, "kov-ikt-2018-79.nonrespondents.golden.csv", non)
	surveys.CheckGolden(t, "kov-ikt-2018-79.distribution.golden.csv", dist)
	surveys.CheckGolden(t, "kov-ikt-2018-79.golden.json", js)
}
