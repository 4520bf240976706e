package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ClickHouse/clickhouse-go/v2"

	"ee/kovmon/kov"
	kovsql "ee/kovmon/sql"
)

// Tables on a cluster.
//
// kovmon's tables are of two sorts there. Those that grow — the measurements, and the
// ledger, the computed figures, the audit log and the sessions — are spread over the
// shards: T_local on every host holds that shard's rows, and T, a Distributed table
// over them, reads and writes all shards; every query names T, as on one server. The
// reference tables — the registry, the mergers, the attribution and the catalogue
// versions, which the indicator queries join — are complete on every host, so that a
// shard answers for its own rows with nothing from the others.
//
// shardingKeys lists the first sort with the expression that picks a row's shard;
// every other table of the schema is a reference table. The key is deterministic, so
// a row goes to the same shard however often it is sent (the load's deduplication
// reads all shards anyway, by its key). Measurements go by the code they were recorded
// with: a shard holds every row of its municipalities, aggregates them per year and
// code, and the initiator attributes the sums to units (the indicator SQL is written
// that way) — with optimize_distributed_group_by_sharding_key the shards' groups need
// no merging.
var shardingKeys = map[string]string{
	"usage":          "cityHash64(ehak_code)",
	"feedback":       "cityHash64(ehak_code)",
	"services":       "cityHash64(ehak_code)",
	"audits":         "cityHash64(ehak_code)",
	"survey_answers": "cityHash64(ehak_code)",
	"trainings":      "cityHash64(ehak_code)",
	"org_goals":      "cityHash64(year)", // national: no code
	// The counts kept at insert of the large sources (migration 0012), beside their
	// rows: each shard's materialized view feeds its own.
	"usage_counts":    "cityHash64(ehak_code)",
	"feedback_counts": "cityHash64(ehak_code)",
	// The growing tables of kovmon itself, by what their readers group on.
	"ingest_runs":         "cityHash64(run_id)",
	"ingest_files":        "cityHash64(file_id)",
	"quarantine":          "cityHash64(file_id)",
	"quarantine_counts":   "cityHash64(file_id)",
	"indicator_values":    "cityHash64(ehak_code)",
	"indicator_forecasts": "cityHash64(ehak_code)",
	"indicator_rows":      "cityHash64(unit)",
	"indicator_refreshes": "cityHash64(refresh_id)",
	"audit_log":           "cityHash64(actor)",
	"sessions":            "cityHash64(id_sha256)", // a session's rows together: ReplacingMergeTree
}

// ShardingKey returns the expression that spreads a table's rows over the shards, and
// false for a reference table (complete on every host).
func ShardingKey(table string) (string, bool) {
	key, ok := shardingKeys[table]
	return key, ok
}

// ClusterMode says how kovmon makes its tables on a cluster.
type ClusterMode string

const (
	// ClusterAuto: keeper when the server is connected to a Keeper, else plain.
	ClusterAuto ClusterMode = "auto"
	// ClusterKeeper: the cluster has ClickHouse Keeper (or ZooKeeper). The migrations
	// run once, ON CLUSTER; the tables are Replicated*MergeTree, a reference table
	// one replicated table over every host.
	ClusterKeeper ClusterMode = "keeper"
	// ClusterPlain: no Keeper. kovmon applies the migrations on every host of the
	// cluster (system.clusters) itself, with plain MergeTree tables, and keeps the
	// reference tables' copies equal: written on the first host, copied to the others.
	ClusterPlain ClusterMode = "plain"
)

// ParseClusterMode reads --cluster-mode ("" is auto).
func ParseClusterMode(s string) (ClusterMode, error) {
	switch m := ClusterMode(s); m {
	case "", ClusterAuto:
		return ClusterAuto, nil
	case ClusterKeeper, ClusterPlain:
		return m, nil
	}
	return "", fmt.Errorf("--cluster-mode must be auto, keeper or plain, not %q", s)
}

