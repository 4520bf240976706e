package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"ee/kovmon/registry"
	"ee/kovmon/store"
)

// A load is one all-or-nothing commit on every path (the command line, the inbox, an
// upload): a file's rows count once the ledger records the file as loaded. A process
// killed before that leaves some of them in the kind's table (part of an attach or of
// a copy), a stage table, scratch files and a run still marked running. The next
// process to open the data folder, and every load, put that right (Recover): the rows
// of a run whose process is gone are removed, but for the files the ledger records as
// loaded in that run, and the run is marked interrupted. Whoever has the file loads it
// again from the start: the inbox keeps a file until its load is recorded, the
// command line is run again, and the client of an upload, whose request failed, sends
// it again.
//
// Rolling back rather than completing: an upload's body would otherwise have to be
// kept on disk until its load is recorded, and a load completed at the next start
// would add data that its sender was told had failed (the request broke), which the
// sender would then most likely send again.

// liveRuns are the runs this process has started and not finished: they are not left
// over, whatever the store says.
var liveRuns sync.Map

// staleRunAge: a run on a ClickHouse server that has said "running" for longer than
// this is taken to have lost its process; other processes may be loading there, so
// younger runs are left alone. An embedded engine's data folder belongs to this
// process, so every run running there but not live here is left over.
const staleRunAge = 24 * time.Hour

// RecoverOptions tune Recover.
type RecoverOptions struct {
	Log *slog.Logger
	// ScratchDirs are folders besides the system's temporary folder that may hold
	// scratch files of killed processes (web uploads' folder).
	ScratchDirs []string
}

// Recover removes what killed loads left: the rows and quarantine of their
// unfinished files, their runs' "running" (now "interrupted"), stage tables and
// scratch files. It is cheap when nothing was left: one query of the runs.
func Recover(ctx context.Context, s store.Store, opt RecoverOptions) error {
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// On the embedded engine every open run and stage table is left over from a killed
	// process of this folder (the engine takes one process a folder, and this one is
	// not loading yet); on a server other processes may be loading.
	age := staleRunAge
	if store.Embedded(s) {
		age = 0
	}
	open, err := store.Select[struct {
		RunID   string `ch:"run_id"`
		Trigger string `ch:"trigger"`
		Started string `ch:"started"`
	}](ctx, s, "ingest.OpenRuns", store.Params{"age": uint64(age.Seconds())})
	if err != nil {
		return fmt.Errorf("recovery: %w", err)
	}
	for _, run := range open {
		runID, trigger, started := run.RunID, run.Trigger, run.Started
		if _, live := liveRuns.Load(runID); live {
			continue
		}
		removed, err := rollBackRun(ctx, s, runID)
		if err != nil {
			return fmt.Errorf("recovery: rolling back run %s: %w", runID, err)
		}
		log.Warn("an ingest run was interrupted by the end of its process; its unfinished file's rows are removed, and the file loads again from the start when it is sent again (an inbox file: at the next scheduled run)",
			"run", runID, "trigger", trigger, "started", started, "rows_removed", removed)
		msg := "the process stopped during this run; the rows of its unfinished file were removed (" + strconv.FormatInt(removed, 10) +
			"); files still in the inbox load again at the next scheduled run"
		if err := FinishRun(ctx, s, runID, trigger, "interrupted", msg); err != nil {
			return fmt.Errorf("recovery: closing run %s: %w", runID, err)
		}
	}
	if err := DropStaleStages(ctx, s, age); err != nil {
		log.Warn("dropping stale stage tables", "err", err)
	}
	if err := removeOrphanScratch(opt.ScratchDirs...); err != nil {
		log.Warn("removing the scratch files of killed loads", "err", err)
	}
	return nil
}

