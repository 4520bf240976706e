package ingest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"ee/kovmon/registry"
	"ee/kovmon/store"
)

// Loader puts files into the store: it validates them (Parse), quarantines the rows
// that fail, and adds each valid row once — by the contract's key, across files and
// runs — recording every run and file in the ledger.
//
// How a measurement file is loaded, and why it survives a crash: the valid rows go
// first into a stage table of their own; only when the whole file has been read are
// they put into the real table, leaving out keys the table already holds (and all
// but the first of a key repeated within the file) — on the embedded engine, when the
// table is empty, by attaching the stage's partitions (stage.go). A process killed at
// any point leaves at worst a stage table (dropped later) and part of the commit;
// loading the same file again finds the table not empty and copies exactly the rows
// still missing.
type Loader struct {
	Store store.Store
	Log   *slog.Logger
	// BatchRows is how many rows go to the engine at once (memory grows with it).
	BatchRows int
	// Progress, if set, is told how far a file has been read: bytes of the file, and
	// the valid rows so far.
	Progress func(file string, size, bytesRead, rows int64)
	// AfterLoad, if set, runs after a run that added rows (the indicator refresh).
	AfterLoad func(ctx context.Context) error
	// SurveyAnswer checks survey answers against the survey definitions
	// (surveys.Set.CheckAnswer); see Options.SurveyAnswer.
	SurveyAnswer func(surveyID, questionID, raw string) (normalised string, known bool, reason string)
	// ScratchDirs are folders besides the system's temporary one where killed
	// processes may have left scratch files (the web uploads' folder); Recover
	// removes them before each run.
	ScratchDirs []string
	// Nice, above 0, runs the embedded engine's threads of a load at that nice value
	// (ClickHouse's os_thread_priority, 1-19), so that a process that also serves
	// readers (kovmon serve) answers them first while a file loads.
	Nice int
	// EndsAfterRun says that the process ends when its run is over (kovmon ingest):
	// on the embedded engine, merges the commit would start in the kind's table are
	// held until then, since the process could not finish them (merges.go).
	EndsAfterRun bool

	mergesMu   sync.Mutex
	mergesHeld []string // tables whose merges are held (holdMerges)
}

// FileResult is what happened to one file: the summary `kovmon ingest` prints and
// POST /api/ingest answers.
type FileResult struct {
	File        string   `json:"file"`
	Kind        string   `json:"kind"`
	FileID      string   `json:"file_id"`
	RunID       string   `json:"run_id"`
	Status      string   `json:"status"` // loaded, rejected
	RowsRead    int64    `json:"rows_read"`
	Loaded      int64    `json:"loaded"`
	Duplicates  int64    `json:"duplicates"`
	Quarantined int64    `json:"quarantined"`
	Reasons     []string `json:"first_reasons,omitempty"`
	Warnings    []string `json:"warnings,omitempty"`
	Error       string   `json:"error,omitempty"`
	Seconds     float64  `json:"seconds"`
}

// Registry kinds are reference data, loaded whole or not at all (registry_load.go).
const (
	KindMunicipalities = "municipalities"
	KindMergers        = "mergers"
)

// AllKindNames lists every kind the command line takes, registry kinds first.
func AllKindNames() []string {
	names := []string{KindMunicipalities, KindMergers}
	for _, k := range Kinds() {
		names = append(names, k.Name)
	}
	return names
}

// NewRunID returns a new ingest run id: the time and a random suffix, so that ids sort
// by time and never collide between processes.
func NewRunID() string {
	var b [4]byte
	rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
}

// StartRun records the start of a run; FinishRun its end. Until then the run is live
// in this process, and Recover leaves it alone.
func StartRun(ctx context.Context, s store.Store, runID, trigger string) error {
	liveRuns.Store(runID, true)
	return s.Exec(ctx, "INSERT INTO ingest_runs (run_id, trigger, started_at, status, message) VALUES ({r:String}, {t:String}, now64(3), 'running', '')",
		store.Params{"r": runID, "t": trigger})
}