var (
	createTable = regexp.MustCompile(`(?is)^\s*CREATE TABLE IF NOT EXISTS\s+(\w+)\s*(\(.*\))\s*ENGINE\s*=\s*(\w*)MergeTree(\s*\(([^)]*)\))?(.*)$`)
	alterTable  = regexp.MustCompile(`(?is)^\s*ALTER TABLE\s+(\w+)\s+(.*)$`)
	// mutation matches the changes of an ALTER that rewrite rows rather than the
	// table's structure: a Distributed table has no rows to rewrite.
	mutation   = regexp.MustCompile(`(?i)^(MATERIALIZE|UPDATE|DELETE)\b`)
	createView = regexp.MustCompile(`(?is)^(\s*CREATE VIEW IF NOT EXISTS\s+\w+)(\s+AS\s.*)$`)
	dropView   = regexp.MustCompile(`(?is)^(\s*DROP VIEW IF EXISTS\s+\w+)\s*$`)
	// A materialized view TO a table, of one table: CREATE MATERIALIZED VIEW … TO T AS SELECT … FROM U ….
	createMaterialized = regexp.MustCompile(`(?is)^(\s*CREATE MATERIALIZED VIEW IF NOT EXISTS\s+\w+)\s+TO\s+(\w+)(\s+AS\s.*?\bFROM\s+)(\w+)\b(.*)$`)
	truncateTable      = regexp.MustCompile(`(?is)^(\s*TRUNCATE TABLE(?:\s+IF EXISTS)?\s+)(\w+)\s*$`)
	// A backfill: INSERT INTO T … SELECT … FROM U …, with no other table named.
	insertSelect = regexp.MustCompile(`(?is)^(\s*INSERT INTO\s+)(\w+)(\b.*?\bFROM\s+)(\w+)\b(.*)$`)
)

// ClusterDDL turns one statement of a migration into what runs on a cluster in mode
// (keeper or plain); see shardingKeys for the two sorts of table.
//
// keeper: a sharded table T becomes T_local ON CLUSTER, ReplicatedXMergeTree with the
// usual {shard}/{replica} macros, and T, Distributed over it; a reference table T
// stays T, ON CLUSTER, one ReplicatedXMergeTree over every host (a path without the
// shard, a replica per host). ALTERs, TRUNCATEs and views (made, or dropped to be
// replaced) run ON CLUSTER.
//
// plain (run on each host in turn): a sharded table becomes T_local with the
// statement's own engine and T, Distributed over it; reference tables and views stay
// as they are.
//
// In both, a materialized view from a sharded table to one of the same sharding key
// reads and writes the local parts (it fires on each host's own inserts), and a
// TRUNCATE of a sharded table empties its local parts.
//
// Without a cluster the statement is returned as it is — the embedded engine and a
// single server run the same text.
func ClusterDDL(stmt, cluster string, mode ClusterMode) []string {
	if cluster == "" {
		return []string{stmt}
	}
	keeper := mode == ClusterKeeper
	on := ""
	if keeper {
		on = " ON CLUSTER " + quoteIdent(cluster)
	}
	if m := createTable.FindStringSubmatch(stmt); m != nil {
		name, columns, variant, engineArgs, args, rest := m[1], m[2], m[3], m[4], strings.TrimSpace(m[5]), m[6]
		key, sharded := shardingKeys[name]
		local := name
		if sharded {
			local = name + "_local"
		}
		var table string
		switch {
		case keeper && sharded:
			table = fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s%s %s\nENGINE = Replicated%sMergeTree(%s)%s", local, on, columns, variant,
				replicatedArgs(fmt.Sprintf("'/clickhouse/tables/{shard}/{database}/%s', '{replica}'", local), args), rest)
		case keeper:
			table = fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s%s %s\nENGINE = Replicated%sMergeTree(%s)%s", local, on, columns, variant,
				replicatedArgs(fmt.Sprintf("'/clickhouse/tables/all/{database}/%s', '{shard}-{replica}'", local), args), rest)
		case sharded:
			table = fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s %s\nENGINE = %sMergeTree%s%s", local, columns, variant, engineArgs, rest)
		default:
			return []string{stmt}
		}
		if !sharded {
			return []string{table}
		}
		return []string{table,
			fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s%s AS %s\nENGINE = Distributed(%s, currentDatabase(), %s, %s)", name, on, local, quoteIdent(cluster), local, key),
		}
	}
	if m := alterTable.FindStringSubmatch(stmt); m != nil {
		if _, sharded := shardingKeys[m[1]]; sharded {
			if mutation.MatchString(m[2]) { // rows live in the local tables only
				return []string{fmt.Sprintf("ALTER TABLE %s_local%s %s", m[1], on, m[2])}
			}
			return []string{
				fmt.Sprintf("ALTER TABLE %s_local%s %s", m[1], on, m[2]),
				fmt.Sprintf("ALTER TABLE %s%s %s", m[1], on, m[2]),
			}
		}
		return []string{fmt.Sprintf("ALTER TABLE %s%s %s", m[1], on, m[2])}
	}
	if m := createView.FindStringSubmatch(stmt); m != nil {
		return []string{m[1] + on + m[2]}
	}
	if m := dropView.FindStringSubmatch(stmt); m != nil { // to be replaced
		return []string{m[1] + on}
	}
	if m := createMaterialized.FindStringSubmatch(stmt); m != nil {
		// A view fires on the inserts of the host it lives on: one on every host, from
		// the local part of a sharded source to the local part of its sharded target
		// (the same key, so each shard's counts are of its own rows).
		into, from := m[2], m[4]
		intoKey, intoSharded := shardingKeys[into]
		fromKey, fromSharded := shardingKeys[from]
		if intoSharded && fromSharded && intoKey == fromKey {
			into, from = into+"_local", from+"_local"
		}
		return []string{m[1] + on + " TO " + into + m[3] + from + m[5]}
	}
	if m := truncateTable.FindStringSubmatch(stmt); m != nil {
		table := m[2]
		if _, sharded := shardingKeys[table]; sharded {
			table += "_local"
		}
		return []string{m[1] + table + on}
	}
	if m := insertSelect.FindStringSubmatch(stmt); m != nil && !keeper {
		// Run on each host in turn, the backfill of one sharded table from another
		// sharded by the same key is each host's own: local parts to local part (through
		// the Distributed tables every host would insert every row). With Keeper the
		// migration runs once, and the statement as it is fills every shard.
		into, from := m[2], m[4]
		intoKey, intoSharded := shardingKeys[into]
		fromKey, fromSharded := shardingKeys[from]
		if intoSharded && fromSharded && intoKey == fromKey {
			return []string{m[1] + into + "_local" + m[3] + from + "_local" + m[5]}
		}
	}
	return []string{stmt}
}

