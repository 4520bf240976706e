package ingest

import (
	"context"
	"fmt"
	"time"

	"ee/kovmon/store"
)

// Run loads files in one recorded run: the run's start and end, and a ledger row per
// file. A rejected file does not stop the others. After data was added, the hooks of
// AfterLoad run (the indicator refresh).
func Run(ctx context.Context, l *Loader, trigger string, files []string, kind string) ([]FileResult, error) {
	runID := NewRunID()
	if err := StartRun(ctx, l.Store, runID, trigger); err != nil {
		return nil, err
	}
	if err := DropStaleStages(ctx, l.Store, staleStageAge(l)); err != nil {
		l.log().Warn("dropping stale stage tables", "err", err)
	}
	if err := removeOrphanScratch(); err != nil {
		l.log().Warn("removing the scratch files of killed loads", "err", err)
	}
	var (
		results  []FileResult
		rejected int
		loaded   int64
	)
	for _, f := range files {
		r := l.LoadFile(ctx, runID, f, kind)
		if r.Status != "loaded" {
			rejected++
		}
		loaded += r.Loaded
		results = append(results, r)
	}
	status, msg := "done", fmt.Sprintf("%d files, %d rows loaded", len(files), loaded)
	if rejected > 0 {
		status, msg = "done_with_rejections", fmt.Sprintf("%s, %d rejected", msg, rejected)
	}
	if ctx.Err() != nil {
		status = "interrupted"
	}
	if err := FinishRun(context.WithoutCancel(ctx), l.Store, runID, trigger, status, msg); err != nil {
		return results, err
	}
	if loaded > 0 && l.AfterLoad != nil {
		if err := l.AfterLoad(ctx); err != nil {
			return results, fmt.Errorf("refresh after load: %w", err)
		}
	}
	return results, nil
}

// staleStageAge: the embedded engine's data folder belongs to this process alone, so
// every stage table in it is left over; on a server other processes may be loading.
func staleStageAge(l *Loader) time.Duration {
	if store.Embedded(l.Store) {
		return 0
	}
	return 24 * time.Hour
}
