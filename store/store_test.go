package store_test

import (
	"context"
	"errors"
	"flag"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"ee/kovmon/internal/golden"
	kovsql "ee/kovmon/sql"
	"ee/kovmon/store"
	"ee/kovmon/store/storetest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// The contract every backend must keep, run on each: the embedded engine, a server,
// a two-shard cluster.
func TestContractRoundTrip(t *testing.T) {
	storetest.Each(t, testRoundTrip)
}

func testRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.Exec(ctx, `CREATE TABLE kinds (k String, n Nullable(UInt32), d Date, ts DateTime64(3, 'UTC'), f Float64, b Bool) ENGINE = MergeTree ORDER BY k`, nil); err != nil {
		t.Fatal(err)
	}
	var tsv []byte
	tsv = store.EscapeTSV(tsv, "tab\there\nnewline \\ back")
	tsv = append(tsv, "\t7\t2018-01-31\t2017-12-31 22:30:00.000\t45.6\ttrue\n"...)
	tsv = append(tsv, "plain\t\\N\t2016-12-31\t2016-01-01 00:00:00.500\t0.1\tfalse\n"...)
	if err := s.InsertTSV(ctx, "kinds", []string{"k", "n", "d", "ts", "f", "b"}, tsv); err != nil {
		t.Fatal(err)
	}
	res, err := s.Query(ctx, "SELECT k, n, d, ts, f, b, toYear(toTimeZone(ts, 'Europe/Tallinn')) AS y FROM kinds ORDER BY k", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"plain", "", "2016-12-31", "2016-01-01 00:00:00.500", "0.1", "false", "2016"},
		{"tab\there\nnewline \\ back", "7", "2018-01-31", "2017-12-31 22:30:00.000", "45.6", "true", "2018"},
	}
	if strings.Join(res.Columns, ",") != "k,n,d,ts,f,b,y" {
		t.Fatalf("columns %v", res.Columns)
	}
	if len(res.Rows) != len(want) {
		t.Fatalf("rows %q, want %q", res.Rows, want)
	}
	for i := range want {
		if strings.Join(res.Rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d: %q, want %q", i, res.Rows[i], want[i])
		}
	}
}

func TestContractParametersAreBound(t *testing.T) {
	storetest.Each(t, testParametersAreBound)
}

func testParametersAreBound(t *testing.T, s store.Store) {
	ctx := context.Background()
	hostile := []string{"0784' OR 1=1 --", `x\'; DROP TABLE municipalities; --`, "tab\tand\nnewline", "{y:String}", ""}
	for _, v := range hostile {
		res, err := s.Query(ctx, "SELECT {v:String} AS v, {n:UInt16} AS n, has({list:Array(String)}, {v:String}) AS found",
			store.Params{"v": v, "n": 2018, "list": []string{"a", v}})
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		if got := res.Rows[0]; got[0] != v || got[1] != "2018" || got[2] != "1" {
			t.Errorf("bound %q came back as %q", v, got)
		}
	}
	if _, err := s.Query(ctx, "SELECT count() FROM municipalities", nil); err != nil {
		t.Fatalf("registry table gone after hostile parameters: %v", err)
	}
}

func TestContractEmptyResultHasColumns(t *testing.T) {
	storetest.Each(t, testEmptyResultHasColumns)
}

