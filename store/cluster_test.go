package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"ee/kovmon/internal/chserver"
	"ee/kovmon/store"
	"ee/kovmon/store/storetest"
)

// Every backend prints every type as the embedded engine does: a server's values come
// through the native protocol as Go values, and are printed back as ClickHouse prints
// them (the DateTime64 of a server once came back without its .000).
func TestContractSameTextOnEveryBackend(t *testing.T) {
	queries := []string{
		`SELECT arrayJoin([0.1, 45.6, 100, 1e6, 123456789, 1e15, 1e20, 1e21, 1.5e22, 1e-6, 1e-7, 1.5e-7, 3e-5, -2.5, 1/3, 2/3, 0, -0.0, inf, -inf, nan]) AS f,
		        toFloat32(f) AS f32, toNullable(f) AS nf ORDER BY f`,
		`SELECT toDate('2018-01-31') AS d, toDate32('1969-07-20') AS d32, toDateTime('2016-01-01 00:00:00', 'UTC') AS midnight,
		        toDateTime64('2017-12-31 22:30:00', 3, 'UTC') AS ms, toDateTime64('2017-12-31 22:30:00.5', 6, 'Europe/Tallinn') AS us,
		        toNullable(toDateTime64('2016-01-01 00:00:00', 3, 'UTC')) AS nms, CAST(NULL AS Nullable(DateTime64(3))) AS none`,
		`SELECT ['a', 'b''c', 'tab\there'] AS strings, [1, 2, 3] AS ints, [toDate('2018-01-01')] AS dates, true AS yes, false AS no,
		        toUInt64(18446744073709551615) AS big, toInt8(-5) AS small, toDecimal64(3.14159, 3) AS dec,
		        toUUID('00000000-0000-0000-0000-000000000001') AS id, toFixedString('abc', 3) AS fixed, toLowCardinality('lc') AS lc,
		        CAST('yes', 'Enum8(\'no\' = 0, \'yes\' = 1)') AS e`,
	}
	stores := map[string]store.Store{}
	for _, b := range storetest.Backends() {
		stores[b] = storetest.NewOn(t, b)
	}
	ctx := context.Background()
	for _, q := range queries {
		want, err := stores[storetest.Embedded].Query(ctx, q, nil)
		if err != nil {
			t.Fatal(err)
		}
		for b, s := range stores {
			got, err := s.Query(ctx, q, nil)
			if err != nil {
				t.Fatalf("%s: %v", b, err)
			}
			if strings.Join(got.Columns, ",") != strings.Join(want.Columns, ",") || len(got.Rows) != len(want.Rows) {
				t.Fatalf("%s: columns %v, %d rows; the embedded engine %v, %d rows", b, got.Columns, len(got.Rows), want.Columns, len(want.Rows))
			}
			for i := range want.Rows {
				for j := range want.Rows[i] {
					if got.Rows[i][j] != want.Rows[i][j] {
						t.Errorf("%s: row %d %s = %q, the embedded engine prints %q", b, i, want.Columns[j], got.Rows[i][j], want.Rows[i][j])
					}
				}
			}
		}
	}
}

