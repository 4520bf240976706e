package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"ee/kovmon/web/compress"
)

// The content security policy of kovmon's pages. Scripts come from this server only
// ('self': echarts.min.js and the map), plus the inline chart scripts that go-echarts
// writes, each allowed by its SHA-256 — but only when it has exactly the form
// go-echarts gives it: echarts.init on an element, one JSON literal of options, and
// setOption. Anything else inline (a script smuggled in through data, an event
// handler attribute) matches no hash and the browser refuses to run it. Hashes rather
// than nonces: the pages need no change, and a hash covers only the text it was
// computed from. The annual report is a self-contained document (it inlines ECharts
// so that a saved copy works offline); its inline scripts are its own and its data are
// escaped where they enter a script (report/charts.go), so all of them are hashed.
// Styles may be inline: the status badges and ECharts' tooltips set style attributes,
// and CSS cannot run code.
const pagePolicy = "default-src 'self'; script-src 'self'%s; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

var (
	inlineScript = regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script\s*>`)
	hasSrc       = regexp.MustCompile(`(?i)\bsrc\s*=`)
	chartScript  = regexp.MustCompile(`(?s)^\s*"use strict";\s*let goecharts_(\w+) = echarts\.init\(document\.getElementById\('(\w+)'\), "white", \{ renderer: "canvas" \}\);\s*` +
		`let option_(\w+) = (\{.*\})\s*goecharts_(\w+)\.setOption\(option_(\w+)\);\s*$`)
)

// isChartScript reports whether an inline script is a go-echarts chart and nothing
// more: the same chart name throughout and options that are pure JSON data.
func isChartScript(body string) bool {
	m := chartScript.FindStringSubmatch(body)
	if m == nil {
		return false
	}
	name := m[1]
	return m[2] == name && m[3] == name && m[5] == name && m[6] == name && json.Valid([]byte(m[4]))
}

// scriptHashes are the CSP sources of the inline scripts of a page that may run.
func scriptHashes(page []byte, document bool) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range inlineScript.FindAllSubmatch(page, -1) {
		attrs, body := m[1], m[2]
		if hasSrc.Match(attrs) || len(bytes.TrimSpace(body)) == 0 {
			continue
		}
		if !document && !isChartScript(string(body)) {
			continue
		}
		sum := sha256.Sum256(body)
		h := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

// cspWriter holds back an HTML answer until it is complete, so that the policy can
// name the hashes of its scripts; other answers (CSV, JSON, scripts) pass straight
// through. The dashboards render a page into a buffer anyway, so nothing streams less.
type cspWriter struct {
	http.ResponseWriter
	documentScripts bool
	status          int
	decided, html   bool
	buf             *bytes.Buffer   // the held page, from compress.Buffer
	entry           *compress.Entry // the page, when handed over whole (WriteEntry)
}

func (c *cspWriter) decide() {
	if c.decided {
		return
	}
	c.decided = true
	c.html = strings.HasPrefix(c.Header().Get("Content-Type"), "text/html")
	if c.html {
		c.buf = compress.Buffer()
		return
	}
	if c.status != 0 {
		c.ResponseWriter.WriteHeader(c.status)
	}
}

func (c *cspWriter) WriteHeader(status int) {
	if c.decided {
		if !c.html {
			c.ResponseWriter.WriteHeader(status)
		} else if c.status == 0 {
			c.status = status
		}
		return
	}
	c.status = status
	// Errors (http.Error) are plain text and have no body yet: decide now.
	c.decide()
}

func (c *cspWriter) Write(p []byte) (int, error) {
	if !c.decided {
		if c.Header().Get("Content-Type") == "" {
			c.Header().Set("Content-Type", http.DetectContentType(p))
		}
		c.decide()
	}
	if c.html {
		return c.buf.Write(p)
	}
	return c.ResponseWriter.Write(p)
}

// WriteEntry takes a remembered body (compress.Write): a page whole, with no copy or
// hash; anything else is passed on.
func (c *cspWriter) WriteEntry(e *compress.Entry) (int, error) {
	if !c.decided {
		if c.Header().Get("Content-Type") == "" {
			c.Header().Set("Content-Type", http.DetectContentType(e.Bytes()))
		}
		c.decide()
	}
	switch {
	case c.html && c.buf.Len() == 0 && c.entry == nil:
		c.entry = e
		return len(e.Bytes()), nil
	case c.html:
		return c.Write(e.Bytes())
	}
	return compress.Write(c.ResponseWriter, e)
}

// statusOrOK is the status the handler answered.
func (c *cspWriter) statusOrOK() int {
	if c.status == 0 {
		return http.StatusOK
	}
	return c.status
}

// Unwrap lets http.ResponseController reach the connection (deadlines, flushing).
func (c *cspWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// Flush is passed on for answers that stream; an HTML page is sent whole.
func (c *cspWriter) Flush() {
	if c.decided && !c.html {
		http.NewResponseController(c.ResponseWriter).Flush()
	}
}

// finish sends a held-back page with its policy. A page is hashed once (the
// compress memo), and its policy worked out once per distinct page: finding and
// hashing the scripts of every page on every request was most of the CPU the
// service spent serving (issue 15).
func (c *cspWriter) finish() {
	if !c.html {
		return
	}
	defer compress.Release(c.buf)
	body := c.buf.Bytes()
	entry := c.entry
	if entry != nil {
		body = entry.Bytes()
	}
	var policy string
	if len(body) >= compress.MinSize {
		if entry == nil {
			entry = compress.Remember(body)
		}
		policy = entry.Derive(policyName(c.documentScripts), func(b []byte) string { return policyFor(b, c.documentScripts) })
	} else {
		policy = policyFor(body, c.documentScripts)
	}
	c.Header().Set("Content-Security-Policy", policy)
	if c.Header().Get("Content-Length") != "" {
		c.Header().Set("Content-Length", strconv.Itoa(len(body)))
	}
	if c.status != 0 {
		c.ResponseWriter.WriteHeader(c.status)
	}
	if gz, ok := c.ResponseWriter.(*compress.Writer); ok && entry != nil {
		gz.WriteEntry(entry)
		return
	}
	c.ResponseWriter.Write(body)
}

// policyName keys a page's policy in the compress memo.
func policyName(documentScripts bool) string {
	if documentScripts {
		return "csp-document"
	}
	return "csp-page"
}

// policyFor is the content security policy of a page: pagePolicy with the hashes of
// the inline scripts that may run.
func policyFor(page []byte, documentScripts bool) string {
	var sources strings.Builder
	for _, h := range scriptHashes(page, documentScripts) {
		sources.WriteString(" " + h)
	}
	return strings.Replace(pagePolicy, "%s", sources.String(), 1)
}