// rollBackRun removes the rows a run added but for those of files the ledger records
// as loaded in it, and returns how many. It may be killed and run again: it removes
// what is still there.
func rollBackRun(ctx context.Context, s store.Store, runID string) (int64, error) {
	const filesOfRun = "SELECT file_id, status FROM ingest_files WHERE run_id = {r:String}"
	res, err := s.Query(ctx, filesOfRun, store.Params{"r": runID})
	if err != nil {
		return 0, err
	}
	files, err := store.Scan[struct {
		FileID string `ch:"file_id"`
		Status string `ch:"status"`
	}](res, filesOfRun)
	if err != nil {
		return 0, err
	}
	loaded, recorded := []string{}, []string{}
	for _, f := range files {
		recorded = append(recorded, f.FileID)
		if f.Status == "loaded" {
			loaded = append(loaded, f.FileID)
		}
	}
	var total int64
	registryTouched := false
	counts := CountTables()
	for _, table := range rollbackTables() {
		keep := loaded
		if table == "quarantine" || table == "quarantine_counts" {
			keep = recorded // a rejected file keeps its quarantine rows, as its ledger row says
		}
		n, err := deleteRunRows(ctx, s, table, runID, keep)
		if err != nil {
			return total, err
		}
		if !slices.Contains(counts, table) { // counts of rows, not rows
			total += n
		}
		if n > 0 && (table == "municipalities" || table == "mergers") {
			registryTouched = true
		}
	}
	if registryTouched {
		// The attribution is derived from the registry: write it again without the rows
		// just removed.
		reg, err := registry.Load(ctx, s)
		if err != nil {
			return total, err
		}
		if err := registry.WriteAttribution(ctx, s, reg); err != nil {
			return total, err
		}
	}
	return total, nil
}

// rollbackTables are the tables whose rows carry the run that added them: the counts
// kept at insert too (aggregates.go), which go with the rows they count.
func rollbackTables() []string {
	tables := []string{KindMunicipalities, KindMergers}
	for _, k := range Kinds() {
		tables = append(tables, k.Table)
	}
	tables = append(tables, CountTables()...)
	return append(tables, "quarantine", "quarantine_counts")
}

// deleteRunRows deletes a run's rows of table but those of the files in keep, and
// waits for the deletion; it asks first, so that a table without such rows is not
// rewritten.
func deleteRunRows(ctx context.Context, s store.Store, table, runID string, keep []string) (int64, error) {
	where := " WHERE run_id = {r:String} AND file_id NOT IN {keep:Array(String)}"
	params := store.Params{"r": runID, "keep": keep}
	n, err := countOf(ctx, s, "SELECT count() AS n FROM "+table+where, params)
	if err != nil || n == 0 {
		return 0, err
	}
	if err := s.Exec(ctx, store.AlterStatement(s, table, "DELETE"+where+" SETTINGS mutations_sync = 2"), params); err != nil {
		return 0, fmt.Errorf("%s: %w", table, err)
	}
	return n, nil
}

// ScratchPattern is the start of the name of a scratch file or folder of this
// process, for os.CreateTemp and os.MkdirTemp: Recover removes those of processes
// that have ended.
func ScratchPattern() string { return scratchPattern() }

// isLeftOver reports whether a scratch name belongs to a process that has ended.
func isLeftOver(name string) bool {
	rest, ok := strings.CutPrefix(name, scratchPrefix)
	if !ok {
		return false
	}
	pidText, _, _ := strings.Cut(rest, "-")
	pid, err := strconv.Atoi(pidText)
	return err == nil && pid > 0 && pid != os.Getpid() && !processRuns(pid)
}

// failpointEnv names a point of the load where the process stops, for the crash
// tests to kill it exactly there (a moment a random kill rarely hits: between two
// partitions of an attach). It is not for operators; unset, it costs a comparison.
const failpointEnv = "KOVMON_FAILPOINT"

var failpointAt = os.Getenv(failpointEnv)

// failpoint stops the process for good at the named point, if failpointEnv names
// it, after saying so on standard error.
func failpoint(name string) {
	if failpointAt == "" || failpointAt != name {
		return
	}
	fmt.Fprintf(os.Stderr, "kovmon: stopped at failpoint %s\n", name)
	for {
		time.Sleep(time.Hour)
	}
}
