package ingest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"ee/kovmon/kov"
	"ee/kovmon/store"
)

// The counts kept at insert (migration 0012_source_counts): of each large source, a
// table of its rows counted by year, recorded code, file, run and every column the
// indicator definitions filter on, which the definitions read instead of the rows. A
// materialized view feeds it from every INSERT into the source — a commit's copy
// (stage.go), and any other insert. A commit that attaches a stage's partitions puts
// rows in without an insert, which no view sees: it feeds the counts itself, partition
// by partition (feedCounts), so that the counts match the rows after each partition
// as they do after each block of an insert. Either way a killed load's counts carry
// its run, and Recover rolls them back with its rows.

// countTables maps a kind's table to the table of its counts (kov's list of sources).
var countTables = func() map[string]string {
	out := map[string]string{}
	for _, table := range kov.SourceTables() {
		if counts, ok := kov.CountsTable(table); ok {
			out[table] = counts
		}
	}
	return out
}()

// countedRows is the column of a counts table that holds how many rows are behind the
// others; every other column is the key the rows are counted by.
const countedRows = "source_rows"

// CountTables lists the tables of counts kept at insert, in a fixed order.
func CountTables() []string { return slices.Sorted(maps.Values(countTables)) }

// feedCounts adds the rows of the stage's partition just attached to table (the
// kind's) to table's counts; a table without counts needs nothing. The stage's rows
// are of one file and one run, whose ids (ids: fid and run) they got as they were
// staged, so the counts take the ids from the parameters and group by the rest of
// their key: grouping by the two ids as well, long strings, took 0.46 s where this
// takes 0.17 s (a stage of 5 M usage rows, 2 cores). Counting the rows as they went
// into the stage instead, by a materialized view of the stage into a table of its
// counts, cost more than it saved: the five partitions' counts took 0.27 CPU-s in
// place of 0.77, but `kovmon ingest` of 5 M rows took 12.9-15.4 CPU-s against
// 10.7-12.3, with the counts in a MergeTree or in memory alike (two alternating
// pairs each, load average under 0.7, 2026-12-03; perf of one run each put 8.2 CPU-s
// of samples in the engine's library against 4.9). In-process, one run, it had
// looked cheaper (9.0 CPU-s against the engine's own load's 10.9): why the two differ
// was not found.
func feedCounts(ctx context.Context, s store.Store, table, stage, partitionID string, ids store.Params) error {
	counts, ok := countTables[table]
	if !ok {
		return nil
	}
	key, err := countsKey(ctx, s, counts)
	if err != nil {
		return err
	}
	var selected, grouped []string
	for _, column := range key {
		if param, ok := idParam(column); ok {
			selected = append(selected, param+" AS "+column)
		} else {
			selected, grouped = append(selected, column), append(grouped, column)
		}
	}
	params := maps.Clone(ids)
	params["partition"] = partitionID
	err = s.Exec(ctx, "INSERT INTO "+counts+" ("+strings.Join(key, ", ")+", "+countedRows+") SELECT "+strings.Join(selected, ", ")+", count() FROM "+stage+
		" WHERE _partition_id = {partition:String} GROUP BY "+strings.Join(grouped, ", "), params)
	if err != nil {
		return fmt.Errorf("counts of %s: %w", table, err)
	}
	return nil
}

// keyOfCounts caches countsKey: the schema is the migrations', the same in every
// database.
var keyOfCounts sync.Map // counts table → its key columns

// countsKey is the columns a counts table counts by, as the migration made it (the one
// place that lists them).
func countsKey(ctx context.Context, s store.Store, counts string) ([]string, error) {
	if key, ok := keyOfCounts.Load(counts); ok {
		return key.([]string), nil
	}
	res, err := s.Query(ctx, "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = {t:String} AND name != {rows:String} ORDER BY position",
		store.Params{"t": counts, "rows": countedRows})
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", counts, err)
	}
	columns, err := store.Scan[struct {
		Name string `ch:"name"`
	}](res, "columns of "+counts)
	if err != nil {
		return nil, err
	}
	if len(columns) == 0 {
		return nil, fmt.Errorf("columns of %s: no such table", counts)
	}
	key := make([]string, len(columns))
	for i, c := range columns {
		key[i] = c.Name
	}
	keyOfCounts.Store(counts, key)
	return key, nil
}

// CountsDisagree recounts the stored rows of every source with counts and lists where
// the counts kept at insert differ (at most a few keys a table); none when they agree.
// A check for the tests, and for whoever doubts the counts.
func CountsDisagree(ctx context.Context, s store.Store) ([]string, error) {
	var out []string
	for _, source := range slices.Sorted(maps.Keys(countTables)) {
		counts := countTables[source]
		columns, err := countsKey(ctx, s, counts)
		if err != nil {
			return nil, err
		}
		key := strings.Join(columns, ", ")
		res, err := s.Query(ctx, "SELECT toString(tuple("+key+")) AS key, sum(stored) AS stored, sum(counted) AS counted FROM ("+
			"SELECT "+key+", count() AS stored, toUInt64(0) AS counted FROM "+source+" GROUP BY ALL"+
			" UNION ALL SELECT "+key+", toUInt64(0) AS stored, sum("+countedRows+") AS counted FROM "+counts+" GROUP BY ALL"+
			") GROUP BY key HAVING stored != counted ORDER BY key LIMIT 5", nil)
		if err != nil {
			return nil, fmt.Errorf("recount %s: %w", source, err)
		}
		rows, err := store.Scan[struct {
			Key     string `ch:"key"`
			Stored  int64  `ch:"stored"`
			Counted int64  `ch:"counted"`
		}](res, "recount "+source)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out = append(out, fmt.Sprintf("%s %s: %d rows stored, %d counted", counts, r.Key, r.Stored, r.Counted))
		}
	}
	return out, nil
}