func testEmptyResultHasColumns(t *testing.T, s store.Store) {
	res, err := s.Query(context.Background(), "SELECT ehak_code, name FROM municipalities WHERE 0", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 0 || strings.Join(res.Columns, ",") != "ehak_code,name" {
		t.Fatalf("got %v %v", res.Columns, res.Rows)
	}
}

func TestContractQueryErrorNamesTheQuery(t *testing.T) {
	storetest.Each(t, testQueryErrorNamesTheQuery)
}

func testQueryErrorNamesTheQuery(t *testing.T, s store.Store) {
	_, err := s.Query(context.Background(), "SELECT no_such_column FROM municipalities", nil)
	if err == nil || !strings.Contains(err.Error(), "no_such_column") || !strings.Contains(err.Error(), "[query: SELECT") {
		t.Fatalf("error %v", err)
	}
}

func TestMigrationsApplyOnceAndAreRecorded(t *testing.T) {
	storetest.Each(t, testMigrationsApplyOnce)
}

func testMigrationsApplyOnce(t *testing.T, s store.Store) { // Open has migrated once
	ctx := context.Background()
	if err := store.Migrate(ctx, s); err != nil {
		t.Fatalf("second run: %v", err)
	}
	files, err := kovsql.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Query(ctx, "SELECT count(), uniqExact(version), max(version) FROM schema_migrations", nil)
	if err != nil {
		t.Fatal(err)
	}
	n := len(files)
	last := files[n-1].Version
	if got := res.Rows[0]; got[0] != strconv.Itoa(n) || got[1] != strconv.Itoa(n) || got[2] != strconv.Itoa(last) {
		t.Fatalf("schema_migrations count, distinct, max = %v; want %d, %d, %d", got, n, n, last)
	}
}

// The DDL of both cluster modes is pinned by golden files. A cluster with Keeper
// cannot run here (the test servers have none), so its golden file is its test; the
// plain mode's DDL also runs on the test cluster in every contract test.
func TestClusterDDLGolden(t *testing.T) {
	migrations, err := kovsql.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	for mode, file := range map[store.ClusterMode]string{store.ClusterKeeper: "cluster_ddl.golden.sql", store.ClusterPlain: "cluster_ddl_plain.golden.sql"} {
		var b strings.Builder
		for _, m := range migrations {
			b.WriteString("-- " + m.Name + "\n")
			for _, stmt := range kovsql.Statements(m.SQL) {
				for _, ddl := range store.ClusterDDL(stmt, "kovmon_cluster", mode) {
					b.WriteString(ddl + ";\n\n")
				}
			}
		}
		ddl := b.String()
		golden.Compare(t, filepath.Join("testdata", file), []byte(ddl), *update)
		distributed := strings.Count(ddl, "ENGINE = Distributed(")
		for table := range tablesOf(t, migrations) {
			key, sharded := store.ShardingKey(table)
			dist := "CREATE TABLE IF NOT EXISTS " + table + onCluster(mode) + " AS " + table + "_local\nENGINE = Distributed(`kovmon_cluster`, currentDatabase(), " + table + "_local, " + key + ")"
			if sharded != strings.Contains(ddl, dist) {
				t.Errorf("%s: table %s sharded %v, but its Distributed table is there: %v", mode, table, sharded, !sharded)
			}
			if !sharded && strings.Contains(ddl, table+"_local") {
				t.Errorf("%s: reference table %s got a local part", mode, table)
			}
		}
		if mode == store.ClusterKeeper && strings.Contains(ddl, "ENGINE = MergeTree") {
			t.Error("a plain MergeTree table was left in keeper mode")
		}
		if mode == store.ClusterPlain && (strings.Contains(ddl, "Replicated") || strings.Contains(ddl, "ON CLUSTER")) {
			t.Error("plain mode needs Keeper for a statement")
		}
		if distributed == 0 {
			t.Errorf("%s: no Distributed table", mode)
		}
	}
}

func onCluster(mode store.ClusterMode) string {
	if mode == store.ClusterKeeper {
		return " ON CLUSTER `kovmon_cluster`"
	}
	return ""
}

// tablesOf lists the tables the migrations create.
func tablesOf(t *testing.T, migrations []kovsql.Migration) map[string]bool {
	tables := map[string]bool{}
	create := regexp.MustCompile(`(?i)^\s*CREATE TABLE IF NOT EXISTS\s+(\w+)`)
	for _, m := range migrations {
		for _, stmt := range kovsql.Statements(m.SQL) {
			if c := create.FindStringSubmatch(stmt); c != nil {
				tables[c[1]] = true
			}
		}
	}
	if len(tables) < 10 {
		t.Fatalf("found only %d tables in the migrations", len(tables))
	}
	return tables
}

// Every measurement kind is sharded by the code its rows were recorded with (a shard
// answers for its municipalities); the registry, mergers, attribution and catalogue
// are reference tables, complete on every host.
func TestShardingOfTheSchema(t *testing.T) {
	for _, table := range []string{"usage", "feedback", "services", "audits", "survey_answers", "trainings"} {
		if key, ok := store.ShardingKey(table); !ok || key != "cityHash64(ehak_code)" {
			t.Errorf("%s: sharding key %q, %v", table, key, ok)
		}
	}
	for _, table := range []string{"municipalities", "mergers", "attribution", "catalogue_versions"} {
		if key, ok := store.ShardingKey(table); ok {
			t.Errorf("reference table %s is sharded by %s", table, key)
		}
	}
}

func TestClusterDDLLeavesSingleNodeTextAlone(t *testing.T) {
	stmt := "CREATE TABLE IF NOT EXISTS x (a String) ENGINE = MergeTree ORDER BY a"
	for _, mode := range []store.ClusterMode{store.ClusterKeeper, store.ClusterPlain} {
		if got := store.ClusterDDL(stmt, "", mode); len(got) != 1 || got[0] != stmt {
			t.Fatalf("got %q", got)
		}
	}
}

// A server that accepts a connection and never answers must not hang the command.
func TestServerThatDoesNotAnswer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // hold it open, say nothing
		}
	}()
	start := time.Now()
	_, err = store.Open(context.Background(), store.Config{DSN: "clickhouse://" + ln.Addr().String() + "/kovmon"})
	elapsed := time.Since(start)
	if err == nil || !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), ln.Addr().String()) {
		t.Fatalf("error %v: want one naming %s", err, ln.Addr())
	}
	if elapsed > 10*time.Second {
		t.Fatalf("took %s, want under 10 s", elapsed)
	}
}

