package web

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"ee/kovmon/auth"
	"ee/kovmon/ingest"
	"ee/kovmon/ledger"
)

// TestSurveyYearsOutsideTheSurveysAre400: the web layer and the surveys agree on the
// years a survey may have (issue 15, point 7: 1970-1999 answered 500).
func TestSurveyYearsOutsideTheSurveysAre400(t *testing.T) {
	f := newFixture(t, false, nil)
	for _, year := range []string{"1970", "1985", "1999", "2101", "0"} {
		if status, body, _ := f.do(t, auth.Admin, "GET", "/api/surveys/responses?year="+year, nil); status != http.StatusBadRequest || !strings.Contains(body, "2000") {
			t.Errorf("?year=%s: %d %q, want 400 naming the years", year, status, body)
		}
	}
	if status, body, _ := f.do(t, auth.Admin, "GET", "/api/surveys/responses?year=2018", nil); status != http.StatusOK {
		t.Errorf("?year=2018: %d %.200s", status, body)
	}
}

// TestUploadNameIsOneSafeLine: the name of an upload is stored without control
// characters (a newline broke the `kovmon runs` table), and the answer names the
// file as sent, never the server's temporary path.
func TestUploadNameIsOneSafeLine(t *testing.T) {
	f := newFixture(t, false, func(o *fixtureOptions) { o.App.UploadDir = t.TempDir() })
	status, body, _ := f.do(t, auth.Admin, "POST", "/api/ingest/feedback?name=a%0Ab%09c%0D.csv", strings.NewReader(probes["POST /api/ingest/{kind}"].body))
	var res ingest.FileResult
	if status != http.StatusOK || json.Unmarshal([]byte(body), &res) != nil {
		t.Fatalf("upload: %d %s", status, body)
	}
	if res.File != "a_b_c_.csv" {
		t.Errorf("the answer names the file %q, want a_b_c_.csv (not a temporary path)", res.File)
	}
	_, files, _ := f.do(t, auth.Admin, "GET", "/api/files?limit=1", nil)
	var listed []ledger.File
	if err := json.Unmarshal([]byte(files), &listed); err != nil || len(listed) != 1 || listed[0].FileName != "a_b_c_.csv" {
		t.Errorf("the ledger names the upload %+v (%v), want a_b_c_.csv", listed, err)
	}
}

// TestUploadOverTheLimitIsRefusedBeforeItsBody: a Content-Length above
// max_upload_bytes is answered 413 at once, without the server waiting for (or
// asking for, with Expect: 100-continue) a byte of the body.
func TestUploadOverTheLimitIsRefusedBeforeItsBody(t *testing.T) {
	f := newFixture(t, false, func(o *fixtureOptions) { o.MaxUpload = 1 << 20 })
	conn, err := net.Dial("tcp", strings.TrimPrefix(f.http.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/ingest/feedback?name=big.csv HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", 1<<30)
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer before the body was sent: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("Content-Length 1 GiB over a 1 MiB limit: %d, want 413 before the body", resp.StatusCode)
	}
}
