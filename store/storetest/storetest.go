// Package storetest gives tests a real store: the embedded engine by default, or the
// ClickHouse server that KOVMON_TEST_CLICKHOUSE names (a DSN). Each call gets a fresh,
// empty database with the schema applied, so tests do not see each other's rows.
package storetest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"ee/kovmon/store"
)

var (
	dataOnce sync.Once
	dataDir  string
	dataErr  error
	counter  atomic.Int64
)

// New returns a store with a fresh database, dropped when the test ends.
func New(t testing.TB) store.Store {
	t.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("t_%s_%d_%d", sanitize(t.Name()), os.Getpid(), counter.Add(1))
	if dsn := os.Getenv("KOVMON_TEST_CLICKHOUSE"); dsn != "" {
		return newServer(t, dsn, name)
	}
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

// DataDir is the embedded engine's folder of this test process ("" before New).
func DataDir() string { return dataDir }

func newServer(t testing.TB, dsn, name string) store.Store {
	ctx := context.Background()
	admin, err := store.Open(ctx, store.Config{DSN: dsn})
	if err != nil {
		t.Fatalf("KOVMON_TEST_CLICKHOUSE: %v", err)
	}
	defer admin.Close()
	if err := admin.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+name, nil); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	s, err := store.Open(ctx, store.Config{DSN: u.String()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Exec(ctx, "DROP DATABASE IF EXISTS "+name, nil)
		s.Close()
	})
	return s
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9_]`)

func sanitize(s string) string {
	s = unsafeChars.ReplaceAllString(s, "_")
	if len(s) > 40 {
		s = s[:40]
	}
	return strings.Trim(s, "_")
}
