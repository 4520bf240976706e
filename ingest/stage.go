package ingest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"ee/kovmon/store"
)

// stage is the pair of scratch tables one file is read into before it is committed:
// its valid rows and its quarantined rows.
//
// On the embedded engine the stage is direct: its rows table has the kind's table's
// own definition (partitions and order), the rows get their file and run ids as they
// stream in, and a key repeated within the file is set aside as it is read (a Bloom
// filter of the keys, repeats.go) and resolved when the file is in. The stage then
// holds each key once; the commit deletes from it the keys the kind's table holds
// and attaches its partitions to the table, with no copy.
// On a server the stage is a plain MergeTree of the blocks' columns (block.go),
// filled a block at a time, and the commit does all the deduplication.
type stage struct {
	s          store.Store
	kind       *Kind
	table      string // the kind's table
	rows       string // stage of valid rows: the kind's columns
	problems   string // stage of quarantined rows: the quarantine's columns
	held       string // set of the keys held, of a direct stage (deleteHeldKeys)
	buckets    string // dictionary of the staged hashes' buckets, of a small direct stage (narrowedLookup)
	keyList    string // key columns, comma-separated
	keyTuple   string // the key as one expression
	keyHash    string // the key's hash (keyHash), as the stage has it
	direct     bool
	stagedRows int64
	layout     *blockLayout // the columns of the rows' blocks, typed as the kind's table
	// priority is ", os_thread_priority = N" for the settings of a load's heavy
	// statements (Loader.Nice), or "".
	priority string
}

// stagePrefix names scratch tables, so that DropStaleStages finds those a killed
// process left behind.
const stagePrefix = "stage_"

func newStage(ctx context.Context, s store.Store, kind *Kind, nice int) (*stage, error) {
	var b [6]byte
	rand.Read(b[:])
	suffix := hex.EncodeToString(b[:])
	st := &stage{s: s, kind: kind, table: kind.Table, rows: stagePrefix + kind.Table + "_" + suffix, problems: stagePrefix + "q_" + suffix,
		held: stagePrefix + "held_" + suffix, buckets: stagePrefix + "buckets_" + suffix,
		direct: store.Embedded(s)}
	if nice > 0 && st.direct {
		st.priority = ", os_thread_priority = " + strconv.Itoa(min(nice, 19))
	}
	st.keyList = strings.Join(kind.Key, ", ")
	st.keyTuple = st.keyList
	if len(kind.Key) > 1 {
		st.keyTuple = "(" + st.keyList + ")"
	}
	// A direct stage stores the hash with each row, as the kind's table does.
	st.keyHash = keyHash(st.keyList)
	if st.direct {
		st.keyHash = keyHashColumn
	}
	// The stage lives on the host this connection talks to.
	local := store.LocalTable(s, kind.Table)
	types, err := columnTypesOf(ctx, s, local, kind.StoredColumns())
	if err == nil {
		st.layout, err = newBlockLayout(kind, types)
	}
	if err != nil {
		return nil, fmt.Errorf("stage for %s: %w", kind.Name, err)
	}
	const scratchEngine = " ENGINE = MergeTree ORDER BY tuple()"
	rowsTable := "CREATE TABLE " + st.rows + " (" + st.layout.structure() + ")" + scratchEngine
	if st.direct {
		rowsTable = "CREATE TABLE " + st.rows + " AS " + local // the kind's table's own engine, partitions and order
	}
	for _, create := range []string{rowsTable, "CREATE TABLE " + st.problems + " AS " + store.LocalTable(s, "quarantine") + scratchEngine} {
		if err := s.Exec(ctx, create, nil); err != nil {
			return nil, fmt.Errorf("stage for %s: %w", kind.Name, err)
		}
	}
	if st.direct {
		// Merging a stage's parts is wasted work (the kind's table merges them once
		// attached) and memory taken from the load. No part is small enough to merge,
		// rather than merges stopped, because the commit's delete (deleteHeldKeys) is
		// a mutation, which stopped merges would hold back too.
		if err := s.Exec(ctx, "ALTER TABLE "+st.rows+" MODIFY SETTING max_bytes_to_merge_at_max_space_in_pool = 1, max_bytes_to_merge_at_min_space_in_pool = 1", nil); err != nil {
			return nil, fmt.Errorf("stage for %s: %w", kind.Name, err)
		}
	}
	return st, nil
}