func replicatedArgs(path, args string) string {
	if args != "" {
		return path + ", " + args
	}
	return path
}

// referenceTables are the tables of the migrations that are not sharded, but the
// migrations' own record, which each host of a plain cluster keeps for itself.
func referenceTables() ([]string, error) {
	migrations, err := kovsql.Migrations()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range migrations {
		for _, stmt := range kovsql.Statements(m.SQL) {
			if c := createTable.FindStringSubmatch(stmt); c != nil {
				if _, sharded := shardingKeys[c[1]]; !sharded {
					out = append(out, c[1])
				}
			}
		}
	}
	return out, nil
}

// clusterStore is kovmon on a ClickHouse cluster. Statements go through the host the
// DSN names (the initiator, whose Distributed tables reach every shard), but in plain
// mode those that write a reference table, which run on the first host and are then
// copied to every other, and those that change a sharded table's local parts
// (T_local), which run on every host.
type clusterStore struct {
	*server
	name      string
	mode      ClusterMode // keeper or plain
	opts      clickhouse.Options
	hosts     []*clusterHost // every host, in shard and replica order
	reference map[string]bool

	// copyMu keeps two copies of one reference table from crossing: each makes and
	// swaps its own scratch table.
	copyMu sync.Mutex
}

// clusterHost is one host of the cluster, as system.clusters lists it.
type clusterHost struct {
	shard, replica int
	addr           string

	mu  sync.Mutex
	srv *server // opened at start in plain mode, when first needed in keeper mode
}

func (h *clusterHost) String() string {
	return fmt.Sprintf("shard %d (%s)", h.shard, h.addr)
}

