// Package storetest gives tests a real store, on each of kovmon's three backends: the
// embedded engine, a ClickHouse server, and a two-shard ClickHouse cluster without
// Keeper. The server and the cluster are the embedded engine serving as ClickHouse
// (internal/chserver), started by the test binary itself on first use and stopped
// when it ends; each test gets a fresh, empty database with the schema applied, so
// tests do not see each other's rows.
//
// A package that uses the server backends runs its tests through Main:
//
//	func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }
//
// KOVMON_TEST_BACKENDS (comma-separated: embedded, server, cluster) narrows Each to
// some backends; KOVMON_TEST_CLICKHOUSE names an outside server (a DSN) to use as the
// server backend instead of a started one.
package storetest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"

	"ee/kovmon/internal/chserver"
	"ee/kovmon/store"
)

// The backends.
const (
	Embedded = "embedded"
	Server   = "server"
	Cluster  = "cluster"
)

// ClusterName is the test cluster's name in its servers' remote_servers.
const ClusterName = "kovmon_test"

// queryLog keeps the servers' query log, which the benchmarks read (rows read per
// shard); flushed every second.
const queryLog = `  <query_log><database>system</database><table>query_log</table><flush_interval_milliseconds>1000</flush_interval_milliseconds></query_log>
`

var (
	mainCalled bool
	counter    atomic.Int64

	dataOnce sync.Once
	dataDir  string
	dataErr  error

	setsMu sync.Mutex
	sets   = map[string]*chserver.Set{}
)

// Main runs the package's tests (m.Run), and is the ClickHouse server instead when the
// test binary was started as one. It stops the servers it started when the tests end.
func Main(m interface{ Run() int }) int {
	chserver.ServeIfChild()
	mainCalled = true
	code := m.Run()
	setsMu.Lock()
	for _, set := range sets {
		set.Stop()
	}
	setsMu.Unlock()
	if dataDir != "" {
		os.RemoveAll(dataDir)
	}
	return code
}

// Backends lists the backends Each runs on: all three, or those KOVMON_TEST_BACKENDS
// names.
func Backends() []string {
	all := []string{Embedded, Server, Cluster}
	env := os.Getenv("KOVMON_TEST_BACKENDS")
	if env == "" {
		return all
	}
	var out []string
	for _, b := range strings.Split(env, ",") {
		if b = strings.TrimSpace(b); slices.Contains(all, b) {
			out = append(out, b)
		}
	}
	return out
}

// Each runs fn on every backend, each in a subtest of its own (named after it) with a
// store of its own, the backends in parallel.
func Each(t *testing.T, fn func(t *testing.T, s store.Store)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			fn(t, NewOn(t, b))
		})
	}
}

// New returns a store with a fresh database, dropped when the test ends: on the
// embedded engine, or on the server KOVMON_TEST_CLICKHOUSE names.
func New(t testing.TB) store.Store {
	t.Helper()
	if os.Getenv("KOVMON_TEST_CLICKHOUSE") != "" {
		return NewOn(t, Server)
	}
	return NewOn(t, Embedded)
}

// NewOn returns a store with a fresh database on the backend, dropped when the test
// ends.
func NewOn(t testing.TB, backend string) store.Store {
	t.Helper()
	if backend == Embedded {
		ctx := context.Background()
		name := DatabaseName(t)
		dataOnce.Do(func() { dataDir, dataErr = os.MkdirTemp("", "kovmon-test-") })
		if dataErr != nil {
			t.Fatal(dataErr)
		}
		s, err := store.Open(ctx, store.Config{DataDir: dataDir, Database: name})
		if err != nil {
			t.Fatalf("open embedded store: %v", err)
		}
		t.Cleanup(func() {
			s.Exec(ctx, "DROP DATABASE IF EXISTS "+name, nil)
			s.Close()
		})
		return s
	}
	s, _ := Start(t, backend).New(t)
	return s
}

