// Package app is kovmon's application service: the one writer of a process (loads,
// uploaded or from the inbox's schedules, the indicator refresh and catalogue changes
// take turns), the catalogue in force with what follows it (the reader of its
// figures, the survey definitions checked against it, the views an adapter builds on
// it), and the inbox with its schedules. It knows no HTTP: the web layer is its
// adapter (web.Server takes a Service), and cmd/kovmon wires the two.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"ee/kovmon/ingest"
	"ee/kovmon/kov"
	"ee/kovmon/ledger"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/store"
	"ee/kovmon/surveys"
)

// Options wire the service. V is what an adapter builds on a catalogue and the
// reader of its figures (the web layer's pages and report).
type Options[V any] struct {
	Store store.Store
	// Catalogue is the catalogue in force at start; an admin may change it
	// (ChangeCatalogue), another process too (SyncCatalogue).
	Catalogue *catalogue.Catalogue
	// CataloguePinned names the file the operator pinned the catalogue to
	// (KOVMON_CATALOGUE); changes are refused while it is set.
	CataloguePinned string
	// Surveys are the survey definitions; the service checks them against the
	// catalogue in force (surveys.Set.For), which says which question feeds which
	// indicator, and loads answers with the result.
	Surveys *surveys.Set
	Log     *slog.Logger
	// Views builds the adapter's views on a catalogue and the reader of its figures
	// (shared with the API): once at start, and again when the catalogue changes.
	Views func(*catalogue.Catalogue, *metrics.Reader) V
	// UploadDir holds uploaded files while they load ("" = the system's temp
	// folder); a load removes what a killed process left there.
	UploadDir string
}

// Service is the process's single writer and the catalogue in force.
type Service[V any] struct {
	opts Options[V]
	// writer serialises everything that changes the store: loads, refreshes and
	// catalogue changes.
	writer writerLock
	// state is what follows the catalogue in force; a change swaps it whole.
	state atomic.Pointer[State[V]]
	inbox *ingest.Inbox
}

// State is what follows the catalogue in force. A state is not changed once
// installed: a change installs another.
type State[V any] struct {
	Catalogue *catalogue.Catalogue
	// Figures is the computed table, cached between refreshes: the API's hot path.
	Figures *metrics.Reader
	// Ledger is the ledger version (ledger.Version) the state's views are built on:
	// the adapter moves it on once it has warmed them (AfterWrite).
	Ledger uint64
	// Surveys are the survey definitions checked against the catalogue, which says
	// which question feeds which indicator: answers load with them.
	Surveys *surveys.Set
	Views   V
}

// New builds the service on the catalogue of opts.
func New[V any](opts Options[V]) *Service[V] {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	s := &Service[V]{opts: opts}
	st, err := s.NewState(opts.Catalogue)
	if err != nil {
		// cmd/kovmon refuses to start with such definitions (surveySet); here the
		// answers load by the definitions alone rather than not at all.
		opts.Log.Error("survey definitions", "err", err)
	}
	s.Install(st)
	return s
}

// Store is the store the service writes.
func (s *Service[V]) Store() store.Store { return s.opts.Store }

// CataloguePinned names the file the catalogue is pinned to, or "".
func (s *Service[V]) CataloguePinned() string { return s.opts.CataloguePinned }

// UploadDir is where uploaded files wait while they load ("" = the system's temp
// folder).
func (s *Service[V]) UploadDir() string { return s.opts.UploadDir }

// State is the state in force.
func (s *Service[V]) State() *State[V] { return s.state.Load() }

// Catalogue is the catalogue in force.
func (s *Service[V]) Catalogue() *catalogue.Catalogue { return s.state.Load().Catalogue }

// Install puts st in force: the requests that follow see it.
func (s *Service[V]) Install(st *State[V]) { s.state.Store(st) }

// NewState builds the views and the figures' reader of cat. On the embedded engine
// the reader keeps the refresh it first reads (metrics.Reader.Pinned): this process
// makes every refresh, and the writer swaps in a new state once it has warmed it
// (AfterWrite). On a server, where other processes refresh too, the reader follows.
// The error says the survey definitions do not fit the catalogue (a question an
// indicator reads with another answer type); what it returns then loads answers by
// the definitions alone.
func (s *Service[V]) NewState(cat *catalogue.Catalogue) (*State[V], error) {
	if cat == nil {
		cat = catalogue.Default()
	}
	figures := metrics.NewReader(s.opts.Store, cat)
	figures.Pinned = store.Embedded(s.opts.Store)
	st := &State[V]{Catalogue: cat, Figures: figures, Ledger: ledger.Version(), Surveys: s.opts.Surveys}
	var err error
	if s.opts.Surveys != nil {
		var set *surveys.Set
		if set, err = s.opts.Surveys.For(cat.SurveyFeeds()); err == nil {
			st.Surveys = set
		} else {
			err = fmt.Errorf("the survey definitions do not fit catalogue %s: %w", cat.Version, err)
		}
	}
	if s.opts.Views != nil {
		st.Views = s.opts.Views(cat, st.Figures)
	}
	return st, err
}