func openCluster(ctx context.Context, srv *server, opts *clickhouse.Options, cfg Config) (*clusterStore, error) {
	c := &clusterStore{server: srv, name: cfg.Cluster, opts: *opts, reference: map[string]bool{}}
	res, err := srv.Query(ctx, "SELECT shard_num, replica_num, host_address, port FROM system.clusters WHERE cluster = {c:String} ORDER BY shard_num, replica_num",
		Params{"c": cfg.Cluster})
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", cfg.Cluster, err)
	}
	hosts, err := Scan[struct {
		Shard   int    `ch:"shard_num"`
		Replica int    `ch:"replica_num"`
		Address string `ch:"host_address"`
		Port    string `ch:"port"`
	}](res, "system.clusters")
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", cfg.Cluster, err)
	}
	if len(hosts) == 0 {
		var names []string
		if known, err := srv.Query(ctx, "SELECT DISTINCT cluster FROM system.clusters ORDER BY cluster", nil); err == nil {
			clusters, _ := Scan[struct {
				Name string `ch:"cluster"`
			}](known, "system.clusters")
			for _, c := range clusters {
				names = append(names, c.Name)
			}
		}
		has := "has none"
		if len(names) > 0 {
			has = "has " + strings.Join(names, ", ")
		}
		return nil, fmt.Errorf("%w: ClickHouse server %s has no cluster %q in its remote_servers (it %s); name one of those with --cluster, or add %s to the server's configuration",
			ErrUnavailable, srv.addr, cfg.Cluster, has, cfg.Cluster)
	}
	for _, h := range hosts {
		c.hosts = append(c.hosts, &clusterHost{shard: h.Shard, replica: h.Replica, addr: joinHostPort(h.Address, h.Port)})
	}
	refs, err := referenceTables()
	if err != nil {
		return nil, err
	}
	for _, t := range refs {
		c.reference[t] = true
	}
	c.mode = cfg.ClusterMode
	if c.mode == "" || c.mode == ClusterAuto {
		c.mode = ClusterPlain
		if hasKeeper(ctx, srv) {
			c.mode = ClusterKeeper
		}
	}
	if c.mode == ClusterPlain {
		for _, h := range c.hosts {
			if _, err := c.hostServer(ctx, h); err != nil {
				c.Close()
				return nil, fmt.Errorf("%s of cluster %s: %w", h, c.name, err)
			}
		}
	}
	return c, nil
}

func joinHostPort(host, port string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]:" + port
	}
	return host + ":" + port
}

// hasKeeper reports whether the server has a Keeper (or ZooKeeper) session: without
// one (or without the table, as in the embedded engine's server mode) there is no
// replication and no ON CLUSTER.
func hasKeeper(ctx context.Context, s *server) bool {
	res, err := s.Query(ctx, "SELECT count() AS sessions FROM system.zookeeper_connection", nil)
	if err != nil {
		return false
	}
	n, err := Scan[struct {
		Sessions uint64 `ch:"sessions"`
	}](res, "system.zookeeper_connection")
	return err == nil && len(n) == 1 && n[0].Sessions > 0
}

// hostServer is h's connection, opened with the DSN's user, password, database and
// settings.
func (c *clusterStore) hostServer(ctx context.Context, h *clusterHost) (*server, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.srv != nil {
		return h.srv, nil
	}
	opts := c.opts
	opts.Addr = []string{h.addr}
	srv, err := connect(ctx, &opts)
	if err != nil {
		return nil, err
	}
	h.srv = srv
	return srv, nil
}

// writtenTable is the table a statement writes (INSERT INTO, TRUNCATE, ALTER,
// OPTIMIZE, DELETE FROM), or "".
var writtenTable = regexp.MustCompile(`(?is)^\s*(?:--[^\n]*\n\s*)*(?:INSERT\s+INTO|TRUNCATE(?:\s+TABLE)?(?:\s+IF\s+EXISTS)?|ALTER\s+TABLE|OPTIMIZE\s+TABLE|DELETE\s+FROM)\s+` + "`?" + `(\w+)`)

func tableWritten(query string) string {
	if m := writtenTable.FindStringSubmatch(query); m != nil {
		return m[1]
	}
	return ""
}