// keyColumns are the positions of the key's columns among the stored columns.
func (st *stage) keyColumns() []int {
	stored := st.kind.StoredColumns()
	cols := make([]int, len(st.kind.Key))
	for i, k := range st.kind.Key {
		cols[i] = slices.Index(stored, k)
	}
	return cols
}

func (st *stage) drop(ctx context.Context) {
	// The dictionary reads the rows table, which the engine will not drop before it.
	st.s.Exec(ctx, "DROP DICTIONARY IF EXISTS "+st.buckets, nil)
	st.s.Exec(ctx, "DROP TABLE IF EXISTS "+st.rows, nil)
	st.s.Exec(ctx, "DROP TABLE IF EXISTS "+st.problems, nil)
	st.s.Exec(ctx, "DROP TABLE IF EXISTS "+st.held, nil)
}

// rowsPerPass bounds the rows deduplicated at once, and with it the memory of the
// commit: the keys of one pass are held in hash sets by the engine.
var rowsPerPass int64 = 4_000_000 // a variable for the tests of passes

// commit puts the staged rows into the kind's table, each key once (from its first
// line in the file), leaving out keys the table already holds; then the quarantined
// rows, each (line, column) of the file once. res gets the counts.
func (st *stage) commit(ctx context.Context, res *FileResult, fileName string, counts *QuarantineCounts) error {
	params := store.Params{"fid": res.FileID, "run": res.RunID}
	commitRows := st.copyNewKeys
	if st.direct {
		commitRows = st.attachNewKeys
	}
	loaded, err := commitRows(ctx, params)
	if err != nil {
		return fmt.Errorf("%s: commit: %w", fileName, err)
	}
	res.Loaded = loaded
	res.Duplicates = res.RowsRead - res.Quarantined - loaded
	return st.commitProblems(ctx, res, fileName, counts)
}

// attachNewKeys moves a direct stage's partitions into the kind's table, having
// deleted from the stage the rows of the keys the table holds (a direct stage holds
// each key once). Into an empty table (the first load, the large one), or of a file
// that brings only new keys, as a day's new events do, nothing is deleted. No row is
// copied: a copy is the load's sorting and writing again, where a delete writes a
// mask of a byte a staged row and the attach links the stage's parts. Looking for the
// keys reads the table's key hashes. A process killed midway leaves some partitions
// attached, which the next process rolls back with the rest of its unfinished run
// (Recover). ids are the file's and the run's (fid, run), which every staged row has.
// It returns the rows attached, counted in the stage: counting the file's rows in the
// kind's table would read the file and run ids of every stored row, a cost that grows
// with the store (0.03–0.05 s at 25 M rows) for a load of any size.
func (st *stage) attachNewKeys(ctx context.Context, ids store.Params) (int64, error) {
	if err := st.deleteHeldKeys(ctx); err != nil {
		return 0, err
	}
	attached, err := st.count(ctx, "SELECT count() AS n FROM "+st.rows, nil)
	if err != nil {
		return 0, err
	}
	const query = "SELECT DISTINCT partition_id FROM system.parts WHERE database = currentDatabase() AND table = {t:String} AND active"
	r, err := st.s.Query(ctx, query, store.Params{"t": st.rows})
	if err != nil {
		return 0, err
	}
	partitions, err := store.Scan[struct {
		ID string `ch:"partition_id"`
	}](r, query)
	if err != nil {
		return 0, err
	}
	for _, p := range partitions {
		if !partitionID.MatchString(p.ID) {
			return 0, fmt.Errorf("unexpected partition id %q", p.ID)
		}
		if err := st.s.Exec(ctx, "ALTER TABLE "+st.table+" ATTACH PARTITION ID '"+p.ID+"' FROM "+st.rows, nil); err != nil {
			return 0, err
		}
		// No materialized view sees an attach (aggregates.go); the counts are of the
		// stage's rows not deleted.
		if err := feedCounts(ctx, st.s, st.table, st.rows, p.ID, ids); err != nil {
			return 0, err
		}
		failpoint("attached-partition")
	}
	return attached, nil
}