// AfterWrite sets what the writer does when it has finished, before it lets the next
// writer in (the web layer warms its caches for the next readers); set it before the
// first write. The writer's lock is held while it runs.
func (s *Service[V]) AfterWrite(f func()) { s.writer.after = f }

// writerLock serialises what changes the store (loads, refreshes, catalogue changes)
// and runs the adapter's AfterWrite before it lets the next writer in.
type writerLock struct {
	mu    sync.Mutex
	after func()
}

// Lock takes the writer's turn.
func (l *writerLock) Lock() { l.mu.Lock() }

// Unlock runs AfterWrite, then gives up the turn.
func (l *writerLock) Unlock() {
	if l.after != nil {
		l.after()
	}
	l.mu.Unlock()
}

// Refresh recomputes the indicators if the data or catalogue changed, as the writer.
func (s *Service[V]) Refresh(ctx context.Context) error {
	s.writer.Lock()
	defer s.writer.Unlock()
	return s.refreshLocked(ctx)
}

// refreshLocked brings the figures up to date with the data and with the catalogue in
// force, which another process may have changed; the caller holds the writer lock.
func (s *Service[V]) refreshLocked(ctx context.Context) error {
	switched, err := s.syncCatalogueLocked(ctx)
	if err != nil || switched {
		return err // a switch has computed the figures with the new catalogue already
	}
	return metrics.EnsureFresh(ctx, s.opts.Store, s.Catalogue())
}

// Load loads files of a kind like `kovmon ingest --kind`, as the writer, and
// refreshes the figures before it returns. A load, once started, finishes even if
// ctx ends (the client hangs up): a half-loaded file would only be loaded again.
func (s *Service[V]) Load(ctx context.Context, trigger string, files []string, kind string) ([]ingest.FileResult, error) {
	s.writer.Lock()
	defer s.writer.Unlock()
	return ingest.Run(context.WithoutCancel(ctx), s.loader(), trigger, files, kind)
}

func (s *Service[V]) loader() *ingest.Loader {
	var check func(string, string, string) (string, bool, string)
	if s.opts.Surveys != nil {
		// The definitions checked against the catalogue in force at the time of the
		// answer: an admin may change it while the inbox's loader lives on.
		check = func(surveyID, questionID, raw string) (string, bool, string) {
			return s.state.Load().Surveys.CheckAnswer(surveyID, questionID, raw)
		}
	}
	// The figures are recomputed before the load answers, so that a client that
	// uploads and then asks for the indicators sees its data (a run of several inbox
	// files refreshes once, after the last).
	// Loads run under the writer lock (uploads and the inbox both take it).
	var scratch []string
	if s.opts.UploadDir != "" {
		scratch = []string{s.opts.UploadDir}
	}
	refresh := func(ctx context.Context) error {
		start := time.Now()
		s.opts.Log.Info("refreshing the figures after a load")
		err := s.refreshLocked(ctx)
		s.opts.Log.Info("figures refreshed", "seconds", time.Since(start).Seconds(), "err", err)
		return err
	}
	// A load yields the CPU to readers: the engine's threads of a load run at nice 10.
	return &ingest.Loader{Store: s.opts.Store, Log: s.opts.Log, SurveyAnswer: check, AfterLoad: refresh, ScratchDirs: scratch, Nice: 10}
}

// Inbox returns the scheduled jobs' inbox in dir, sharing this service's writer lock
// and refresh; RunInbox runs it now.
func (s *Service[V]) Inbox(dir string) *ingest.Inbox {
	s.inbox = &ingest.Inbox{Dir: dir, Loader: s.loader(), Log: s.opts.Log, Lock: &s.writer, Settle: 2 * time.Second}
	return s.inbox
}

// StartInbox makes the inbox in dir (its folders too) and runs its schedules until
// ctx ends; it returns at once after checking every cron expression.
func (s *Service[V]) StartInbox(ctx context.Context, dir string, schedules []ingest.Schedule) error {
	inbox := s.Inbox(dir)
	if err := inbox.Folders(); err != nil {
		return err
	}
	return inbox.Start(ctx, schedules)
}

// RunInbox loads what waits in the inbox now (of the kinds given), instead of at the
// next tick; the loads finish even if ctx ends. With the store down every file would
// fail: they wait in the inbox instead (kov.Unavailable).
func (s *Service[V]) RunInbox(ctx context.Context, kinds []string) ([]ingest.FileResult, error) {
	if s.inbox == nil {
		return nil, kov.Errorf(kov.NotFound, "this server has no inbox")
	}
	if err := s.opts.Store.Ping(ctx); err != nil {
		return nil, kov.Errorf(kov.Unavailable, "the inbox is left as it is: %w", err)
	}
	return s.inbox.RunOnce(context.WithoutCancel(ctx), kinds), nil
}