// localOfSharded reports whether table is the local part (T_local) of a sharded table.
func localOfSharded(table string) bool {
	name, ok := strings.CutSuffix(table, "_local")
	_, sharded := shardingKeys[name]
	return ok && sharded
}

func (c *clusterStore) Exec(ctx context.Context, query string, params Params) error {
	return c.write(ctx, tableWritten(query), func(s *server) error { return s.Exec(ctx, query, params) })
}

// write runs do, which writes table (or nothing: ""), where such a write goes.
func (c *clusterStore) write(ctx context.Context, table string, do func(*server) error) error {
	switch {
	case c.reference[table] && c.mode == ClusterPlain:
		home, err := c.hostServer(ctx, c.hosts[0])
		if err == nil {
			err = do(home)
		}
		if err != nil {
			return c.explain(ctx, err)
		}
		return c.copyReference(ctx, table)
	case c.reference[table]:
		// Keeper replicates the write; wait until every replica has it, as the
		// shards read their own copy in the next query.
		if err := do(c.server); err != nil {
			return c.explain(ctx, err)
		}
		return c.explain(ctx, c.server.Exec(ctx, "SYSTEM SYNC REPLICA ON CLUSTER "+quoteIdent(c.name)+" "+table, nil))
	case localOfSharded(table) && c.mode == ClusterPlain:
		return c.onEveryHost(ctx, do)
	}
	return c.explain(ctx, do(c.server))
}

func (c *clusterStore) Query(ctx context.Context, query string, params Params) (*Result, error) {
	res, err := c.server.Query(ctx, query, params)
	if err != nil {
		return nil, c.explain(ctx, err)
	}
	return res, nil
}

func (c *clusterStore) InsertTSV(ctx context.Context, table string, columns []string, tsv []byte) error {
	if len(tsv) == 0 {
		return nil
	}
	return c.Exec(ctx, insertStatement(table, columns)+"\n"+string(tsv), nil)
}

// onEveryHost runs do on every host in turn; the first failure stops it, named.
func (c *clusterStore) onEveryHost(ctx context.Context, do func(*server) error) error {
	for _, h := range c.hosts {
		s, err := c.hostServer(ctx, h)
		if err == nil {
			err = do(s)
		}
		if err != nil {
			return fmt.Errorf("%s of cluster %s: %w", h, c.name, err)
		}
	}
	return nil
}

// copyReference makes every host's copy of a reference table equal to the first
// host's (plain mode). The copy is filled beside the table and swapped in at once, so
// that a query on that host meanwhile sees the old rows or the new, never none.
func (c *clusterStore) copyReference(ctx context.Context, table string) error {
	c.copyMu.Lock()
	defer c.copyMu.Unlock()
	home := c.hosts[0]
	scratch := table + "__copy"
	for _, h := range c.hosts[1:] {
		s, err := c.hostServer(ctx, h)
		if err != nil {
			return fmt.Errorf("copy %s to %s of cluster %s: %w", table, h, c.name, err)
		}
		for _, stmt := range []string{
			"DROP TABLE IF EXISTS " + scratch,
			"CREATE TABLE " + scratch + " AS " + table,
			"INSERT INTO " + scratch + " SELECT * FROM cluster(" + quoteString(c.name) + ", currentDatabase(), " + table + ") WHERE _shard_num = " +
				strconv.Itoa(home.shard) + " SETTINGS optimize_skip_unused_shards = 1",
			"EXCHANGE TABLES " + scratch + " AND " + table,
			"DROP TABLE " + scratch,
		} {
			if err := s.Exec(ctx, stmt, nil); err != nil {
				return fmt.Errorf("copy %s to %s of cluster %s: %w", table, h, c.name, err)
			}
		}
	}
	return nil
}