// On the cluster, a reference table written through the store is complete on every
// host, and a measurement table's rows are spread over the shards by their code, each
// row on one shard; the Distributed table reads them all.
func TestClusterTablesAreWhereTheyBelong(t *testing.T) {
	ctx := context.Background()
	b := storetest.Start(t, storetest.Cluster)
	s, db := b.New(t)
	if store.ClusterModeOf(s) != store.ClusterPlain {
		t.Fatalf("mode %q: the test cluster has no Keeper", store.ClusterModeOf(s))
	}
	if d := s.Describe(); !strings.Contains(d, "without Keeper") || !strings.Contains(d, "2 shards") {
		t.Errorf("Describe %q does not say the cluster's mode and shards", d)
	}
	var attribution []byte
	for _, code := range []string{"0784", "0296", "0345", "0901", "0624", "0510"} {
		attribution = store.AppendTSVRow(attribution, "asof", "2018", "2018-12-31", code, code)
	}
	if err := s.InsertTSV(ctx, "attribution", []string{"boundaries", "year", "boundary_date", "ehak_code", "unit_code"}, attribution); err != nil {
		t.Fatal(err)
	}
	var usage []byte
	for _, code := range []string{"0784", "0296", "0345", "0901", "0624", "0510"} {
		for n := range 10 {
			usage = store.AppendTSVRow(usage, code+"-"+string(rune('a'+n)), "2018-05-01 10:00:00.000", "2018", code, "s", "x", "web", "submit", "", "", store.Null, "f", "r", "1")
		}
	}
	if err := s.InsertTSV(ctx, "usage", []string{"event_id", "event_time", "year", "ehak_code", "system", "service_code", "channel", "event",
		"session_id", "user_hash", "duration_ms", "file_id", "run_id", "line"}, usage); err != nil {
		t.Fatal(err)
	}
	total := 0
	codesSeen := map[string]int{}
	for i, host := range b.Hosts {
		h := openHost(t, host, db)
		if n := count(t, h, "SELECT count() FROM attribution"); n != 6 {
			t.Errorf("host %d (%s) has %d attribution rows, want all 6", i+1, host, n)
		}
		res, err := h.Query(ctx, "SELECT ehak_code, count() FROM usage_local GROUP BY ehak_code", nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range res.Rows {
			codesSeen[row[0]]++
			if row[1] != "10" {
				t.Errorf("host %d holds %s rows of %s: a code's rows belong on one shard", i+1, row[1], row[0])
			}
			total += 10
		}
		if len(res.Rows) == 0 {
			t.Errorf("host %d holds no usage row: the rows were not spread", i+1)
		}
	}
	for code, n := range codesSeen {
		if n != 1 {
			t.Errorf("code %s is on %d shards", code, n)
		}
	}
	if total != 60 || count(t, s, "SELECT count() FROM usage") != 60 {
		t.Errorf("shards hold %d rows, the Distributed table reads %d; want 60 each", total, count(t, s, "SELECT count() FROM usage"))
	}
}

// A reference table whose copy on a host went wrong (a host down during a registry
// load) is copied again from the first host when the store is next opened.
func TestClusterRepairsAReferenceCopy(t *testing.T) {
	ctx := context.Background()
	b := storetest.Start(t, storetest.Cluster)
	s, db := b.New(t)
	if err := s.InsertTSV(ctx, "mergers", []string{"old_ehak_code", "new_ehak_code", "effective_date", "area_share", "file_id", "run_id"},
		store.AppendTSVRow(nil, "0001", "0002", "2017-10-22", "1", "f", "r")); err != nil {
		t.Fatal(err)
	}
	second := openHost(t, b.Hosts[1], db)
	if err := second.Exec(ctx, "TRUNCATE TABLE mergers", nil); err != nil {
		t.Fatal(err)
	}
	reopened, err := store.Open(ctx, b.Config(db))
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	if n := count(t, second, "SELECT count() FROM mergers"); n != 1 {
		t.Fatalf("the second host's mergers have %d rows after reopening, want the first host's 1", n)
	}
}

// Through any host: kovmon talking to the second host writes the reference tables on
// the first and copies them, and empties them on every host; no host ends with the
// rows twice or with none.
func TestClusterThroughTheSecondHost(t *testing.T) {
	ctx := context.Background()
	b := storetest.Start(t, storetest.Cluster)
	_, db := b.New(t)
	cfg := b.Config(db)
	cfg.DSN = "clickhouse://" + b.Hosts[1] + "/" + db
	s, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	columns := []string{"boundaries", "year", "boundary_date", "ehak_code", "unit_code"}
	rows := store.AppendTSVRow(store.AppendTSVRow(nil, "asof", "2018", "2018-12-31", "0784", "0784"), "asof", "2018", "2018-12-31", "0296", "0296")
	for range 2 { // as the registry rewrites the attribution: emptied, then written
		if err := s.Exec(ctx, store.TruncateStatement(s, "attribution"), nil); err != nil {
			t.Fatal(err)
		}
		if err := s.InsertTSV(ctx, "attribution", columns, rows); err != nil {
			t.Fatal(err)
		}
	}
	for i, host := range b.Hosts {
		if n := count(t, openHost(t, host, db), "SELECT count() FROM attribution"); n != 2 {
			t.Errorf("host %d has %d attribution rows, want 2", i+1, n)
		}
	}
}

// What a user gets wrong, told in one line that says what to fix. Each case has a
// server of its own: the embedded engine's server mode breaks after it refuses a
// handshake (the next connections are reset, and it may abort).
func TestServerConfigurationMistakes(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name string
		cfg  func(host string) store.Config
		want []string
	}{
		{"unknown cluster", func(host string) store.Config {
			return store.Config{DSN: "clickhouse://" + host + "/default", Cluster: "no_such_cluster"}
		}, []string{`no cluster "no_such_cluster"`, "mistakes", "--cluster"}},
		{"missing database", func(host string) store.Config { return store.Config{DSN: "clickhouse://" + host + "/no_such_db"} },
			[]string{`"no_such_db" does not exist`, "CREATE DATABASE"}},
		{"wrong password", func(host string) store.Config {
			return store.Config{DSN: "clickhouse://default:secret@" + host + "/default"}
		},
			[]string{"wrong user name or password", `"default"`, "--clickhouse"}},
		{"keeper without Keeper", func(host string) store.Config {
			return store.Config{DSN: "clickhouse://" + host + "/default", Cluster: "mistakes", ClusterMode: store.ClusterKeeper}
		}, []string{"no Keeper", "--cluster-mode plain"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			set, err := chserver.Start(chserver.Options{Servers: 1, Cluster: "mistakes"})
			if err != nil {
				t.Fatal(err)
			}
			defer set.Stop()
			host := set.Servers[0].Addr()
			s, err := store.Open(ctx, c.cfg(host))
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") || strings.Contains(msg, "secret") {
				t.Errorf("%q is more than one line, or shows the password", msg)
			}
			for _, w := range append(c.want, host) {
				if !strings.Contains(msg, w) {
					t.Errorf("%q does not say %q", msg, w)
				}
			}
		})
	}
}

