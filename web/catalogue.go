package web

import (
	"context"
	"io"
	"net/http"

	"ee/kovmon/app"
	"ee/kovmon/auth"
	"ee/kovmon/kov"
	"ee/kovmon/metrics"
)

// Changing the catalogue (app.Service.ChangeCatalogue): an admin's act with an audit
// entry, from the API (PUT /api/catalogue) or the admin page's form.

// Views are the handlers built on a catalogue.
type Views struct {
	Pages  http.Handler // the dashboards, under /
	Report http.Handler // the annual report, under /report
}

// live is what follows the catalogue in force: the application service's state, with
// the views built on it.
type live = app.State[Views]

// maxCatalogue bounds a catalogue file (the shipped one is about 30 KB).
const maxCatalogue = 1 << 20

// liveOf is the live state a request is answered from: the one in force, or the
// one being warmed (warm.go).
func (s *Server) liveOf(r *http.Request) *live {
	if l, ok := r.Context().Value(warmingKey{}).(*live); ok {
		return l
	}
	return s.app.State()
}

// catalogueFile serves the catalogue in force, as YAML: the published definitions,
// and the file an admin edits.
func (s *Server) catalogueFile(w http.ResponseWriter, r *http.Request) {
	cat := s.app.Catalogue()
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="catalogue.yaml"`)
	w.Header().Set("X-Catalogue-Version", cat.Version)
	w.Header().Set("X-Catalogue-SHA256", cat.Hash())
	w.Write(cat.Source())
}

func (s *Server) catalogueHistory(w http.ResponseWriter, r *http.Request) {
	listJSON(s, w, r, 100, func(ctx context.Context, limit int) ([]metrics.CatalogueVersion, error) {
		return metrics.CatalogueHistory(ctx, s.store, limit)
	})
}

// putCatalogue takes a catalogue file as the request body.
func (s *Server) putCatalogue(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		s.fail(w, r, kov.Errorf(kov.TooLarge, "a catalogue is at most %d bytes", maxCatalogue))
		return
	}
	change, err := s.changeCatalogue(r, data)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, change)
}

// changeCatalogue validates data, recomputes, stores and installs it, and records
// the attempt in the audit log whatever its outcome.
func (s *Server) changeCatalogue(r *http.Request, data []byte) (*metrics.CatalogueChange, error) {
	return s.app.ChangeCatalogue(r.Context(), data, principalOf(r).name, func(object, outcome, detail string) {
		s.record(r, auth.ActionCatalogueChange, object, outcome, detail)
	})
}