// syncReferences copies each reference table whose copy differs from the first host's
// (plain mode): a copy that failed midway — a host that went down while a registry
// loaded — is repaired when kovmon next opens the store.
func (c *clusterStore) syncReferences(ctx context.Context) error {
	tables := make([]string, 0, len(c.reference))
	for t := range c.reference {
		tables = append(tables, t)
	}
	slices.Sort(tables)
	digest := func(s *server, table string) (string, error) {
		res, err := s.Query(ctx, "SELECT count() AS rows, sum(cityHash64(*)) AS hash FROM "+table, nil)
		if err != nil {
			return "", err
		}
		d, err := Scan[struct {
			Rows uint64  `ch:"rows"`
			Hash *uint64 `ch:"hash"` // NULL for a table without rows
		}](res, "digest of "+table)
		if err != nil || len(d) != 1 {
			return "", fmt.Errorf("%d rows, %v", len(d), err)
		}
		if d[0].Hash == nil {
			return fmt.Sprintf("%d -", d[0].Rows), nil
		}
		return fmt.Sprintf("%d %d", d[0].Rows, *d[0].Hash), nil
	}
	for _, table := range tables {
		home, err := c.hostServer(ctx, c.hosts[0])
		if err != nil {
			return err
		}
		want, err := digest(home, table)
		if err != nil {
			return fmt.Errorf("%s of cluster %s: %w", c.hosts[0], c.name, err)
		}
		for _, h := range c.hosts[1:] {
			s, err := c.hostServer(ctx, h)
			if err != nil {
				return err
			}
			got, err := digest(s, table)
			if err != nil {
				return fmt.Errorf("%s of cluster %s: %w", h, c.name, err)
			}
			if got != want {
				if err := c.copyReference(ctx, table); err != nil {
					return err
				}
				break
			}
		}
	}
	return nil
}

// ShardsDownError: shards of the cluster do not answer, so kovmon answers nothing (a
// Distributed query never answers from the shards it reached alone).
type ShardsDownError struct {
	Cluster string
	Shards  []int    // their numbers in the cluster, ascending
	Hosts   []string // "shard N (host:port)" of each
	Err     error    // the statement's own error
}

func (e *ShardsDownError) Error() string {
	return fmt.Sprintf("%v: %s of cluster %s does not answer; kovmon needs every shard and computes nothing from the others alone (%s)",
		ErrUnavailable, strings.Join(e.Hosts, " and "), e.Cluster, shortError(e.Err))
}

func (e *ShardsDownError) Unwrap() []error { return []error{ErrUnavailable, e.Err} }

// ErrorCode: the store does not answer (503 over HTTP).
func (e *ShardsDownError) ErrorCode() kov.Code { return kov.Unavailable }

// MessageKey is the text that names the shards, without their addresses (the log
// has those), for messages that the public reads.
func (e *ShardsDownError) MessageKey() (string, []any) {
	return "common.shard_down", []any{e.ShardNumbers()}
}

// ShardNumbers is "2" or "2, 3": the shards, without their addresses, for messages
// that the public reads.
func (e *ShardsDownError) ShardNumbers() string {
	parts := make([]string, len(e.Shards))
	for i, n := range e.Shards {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ", ")
}

// explain names the shards that do not answer when a statement fails: a query over a
// Distributed table fails when one shard is down (never answered from the others),
// and the server's message names an address deep in its text, if at all.
func (c *clusterStore) explain(ctx context.Context, err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		down []*clusterHost
	)
	for _, h := range c.hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), connectTimeout)
			defer cancel()
			s, perr := c.hostServer(pctx, h)
			if perr == nil {
				perr = s.Ping(pctx)
			}
			if perr != nil {
				mu.Lock()
				down = append(down, h)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(down) == 0 {
		return err
	}
	slices.SortFunc(down, func(a, b *clusterHost) int { return a.shard*1000 + a.replica - b.shard*1000 - b.replica })
	e := &ShardsDownError{Cluster: c.name, Err: err}
	for _, h := range down {
		if !slices.Contains(e.Shards, h.shard) {
			e.Shards = append(e.Shards, h.shard)
		}
		e.Hosts = append(e.Hosts, h.String())
	}
	return e
}

// shortError is the first line of an error, shortened.
func shortError(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}

// Ping checks the initiator and, in plain mode, every host: kovmon answers nothing
// while a shard is down.
func (c *clusterStore) Ping(ctx context.Context) error {
	if err := c.server.Ping(ctx); err != nil {
		return err
	}
	if c.mode != ClusterPlain {
		return nil
	}
	for _, h := range c.hosts {
		s, err := c.hostServer(ctx, h)
		if err == nil {
			err = s.Ping(ctx)
		}
		if err != nil {
			return fmt.Errorf("%w: %s of cluster %s: %v", ErrUnavailable, h, c.name, err)
		}
	}
	return nil
}

