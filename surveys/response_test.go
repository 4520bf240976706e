package surveys

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"ee/kovmon/kov"
)

// TestWilsonPublished checks the interval against published values rather than
// against the formula again. References: Newcombe R.G. (1998), "Two-sided confidence
// intervals for the single proportion: comparison of seven methods", Statistics in
// Medicine 17:857-872, Table II, method 3 (score interval without continuity
// correction); 0/10, 5/10 and 10/10 as tabulated in the Wikipedia article "Binomial
// proportion confidence interval" and Brown, Cai & DasGupta (2001). All to 4 decimals.
func TestWilsonPublished(t *testing.T) {
	tests := []struct {
		successes, n int
		low, high    float64
	}{
		{81, 263, 0.2553, 0.3662},
		{15, 148, 0.0624, 0.1605},
		{0, 20, 0.0000, 0.1611},
		{1, 29, 0.0061, 0.1718},
		{0, 10, 0.0000, 0.2775},
		{5, 10, 0.2366, 0.7634},
		{10, 10, 0.7225, 1.0000},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d of %d", tt.successes, tt.n), func(t *testing.T) {
			low, high := Wilson(tt.successes, tt.n)
			if math.Abs(low-tt.low) > 0.00005 || math.Abs(high-tt.high) > 0.00005 {
				t.Errorf("Wilson(%d, %d) = %.5f-%.5f, published %.4f-%.4f", tt.successes, tt.n, low, high, tt.low, tt.high)
			}
		})
	}
	if low, high := Wilson(0, 0); low != 0 || high != 1 {
		t.Errorf("Wilson(0, 0) = %v-%v, want the whole range 0-1", low, high)
	}
}

// exampleActive is a small registry extract: the example export's respondents and
// two municipalities that did not answer.
var exampleActive = []kov.Municipality{
	{Code: "0198", Name: "Harku vald"},
	{Code: "0296", Name: "Keila linn"},
	{Code: "0624", Name: "Rae vald"},
	{Code: "0726", Name: "Saue vald"},
	{Code: "0784", Name: "Tallinn"},
	{Code: "0795", Name: "Tartu linn"},
	{Code: "0387", Name: "Kose vald"},
}

// TestExamplePipeline runs the whole path the lead's ingest and tracking will take:
// wide export -> long rows -> normalised (bad answers quarantined with the wide file's
// line and column) -> latest answer wins -> response report.
func TestExamplePipeline(t *testing.T) {
	set := shippedSet(t)
	rows, _ := loadExample(t)
	tallinn, err := time.LoadLocation("Europe/Tallinn")
	if err != nil {
		t.Fatal(err)
	}
	var answers []Answer
	var quarantine bytes.Buffer
	quarantine.WriteString("line,column,question_id,answer,reason\n")
	for _, r := range rows {
		answer, _, err := set.NormalizeAnswer(r.SurveyID, r.QuestionID, r.Answer)
		if err != nil {
			fmt.Fprintf(&quarantine, "%d,%q,%s,%q,%s\n", r.Line, r.Column, r.QuestionID, r.Answer, err)
			continue
		}
		at, err := time.ParseInLocation("2006-01-02 15:04:05", r.SubmittedAt, tallinn)
		if err != nil {
			t.Fatalf("line %d: %v", r.Line, err)
		}
		ehak := strings.Repeat("0", 4-len(r.EhakCode)) + r.EhakCode // as the ingest pads it
		answers = append(answers, Answer{EhakCode: ehak, QuestionID: r.QuestionID, RespondentID: r.RespondentID, SubmittedAt: at, Answer: answer})
	}
	checkGolden(t, "lime-2018.quarantine.golden.csv", quarantine.Bytes())

	latest := LatestWins(answers)
	def, _ := set.Survey("kov-ikt-2018")
	report := Track(2018, def, exampleActive, latest)

	var rates, non, dist bytes.Buffer
	if err := report.WriteCSV(&rates); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteNonRespondentsCSV(&non); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteDistributionCSV(&dist); err != nil {
		t.Fatal(err)
	}
	js, err := json.MarshalIndent(report, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "response-2018.rates.golden.csv", rates.Bytes())
	checkGolden(t, "response-2018.nonrespondents.golden.csv", non.Bytes())
	checkGolden(t, "response-2018.distribution.golden.csv", dist.Bytes())
	checkGolden(t, "response-2018.golden.json", append(js, '\n'))

	// Facts checked by hand from the example, so that -update cannot bless a wrong
	// golden: Tallinn's second submission (line 4) turned network_standard to no.
	for _, a := range latest {
		if a.EhakCode == "0784" && a.QuestionID == "network_standard" && a.Answer != "no" {
			t.Errorf("Tallinn network_standard = %q, want the later answer no", a.Answer)
		}
	}
	if report.Responded != 4 || report.Active != 7 {
		t.Errorf("responded %d of %d, want 4 of 7 (Harku, Keila, Tallinn, Tartu)", report.Responded, report.Active)
	}
	var names []string
	for _, m := range report.NonRespondents {
		names = append(names, m.Name)
	}
	if got := strings.Join(names, ","); got != "Kose vald,Rae vald,Saue vald" {
		t.Errorf("non-respondents %s", got)
	}
}

