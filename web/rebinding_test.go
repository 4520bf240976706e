package web

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// rebindingRequest is what a browser sends for a page of evil.example whose name has
// been rebound to kovmon's loopback address: the Host header and the Origin name the
// attacker's site, and to the browser the request is same-origin.
func rebindingRequest(t *testing.T, f *fixture, method, target, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.http.URL+target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "evil.example"
	req.Header.Set("Origin", "http://evil.example")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestRebindingPageCannotDriveLocalMode plays issue 15's DNS-rebinding page against a
// kovmon without a users file (every request is admin): it tries to put an edited
// catalogue in force, to load usage rows, and to read the quarantine and the audit
// log. Every request is refused and the store is as it was.
func TestRebindingPageCannotDriveLocalMode(t *testing.T) {
	f := newFixture(t, false, nil)
	before := snapshot(t, f.store)
	usage := "event_id,event_time,ehak_code,system,service_code,channel,event\nrebound-1,2018-05-01T10:00:00Z,0784,KOVTP,S1,web,submit\n"
	for _, c := range []struct{ method, target, body string }{
		{"PUT", "/api/catalogue", editedCatalogue(t, "rebound", "40")},
		{"POST", "/api/ingest/usage?name=rebound.csv", usage},
		{"POST", "/api/inbox/run", ""},
		{"GET", "/api/quarantine", ""},
		{"GET", "/api/audit", ""},
		{"GET", "/data", ""},
		{"GET", "/", ""},
	} {
		status, body := rebindingRequest(t, f, c.method, c.target, c.body)
		if status != http.StatusMisdirectedRequest {
			t.Errorf("%s %s with Host evil.example: %d %.200q, want 421", c.method, c.target, status, body)
		}
		if strings.Contains(body, secretQuarantine) {
			t.Errorf("%s %s with Host evil.example showed a quarantined line", c.method, c.target)
		}
	}
	if after := snapshot(t, f.store); after != before {
		t.Errorf("the rebinding page changed the store:\nbefore\n%s\nafter\n%s", before, after)
	}
	if got := nationalI1Target2018(t, f); got != 50 {
		t.Errorf("I.1's 2018 target is %v after the rebinding page, want 50", got)
	}
}

// TestLocalModeRefusesForeignOrigins: with an allowed Host, a state-changing request
// of local mode whose Origin is not kovmon's own address is refused even when its
// Sec-Fetch-Site claims same-origin (Go's cross-origin protection alone trusts that
// header); one from kovmon's own page, and one from a script without Origin, pass.
func TestLocalModeRefusesForeignOrigins(t *testing.T) {
	f := newFixture(t, false, nil)
	upload := probes["POST /api/ingest/{kind}"]
	send := func(origin, fetchSite string) int {
		req, _ := http.NewRequest("POST", f.http.URL+upload.target, strings.NewReader(upload.body))
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if fetchSite != "" {
			req.Header.Set("Sec-Fetch-Site", fetchSite)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, origin := range []string{"http://evil.example", "http://localhost:1", "null"} {
		if status := send(origin, "same-origin"); status != http.StatusForbidden {
			t.Errorf("local mode, Origin %s, Sec-Fetch-Site same-origin: %d, want 403", origin, status)
		}
	}
	if status := send(f.http.URL, "same-origin"); status != http.StatusOK {
		t.Errorf("local mode, kovmon's own origin: %d, want 200", status)
	}
	if status := send("", ""); status != http.StatusOK {
		t.Errorf("local mode, a script without Origin: %d, want 200", status)
	}
}

// TestHostAllowList: loopback names and addresses, the connection's own address and
// the configured public host names are served, in every mode; any other name is not.
func TestHostAllowList(t *testing.T) {
	f := newFixture(t, true, func(o *fixtureOptions) { o.Hosts = []string{"kovmon.example.ee"} })
	for host, want := range map[string]int{
		"kovmon.example.ee": http.StatusOK, "KOVMON.example.ee.:443": http.StatusOK, "localhost:8080": http.StatusOK,
		"127.0.0.1": http.StatusOK, "[::1]:8080": http.StatusOK, strings.TrimPrefix(f.http.URL, "http://"): http.StatusOK,
		"evil.example": http.StatusMisdirectedRequest, "kovmon.example.ee.evil.example": http.StatusMisdirectedRequest,
		"192.0.2.7": http.StatusMisdirectedRequest, "localhost.evil.example": http.StatusMisdirectedRequest,
	} {
		req, _ := http.NewRequest("GET", f.http.URL+"/healthz", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %q: %d, want %d", host, resp.StatusCode, want)
		}
	}
}