// One shard down: a query over the Distributed tables fails, naming the shard, and is
// never answered from the shard that is up; the store does not even open.
func TestClusterShardDown(t *testing.T) {
	ctx := context.Background()
	set, err := chserver.Start(chserver.Options{Servers: 2, Cluster: "down_test"})
	if err != nil {
		t.Fatal(err)
	}
	defer set.Stop()
	b := &storetest.Backend{Name: "cluster", Cluster: "down_test", Set: set, Hosts: []string{set.Servers[0].Addr(), set.Servers[1].Addr()}}
	b.CreateDatabase(t, "kovmon")
	s, err := store.Open(ctx, b.Config("kovmon"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var rows []byte
	for _, code := range []string{"0784", "0296", "0345", "0901"} {
		rows = store.AppendTSVRow(rows, "r1", "asof", "I.4", "2018", "municipality", code, "n", "37", "city", "0.5", "1", "2", store.Null, store.Null, "", "", store.Null, store.Null, "1")
	}
	if err := s.InsertTSV(ctx, "indicator_values", []string{"refresh_id", "boundaries", "indicator_id", "year", "level", "ehak_code", "name", "county_code", "unit_type",
		"value", "numerator", "denominator", "coverage", "target", "status", "flags", "ci_low", "ci_high", "catalogue_version"}, rows); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "SELECT count() FROM indicator_values"); n != 4 {
		t.Fatalf("%d rows before the shard went down", n)
	}
	set.Servers[1].Kill()
	down := set.Servers[1].Addr()
	_, err = s.Query(ctx, "SELECT count() FROM indicator_values", nil)
	if err == nil || !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "shard 2 ("+down+")") {
		t.Fatalf("query with shard 2 down: %v; want an error naming shard 2 (%s)", err, down)
	}
	if err := s.Ping(ctx); err == nil || !strings.Contains(err.Error(), down) {
		t.Errorf("Ping with shard 2 down: %v", err)
	}
	if s2, err := store.Open(ctx, b.Config("kovmon")); err == nil || !strings.Contains(err.Error(), "shard 2 ("+down+")") {
		if s2 != nil {
			s2.Close()
		}
		t.Errorf("open with shard 2 down: %v", err)
	}
}

// openHost is a plain server store on one host of the cluster, to look at its own
// tables.
func openHost(t *testing.T, host, db string) store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), store.Config{DSN: "clickhouse://" + host + "/" + db})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func count(t *testing.T, s store.Store, query string) int {
	t.Helper()
	res, err := s.Query(context.Background(), query, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range res.Rows[0][0] {
		n = n*10 + int(c-'0')
	}
	return n
}