func TestTrack(t *testing.T) {
	def := &Definition{ID: "s", Year: 2018, Questions: []*Question{
		{ID: "network_standard", Type: YesNo, Indicator: "II.2"},
		{ID: "lan_rebuild", Type: Choice, Values: []ChoiceValue{{Value: "done"}, {Value: "in_progress"}, {Value: "not_started"}}},
		{ID: "it_staff_fte", Type: Number},
		{ID: "comments", Type: Text},
	}}
	active := []kov.Municipality{{Code: "0002", Name: "B"}, {Code: "0001", Name: "A"}, {Code: "0003", Name: "C"}, {Code: "0004", Name: "D"}}
	answers := []Answer{
		{EhakCode: "0001", QuestionID: "network_standard", Answer: "yes"},
		{EhakCode: "0002", QuestionID: "network_standard", Answer: "no"},
		{EhakCode: "0002", QuestionID: "network_standard", Answer: "no"}, // forgot LatestWins
		{EhakCode: "0001", QuestionID: "it_staff_fte", Answer: "12.5"},
		{EhakCode: "0002", QuestionID: "it_staff_fte", Answer: "3"},
		{EhakCode: "0003", QuestionID: "it_staff_fte", Answer: "3"},
		{EhakCode: "0003", QuestionID: "comments", Answer: "Mari Maasikas, tel 5555 5555"},
		{EhakCode: "0003", QuestionID: "favourite_colour", Answer: "sinine"},
		{EhakCode: "9999", QuestionID: "network_standard", Answer: "yes"}, // not active
	}
	r := Track(2018, def, active, answers)

	if r.Responded != 3 || *r.ResponseRate != 75 {
		t.Errorf("responded %d, rate %v; want 3, 75", r.Responded, *r.ResponseRate)
	}
	if got := fmt.Sprint(r.NonRespondents); got != "[0004 D]" {
		t.Errorf("non-respondents %s", got)
	}
	if got := fmt.Sprint(r.OutsideActive); got != "[9999]" {
		t.Errorf("outside active %s", got)
	}
	want := map[string]string{
		"network_standard": "answered 2 rate 50 [{yes 1} {no 1}]",
		"lan_rebuild":      "answered 0 rate 0 [{done 0} {in_progress 0} {not_started 0}]",
		"it_staff_fte":     "answered 3 rate 75 [{3 2} {12.5 1}]",
		"comments":         "answered 1 rate 25 []", // free text: no distribution
		"favourite_colour": "answered 1 rate 25 []", // undefined: no distribution
	}
	var order []string
	for _, q := range r.Questions {
		order = append(order, q.QuestionID)
		got := fmt.Sprintf("answered %d rate %v %v", q.Answered, *q.ResponseRate, q.Distribution)
		if got != want[q.QuestionID] {
			t.Errorf("%s: %s, want %s", q.QuestionID, got, want[q.QuestionID])
		}
		if q.Defined != (q.QuestionID != "favourite_colour") {
			t.Errorf("%s: defined = %v", q.QuestionID, q.Defined)
		}
	}
	if got := strings.Join(order, ","); got != "network_standard,lan_rebuild,it_staff_fte,comments,favourite_colour" {
		t.Errorf("question order %s", got)
	}

	// No active municipalities: no data, not 0 %.
	empty := Track(2018, nil, nil, nil)
	if empty.ResponseRate != nil {
		t.Errorf("rate with no active municipalities = %v, want none", *empty.ResponseRate)
	}
	var buf bytes.Buffer
	if err := empty.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "2018,,survey,,,0,0,,,\n") {
		t.Errorf("empty report CSV:\n%s", buf.String())
	}
}
