package web

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"ee/kovmon/auth"
	"ee/kovmon/kov"
	"ee/kovmon/ledger"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/store"
	"ee/kovmon/surveys"
)

// Changing the catalogue. The catalogue decides what every figure means, so a change
// is an admin's act with an audit entry, and it takes effect whole: the new catalogue
// is validated, the figures are recomputed with it (under the writer lock, like a
// load), it is stored as the one in force (metrics.StoreCatalogue, so a restart and the
// command line follow it), and only then do the pages, the report and the API switch to
// it, in one atomic swap of the live state.

// Views are the handlers built on a catalogue.
type Views struct {
	Pages  http.Handler // the dashboards, under /
	Report http.Handler // the annual report, under /report
}

// live is what follows the catalogue in force.
type live struct {
	cat     *catalogue.Catalogue
	views   Views
	figures *metrics.Reader // the computed table, cached between refreshes: the API's hot path
	// ledger is the ledger version (ledger.Version) the state's pages are
	// built on: the writer moves it on once it has warmed them (warm.go).
	ledger uint64
	// surveys are the survey definitions checked against the catalogue, which says
	// which question feeds which indicator: answers load with them.
	surveys *surveys.Set
}

// maxCatalogue bounds a catalogue file (the shipped one is about 30 KB).
const maxCatalogue = 1 << 20

// install makes cat the catalogue that requests see.
func (s *Server) install(l *live) { s.live.Store(l) }

// newLive builds the views and the figures' reader of cat. On the embedded engine the
// reader keeps the refresh it first reads (metrics.Reader.Pinned): this process makes
// every refresh, and the writer swaps in a new live state once it has warmed it
// (warm.go). On a server, where other processes refresh too, the reader follows.
// The error says the survey definitions do not fit the catalogue (a question an
// indicator reads with another answer type); what it returns then loads answers by
// the definitions alone.
func (s *Server) newLive(cat *catalogue.Catalogue) (*live, error) {
	if cat == nil {
		cat = catalogue.Default()
	}
	figures := metrics.NewReader(s.opts.Store, cat)
	figures.Pinned = store.Embedded(s.opts.Store)
	l := &live{cat: cat, figures: figures, ledger: ledger.Version(), surveys: s.opts.Surveys}
	var err error
	if s.opts.Surveys != nil {
		var set *surveys.Set
		if set, err = s.opts.Surveys.For(cat.SurveyFeeds()); err == nil {
			l.surveys = set
		} else {
			err = fmt.Errorf("the survey definitions do not fit catalogue %s: %w", cat.Version, err)
		}
	}
	if s.opts.Views != nil {
		l.views = s.opts.Views(cat, l.figures)
	}
	if l.views.Pages == nil {
		l.views.Pages = http.NotFoundHandler()
	}
	if l.views.Report == nil {
		l.views.Report = http.NotFoundHandler()
	}
	return l, err
}

// liveOf is the live state a request is answered from: the one in force, or the
// one being warmed (warm.go).
func (s *Server) liveOf(r *http.Request) *live {
	if l, ok := r.Context().Value(warmingKey{}).(*live); ok {
		return l
	}
	return s.live.Load()
}

// cat is the catalogue in force.
func (s *Server) cat() *catalogue.Catalogue { return s.live.Load().cat }

// catalogueFile serves the catalogue in force, as YAML: the published definitions,
// and the file an admin edits.
func (s *Server) catalogueFile(w http.ResponseWriter, r *http.Request) {
	cat := s.cat()
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="catalogue.yaml"`)
	w.Header().Set("X-Catalogue-Version", cat.Version)
	w.Header().Set("X-Catalogue-SHA256", cat.Hash())
	w.Write(cat.Source())
}

func (s *Server) catalogueHistory(w http.ResponseWriter, r *http.Request) {
	listJSON(s, w, r, 100, func(ctx context.Context, limit int) ([]metrics.CatalogueVersion, error) {
		return metrics.CatalogueHistory(ctx, s.opts.Store, limit)
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
	if pinned := s.opts.CataloguePinned; pinned != "" {
		msg := fmt.Sprintf("the catalogue is pinned to %s (KOVMON_CATALOGUE): edit that file, or unset the variable to change the catalogue here", pinned)
		s.record(r, auth.ActionCatalogueChange, "catalogue", "refused", msg)
		return nil, kov.Errorf(kov.Conflict, "%s", msg)
	}
	cat, err := catalogue.Parse(data, "the new catalogue")
	if err != nil {
		s.record(r, auth.ActionCatalogueChange, "catalogue", "rejected", err.Error())
		return nil, badRequest("%v", err)
	}
	next, err := s.newLive(cat)
	if err != nil {
		s.record(r, auth.ActionCatalogueChange, "catalogue", "rejected", err.Error())
		return nil, badRequest("%v", err)
	}
	s.writer.Lock()
	defer s.writer.Unlock()
	// The change completes even if the client hangs up: the figures are recomputed
	// either way, and a half-done change would leave them following neither.
	change, err := metrics.ChangeCatalogue(context.WithoutCancel(r.Context()), s.opts.Store, s.cat(), cat, principalOf(r).name)
	switch {
	case err != nil:
		s.record(r, auth.ActionCatalogueChange, change.Object(), "error", err.Error())
		return nil, err
	case change.Unchanged:
		s.record(r, auth.ActionCatalogueChange, change.Object(), "unchanged", "this catalogue is in force already")
	default:
		s.install(next)
		s.record(r, auth.ActionCatalogueChange, change.Object(), "ok", change.Was())
	}
	return &change, nil
}

// SyncCatalogue follows a catalogue put in force by another process: `kovmon
// catalogue set` or another kovmon serve on the same ClickHouse server. When the
// store's catalogue in force is not the one served, the figures are brought up to
// date with it and it is installed. A pinned catalogue is never replaced.
func (s *Server) SyncCatalogue(ctx context.Context) error {
	s.writer.Lock()
	defer s.writer.Unlock()
	_, err := s.syncCatalogueLocked(ctx)
	return err
}

// syncCatalogueLocked is SyncCatalogue for a caller that holds the writer lock;
// switched says it computed the figures with another catalogue and installed it.
func (s *Server) syncCatalogueLocked(ctx context.Context) (switched bool, err error) {
	if s.opts.CataloguePinned != "" {
		return false, nil
	}
	current := s.cat()
	stored, err := metrics.ActiveCatalogueIfNot(ctx, s.opts.Store, current)
	if err != nil || stored == nil {
		return false, err
	}
	next, err := s.newLive(stored)
	if err != nil {
		return false, err
	}
	if err := metrics.EnsureFresh(ctx, s.opts.Store, stored); err != nil {
		return false, err
	}
	s.install(next)
	s.opts.Log.Info("following the catalogue put in force elsewhere", "version", stored.Version, "sha256", stored.Hash(),
		"was", current.Version)
	return true, nil
}
