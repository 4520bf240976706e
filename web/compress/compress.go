// Package compress serves kovmon's answers gzip-compressed, each distinct body
// compressed once. kovmon answers the same bytes over and over — a page rendered
// once per refresh, the extract of a filter, ECharts — so compressing per request
// would spend the CPU that serving should go to. Writer (the middleware's
// ResponseWriter) collects an answer, looks its bytes up in a memo (Remember: a
// keyed hash of the bytes, then a comparison with the bytes kept), and sends the gzip
// made the first time. Other layers keep what they work out of a body in the same
// memo (Entry.Derive: the web guard's content security policy of a page), so that a
// page is hashed once per request whatever is derived from it.
//
// A page cache that holds its rendered bytes can hand the Entry over itself
// (Remember, then Writer.WriteEntry) and skip even the hash.
package compress

import (
	"bytes"
	"compress/gzip"
	"hash/maphash"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// MinSize: a smaller body goes as it is (gzip's header and the extra header lines
// would save little or nothing).
const MinSize = 1024

// maxBuffered: a longer answer is compressed as it streams, without the memo.
const maxBuffered = 16 << 20

// Memo bounds: the bodies and their gzip kept, in bytes; when full the memo starts
// over (the entries of an older refresh are never asked for again anyway).
const maxMemoBytes = 96 << 20

// Entry is a body remembered: its bytes, its gzip (made on first use) and what other
// layers derived from it.
type Entry struct {
	plain   []byte
	gzOnce  sync.Once
	gz      []byte
	mu      sync.Mutex
	derived map[string]string
}

// Bytes are the body as it was written; do not change them.
func (e *Entry) Bytes() []byte { return e.plain }

// Gzip is the body gzip-compressed, made once.
func (e *Entry) Gzip() []byte {
	e.gzOnce.Do(func() { e.gz = Gzip(e.plain, gzip.DefaultCompression) })
	return e.gz
}

// Derive returns what f makes of the body under name, computed once per entry.
func (e *Entry) Derive(name string, f func(body []byte) string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if v, ok := e.derived[name]; ok {
		return v
	}
	if e.derived == nil {
		e.derived = map[string]string{}
	}
	v := f(e.plain)
	e.derived[name] = v
	return v
}

// NewEntry is an entry of body that the memo does not keep (a PDF: nothing to
// compress, and large): for a cache that serves it with Write all the same.
func NewEntry(body []byte) *Entry { return &Entry{plain: body} }

type memo struct {
	mu      sync.Mutex
	seed    maphash.Seed
	entries map[uint64][]*Entry
	bytes   int
}

var bodies = &memo{seed: maphash.MakeSeed()}

// Remember returns the entry of body, made (with a copy of body) when these bytes
// were not seen before. The hash is keyed with a random seed per process and a hit
// is compared byte for byte, so no body can stand for another.
func Remember(body []byte) *Entry {
	h := maphash.Bytes(bodies.seed, body)
	bodies.mu.Lock()
	defer bodies.mu.Unlock()
	for _, e := range bodies.entries[h] {
		if bytes.Equal(e.plain, body) {
			return e
		}
	}
	e := &Entry{plain: bytes.Clone(body)}
	if bodies.entries == nil || bodies.bytes+2*len(body) > maxMemoBytes {
		bodies.entries, bodies.bytes = map[uint64][]*Entry{}, 0
	}
	if 2*len(body) <= maxMemoBytes {
		bodies.entries[h] = append(bodies.entries[h], e)
		bodies.bytes += 2 * len(body) // the plain copy and, about, its gzip
	}
	return e
}

// buffers hold answers back (this package's Writer, the web guard's policy writer):
// a page of 70 kB grown anew in every request was a good part of the CPU left after
// the memo.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooled: a larger buffer is left to the collector rather than kept.
const maxPooled = 4 << 20

// Buffer returns an empty buffer to hold an answer in; Release gives it back.
func Buffer() *bytes.Buffer { return buffers.Get().(*bytes.Buffer) }

// Release returns a buffer from Buffer, whose bytes nobody may use any more.
func Release(b *bytes.Buffer) {
	if b == nil || b.Cap() > maxPooled {
		return
	}
	b.Reset()
	buffers.Put(b)
}

// Gzip compresses b whole at the given level (gzip.BestCompression for files made
// once and served many times, gzip.DefaultCompression for answers).
func Gzip(b []byte, level int) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, level)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// AcceptsGzip reports whether the client takes gzip (Accept-Encoding: gzip, and not
// gzip;q=0).
func AcceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding != "gzip" && coding != "*" {
				continue
			}
			q := 1.0
			if k, val, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.TrimSpace(k) == "q" {
				if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
					q = f
				}
			}
			return q > 0
		}
	}
	return false
}

// Compressible reports whether a content type is text that gzip shrinks (HTML, CSS,
// CSV, JavaScript, JSON, GeoJSON, YAML, SVG), not already compressed (PDF, images).
func Compressible(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	if strings.HasPrefix(mediaType, "text/") {
		return true
	}
	switch mediaType {
	case "application/json", "application/geo+json", "application/javascript", "application/yaml", "application/x-yaml",
		"application/xml", "image/svg+xml":
		return true
	}
	return false
}