// New opens a store on a fresh database of the backend, dropped when the test ends,
// and returns it with the database's name.
func (b *Backend) New(t testing.TB) (store.Store, string) {
	t.Helper()
	name := DatabaseName(t)
	b.CreateDatabase(t, name)
	s, err := store.Open(context.Background(), b.Config(name))
	if err != nil {
		t.Fatalf("open %s store: %v", b.Name, err)
	}
	t.Cleanup(func() { s.Close() })
	return s, name
}

// DatabaseName is a fresh database name for the test.
func DatabaseName(t testing.TB) string {
	return fmt.Sprintf("t_%s_%d_%d", sanitize(t.Name()), os.Getpid(), counter.Add(1))
}

// DataDir is the embedded engine's folder of this test process ("" before New).
func DataDir() string { return dataDir }

// Backend is a running server backend: one server, or the hosts of the cluster.
type Backend struct {
	Name    string
	Cluster string   // the cluster's name, "" for one server
	Hosts   []string // host:port of each server (the cluster's in shard order)
	Set     *chserver.Set
	// dsn is KOVMON_TEST_CLICKHOUSE's server, when it stands for the started one.
	dsn *url.URL
}

// Start returns the backend's servers (server or cluster), started on first use and
// shared by the test binary's tests.
func Start(t testing.TB, backend string) *Backend {
	t.Helper()
	if backend == Server {
		if dsn := os.Getenv("KOVMON_TEST_CLICKHOUSE"); dsn != "" {
			u, err := url.Parse(dsn)
			if err != nil {
				t.Fatalf("KOVMON_TEST_CLICKHOUSE: %v", err)
			}
			return &Backend{Name: Server, Hosts: []string{u.Host}, dsn: u}
		}
	}
	if !mainCalled {
		t.Fatalf("the %s backend starts servers: the package's TestMain must run storetest.Main", backend)
	}
	opts := chserver.Options{Servers: 1, Config: queryLog}
	if backend == Cluster {
		opts = chserver.Options{Servers: 2, Cluster: ClusterName, Config: queryLog}
	} else if backend != Server {
		t.Fatalf("unknown backend %q", backend)
	}
	setsMu.Lock()
	defer setsMu.Unlock()
	set := sets[backend]
	if set == nil {
		var err error
		if set, err = chserver.Start(opts); err != nil {
			t.Fatalf("start the %s backend: %v", backend, err)
		}
		sets[backend] = set
	}
	b := &Backend{Name: backend, Cluster: set.Cluster, Set: set}
	for _, srv := range set.Servers {
		b.Hosts = append(b.Hosts, srv.Addr())
	}
	return b
}

// DSN names the database on the backend's first host.
func (b *Backend) DSN(database string) string {
	if b.dsn != nil {
		u := *b.dsn
		u.Path = "/" + database
		return u.String()
	}
	return "clickhouse://" + b.Hosts[0] + "/" + database
}

// Config opens the database on the backend.
func (b *Backend) Config(database string) store.Config {
	return store.Config{DSN: b.DSN(database), Cluster: b.Cluster}
}

// CreateDatabase creates the database on every host, dropped when the test ends.
func (b *Backend) CreateDatabase(t testing.TB, name string) {
	t.Helper()
	ctx := context.Background()
	for _, host := range b.Hosts {
		opts := &clickhouse.Options{Addr: []string{host}}
		if b.dsn != nil {
			var err error
			if opts, err = clickhouse.ParseDSN(b.DSN("default")); err != nil {
				t.Fatal(err)
			}
		}
		admin, err := clickhouse.Open(opts)
		if err != nil {
			t.Fatalf("%s backend: %v", b.Name, err)
		}
		if err := admin.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+name); err != nil {
			admin.Close()
			t.Fatalf("%s backend %s: %v", b.Name, host, err)
		}
		t.Cleanup(func() {
			admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" SYNC")
			admin.Close()
		})
	}
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9_]`)

func sanitize(s string) string {
	s = unsafeChars.ReplaceAllString(s, "_")
	if len(s) > 40 {
		s = s[:40]
	}
	return strings.Trim(s, "_")
}
