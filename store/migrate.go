package store

import (
	"context"
	"fmt"
	"strings"
	"sync"

	kovsql "ee/kovmon/sql"
)

const migrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    UInt32,
    name       String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = MergeTree
ORDER BY version`

// Migrate applies the schema files that the store has not recorded yet, in order, and
// records each. Running it again changes nothing. On a cluster the statements are
// those of ClusterDDL: once, ON CLUSTER, with Keeper; on every host in turn, each
// keeping its own record, without.
func Migrate(ctx context.Context, s Store) error {
	c := clusterOf(s)
	switch {
	case c == nil:
		return migrate(ctx, s, "", "")
	case c.mode == ClusterKeeper:
		err := migrate(ctx, c.server, c.name, c.mode)
		if err != nil && strings.Contains(err.Error(), "Replicated DDL queries are disabled") {
			return fmt.Errorf("%w: cluster %s of ClickHouse server %s has no Keeper for ON CLUSTER DDL; --cluster-mode plain (or auto) makes the tables on each host: %v",
				ErrUnavailable, c.name, c.addr, shortError(err))
		}
		return err
	}
	// The hosts are independent: migrate them at once.
	errs := make([]error, len(c.hosts))
	var wg sync.WaitGroup
	for i, h := range c.hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			host, err := c.hostServer(ctx, h)
			if err == nil {
				err = migrate(ctx, host, c.name, c.mode)
			}
			if err != nil {
				errs[i] = fmt.Errorf("%s of cluster %s: %w", h, c.name, err)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func migrate(ctx context.Context, s Store, cluster string, mode ClusterMode) error {
	migrations, err := kovsql.Migrations()
	if err != nil {
		return err
	}
	for _, stmt := range ClusterDDL(migrationsTable, cluster, mode) {
		if err := s.Exec(ctx, stmt, nil); err != nil {
			return fmt.Errorf("schema: %w", err)
		}
	}
	res, err := s.Query(ctx, "SELECT version FROM schema_migrations ORDER BY version", nil)
	if err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	versions, err := Scan[struct {
		Version int `ch:"version"`
	}](res, "schema_migrations")
	if err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	applied := map[int]bool{}
	for _, v := range versions {
		applied[v.Version] = true
	}
	for _, m := range migrations {
		if applied[m.Version] {
			continue
		}
		for _, stmt := range kovsql.Statements(m.SQL) {
			for _, ddl := range ClusterDDL(stmt, cluster, mode) {
				if err := s.Exec(ctx, ddl, nil); err != nil {
					return fmt.Errorf("schema migration %s: %w", m.Name, err)
				}
			}
		}
		err := s.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ({v:UInt32}, {n:String})",
			Params{"v": m.Version, "n": m.Name})
		if err != nil {
			return fmt.Errorf("schema migration %s: %w", m.Name, err)
		}
	}
	return nil
}

func quoteIdent(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}