// Write writes a remembered body to w: handed over whole, with no second look-up,
// when w takes entries (this package's Writer, and the web guard's writer, which
// passes them on); as its bytes otherwise. A cache that keeps Remember's entry of what
// it rendered serves it with Write and costs the request neither a copy nor a hash.
func Write(w http.ResponseWriter, e *Entry) (int, error) {
	if ew, ok := w.(interface{ WriteEntry(*Entry) (int, error) }); ok {
		return ew.WriteEntry(e)
	}
	return w.Write(e.plain)
}

// Handler serves h with its answers compressed (NewWriter).
func Handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := NewWriter(w, r)
		defer cw.Close()
		h.ServeHTTP(cw, r)
	})
}

// Writer is a ResponseWriter that sends a compressible 200 answer gzip-compressed to
// a client that takes it: it holds the body back until Close, then sends the gzip
// of the memo. Anything else — another status, a HEAD, a range, an answer already
// encoded, a client without gzip — passes through as written.
type Writer struct {
	http.ResponseWriter
	r       *http.Request
	accepts bool
	decided bool
	hold    bool // holding the body back to compress it at Close
	status  int
	buf     *bytes.Buffer // the held body, from Buffer
	stream  *gzip.Writer  // a held body grown past maxBuffered
	entry   *Entry        // WriteEntry's body
}

// NewWriter wraps w for request r; Close sends what it held back.
func NewWriter(w http.ResponseWriter, r *http.Request) *Writer {
	return &Writer{ResponseWriter: w, r: r, accepts: AcceptsGzip(r)}
}

func (w *Writer) decide() {
	if w.decided {
		return
	}
	w.decided = true
	h := w.Header()
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if !Compressible(h.Get("Content-Type")) || h.Get("Content-Encoding") != "" {
		w.passHeader()
		return
	}
	h.Add("Vary", "Accept-Encoding")
	if w.accepts && w.status == http.StatusOK && w.r.Method != http.MethodHead && h.Get("Content-Range") == "" {
		w.hold, w.buf = true, Buffer()
		return
	}
	w.passHeader()
}

func (w *Writer) passHeader() {
	w.ResponseWriter.WriteHeader(w.status)
}

// WriteHeader records the status; it is sent with the body.
func (w *Writer) WriteHeader(status int) {
	if w.decided {
		if !w.hold {
			w.ResponseWriter.WriteHeader(status)
		}
		return
	}
	if status >= 100 && status < 200 {
		w.ResponseWriter.WriteHeader(status) // an informational answer goes at once
		return
	}
	w.status = status
	if w.Header().Get("Content-Type") != "" || status != http.StatusOK {
		w.decide()
	}
}

func (w *Writer) Write(p []byte) (int, error) {
	if !w.decided {
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", http.DetectContentType(p))
		}
		w.decide()
	}
	if !w.hold {
		return w.ResponseWriter.Write(p)
	}
	if w.stream != nil {
		return w.stream.Write(p)
	}
	w.buf.Write(p)
	if w.buf.Len() > maxBuffered {
		w.startStream()
	}
	return len(p), nil
}

// WriteEntry writes a remembered body (Remember), with no second look-up.
func (w *Writer) WriteEntry(e *Entry) (int, error) {
	if !w.decided {
		w.decide()
	}
	if !w.hold || w.buf.Len() > 0 || w.stream != nil || w.entry != nil {
		return w.Write(e.plain)
	}
	w.entry = e
	return len(e.plain), nil
}

// startStream compresses a held body from here on as it is written.
func (w *Writer) startStream() {
	h := w.Header()
	h.Del("Content-Length")
	h.Set("Content-Encoding", "gzip")
	w.weakenETag()
	w.ResponseWriter.WriteHeader(w.status)
	w.stream, _ = gzip.NewWriterLevel(w.ResponseWriter, gzip.BestSpeed)
	w.stream.Write(w.buf.Bytes())
	w.buf.Reset()
}

// weakenETag: the gzip of a body is another representation, with a tag of its own.
func (w *Writer) weakenETag() {
	if tag := w.Header().Get("ETag"); strings.HasSuffix(tag, `"`) {
		w.Header().Set("ETag", strings.TrimSuffix(tag, `"`)+`-gzip"`)
	}
}

// Flush sends what is held so far, compressing the rest as it comes.
func (w *Writer) Flush() {
	if w.hold && w.stream == nil && w.entry == nil {
		w.startStream()
	}
	if w.stream != nil {
		w.stream.Flush()
	}
	http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Close sends a held body: gzip from the memo, or as it is when small.
func (w *Writer) Close() error {
	if !w.decided {
		if w.status == 0 {
			return nil // nothing written: the server answers 200 with no body
		}
		w.decide()
	}
	if !w.hold {
		return nil
	}
	defer func() {
		Release(w.buf)
		w.buf = nil
	}()
	if w.stream != nil {
		return w.stream.Close()
	}
	e := w.entry
	body := w.buf.Bytes()
	if e != nil {
		body = e.plain
	}
	if len(body) < MinSize {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.ResponseWriter.WriteHeader(w.status)
		_, err := w.ResponseWriter.Write(body)
		return err
	}
	if e == nil {
		e = Remember(body)
	}
	gz := e.Gzip()
	h := w.Header()
	h.Set("Content-Encoding", "gzip")
	h.Set("Content-Length", strconv.Itoa(len(gz)))
	w.weakenETag()
	w.ResponseWriter.WriteHeader(w.status)
	_, err := w.ResponseWriter.Write(gz)
	return err
}
