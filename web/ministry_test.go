package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"ee/kovmon/auth"
	kovfixture "ee/kovmon/internal/fixture"
	"ee/kovmon/kov"
	"ee/kovmon/metrics"
)

// A ministry's own indicator is data: the test catalogue adds I.5 with a catalogue
// entry and one SQL file, no Go. Put in force through the API (its SQL travels inside
// the catalogue), it is on every surface: /api/indicators, /api/explain, its indicator
// page, the overview and the report; the stored catalogue carries its SQL, so a
// restart computes it too. The fixture's one feedback score (0784, KOVTP, 4 in 2018)
// makes Tallinn meet it: 1 of 79 municipalities.
func TestMinistryIndicatorOnEverySurface(t *testing.T) {
	f := newFixture(t, true, nil)
	ctx := context.Background()
	ministry := kovfixture.LoadMinistryCatalogue(t)
	if !strings.Contains(string(ministry.Source()), "indicator.I5.sql") {
		t.Fatal("test setup: the ministry catalogue does not carry the SQL of its file")
	}
	status, body, _ := f.do(t, auth.Admin, "PUT", "/api/catalogue", strings.NewReader(string(ministry.Source())))
	if status != http.StatusOK {
		t.Fatalf("PUT /api/catalogue: %d %.500s", status, body)
	}

	get := func(role auth.Role, target string, want ...string) string {
		t.Helper()
		status, body, _ := f.do(t, role, "GET", target, nil)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %.300s", target, status, body)
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s lacks %q", target, w)
			}
		}
		return body
	}
	get(auth.Public, "/api/indicators?indicator=I.5&year=2018&format=csv",
		"I.5,2018,national,EE,Eesti,1.2658227848101267,1,79,1.2658227848101267,40,not_achieved,",
		"I.5,2018,municipality,0784,Tallinn,100,1,1,,40,achieved,")

	var ex struct {
		Query        string
		Params       map[string]any
		Rule         struct{ EN string }
		Contributors []kov.Contribution
	}
	if err := json.Unmarshal([]byte(get(auth.Analyst, "/api/explain?indicator=I.5&year=2018&ehak=0784")), &ex); err != nil {
		t.Fatal(err)
	}
	if ex.Query != "indicator.I5 (SQL in the catalogue)" || len(ex.Contributors) != 1 || ex.Contributors[0].FileName != "feedback.csv" ||
		ex.Contributors[0].Rows != 1 || ex.Params["threshold"] != float64(60) || !strings.Contains(ex.Rule.EN, "at least 60 %") {
		t.Errorf("explain I.5 2018 0784: %+v", ex)
	}

	get(auth.Public, "/indicator/I.5?year=2018&lang=en",
		"Share of municipalities whose residents&#39; feedback on the central KOV IT solutions is at least 60 % satisfied",
		"compared exactly: 60 % meets it")
	get(auth.Public, "/?year=2018", "/indicator/I.5", "Omavalitsuste osakaal, kelle elanike tagasisidest KOV IT kesksetele lahendustele on vähemalt 60% rahulolevad")
	get(auth.Public, "/report?year=2018&lang=en", "I.5", "Share of municipalities whose residents&#39; feedback on the central KOV IT solutions is at least 60 % satisfied")

	// The stored version carries the SQL: another process reading it computes I.5
	// without the file.
	stored, err := metrics.ActiveCatalogue(ctx, f.store)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := ministry.Indicator("I.5")
	if ind, ok := stored.Indicator("I.5"); !ok || stored.Hash() != ministry.Hash() || ind.Definition() != want.Definition() {
		t.Fatalf("the stored catalogue: I.5 %v, hash %s, want %s", ok, stored.Hash(), ministry.Hash())
	}
	restarted := newFixtureOnStore(t, f.store, stored)
	_, csv, _ := restarted.do(t, auth.Public, "GET", "/api/indicators?indicator=I.5&year=2018&level=national&format=csv", nil)
	if !strings.Contains(csv, "I.5,2018,national,EE,Eesti,1.2658227848101267,1,79,") {
		t.Errorf("after a restart: %s", csv)
	}
}
