package store

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	kovsql "ee/kovmon/sql"
)

const migrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    UInt32,
    name       String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = MergeTree
ORDER BY version`

// Migrate applies the schema files that the store has not recorded yet, in order, and
// records each. Running it again changes nothing. With a cluster name, every table is
// created ON CLUSTER as a replicated table with a distributed table over it (see
// ClusterDDL).
func Migrate(ctx context.Context, s Store, cluster string) error {
	migrations, err := kovsql.Migrations()
	if err != nil {
		return err
	}
	for _, stmt := range ClusterDDL(migrationsTable, cluster) {
		if err := s.Exec(ctx, stmt, nil); err != nil {
			return fmt.Errorf("schema: %w", err)
		}
	}
	res, err := s.Query(ctx, "SELECT version FROM schema_migrations ORDER BY version", nil)
	if err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	applied := map[int]bool{}
	for _, row := range res.Rows {
		v, _ := strconv.Atoi(row[0])
		applied[v] = true
	}
	for _, m := range migrations {
		if applied[m.Version] {
			continue
		}
		for _, stmt := range kovsql.Statements(m.SQL) {
			for _, ddl := range ClusterDDL(stmt, cluster) {
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

var (
	createTable = regexp.MustCompile(`(?is)^\s*CREATE TABLE IF NOT EXISTS\s+(\w+)\s*(\(.*\))\s*ENGINE\s*=\s*(\w*)MergeTree(\s*\(([^)]*)\))?(.*)$`)
	alterTable  = regexp.MustCompile(`(?is)^\s*ALTER TABLE\s+(\w+)\s+(.*)$`)
	createView  = regexp.MustCompile(`(?is)^(\s*CREATE VIEW IF NOT EXISTS\s+\w+)(\s+AS\s.*)$`)
	dropView    = regexp.MustCompile(`(?is)^(\s*DROP VIEW IF EXISTS\s+\w+)\s*$`)
)

// ClusterDDL turns one statement of a migration into what runs on a cluster: a
// `CREATE TABLE t … ENGINE = XMergeTree` becomes the replicated table t_local on every
// node (ReplicatedXMergeTree, with the usual {shard}/{replica} macros) and the
// distributed table t over it, sharded at random (no query relies on where a row
// lives); an `ALTER TABLE t` runs on both; a view is created (and dropped, to be
// replaced) on every node (it reads the distributed tables). Without a cluster the statement is
// returned as it is — the embedded engine and a single server run the same text.
func ClusterDDL(stmt, cluster string) []string {
	if cluster == "" {
		return []string{stmt}
	}
	on := " ON CLUSTER " + quoteIdent(cluster)
	if m := createTable.FindStringSubmatch(stmt); m != nil {
		name, columns, variant, args, rest := m[1], m[2], m[3], strings.TrimSpace(m[5]), m[6]
		local := name + "_local"
		replicatedArgs := fmt.Sprintf("'/clickhouse/tables/{shard}/{database}/%s', '{replica}'", local)
		if args != "" {
			replicatedArgs += ", " + args
		}
		return []string{
			fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s%s %s\nENGINE = Replicated%sMergeTree(%s)%s", local, on, columns, variant, replicatedArgs, rest),
			fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s%s AS %s\nENGINE = Distributed(%s, currentDatabase(), %s, rand())", name, on, local, quoteIdent(cluster), local),
		}
	}
	if m := alterTable.FindStringSubmatch(stmt); m != nil {
		return []string{
			fmt.Sprintf("ALTER TABLE %s_local%s %s", m[1], on, m[2]),
			fmt.Sprintf("ALTER TABLE %s%s %s", m[1], on, m[2]),
		}
	}
	if m := createView.FindStringSubmatch(stmt); m != nil {
		return []string{m[1] + on + m[2]}
	}
	if m := dropView.FindStringSubmatch(stmt); m != nil {
		return []string{m[1] + on}
	}
	return []string{stmt}
}

// TruncateStatement empties a table, on every node of a cluster if there is one.
func TruncateStatement(table, cluster string) string {
	return "TRUNCATE TABLE " + LocalTable(table, cluster) + OnCluster(cluster)
}

// LocalTable is the table that holds a table's rows on a node: T_local on a
// cluster (T is the Distributed table over them), T itself otherwise.
func LocalTable(table, cluster string) string {
	if cluster == "" {
		return table
	}
	return table + "_local"
}

// OnCluster is the clause that runs a statement on every node of the cluster; ""
// without one.
func OnCluster(cluster string) string {
	if cluster == "" {
		return ""
	}
	return " ON CLUSTER " + quoteIdent(cluster)
}

func quoteIdent(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}
