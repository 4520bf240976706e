package ingest

import (
	"context"
	"fmt"
)

// Run loads files in one recorded run: the run's start and end, and a ledger row per
// file. A rejected file does not stop the others. After data was added, the hooks of
// AfterLoad run (the indicator refresh).
func Run(ctx context.Context, l *Loader, trigger string, files []string, kind string) ([]FileResult, error) {
	// A loader whose process was to end after its run is running another: what it
	// held goes first, before recovery deletes from those tables (merges.go).
	if err := l.releaseMerges(ctx); err != nil {
		return nil, err
	}
	// What killed loads left goes first, so that nothing of a half-loaded file is
	// counted or deduplicated against (recover.go).
	if err := Recover(ctx, l.Store, RecoverOptions{Log: l.log(), ScratchDirs: l.ScratchDirs}); err != nil {
		return nil, err
	}
	runID := NewRunID()
	if err := StartRun(ctx, l.Store, runID, trigger); err != nil {
		return nil, err
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
