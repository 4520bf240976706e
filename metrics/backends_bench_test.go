package metrics_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"ee/kovmon/ingest"
	"ee/kovmon/internal/cputime"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/refdata"
	"ee/kovmon/store"
	"ee/kovmon/store/storetest"
)

// BenchmarkBackends loads the same usage file (5 and 20 million rows, made once into
// $TMPDIR/kovmon-bench) through the real ingest, and then runs a full refresh, on each
// backend: the embedded engine, one server and the two-shard cluster (the embedded
// engine serving as ClickHouse, started by this test binary). The demo's other kinds
// are loaded first, untimed. At the end it prints a table of the seconds and their
// ratio to the embedded engine, and for the cluster the rows each shard holds and
// read for a refresh (from each server's system.query_log): a shard reads its own
// rows, once for each query over them.
//
//	go test -run '^$' -bench Backends -benchtime 1x ./metrics/
//	KOVMON_BENCH_BACKEND_ROWS=1000000 …   other sizes, comma-separated
//
// The servers run on the same two cores as the benchmark (and the two shards on the
// same two cores as each other): the figures compare the work each layout does, not
// what separate machines would gain.
func BenchmarkBackends(b *testing.B) {
	sizes := []int{5_000_000, 20_000_000}
	if v := os.Getenv("KOVMON_BENCH_BACKEND_ROWS"); v != "" {
		sizes = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1000 {
				b.Fatalf("KOVMON_BENCH_BACKEND_ROWS=%q: row counts of at least 1000, comma-separated", v)
			}
			sizes = append(sizes, n)
		}
	}
	var (
		mu      sync.Mutex
		results = map[string]backendRun{} // by "rows/backend"
	)
	for _, rows := range sizes {
		file := backendBenchFile(b, rows)
		for _, backend := range storetest.Backends() {
			b.Run(fmt.Sprintf("rows=%d/%s", rows, backend), func(b *testing.B) {
				var r backendRun
				for range b.N { // the timer runs for the load and the refresh only
					r = runOnBackend(b, backend, file, rows)
				}
				b.ReportMetric(r.load.Seconds(), "load-s")
				b.ReportMetric(r.refresh.Seconds(), "refresh-s")
				mu.Lock()
				results[fmt.Sprintf("%d/%s", rows, backend)] = r
				mu.Unlock()
			})
		}
	}
	var t strings.Builder
	fmt.Fprintf(&t, "load and full refresh (load average %s, 2 cores):\n", cputime.LoadAverage())
	fmt.Fprintf(&t, "%10s  %-8s  %8s  %6s  %9s  %6s\n", "usage rows", "backend", "load s", "×emb", "refresh s", "×emb")
	for _, rows := range sizes {
		emb, ok := results[fmt.Sprintf("%d/%s", rows, storetest.Embedded)]
		for _, backend := range storetest.Backends() {
			r, done := results[fmt.Sprintf("%d/%s", rows, backend)]
			if !done {
				continue
			}
			ratio := func(x, base time.Duration) string {
				if !ok || base == 0 {
					return "-"
				}
				return fmt.Sprintf("%.2f", x.Seconds()/base.Seconds())
			}
			fmt.Fprintf(&t, "%10d  %-8s  %8.1f  %6s  %9.2f  %6s\n", rows, backend, r.load.Seconds(), ratio(r.load, emb.load),
				r.refresh.Seconds(), ratio(r.refresh, emb.refresh))
			for _, sh := range r.shards {
				fmt.Fprintf(&t, "%10s  shard %d (%s): holds %d usage rows; the refresh's queries there read %d rows of usage_local, %d rows in all\n",
					"", sh.shard, sh.addr, sh.holds, sh.readUsage, sh.readAll)
			}
		}
	}
	// On standard output, as the benchmark lines are: b.Log would show it only with -v.
	fmt.Print(t.String())
}

// backendRun is what one load and refresh on a backend took.
type backendRun struct {
	load, refresh time.Duration
	shards        []shardReads
}

type shardReads struct {
	shard              int
	addr               string
	holds              int64 // usage rows on the shard
	readUsage, readAll int64 // rows the refresh's queries read there
}

