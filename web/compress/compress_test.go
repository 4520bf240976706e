package compress

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

func serve(t *testing.T, h http.Handler, method, acceptEncoding string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, "/x", nil)
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	Handler(h).ServeHTTP(rec, req)
	return rec
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCompressesOnceAndServesTheSameBytes(t *testing.T) {
	page := []byte("<!DOCTYPE html><p>" + strings.Repeat("Tallinn 54,1 % ", 2000) + "</p>")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Length", "999999") // a handler's own length is replaced
		w.Write(page[:100])
		w.Write(page[100:])
	})
	first := serve(t, h, "GET", "gzip, deflate, br", nil)
	if first.Header().Get("Content-Encoding") != "gzip" || first.Header().Get("Vary") != "Accept-Encoding" {
		t.Fatalf("headers %v", first.Header())
	}
	if got := gunzip(t, first.Body.Bytes()); !bytes.Equal(got, page) {
		t.Fatal("the gzip is not of the page")
	}
	if first.Body.Len() > len(page)/10 || first.Header().Get("Content-Length") != strconv.Itoa(first.Body.Len()) {
		t.Errorf("%d bytes of %d, Content-Length %s", first.Body.Len(), len(page), first.Header().Get("Content-Length"))
	}
	e := Remember(page)
	if e != Remember(bytes.Clone(page)) {
		t.Error("the same bytes are two entries")
	}
	second := serve(t, h, "GET", "gzip", nil)
	if !bytes.Equal(second.Body.Bytes(), e.Gzip()) {
		t.Error("the second answer is not the memo's gzip")
	}
	plain := serve(t, h, "GET", "", nil)
	if plain.Header().Get("Content-Encoding") != "" || !bytes.Equal(plain.Body.Bytes(), page) || plain.Header().Get("Vary") != "Accept-Encoding" {
		t.Errorf("without Accept-Encoding: %v, %d bytes", plain.Header(), plain.Body.Len())
	}
	if refused := serve(t, h, "GET", "gzip;q=0, identity", nil); refused.Header().Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 got gzip")
	}
}

func TestPassesThroughWhatItMustNotCompress(t *testing.T) {
	big := bytes.Repeat([]byte("%PDF-1.7 "), 1000)
	for name, c := range map[string]struct {
		method, contentType, encoding string
		status                        int
	}{
		"a PDF":          {"GET", "application/pdf", "", 200},
		"an error":       {"GET", "text/plain; charset=utf-8", "", 404},
		"a HEAD":         {"HEAD", "text/html", "", 200},
		"already brotli": {"GET", "text/css", "br", 200},
	} {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", c.contentType)
			if c.encoding != "" {
				w.Header().Set("Content-Encoding", c.encoding)
			}
			w.WriteHeader(c.status)
			if r.Method != "HEAD" {
				w.Write(big)
			}
		})
		rec := serve(t, h, c.method, "gzip", nil)
		if rec.Code != c.status || rec.Header().Get("Content-Encoding") != c.encoding || (c.method != "HEAD" && !bytes.Equal(rec.Body.Bytes(), big)) {
			t.Errorf("%s: %d %v, %d bytes", name, rec.Code, rec.Header(), rec.Body.Len())
		}
	}
	small := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") }), "GET", "gzip", nil)
	if small.Header().Get("Content-Encoding") != "" || small.Body.String() != "ok\n" {
		t.Errorf("a small body: %v %q", small.Header(), small.Body.String())
	}
}

func TestStreamsAnAnswerThatFlushes(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		w.Write(bytes.Repeat([]byte("a,b\n"), 400))
		http.NewResponseController(w).Flush()
		w.Write(bytes.Repeat([]byte("c,d\n"), 400))
	})
	rec := serve(t, h, "GET", "gzip", nil)
	want := string(bytes.Repeat([]byte("a,b\n"), 400)) + string(bytes.Repeat([]byte("c,d\n"), 400))
	if rec.Header().Get("Content-Encoding") != "gzip" || string(gunzip(t, rec.Body.Bytes())) != want {
		t.Errorf("a flushed answer: %v", rec.Header())
	}
}

func TestAcceptsGzip(t *testing.T) {
	for v, want := range map[string]bool{"gzip": true, "GZIP": true, "deflate, gzip;q=0.5": true, "gzip;q=0": false, "br": false, "": false, "*": true, "identity": false} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Encoding", v)
		if got := AcceptsGzip(r); got != want {
			t.Errorf("Accept-Encoding %q: %v, want %v", v, got, want)
		}
	}
}

// TestWriteHandsOverAnEntry: a remembered body written with Write is sent as its
// gzip, and as its bytes to a client without gzip or to a writer that takes no
// entries.
func TestWriteHandsOverAnEntry(t *testing.T) {
	e := Remember([]byte(strings.Repeat("<p>Tõrva vald 33,3 %</p>", 500)))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		Write(w, e)
	})
	if rec := serve(t, h, "GET", "gzip", nil); !bytes.Equal(rec.Body.Bytes(), e.Gzip()) || rec.Header().Get("Content-Encoding") != "gzip" {
		t.Errorf("with gzip: %v, %d bytes", rec.Header(), rec.Body.Len())
	}
	if rec := serve(t, h, "GET", "", nil); !bytes.Equal(rec.Body.Bytes(), e.Bytes()) {
		t.Errorf("without gzip: %d bytes", rec.Body.Len())
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if !bytes.Equal(rec.Body.Bytes(), e.Bytes()) {
		t.Errorf("to a plain ResponseWriter: %d bytes", rec.Body.Len())
	}
}