// FinishRun records how a run ended (a second row for the run; readers take the latest).
func FinishRun(ctx context.Context, s store.Store, runID, trigger, status, message string) error {
	defer liveRuns.Delete(runID)
	defer ledgerVersion.Add(1)
	return s.Exec(ctx, `INSERT INTO ingest_runs (run_id, trigger, started_at, finished_at, status, message)
SELECT {r:String}, {t:String}, ifNull(min(started_at), now64(3)), now64(3), {s:String}, {m:String} FROM ingest_runs WHERE run_id = {r:String}`,
		store.Params{"r": runID, "t": trigger, "s": status, "m": message})
}

// LoadFile loads one file in run runID. kindName may be empty: the kind is then
// inferred from the header. A rejected file gives a result with Status "rejected"
// and the error; nothing of it is stored but its ledger row.
func (l *Loader) LoadFile(ctx context.Context, runID, path, kindName string) FileResult {
	start := time.Now()
	res := FileResult{File: path, RunID: runID, Kind: kindName}
	err := l.loadFile(ctx, &res, path, kindName)
	res.Seconds = time.Since(start).Seconds()
	if err != nil {
		res.Status = "rejected"
		res.Error = err.Error()
	} else {
		res.Status = "loaded"
	}
	if lerr := l.recordFile(ctx, res, path); lerr != nil && err == nil {
		res.Status, res.Error = "rejected", lerr.Error()
	}
	l.log().Info("ingest file", "file", path, "kind", res.Kind, "status", res.Status, "loaded", res.Loaded,
		"duplicates", res.Duplicates, "quarantined", res.Quarantined, "seconds", res.Seconds)
	return res
}

func (l *Loader) log() *slog.Logger {
	if l.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l.Log
}

func (l *Loader) loadFile(ctx context.Context, res *FileResult, path, kindName string) error {
	if kindName == "" {
		k, err := sniffKind(path)
		if err != nil {
			return err
		}
		kindName = k
		res.Kind = k
	}
	switch kindName {
	case KindMunicipalities, KindMergers:
		return l.loadRegistryFile(ctx, res, path, kindName)
	}
	kind, ok := KindByName(kindName)
	if !ok {
		return fmt.Errorf("%s: unknown kind %q (one of %s)", path, kindName, strings.Join(AllKindNames(), ", "))
	}
	return l.loadMeasurements(ctx, res, path, kind)
}

// sniffKind infers a file's kind from its header, registry kinds included.
func sniffKind(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	rr, err := NewRecordReader(f, path)
	if err != nil {
		return "", err
	}
	defer rr.Close()
	header := rr.Header()
	for _, rk := range registryKinds {
		if hasAll(header, rk.required) {
			return rk.name, nil
		}
	}
	k, err := InferKind(header)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return k.Name, nil
}