func (c *clusterStore) Describe() string {
	addrs := make([]string, len(c.hosts))
	for i, h := range c.hosts {
		addrs[i] = h.addr
	}
	shards := c.hosts[len(c.hosts)-1].shard
	how := "with Keeper: ON CLUSTER DDL, Replicated tables"
	if c.mode == ClusterPlain {
		how = "without Keeper: tables made on each host, plain MergeTree, reference tables copied to every host"
	}
	return fmt.Sprintf("ClickHouse cluster %s via %s (database %s; %d shards: %s), %s", c.name, c.addr, c.db, shards, strings.Join(addrs, ", "), how)
}

func (c *clusterStore) Cluster() string { return c.name }

// Mode is keeper or plain.
func (c *clusterStore) Mode() ClusterMode { return c.mode }

func (c *clusterStore) Close() error {
	for _, h := range c.hosts {
		h.mu.Lock()
		if h.srv != nil {
			h.srv.Close()
			h.srv = nil
		}
		h.mu.Unlock()
	}
	return c.server.Close()
}

// clusterOf finds the cluster store in s, looking through wrappers; nil when s is not
// on a cluster.
func clusterOf(s Store) *clusterStore {
	c, _ := find[*clusterStore](s)
	return c
}

// ClusterModeOf is the mode of the cluster s is on, or "" when it is not on one.
func ClusterModeOf(s Store) ClusterMode {
	if c := clusterOf(s); c != nil {
		return c.mode
	}
	return ""
}

// LocalTable is the table that holds a table's rows on one host: T_local for a table
// sharded over a cluster (T is the Distributed table over them), T itself otherwise.
func LocalTable(s Store, table string) string {
	if _, sharded := shardingKeys[table]; sharded && clusterOf(s) != nil {
		return table + "_local"
	}
	return table
}

// TruncateStatement empties a table, on every host of a cluster.
func TruncateStatement(s Store, table string) string {
	return "TRUNCATE TABLE " + LocalTable(s, table) + onEveryHost(s, table)
}

// AlterStatement is `ALTER TABLE table change` for the rows of table on every host of
// a cluster (a sharded table's local parts; with Keeper, ON CLUSTER).
func AlterStatement(s Store, table, change string) string {
	return "ALTER TABLE " + LocalTable(s, table) + onEveryHost(s, table) + " " + change
}

// onEveryHost is the clause that sends a statement on a sharded table's local part to
// every host of a Keeper cluster; without Keeper the cluster store sends it to each.
func onEveryHost(s Store, table string) string {
	if c := clusterOf(s); c != nil && c.mode == ClusterKeeper && localOfSharded(LocalTable(s, table)) {
		return " ON CLUSTER " + quoteIdent(c.name)
	}
	return ""
}

// DropPartitionsExcept drops every partition of table but keep (a partition's value),
// on every host.
func DropPartitionsExcept(ctx context.Context, s Store, table, keep string) error {
	parts, database := "system.parts", "currentDatabase()"
	params := Params{"t": LocalTable(s, table), "keep": keep}
	if c := clusterOf(s); c != nil {
		// The shards' parts: a shard may hold a partition the initiator lacks.
		parts = "clusterAllReplicas(" + quoteString(c.name) + ", system.parts)"
		database, params["db"] = "{db:String}", c.db
	}
	res, err := s.Query(ctx, "SELECT DISTINCT partition_id FROM "+parts+" WHERE database = "+database+" AND table = {t:String} AND active AND partition != {keep:String}", params)
	if err != nil {
		return err
	}
	old, err := Scan[struct {
		ID string `ch:"partition_id"`
	}](res, "system.parts of "+table)
	if err != nil {
		return err
	}
	for _, p := range old {
		if err := s.Exec(ctx, AlterStatement(s, table, "DROP PARTITION ID "+quoteString(p.ID)), nil); err != nil {
			return err
		}
	}
	return nil
}