func TestServerRefusingConnection(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	_, err := store.Open(context.Background(), store.Config{DSN: "clickhouse://" + addr + "/kovmon"})
	if err == nil || !strings.Contains(err.Error(), addr) {
		t.Fatalf("error %v: want one naming %s", err, addr)
	}
}

// A second process must get a clear error naming the holder, and the first process's
// store must be unharmed.
func TestSecondProcessOnSameDataFolder(t *testing.T) {
	if os.Getenv("KOVMON_TEST_CLICKHOUSE") != "" {
		t.Skip("embedded engine only") // the server contract does not have data folders
	}
	if dir := os.Getenv("KOVMON_LOCK_CHILD"); dir != "" {
		_, err := store.Open(context.Background(), store.Config{DataDir: dir})
		if err == nil {
			os.Stdout.WriteString("opened\n")
			os.Exit(0)
		}
		os.Stdout.WriteString(err.Error() + "\n")
		os.Exit(3)
	}
	s := storetest.New(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestSecondProcessOnSameDataFolder$")
	cmd.Env = append(os.Environ(), "KOVMON_LOCK_CHILD="+storetest.DataDir())
	out, err := cmd.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("child: %v, output %q", err, out)
	}
	msg := string(out)
	if !strings.Contains(msg, "in use by process "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("message %q does not name this process (%d)", msg, os.Getpid())
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("first process's store broken: %v", err)
	}
}

// The statements that empty a table on every host: ON CLUSTER for a sharded table with
// Keeper (a reference table's truncation replicates by itself), the local parts on each
// host without (the store sends them to every host).
func TestTruncateOnEveryHost(t *testing.T) {
	for _, c := range []struct {
		s           store.Store
		table, want string
	}{
		{storetest.New(t), "usage", "TRUNCATE TABLE usage"},
		{store.ClusterForText("kov", store.ClusterKeeper), "usage", "TRUNCATE TABLE usage_local ON CLUSTER `kov`"},
		{store.ClusterForText("kov", store.ClusterKeeper), "attribution", "TRUNCATE TABLE attribution"},
		{store.ClusterForText("kov", store.ClusterPlain), "usage", "TRUNCATE TABLE usage_local"},
		{store.ClusterForText("kov", store.ClusterPlain), "attribution", "TRUNCATE TABLE attribution"},
	} {
		if got := store.TruncateStatement(c.s, c.table); got != c.want {
			t.Errorf("%s on %s: %q, want %q", c.table, store.ClusterModeOf(c.s), got, c.want)
		}
	}
}

// The statements a cluster store sends to every host, or to the first and then copies,
// are known by the table they write.
func TestTableWritten(t *testing.T) {
	for stmt, want := range map[string]string{
		"TRUNCATE TABLE attribution":                                "attribution",
		"TRUNCATE TABLE IF EXISTS attribution":                      "attribution",
		"truncate attribution":                                      "attribution",
		"TRUNCATE TABLE usage_local ON CLUSTER `kov`":               "usage_local",
		"INSERT INTO mergers (a, b) FORMAT TabSeparated\n1\t2":      "mergers",
		"-- Store a catalogue.\nINSERT INTO catalogue_versions (x)": "catalogue_versions",
		"INSERT INTO `municipalities` VALUES":                       "municipalities",
		"ALTER TABLE indicator_values_local DROP PARTITION ID 'x'":  "indicator_values_local",
		"  OPTIMIZE TABLE attribution FINAL":                        "attribution",
		"DELETE FROM sessions WHERE 1":                              "sessions",
		"SELECT * FROM attribution":                                 "",
		"CREATE TABLE stage_x AS usage_local":                       "",
		"INSERT INTO FUNCTION file('x') SELECT 1":                   "FUNCTION",
	} {
		if got := store.TableWritten(stmt); got != want {
			t.Errorf("%q: %q, want %q", stmt, got, want)
		}
	}
}
