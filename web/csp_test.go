package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"ee/kovmon/auth"
)

// TestPagesCarryTheirScriptHashes: every inline chart script of a page is allowed by
// its hash, and nothing else inline is; every answer has the security headers.
func TestPagesCarryTheirScriptHashes(t *testing.T) {
	f := newFixture(t, true, nil)
	for _, target := range []string{"/?year=2018", "/indicator/I.4?year=2018", "/municipality/0784", "/report?year=2018&lang=en"} {
		status, body, h := f.do(t, auth.Analyst, "GET", target, nil)
		if status != http.StatusOK {
			t.Fatalf("%s: %d", target, status)
		}
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline' 'sha") ||
			regexp.MustCompile(`script-src[^;]*unsafe-inline`).MatchString(csp) {
			t.Errorf("%s: CSP %q", target, csp)
		}
		want := scriptHashes([]byte(body), true)
		if len(want) == 0 {
			t.Errorf("%s has no inline script: the test proves nothing", target)
		}
		for _, hash := range want {
			if !strings.Contains(csp, hash) {
				t.Errorf("%s: the CSP lacks %s of one of its scripts", target, hash)
			}
		}
	}
	for _, target := range []string{"/healthz", "/api/indicators", "/assets/dashboards.css", "/login", "/nothing"} {
		_, _, h := f.do(t, auth.Anyone, "GET", target, nil)
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s: headers %v", target, h)
		}
	}
	if _, _, h := f.do(t, auth.Anyone, "GET", "/login", nil); strings.Contains(h.Get("Content-Security-Policy"), "sha256-") {
		t.Errorf("the login page allows an inline script: %s", h.Get("Content-Security-Policy"))
	}
}

// TestInjectedScriptsGetNoHash: a page whose data smuggled a script in (a municipality
// named "</script><script>…") gets no hash for it, nor for the broken chart script.
func TestInjectedScriptsGetNoHash(t *testing.T) {
	chart := `
    "use strict";
    let goecharts_c1 = echarts.init(document.getElementById('c1'), "white", { renderer: "canvas" });
    let option_c1 = {"series":[{"data":[1,2]}]}

    goecharts_c1.setOption(option_c1);
`
	good := `<script type="text/javascript">` + chart + `</script>`
	if got := scriptHashes([]byte(good), false); len(got) != 1 {
		t.Fatalf("a go-echarts chart script: %v, want one hash", got)
	}
	for _, hostile := range []string{
		strings.Replace(good, `{"data":[1,2]}`, `{"name":"</script><script>alert(1)</script>"}`, 1),
		strings.Replace(good, `{"data":[1,2]}`, `{"data":[1,2]}]}; alert(1); x={"a":[{}`, 1),
		strings.Replace(good, "goecharts_c1.setOption(option_c1);", "goecharts_c1.setOption(option_c1); alert(1);", 1),
		strings.Replace(good, "getElementById('c1')", "getElementById('c1'+alert(1))", 1),
		`<script>alert(1)</script>`,
		`<img src=x onerror="alert(1)">`,
	} {
		if got := scriptHashes([]byte(hostile), false); len(got) != 0 {
			t.Errorf("hashed a hostile script %q: %v", hostile, got)
		}
	}
}
