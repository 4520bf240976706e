package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ee/kovmon/auth"
)

// hostileValues are what an attacker types into a parameter: SQL, ClickHouse's own
// parameter syntax, path traversal, a long string, bytes that are not UTF-8, markup.
var hostileValues = []string{
	"' OR 1=1 --",
	"0784'); DROP TABLE usage; --",
	"{y:String}",
	"{limit:UInt32}; DROP DATABASE default",
	"2018 UNION SELECT * FROM system.users",
	"../../etc/passwd",
	"..%2F..%2Fetc%2Fpasswd",
	strings.Repeat("A", 100_000),
	"\xff\xfe\xc0\xaf",
	"\x00",
	"<script>alert(1)</script>",
	"-1",
	"99999999999999999999",
	"I.4\n",
	"EE",
}

// okStatus: a hostile value is refused (400), not found (404), or simply matches
// nothing; never an error of the server.
func okStatus(status int) bool {
	return status == http.StatusOK || status == http.StatusBadRequest || status == http.StatusNotFound ||
		status == http.StatusUnprocessableEntity || status == http.StatusRequestURITooLong || status == http.StatusRequestHeaderFieldsTooLarge
}

// TestHostileParameters feeds every hostile value to every query parameter of every
// route, and to the path values, as admin (who reaches everything), and checks the
// answers and that the store is as it was: no table lost, no row added or removed.
func TestHostileParameters(t *testing.T) {
	f := newFixture(t, false, nil)
	before := snapshot(t, f.store)
	for _, rt := range Routes() {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		if rt.Pattern == "POST /api/ingest/{kind}" || rt.Pattern == "POST /api/inbox/run" {
			continue // they change the store by design; their parameters are tried below
		}
		path = strings.NewReplacer("{$}", "", "{id}", "I.4", "{ehak}", "0784").Replace(path)
		for _, param := range rt.Params {
			for _, v := range hostileValues {
				status, body, _ := f.do(t, auth.Admin, method, path+"?"+url.Values{param: {v}}.Encode(), nil)
				if !okStatus(status) {
					t.Errorf("%s ?%s=%.40q: %d %.200s", rt.Pattern, param, v, status, body)
				}
			}
		}
	}
	for _, v := range hostileValues {
		for _, target := range []string{"/indicator/", "/municipality/"} {
			status, body, _ := f.do(t, auth.Admin, "GET", target+url.PathEscape(v), nil)
			if !okStatus(status) && status != http.StatusMovedPermanently {
				t.Errorf("%s%.40q: %d %.200s", target, v, status, body)
			}
		}
		for _, target := range []string{"/api/ingest/" + url.PathEscape(v), "/api/inbox/run?" + url.Values{"kind": {v}}.Encode()} {
			status, body, _ := f.do(t, auth.Admin, "POST", target, strings.NewReader("a,b\n1,2\n"))
			if status != http.StatusBadRequest && status != http.StatusNotFound && status != http.StatusMovedPermanently {
				t.Errorf("POST %.60q: %d %.200s", target, status, body)
			}
		}
	}
	if after := snapshot(t, f.store); after != before {
		t.Fatalf("the store changed under hostile parameters:\nbefore:\n%.2000s\nafter:\n%.2000s", before, after)
	}
	// An upload's file name is a parameter too: it must not leave the upload folder.
	for _, name := range []string{"../../../../tmp/kovmon-escaped.csv", "/etc/passwd", "..", "a/../../b.csv"} {
		status, body, _ := f.do(t, auth.Admin, "POST", "/api/ingest/feedback?"+url.Values{"name": {name}}.Encode(), strings.NewReader(probes["POST /api/ingest/{kind}"].body))
		if status != http.StatusOK || strings.Contains(body, "..") {
			t.Errorf("upload named %q: %d %s", name, status, body)
		}
	}
}

// FuzzFilterParams sends any query string to every GET route of the API and the
// pages: the answer is never a server error.
func FuzzFilterParams(f *testing.F) {
	for _, seed := range []string{"year=2018", "year=2018&level=national&boundaries=current&format=json", "indicator=I.4&year=2018&ehak=0784",
		"year=%27%20OR%201=1", "lang=en&county=0037&type=linn", "limit=0", "format=nonresponse&year=2016", "ehak=EE&indicator=II.1&year=2017",
		"year=2018&year=2019", "%zz", "boundaries=asof&boundaries=current"} {
		f.Add(seed)
	}
	fx := newFixture(f, false, nil)
	var targets []string
	for _, rt := range Routes() {
		if method, path, _ := strings.Cut(rt.Pattern, " "); method == "GET" && len(rt.Params) > 0 && rt.Pattern != "GET /report" {
			targets = append(targets, strings.NewReplacer("{$}", "", "{id}", "I.4", "{ehak}", "0784").Replace(path))
		}
	}
	f.Fuzz(func(t *testing.T, query string) {
		for _, target := range targets {
			req, err := http.NewRequest("GET", fx.http.URL+target+"?"+query, nil)
			if err != nil {
				return // not a URL a client could send
			}
			resp, err := noRedirect.Do(req)
			if err != nil {
				return
			}
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				t.Fatalf("GET %s?%s: %d", target, query, resp.StatusCode)
			}
		}
	})
}