func hasAll(header, required []string) bool {
	for _, r := range required {
		found := false
		for _, h := range header {
			if h == r {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// fileID is the SHA-256 of a file's bytes, as stored (compressed if it was).
func fileID(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// embeddedLoads lets one measurement load at a time into the embedded engine: a
// direct stage is attached to a table only if no other load fills it meanwhile, and
// two loads would only share the cores.
var embeddedLoads sync.Mutex

func (l *Loader) loadMeasurements(ctx context.Context, res *FileResult, path string, kind *Kind) error {
	// The file's id goes into every row as it is staged, so it is worked out first:
	// one more read of the file, from the page cache.
	id, size, expand, err := hashFile(path)
	if err != nil {
		return err
	}
	res.FileID = id
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	reg, err := registry.Load(ctx, l.Store)
	if err != nil {
		return err
	}
	if len(reg.Units()) == 0 {
		return fmt.Errorf("%s: the registry is empty: load municipalities (and mergers) first / laadige esmalt omavalitsuste register", path)
	}
	if store.Embedded(l.Store) {
		embeddedLoads.Lock()
		defer embeddedLoads.Unlock()
		defer lowerGCPercent()()
	}
	l.log().Info("ingest: reading and staging", "file", path, "kind", kind.Name, "bytes", size)
	stage, err := newStage(ctx, l.Store, kind, l.Nice)
	if err != nil {
		return err
	}
	defer stage.drop(context.WithoutCancel(ctx))

	out, err := newStageWriter(ctx, stage, res, size*expand)
	if err != nil {
		return err
	}
	opt := Options{Kind: kind, Known: reg.Known, BatchRows: l.batchRows(), SurveyAnswer: l.SurveyAnswer}
	if l.Progress != nil {
		opt.Progress = func(n int64) { l.Progress(path, size, n, stage.stagedRows) }
	}
	st, perr := ParseWithOptions(ctx, f, filepath.Base(path), out, opt)
	werr := out.close()
	if errors.Is(perr, errStageFailed) {
		perr = nil // the engine's error, werr, says why
	}
	res.RowsRead = st.RowsRead
	res.Quarantined = st.Problems
	if errors.Is(perr, ErrAllRowsFailed) && werr == nil {
		// The file is rejected, but why each row failed is worth keeping.
		if err := stage.commitProblems(ctx, res, filepath.Base(path), &out.counts); err != nil {
			return err
		}
	}
	if perr != nil {
		return perr
	}
	if werr != nil {
		return fmt.Errorf("%s: %w", path, werr)
	}
	l.log().Info("ingest: committing", "file", path, "kind", kind.Name, "staged_rows", stage.stagedRows)
	if stage.direct && l.EndsAfterRun {
		if err := l.holdMerges(ctx, kind.Table); err != nil {
			return err
		}
	}
	return stage.commit(ctx, res, filepath.Base(path), &out.counts)
}

// hashFile returns the file's id (the SHA-256 of its bytes, compressed if it is), its
// size, and by how much it probably grows uncompressed (for sizing, not exact).
func hashFile(path string) (id string, size, expand int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, 0, err
	}
	defer f.Close()
	h := sha256.New()
	var magic [2]byte
	n, err := io.ReadFull(f, magic[:])
	h.Write(magic[:n])
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return "", 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	rest, err := io.Copy(h, f)
	if err != nil {
		return "", 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	expand = 1
	if magic == [2]byte{0x1f, 0x8b} {
		expand = 6 // gzip's usual ratio on CSV
	}
	return fileID(h), int64(n) + rest, expand, nil
}

// loadGCPercent is the Go collector's target during an embedded load (GOGC; Go's
// default is 100). The parser's heap is a few blocks of rows that come and go, and the
// engine beside it holds most of the process's memory; collecting at half the default
// growth took the peak of `kovmon ingest` of 5 M usage rows from 562-565 MB to 529-536
// MB, for no CPU time that the measurement could tell from its noise (two pairs, load
// average under 0.7, 2026-12-02; the collector had been under 0.5 % of the samples).
const loadGCPercent = 50

// lowerGCPercent sets the collector's target to loadGCPercent unless it is lower (or
// the collector is off), and returns what puts it back. Not for loads that may run at
// the same time: they would put back each other's.
func lowerGCPercent() (restore func()) {
	prev := debug.SetGCPercent(loadGCPercent)
	if prev < loadGCPercent {
		debug.SetGCPercent(prev)
	}
	return func() { debug.SetGCPercent(prev) }
}

func (l *Loader) batchRows() int {
	if l.BatchRows > 0 {
		return l.BatchRows
	}
	return 50_000
}

// recordFile writes the ledger row of a file.
func (l *Loader) recordFile(ctx context.Context, res FileResult, path string) error {
	var size int64
	if st, err := os.Stat(path); err == nil {
		size = st.Size()
	}
	msg := res.Error
	if msg == "" && len(res.Warnings) > 0 {
		msg = strings.Join(res.Warnings, "; ")
	}
	defer ledgerVersion.Add(1)
	return l.Store.Exec(ctx, `INSERT INTO ingest_files (run_id, file_id, file_name, kind, size_bytes, rows_read, loaded, duplicates, quarantined, status, message, finished_at)
VALUES ({run:String}, {fid:String}, {name:String}, {kind:String}, {size:UInt64}, {read:UInt64}, {loaded:UInt64}, {dups:UInt64}, {q:UInt64}, {status:String}, {msg:String}, now64(3))`,
		store.Params{"run": res.RunID, "fid": res.FileID, "name": filepath.Base(path), "kind": res.Kind, "size": uint64(size),
			"read": uint64(res.RowsRead), "loaded": uint64(res.Loaded), "dups": uint64(res.Duplicates), "q": uint64(res.Quarantined),
			"status": res.Status, "msg": msg})
}