// runOnBackend loads the demo's small kinds (untimed), then the usage file, then runs
// a full refresh, on a fresh store of the backend.
func runOnBackend(b *testing.B, backend, file string, rows int) backendRun {
	b.StopTimer()
	ctx := context.Background()
	var s store.Store
	var cluster *storetest.Backend
	db := storetest.DatabaseName(b)
	if backend == storetest.Embedded {
		s = storetest.NewOn(b, backend)
	} else {
		srv := storetest.Start(b, backend)
		srv.CreateDatabase(b, db)
		var err error
		if s, err = store.Open(ctx, srv.Config(db)); err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		if backend == storetest.Cluster {
			cluster = srv
		}
	}
	loadDemo(b, ctx, s, func(kind string) bool { return kind != "usage" })
	loader := &ingest.Loader{Store: s}
	b.StartTimer()
	start := time.Now()
	res, err := ingest.Run(ctx, loader, "bench", []string{file}, "usage")
	var r backendRun
	r.load = time.Since(start)
	if err != nil || res[0].Status != "loaded" || res[0].Loaded != int64(rows) {
		b.Fatalf("load on %s: %v %+v", backend, err, res)
	}
	cat := catalogue.Default()
	refreshStart := time.Now()
	if _, err := metrics.Run(ctx, s, cat); err != nil {
		b.Fatalf("refresh on %s: %v", backend, err)
	}
	r.refresh = time.Since(refreshStart)
	b.StopTimer()
	if cluster != nil {
		// The initiator reads its own shard in the query itself; a refresh more,
		// untimed, with that part sent over TCP too (prefer_localhost_replica = 0),
		// shows each shard's work as queries of its own in its query log.
		cfg := cluster.Config(db)
		cfg.DSN += "?prefer_localhost_replica=0"
		apart, err := store.Open(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		defer apart.Close()
		from := time.Now()
		if _, err := metrics.Run(ctx, apart, cat); err != nil {
			b.Fatalf("refresh on %s: %v", backend, err)
		}
		r.shards = shardReadsOf(b, cluster, db, from, time.Now())
	}
	return r
}

// shardReadsOf asks each host of the cluster how many usage rows it holds and how
// many rows the queries it ran for the initiator (its share of the Distributed
// queries) read between from and to.
func shardReadsOf(b *testing.B, c *storetest.Backend, db string, from, to time.Time) []shardReads {
	ctx := context.Background()
	time.Sleep(1500 * time.Millisecond) // the query log is flushed every second
	var out []shardReads
	for i, host := range c.Hosts {
		conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{host}, Auth: clickhouse.Auth{Database: db}})
		if err != nil {
			b.Fatal(err)
		}
		sh := shardReads{shard: i + 1, addr: host}
		var holds uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM usage_local").Scan(&holds); err != nil {
			b.Fatal(err)
		}
		sh.holds = int64(holds)
		if err := conn.Exec(ctx, "SYSTEM FLUSH LOGS"); err != nil {
			b.Fatal(err)
		}
		var usage, all uint64
		err = conn.QueryRow(ctx, `SELECT sumIf(read_rows, has(tables, {local:String})), sum(read_rows) FROM system.query_log
WHERE type = 'QueryFinish' AND NOT is_initial_query AND has(databases, {db:String})
  AND event_time_microseconds BETWEEN {from:DateTime64(6)} AND {to:DateTime64(6)}`,
			clickhouse.Named("local", db+".usage_local"), clickhouse.Named("db", db),
			clickhouse.Named("from", from.UTC().Format("2006-01-02 15:04:05.000000")), clickhouse.Named("to", to.UTC().Format("2006-01-02 15:04:05.000000"))).Scan(&usage, &all)
		conn.Close()
		if err != nil {
			b.Fatal(err)
		}
		sh.readUsage, sh.readAll = int64(usage), int64(all)
		out = append(out, sh)
	}
	return out
}

// backendBenchFile is a usage CSV of n rows, made once and kept in $TMPDIR/kovmon-bench:
// unique event ids, 2016–2021, every code of the real registry in turn, the
// contract's channels and events.
func backendBenchFile(b *testing.B, n int) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "kovmon-bench")
	path := filepath.Join(dir, fmt.Sprintf("backends-usage-%d.csv", n))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	reg, err := os.Open(refdata.Path(refdata.Municipalities))
	if err != nil {
		b.Fatal(err)
	}
	recs, err := csv.NewReader(reg).ReadAll()
	reg.Close()
	if err != nil {
		b.Fatal(err)
	}
	var codes []string
	for _, rec := range recs[1:] {
		codes = append(codes, rec[0])
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		b.Fatal(err)
	}
	defer os.Remove(tmp)
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("event_id,event_time,ehak_code,system,service_code,channel,event,session_id,user_hash,duration_ms\n")
	channels := []string{"web", "portal", "email", "xroad", "paper", "office", "phone"}
	events := []string{"view", "start", "submit", "decision", "notification"}
	systems := []string{"KOVTP", "VOLIS", "RPIS", "KOVMEN", "STAR", "DHS"}
	start := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	span := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC).Unix() - start
	for i := range n {
		h := uint64(i)*0x9E3779B97F4A7C15 + 1
		at := time.Unix(start+int64(h>>20)%span, 0).UTC().Format(time.RFC3339)
		fmt.Fprintf(w, "b%015x,%s,%s,%s,S%03d,%s,%s,s%x,,%d\n", h, at, codes[i%len(codes)], systems[(h>>8)%6],
			(h>>12)%80, channels[(h>>16)%7], events[(h>>24)%5], h>>40, (h>>28)%600000)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}