// deleteHeldKeys deletes from a direct stage the rows of the keys the kind's table
// holds. The stored keys of the staged hashes (storedKeysOfStagedHashes), found in
// passes by the key's hash so that the engine's set holds one pass's hashes, are
// gathered in a set, so that the delete, which the engine runs part by part, reads the
// table once, not once a part. A table without any of the hashes holds none of the
// keys, and nothing is deleted (a day's new events); a stored key of a staged hash is
// most likely the staged key, and the delete compares the keys themselves: a collision
// of 64-bit hashes costs that comparison, never a row. The staged rows of the set's
// keys are deleted when the set holds rowsPerPass keys, and after the last pass, so
// that a file of few keys held (a reload of some days) costs one delete, and one of
// many (a file loaded again) a set of fewer than rowsPerPass keys and a pass's
// (lookupPasses: up to twice rowsPerPass) at most. The set is not written to disk:
// persisting it made the engine's count of it wait 0.26–0.69 s.
// The delete is lightweight: it marks the rows, and the mark goes with the parts the
// attach links into the table, whose merges then drop the rows. The engine takes a
// delete a part at a time, as its background scheduler finds them
// (store.backgroundPacing): BenchmarkReloadUsage20M's file of 5 M rows, 1 % of them
// held, took 0.5–1.7 s more than one of new keys this way (0.1–2.6 s in the four runs
// of 2026-12-02, on a machine whose speed drifted by half within the hour), where
// copying its new keys took 6–7 s more. Two ways to make the delete lighter did not
// hold: wide parts in the stage (0.44 s against 0.47 s for the delete, traced), and
// the engine's patch parts (lightweight_delete_mode = 'lightweight_update'), which an
// ATTACH PARTITION refuses while they are unapplied.
func (st *stage) deleteHeldKeys(ctx context.Context) error {
	// Into an empty table (the first load, the large one) there is nothing to look
	// up, and no set of the stage's hashes to build.
	n, err := st.count(ctx, "SELECT count() AS n FROM "+st.table, nil)
	if err != nil || n == 0 {
		return err
	}
	settings := st.prioritySettings()
	if err := st.s.Exec(ctx, "CREATE TABLE "+st.held+" ENGINE = Set SETTINGS persistent = 0 AS SELECT "+st.keyList+" FROM "+st.table+" WHERE 0", nil); err != nil {
		return err
	}
	lookup, err := st.narrowedLookup(ctx)
	if err != nil {
		return err
	}
	passes := st.lookupPasses()
	params := store.Params{"passes": passes, "t": st.held}
	for pass := range passes {
		params["pass"] = pass
		if err := st.s.Exec(ctx, "INSERT INTO "+st.held+" "+lookup, params); err != nil {
			return err
		}
		gathered, err := st.count(ctx, "SELECT ifNull(total_rows, 0) AS n FROM system.tables WHERE database = currentDatabase() AND name = {t:String}", params)
		if err != nil {
			return err
		}
		if gathered == 0 || gathered < rowsPerPass && pass+1 < passes {
			continue
		}
		for _, stmt := range []string{"DELETE FROM " + st.rows + " WHERE " + st.keyTuple + " IN " + st.held + settings, "TRUNCATE TABLE " + st.held} {
			if err := st.s.Exec(ctx, stmt, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// prioritySettings is a SETTINGS clause of the load's thread priority alone (Loader.Nice),
// or "".
func (st *stage) prioritySettings() string {
	if st.priority == "" {
		return ""
	}
	return " SETTINGS" + strings.TrimPrefix(st.priority, ",")
}

// keyHashColumn is the stored hash of a row's key (migration 0013), of the expression
// keyHash.
const keyHashColumn = "key_hash"

// keyHash is the expression of a row's stored key hash, of the key's columns as
// listed in keyList.
func keyHash(keyList string) string { return "cityHash64(" + keyList + ")" }

// stagedHashes selects the hashes of the keys of the current pass of the stage.
func (st *stage) stagedHashes() string {
	return "SELECT " + st.keyHash + " FROM " + st.rows + " WHERE " + st.inPass()
}

// storedKeysOfStagedHashes selects the stored keys that have the hash of a key of the
// current pass of the stage: every staged key the table holds is among them (with,
// rarely, a stored key of the same hash, which a comparison of the keys tells apart).
// Only the stored hashes are read in full; a stored key is read where its hash
// matched. On a cluster the kind's table is Distributed: GLOBAL sends every shard the
// stage's hashes (the stage lives on this host only); on one node GLOBAL IN is IN.
func (st *stage) storedKeysOfStagedHashes() string { return st.storedKeysPassing("") }

// storedKeysPassing is storedKeysOfStagedHashes with first, a cheaper condition on the
// stored hash, before the staged hashes' set (narrowedLookup); or without, for "".
func (st *stage) storedKeysPassing(first string) string {
	if first != "" {
		first += " AND "
	}
	return "SELECT " + st.keyList + " FROM " + st.table + " PREWHERE " + first + keyHashColumn + " GLOBAL IN (" + st.stagedHashes() + ")"
}

// narrowedLookup is the look-up of deleteHeldKeys, with its settings:
// storedKeysOfStagedHashes, or for a file of few keys (a day's events) the same
// narrowed by a dictionary of the buckets of the staged hashes (the hash's top
// bucketBits bits; a flat array the engine indexes), 16 buckets a staged key, so that
// about 6 % of the stored hashes pass it and only those probe the engine's set of the
// staged hashes. The set costs most of the look-up, whatever its size: over 50 M
// stored rows it took 0.27–0.31 s for 1 000 hashes and 0.47–0.53 s (0.93–1.04 CPU-s)
// for the 100 000 of BenchmarkDailyFile's file, the dictionary alone 0.10–0.13 s, and
// the two together 0.26–0.30 s (0.51–0.57 CPU-s; each twice, load average under 0.7).
// 2^18 buckets took 0.33–0.35 s, 2^22 more than 2^20 and 2^21; the engine's join
// runtime filters (its own Bloom filter of the set) 0.38–0.41 s. A bucket holds every
// staged hash of its prefix, so no held key is missed. A larger file (a reload) would
// take more buckets than the processor's cache holds, and looks up by the set alone.
func (st *stage) narrowedLookup(ctx context.Context) (string, error) {
	width, ok := bucketBits(st.stagedRows)
	if !ok || !st.direct {
		return st.storedKeysOfStagedHashes() + st.prioritySettings(), nil
	}
	db, _ := store.EmbeddedDatabase(st.s) // a direct stage is of the embedded engine
	bucket := "bitShiftRight(" + keyHashColumn + ", " + strconv.Itoa(64-width) + ")"
	size := strconv.Itoa(1 << width)
	// The dictionary's query runs outside this connection's database: its names are
	// qualified (a database's name is letters, digits and _, a stage's hex).
	source := "SELECT DISTINCT " + bucket + " AS bucket FROM " + db + "." + st.rows
	create := "CREATE DICTIONARY " + st.buckets + " (bucket UInt64) PRIMARY KEY bucket SOURCE(CLICKHOUSE(QUERY '" + source + "'))" +
		" LAYOUT(FLAT(INITIAL_ARRAY_SIZE " + size + " MAX_ARRAY_SIZE " + size + ")) LIFETIME(0)"
	if err := st.s.Exec(ctx, create, nil); err != nil {
		return "", err
	}
	narrowedLookups.Add(1)
	// Both conditions are of the PREWHERE, so that a stored key is read only where
	// its hash is staged; evaluated lazily, the set is probed only where the
	// dictionary passed. (As a WHERE, the set's condition read the keys of every
	// granule, 0.47 s; the engine's own order of the two probed the set first.)
	return st.storedKeysPassing("dictHas('"+db+"."+st.buckets+"', "+bucket+")") + " SETTINGS short_circuit_function_evaluation = 'force_enable'" + st.priority, nil
}

// narrowedLookups counts the look-ups narrowedLookup narrowed, for the tests.
var narrowedLookups atomic.Int64

// maxNarrowedKeys is the most staged keys narrowedLookup narrows the look-up of: a
// quarter of the largest dictionary's buckets taken.
const maxNarrowedKeys = 1 << (maxBucketBits - 2)

// maxBucketBits bounds the dictionary of narrowedLookup to 2^21 buckets of a byte:
// the processor's cache, not the memory, is the limit (counting the held keys of
// 100 000 in 50 M rows through the dictionary alike took 0.16–0.19 s with 2^20 and
// 2^21 buckets, 0.20–0.22 s with 2^22).
const maxBucketBits = 21

// bucketBits is the number of top bits of the key hash that make the buckets of
// narrowedLookup for keys staged keys, 16 buckets a key (at least 2^10, at most
// 2^maxBucketBits), and whether to narrow at all.
func bucketBits(keys int64) (int, bool) {
	if keys <= 0 || keys > maxNarrowedKeys {
		return 0, false
	}
	return min(max(10, bits.Len64(uint64(16*keys-1))), maxBucketBits), true
}

// passes is the number of passes the commit takes the stage's keys in (rowsPerPass).
func (st *stage) passes() uint64 { return passesFor(st.stagedRows) }

// lookupPasses is the number of passes deleteHeldKeys looks the staged hashes up in:
// its set holds 8-byte hashes, not keys, and twice rowsPerPass of them take no more
// memory than a pass of keys. A 5 M-row file into 20 M rows is one pass, not two, each
// of which reads the stored hashes (0.66 s against 0.63 + 0.46 s, BenchmarkReloadUsage20M's
// file of 1 % held, traced; the peak no higher).
func (st *stage) lookupPasses() uint64 { return passesOf(st.stagedRows, 2*rowsPerPass) }

// passesFor is the number of passes of rowsPerPass rows that rows take, at least one.
func passesFor(rows int64) uint64 { return passesOf(rows, rowsPerPass) }

// passesOf is the number of passes of perPass rows that rows take, at least one.
func passesOf(rows, perPass int64) uint64 { return uint64(max(1, (rows+perPass-1)/perPass)) }

// inPass is the condition on a staged row's key of the pass-th of passes (parameters).
func (st *stage) inPass() string { return inPassOf(st.keyHash) }

// inPassOf is the condition that a key of hash (keyHash) is of the pass-th of passes.
func inPassOf(hash string) string { return hash + " % {passes:UInt64} = {pass:UInt64}" }

// partitionID matches the partition ids ClickHouse makes (a value, "all", or a hash).
var partitionID = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// copyNewKeys copies the rows of a server's stage into the kind's table, leaving out
// keys it holds, and of a key repeated in the stage the first line; it returns the
// rows the table got of the file and run (params fid and run). The keys are taken
// in passes (by hash), so that the engine's hash sets hold one pass's keys.
//
// Keys repeated within the file are rare, so rather than sort the whole stage by key
// and line, the commit finds the repeated keys (a hash aggregation) and their first
// lines, and lets every other row through as it is read.
func (st *stage) copyNewKeys(ctx context.Context, params store.Params) (int64, error) {
	passes := st.passes()
	params["passes"] = passes
	inPass := st.inPass()
	repeated := "SELECT " + st.keyList + " FROM " + st.rows + " WHERE " + inPass + " GROUP BY " + st.keyList + " HAVING count() > 1"
	columns := strings.Join(st.layout.names, ", ")
	query := "INSERT INTO " + st.table + " (" + columns + ", " + idColumnList + ") SELECT " + columns + ", " + idValueList + " FROM " + st.rows +
		" WHERE " + inPass + " AND " + st.keyTuple + " NOT IN (" + st.storedKeysOfStagedHashes() + ")" +
		" AND (" + st.keyTuple + " NOT IN (" + repeated + ") OR (" + st.keyList + ", line) IN (SELECT " + st.keyList + ", min(line) FROM " + st.rows +
		" WHERE " + inPass + " AND " + st.keyTuple + " IN (" + repeated + ") GROUP BY " + st.keyList + "))" +
		" SETTINGS " + insertThreads() // the copy is a whole load's sorting and writing again
	for pass := range passes {
		params["pass"] = pass
		if err := st.s.Exec(ctx, query, params); err != nil {
			return 0, err
		}
	}
	return st.count(ctx, "SELECT count() AS n FROM "+st.table+" WHERE file_id = {fid:String} AND run_id = {run:String}", params)
}

// commitProblems stores the sample of the file's quarantined rows, each (line,
// column) once however often the file is loaded, and the counts of all of them.
func (st *stage) commitProblems(ctx context.Context, res *FileResult, fileName string, counts *QuarantineCounts) error {
	params := store.Params{"fid": res.FileID}
	err := st.s.Exec(ctx, "INSERT INTO quarantine SELECT * REPLACE ({fid:String} AS file_id) FROM "+st.problems+
		" WHERE (line, column) NOT IN (SELECT line, column FROM quarantine WHERE file_id = {fid:String}) ORDER BY line", params)
	if err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	return StoreQuarantineCounts(ctx, st.s, res.RunID, res.FileID, fileName, st.kind.Name, counts)
}

// count runs a query of one count, as column n.
func (st *stage) count(ctx context.Context, query string, params store.Params) (int64, error) {
	return countOf(ctx, st.s, query, params)
}

// countOf runs a query of one count, as column n.
func countOf(ctx context.Context, s store.Store, query string, params store.Params) (int64, error) {
	r, err := s.Query(ctx, query, params)
	if err != nil {
		return 0, err
	}
	counts, err := store.Scan[struct {
		N int64 `ch:"n"`
	}](r, query)
	if err != nil {
		return 0, err
	}
	if len(counts) != 1 {
		return 0, fmt.Errorf("%s: %d rows, want one", query, len(counts))
	}
	return counts[0].N, nil
}

// stageWriter is the Output of Parse for a load: it takes the valid rows typed (a
// rowWriter), in blocks of columns that go to the stage from a goroutine of their own,
// so that parsing (one core) and the engine's insert (the other) overlap; problems
// are kept aside and staged when the rows are in (close). For a direct stage it also
// sets aside the rows whose key may have come before (keyFilter), which close
// resolves.
type stageWriter struct {
	ctx      context.Context
	st       *stage
	res      *FileResult
	fileName string
	rows     rowSink
	block    *rowBlock      // being filled
	batches  chan *rowBlock // full blocks, to the engine
	free     chan *rowBlock // blocks the engine has
	done     chan error
	failed   chan struct{} // closed when the engine refused a block
	problems problemSink
	prob     []byte
	sampled  int64            // problems staged, at most QuarantineSample
	counts   QuarantineCounts // every problem, by column and reason
	now      string
	once     sync.Once
	err      error

	// A direct stage's repeated keys.
	expectBytes int64 // the file's size, uncompressed if known, for the filter's size
	keyCols     []int
	filter      *keyFilter
	keys        []byte       // the keys of the block's rows (appendKey), one after another
	keyEnds     []int        // where each row's key ends in keys
	verdicts    []keyVerdict // the filter's, of the block's rows
	setAside    *rowBlock    // rows set aside, on their way to repeated
	repeated    *scratchFile // Native blocks of the rows set aside
}

// errStageFailed stops a parse whose rows the engine no longer takes; close says why.
var errStageFailed = errors.New("the engine stopped taking the rows")

// newStageWriter starts staging a file of fileBytes bytes (0: unknown; its
// uncompressed size for a compressed file).
func newStageWriter(ctx context.Context, st *stage, res *FileResult, fileBytes int64) (*stageWriter, error) {
	w := &stageWriter{ctx: ctx, st: st, res: res, fileName: filepath.Base(res.File),
		block: newRowBlock(st.layout), batches: make(chan *rowBlock), free: make(chan *rowBlock, 1), done: make(chan error, 1),
		failed: make(chan struct{}), now: nowText(), expectBytes: fileBytes, keyCols: st.keyColumns()}
	var err error
	if st.direct {
		if w.repeated, err = newScratchFile(scratchPattern() + "repeated-*.native"); err != nil {
			return nil, err
		}
		w.setAside = newRowBlock(st.layout)
	}
	if w.rows, err = newRowSink(ctx, st, res); err != nil {
		w.dropRepeated()
		return nil, fmt.Errorf("stage for %s: %w", st.kind.Name, err)
	}
	if w.problems, err = newProblemSink(ctx, st.s, st.problems, st.direct); err != nil {
		w.rows.close()
		w.dropRepeated()
		return nil, fmt.Errorf("stage for %s: %w", st.kind.Name, err)
	}
	w.free <- newRowBlock(st.layout)
	go w.send()
	return w, nil
}

// send passes the blocks on to the engine.
func (w *stageWriter) send() {
	var err error
	for b := range w.batches {
		if err == nil {
			if err = w.rows.write(b); err != nil {
				close(w.failed)
			}
		}
		b.reset()
		w.free <- b
	}
	if cerr := w.rows.close(); err == nil {
		err = cerr
	}
	w.done <- err
}

// expectRows guesses the file's rows from its size and the first row's length, or
// minRowBytes when that is shorter: one row may be longer than most, and a filter
// made for too few rows mistakes more of them.
func (w *stageWriter) expectRows(rowBytes int) int64 {
	if w.expectBytes <= 0 {
		return 1 << 20
	}
	return w.expectBytes/int64(min(rowBytes+1, minRowBytes)) + 1
}

// minRowBytes is about the shortest row of a measurement file with every column
// filled (a usage row of the contract's ten columns is about 95 bytes).
const minRowBytes = 64

func (w *stageWriter) dropRepeated() {
	if w.repeated != nil {
		w.repeated.finish()
		w.repeated.remove()
		w.repeated = nil
	}
}

// row takes a valid row; for a direct stage, its key too, for the filter (endBatch).
func (w *stageWriter) row(e *rowEncoder, rawBytes int) error {
	if w.repeated != nil {
		if w.filter == nil {
			w.filter = newKeyFilter(w.expectRows(rawBytes))
		}
		w.keys = appendKey(w.keys, w.st.layout, e.vals, w.keyCols)
		w.keyEnds = append(w.keyEnds, len(w.keys))
	}
	w.block.add(e.vals)
	return nil
}

// setAsideRows: rows set aside are written out in blocks of about this many.
const setAsideRows = 65536

// endBatch hands the block of the batch's rows to the engine; for a direct stage,
// those whose key may have come before are set aside first, and those whose key
// certainly has are dropped.
func (w *stageWriter) endBatch(n int) error {
	w.st.stagedRows += int64(n)
	if w.repeated != nil {
		w.verdicts = w.filter.classifyAll(w.keys, w.keyEnds, w.verdicts[:0])
		w.keys, w.keyEnds = w.keys[:0], w.keyEnds[:0]
		if w.block.split(w.verdicts, w.setAside) && w.setAside.rows >= setAsideRows {
			if err := w.repeated.addBlock(w.setAside); err != nil {
				return err
			}
		}
	}
	if w.block.rows == 0 {
		return nil // every row set aside or dropped
	}
	select {
	case <-w.failed:
		return errStageFailed
	case w.batches <- w.block:
	}
	w.block = <-w.free
	return nil
}

func (w *stageWriter) Rows([]byte, int) error {
	return errors.New("the stage takes typed rows") // Parse calls row and endBatch instead
}

func (w *stageWriter) Problem(p Problem) error {
	w.res.NoteProblem(p)
	w.counts.Add(p.Column, p.Reason)
	if w.sampled >= QuarantineSample {
		return nil // counted only: the quarantine keeps a sample of a file's rows
	}
	w.sampled++
	// The file's name without its folder, as in the ledger: the quarantine is
	// filtered by it.
	w.prob = AppendQuarantineRow(w.prob[:0], w.res.RunID, "", w.fileName, w.st.kind.Name, p, w.now)
	return w.problems.add(w.prob)
}

func (w *stageWriter) Warn(msg string) { w.res.Warnings = append(w.res.Warnings, msg) }

// close waits until the engine has every row, resolves the rows set aside as
// possible repeats, then stages the problems.
func (w *stageWriter) close() error {
	w.once.Do(func() {
		close(w.batches)
		w.err = <-w.done
		if w.repeated != nil {
			if err := w.stageRepeated(); w.err == nil {
				w.err = err
			}
		}
		if err := w.problems.close(); w.err == nil {
			w.err = err
		}
	})
	return w.err
}

// stageRepeated adds to a direct stage those rows set aside whose key it lacks, each
// key from its first line: a repeat's key is staged already, since the filter never
// sets aside the first row of a key unless it mistook it, and then it set aside all
// of them. The rows set aside are taken in passes by the hash of their key, as the
// commit takes the stage (rowsPerPass), and sorted with the engine's external sort,
// so that the memory of this does not grow with the file.
func (w *stageWriter) stageRepeated() error {
	defer w.dropRepeated()
	if w.setAside.rows > 0 {
		if err := w.repeated.addBlock(w.setAside); err != nil {
			return err
		}
	}
	if err := w.repeated.finish(); err != nil || w.repeated.rows == 0 || w.err != nil {
		return err
	}
	st := w.st
	passes := passesFor(w.repeated.rows)
	fileInPass := " " + inPassOf(keyHash(st.keyList))
	query := fileInsertQuery(st.rows, st.layout.names, true, formatNative, " WHERE"+fileInPass+" AND "+st.keyTuple+" NOT IN (SELECT "+st.keyList+" FROM "+st.rows+
		" WHERE "+st.inPass()+" AND "+st.keyTuple+" IN (SELECT "+st.keyList+" FROM "+fromFile(formatNative)+" WHERE"+fileInPass+")) ORDER BY "+st.keyList+", line LIMIT 1 BY "+st.keyList+
		" SETTINGS max_bytes_before_external_sort = "+strconv.Itoa(externalSortBytes)+st.priority)
	params := store.Params{"path": w.repeated.f.Name(), "structure": st.layout.structure(), "fid": w.res.FileID, "run": w.res.RunID, "passes": passes}
	for pass := range passes {
		params["pass"] = pass
		if err := st.s.Exec(w.ctx, query, params); err != nil {
			return fmt.Errorf("stage repeated keys: %w", err)
		}
	}
	return nil
}

// externalSortBytes: a sort of the load that needs more memory than this goes to disk.
const externalSortBytes = 128 << 20

// DropStaleStages drops the scratch tables (and dictionaries, narrowedLookup) that
// loads killed midway left behind and that are older than age (0: all — for the
// embedded engine, whose one process owns the data folder). A dictionary goes first:
// the engine drops no table a dictionary reads.
func DropStaleStages(ctx context.Context, s store.Store, age time.Duration) error {
	const query = "SELECT name, engine = 'Dictionary' AS dictionary FROM system.tables" +
		" WHERE database = currentDatabase() AND startsWith(name, {p:String}) AND metadata_modification_time <= now() - {age:UInt64} ORDER BY dictionary DESC"
	r, err := s.Query(ctx, query, store.Params{"p": stagePrefix, "age": uint64(age.Seconds())})
	if err != nil {
		return err
	}
	tables, err := store.Scan[struct {
		Name       string `ch:"name"`
		Dictionary bool   `ch:"dictionary"`
	}](r, query)
	if err != nil {
		return err
	}
	for _, t := range tables {
		drop := "DROP TABLE IF EXISTS "
		if t.Dictionary {
			drop = "DROP DICTIONARY IF EXISTS "
		}
		if err := s.Exec(ctx, drop+t.Name, nil); err != nil {
			return err
		}
	}
	return nil
}
