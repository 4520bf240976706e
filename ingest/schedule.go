package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is one scheduled ingest job: every time Cron fires, the files waiting in
// the inbox folder of each of its kinds are loaded.
type Schedule struct {
	Kinds []string `yaml:"kinds"` // empty: every kind
	Cron  string   `yaml:"cron"`  // robfig/cron/v3: "*/5 * * * *", "@every 1m", "@daily"
}

// Inbox is the folder tree the scheduled jobs read: INBOX/<kind>/ holds files waiting
// to be loaded; a loaded file moves to INBOX/<kind>/done/, a rejected one to
// INBOX/<kind>/rejected/ with FILE.reason beside it saying why.
type Inbox struct {
	Dir    string
	Loader *Loader
	Log    *slog.Logger
	// Lock serialises loads with the other writers of the process (uploads, refresh).
	Lock sync.Locker
	// Settle: a file modified less than this long ago may still be being written.
	Settle time.Duration
}

// Folders creates INBOX/<kind>/{done,rejected} for every kind, so that people know
// where to put files.
func (in *Inbox) Folders() error {
	for _, kind := range AllKindNames() {
		for _, sub := range []string{"", "done", "rejected"} {
			if err := os.MkdirAll(filepath.Join(in.Dir, kind, sub), 0o755); err != nil {
				return fmt.Errorf("inbox: %w", err)
			}
		}
	}
	return nil
}

// Start runs the schedules until ctx ends; it returns at once after checking every
// cron expression.
func (in *Inbox) Start(ctx context.Context, schedules []Schedule) error {
	// A tick that finds the previous one of the same job still loading is skipped:
	// the files it would see are the ones being loaded.
	c := cron.New(cron.WithChain(cron.SkipIfStillRunning(cron.DiscardLogger)))
	for _, sch := range schedules {
		kinds := sch.Kinds
		if len(kinds) == 0 {
			kinds = AllKindNames()
		}
		for _, k := range kinds {
			if !isKind(k) {
				return fmt.Errorf("schedule %q: unknown kind %q", sch.Cron, k)
			}
		}
		if _, err := c.AddFunc(sch.Cron, func() { in.RunOnce(ctx, kinds) }); err != nil {
			return fmt.Errorf("schedule %q: %w", sch.Cron, err)
		}
	}
	c.Start()
	go func() {
		<-ctx.Done()
		<-c.Stop().Done()
	}()
	return nil
}

func isKind(name string) bool {
	for _, k := range AllKindNames() {
		if k == name {
			return true
		}
	}
	return false
}

// RunOnce loads what waits in the inbox of each kind, registry kinds first, in one run
// per kind, and moves every file to done/ or rejected/.
func (in *Inbox) RunOnce(ctx context.Context, kinds []string) []FileResult {
	var all []FileResult
	ordered := append([]string{}, kinds...)
	order := map[string]int{}
	for i, k := range AllKindNames() {
		order[k] = i
	}
	sort.Slice(ordered, func(i, j int) bool { return order[ordered[i]] < order[ordered[j]] })
	for _, kind := range ordered {
		results, err := in.runKind(ctx, kind)
		if err != nil {
			in.log().Error("scheduled ingest", "kind", kind, "err", err)
		}
		all = append(all, results...)
	}
	return all
}

// runKind loads the files waiting for one kind. The inbox is listed after the lock is
// taken, so that a load that ran meanwhile (an upload, another job) has already moved
// its files away.
func (in *Inbox) runKind(ctx context.Context, kind string) ([]FileResult, error) {
	if in.Lock != nil {
		in.Lock.Lock()
		defer in.Lock.Unlock()
	}
	files := in.waiting(kind)
	if len(files) == 0 {
		return nil, nil
	}
	results, err := Run(ctx, in.Loader, "schedule", files, kind)
	for _, r := range results {
		in.file(r)
	}
	return results, err
}

// waiting lists the files of a kind ready to load, oldest first.
func (in *Inbox) waiting(kind string) []string {
	dir := filepath.Join(in.Dir, kind)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	type waitingFile struct {
		path string
		mod  time.Time
	}
	var files []waitingFile
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") || strings.HasSuffix(e.Name(), ".reason") {
			continue
		}
		info, err := e.Info()
		if err != nil || time.Since(info.ModTime()) < in.Settle {
			continue
		}
		files = append(files, waitingFile{filepath.Join(dir, e.Name()), info.ModTime()})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].mod.Before(files[j].mod) })
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.path
	}
	return out
}

// file moves a processed file to done/ or rejected/ (with its reason beside it). A
// name already taken there gets the run id added, so that nothing is overwritten.
func (in *Inbox) file(r FileResult) {
	sub := "done"
	if r.Status != "loaded" {
		sub = "rejected"
	}
	dest := filepath.Join(filepath.Dir(r.File), sub, filepath.Base(r.File))
	if _, err := os.Stat(dest); err == nil {
		dest += "." + r.RunID
	}
	if err := os.Rename(r.File, dest); err != nil {
		in.log().Error("inbox: moving a loaded file", "file", r.File, "err", err)
		return
	}
	if sub == "rejected" {
		reason := r.Error + "\n"
		for _, q := range r.Reasons {
			reason += "quarantined " + q + "\n"
		}
		os.WriteFile(dest+".reason", []byte(reason), 0o644)
	}
}

func (in *Inbox) log() *slog.Logger {
	if in.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return in.Log
}
