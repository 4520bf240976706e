package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"ee/kovmon/auth"
)

// syncBuffer is a log that tests read while the server writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestWriterWarmsWhatReadersAsked: after a load that changes the figures, the writer
// renders again the addresses readers asked for, into a new live state, before the
// upload is answered; right after, every one of them answers the new figures, and the
// store-bound status is answered without asking the store again.
func TestWriterWarmsWhatReadersAsked(t *testing.T) {
	var log syncBuffer
	f := newFixture(t, false, func(o *fixtureOptions) { o.Log = slog.New(slog.NewTextHandler(&log, nil)) })
	asked := []string{"/api/indicators?year=2018&level=national", "/extract.csv?year=2018&level=national", "/indicator/IV.2?year=2018", "/api/status"}
	before := map[string]string{}
	for _, target := range asked {
		status, body, _ := f.do(t, auth.Admin, "GET", target, nil)
		if status != http.StatusOK {
			t.Fatalf("%s: %d", target, status)
		}
		before[target] = body
	}
	old := f.app.State()
	trainings := "event_id,event_date,ehak_code,kind,participants\nk1,2018-03-01,0784,training,4\nk2,2018-04-01,0296,consultation,1\n"
	if status, body, _ := f.do(t, auth.Admin, "POST", "/api/ingest/trainings?name=t.csv", strings.NewReader(trainings)); status != http.StatusOK {
		t.Fatalf("upload: %d %s", status, body)
	}
	if f.app.State() == old {
		t.Error("the figures changed, but the live state was not replaced")
	}
	if !strings.Contains(log.String(), `msg="caches warmed" addresses=4 new_figures=true`) {
		t.Errorf("the log does not say the four addresses were warmed for the new figures:\n%s", log.String())
	}
	for _, target := range asked[:3] {
		_, body, _ := f.do(t, auth.Admin, "GET", target, nil)
		if body == before[target] {
			t.Errorf("%s is the same after a load that changed IV.2", target)
		}
	}
	if _, body, _ := f.do(t, auth.Admin, "GET", "/api/indicators?year=2018&level=national", nil); !strings.Contains(body, "IV.2,2018,national,EE,Eesti,2.5316455696202533,2,79,") {
		t.Errorf("after the upload the API says:\n%s", body)
	}
}
