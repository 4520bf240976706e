package app

import (
	"context"
	"fmt"

	"ee/kovmon/kov"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
)

// Changing the catalogue. The catalogue decides what every figure means, so a change
// is an admin's act with an audit entry, and it takes effect whole: the new catalogue
// is validated, the figures are recomputed with it (under the writer lock, like a
// load), it is stored as the one in force (metrics.StoreCatalogue, so a restart and the
// command line follow it), and only then do the pages, the report and the API switch to
// it, in one atomic swap of the state.

// Record writes the audit entry of an attempt to change the catalogue: its object,
// outcome (refused, rejected, error, unchanged, ok) and detail.
type Record func(object, outcome, detail string)

// ChangeCatalogue validates data, recomputes, stores and installs it as the
// catalogue in force, for actor, and records the attempt whatever its outcome. The
// change completes even if ctx ends (the client hangs up): the figures are
// recomputed either way, and a half-done change would leave them following neither.
func (s *Service[V]) ChangeCatalogue(ctx context.Context, data []byte, actor string, record Record) (*metrics.CatalogueChange, error) {
	if pinned := s.opts.CataloguePinned; pinned != "" {
		msg := fmt.Sprintf("the catalogue is pinned to %s (KOVMON_CATALOGUE): edit that file, or unset the variable to change the catalogue here", pinned)
		record("catalogue", "refused", msg)
		return nil, kov.Errorf(kov.Conflict, "%s", msg)
	}
	cat, err := catalogue.Parse(data, "the new catalogue")
	if err != nil {
		record("catalogue", "rejected", err.Error())
		return nil, kov.Errorf(kov.Invalid, "%v", err)
	}
	next, err := s.NewState(cat)
	if err != nil {
		record("catalogue", "rejected", err.Error())
		return nil, kov.Errorf(kov.Invalid, "%v", err)
	}
	s.writer.Lock()
	defer s.writer.Unlock()
	change, err := metrics.ChangeCatalogue(context.WithoutCancel(ctx), s.opts.Store, s.Catalogue(), cat, actor)
	switch {
	case err != nil:
		record(change.Object(), "error", err.Error())
		return nil, err
	case change.Unchanged:
		record(change.Object(), "unchanged", "this catalogue is in force already")
	default:
		s.Install(next)
		record(change.Object(), "ok", change.Was())
	}
	return &change, nil
}

// SyncCatalogue follows a catalogue put in force by another process: `kovmon
// catalogue set` or another kovmon serve on the same ClickHouse server. When the
// store's catalogue in force is not the one served, the figures are brought up to
// date with it and it is installed. A pinned catalogue is never replaced.
func (s *Service[V]) SyncCatalogue(ctx context.Context) error {
	s.writer.Lock()
	defer s.writer.Unlock()
	_, err := s.syncCatalogueLocked(ctx)
	return err
}

// syncCatalogueLocked is SyncCatalogue for a caller that holds the writer lock;
// switched says it computed the figures with another catalogue and installed it.
func (s *Service[V]) syncCatalogueLocked(ctx context.Context) (switched bool, err error) {
	if s.opts.CataloguePinned != "" {
		return false, nil
	}
	current := s.Catalogue()
	stored, err := metrics.ActiveCatalogueIfNot(ctx, s.opts.Store, current)
	if err != nil || stored == nil {
		return false, err
	}
	next, err := s.NewState(stored)
	if err != nil {
		return false, err
	}
	if err := metrics.EnsureFresh(ctx, s.opts.Store, stored); err != nil {
		return false, err
	}
	s.Install(next)
	s.opts.Log.Info("following the catalogue put in force elsewhere", "version", stored.Version, "sha256", stored.Hash(),
		"was", current.Version)
	return true, nil
}
