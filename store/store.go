// Package store is kovmon's one door to ClickHouse. It runs the same SQL on the
// embedded engine (chDB, a library in this process, tables in a local folder) and on a
// ClickHouse server or cluster (clickhouse-go), applies the numbered schema migrations
// of package sql, and confines what differs between them — how queries are sent, how
// parameters are bound, how the tables are laid out over a cluster's shards (with or
// without Keeper, cluster.go) — to this package.
package store

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"ee/kovmon/kov"
)

// Store runs ClickHouse SQL. Parameters are bound by the engine ({name:Type} in the
// query text), never pasted into it.
type Store interface {
	// Exec runs a statement that returns no rows.
	Exec(ctx context.Context, query string, params Params) error
	// Query runs a SELECT and returns its rows as text, the way ClickHouse prints them
	// in TabSeparated format (NULL as the empty string).
	Query(ctx context.Context, query string, params Params) (*Result, error)
	// InsertTSV inserts rows given in ClickHouse TabSeparated format (one row per line,
	// columns in the given order) into table.
	InsertTSV(ctx context.Context, table string, columns []string, tsv []byte) error
	// Ping answers nil when the store can run a query.
	Ping(ctx context.Context) error
	// Describe says which backend and where, for logs and /healthz.
	Describe() string
	// Cluster is the cluster the tables were created on, or "".
	Cluster() string
	Close() error
}

// Params are named query parameters: string (or a named string type), integer,
// float, bool and time.Time values, and []string for Array(String) parameters.
type Params map[string]any

// Result is the answer of a query: the column names and the rows as text. Read it
// through Scan (by column name, typed); Rows gives the raw text, in which NULL is "".
type Result struct {
	Columns []string
	Rows    [][]string
	// nulls[i][j] marks a NULL in row i, column j; nil when the answer has none.
	nulls [][]bool
}

// IsNull reports whether the cell of row i, column j is NULL.
func (r *Result) IsNull(i, j int) bool {
	return i < len(r.nulls) && r.nulls[i] != nil && r.nulls[i][j]
}

// markNull records that the cell of row i, column j is NULL.
func (r *Result) markNull(i, j int) {
	for len(r.nulls) <= i {
		r.nulls = append(r.nulls, nil)
	}
	if r.nulls[i] == nil {
		r.nulls[i] = make([]bool, len(r.Columns))
	}
	r.nulls[i][j] = true
}

// Col returns the index of the named column, or -1.
func (r *Result) Col(name string) int {
	for i, c := range r.Columns {
		if c == name {
			return i
		}
	}
	return -1
}

// Config says which backend to open. An empty DSN means the embedded engine.
type Config struct {
	DataDir  string // embedded: the folder that holds the tables
	DSN      string // server: clickhouse://user:password@host:9000/database
	Database string // embedded: the database inside DataDir (default "kovmon"); tests use their own
	Cluster  string // server: the cluster of the server's remote_servers to spread the tables over
	// ClusterMode: with or without Keeper (keeper, plain); auto or "" asks the server.
	ClusterMode ClusterMode
}

// ErrUnavailable marks faults of the environment (no library, no server, a locked data
// folder, a closed store): the command line prints them as one line, without a stack
// trace, and the HTTP layer answers them 503 (their code is kov.Unavailable).
var ErrUnavailable error = &kov.Error{Code: kov.Unavailable, Message: "store unavailable"}

// Open opens the store that cfg names and applies the schema migrations.
func Open(ctx context.Context, cfg Config) (Store, error) {
	var (
		s   Store
		err error
	)
	if cfg.DSN != "" {
		s, err = openServer(ctx, cfg)
	} else {
		s, err = openEmbedded(cfg)
	}
	if err != nil {
		return nil, err
	}
	if err := Migrate(ctx, s); err != nil {
		s.Close()
		return nil, err
	}
	if c := clusterOf(s); c != nil && c.mode == ClusterPlain {
		if err := c.syncReferences(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// paramText renders a parameter value as ClickHouse reads a query parameter: the
// value's text form in TabSeparated escaping (not a quoted SQL literal).
func paramText(v any) (string, error) {
	v = plainString(v)
	text, err := plainParamText(v)
	if _, isString := v.(string); isString {
		// Arrays are already in quoted form, which the engine reads as it is.
		text = string(EscapeTSV(nil, text))
	}
	return text, err
}

// plainString turns a value of a named string type (kov.Boundaries, kov.Level) into
// its string, so that the vocabulary's types bind as the strings they are.
func plainString(v any) any {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.String && rv.Type() != reflect.TypeFor[string]() {
		return rv.String()
	}
	return v
}

func plainParamText(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case bool:
		if x {
			return "true", nil
		}
		return "false", nil
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05.000"), nil
	case []string:
		quoted := make([]string, len(x))
		for i, s := range x {
			quoted[i] = quoteString(s)
		}
		return "[" + strings.Join(quoted, ",") + "]", nil
	case []int:
		parts := make([]string, len(x))
		for i, n := range x {
			parts[i] = strconv.Itoa(n)
		}
		return "[" + strings.Join(parts, ",") + "]", nil
	default:
		return "", fmt.Errorf("query parameter of unsupported type %T", v)
	}
}

// quoteString renders s as a ClickHouse string literal.
func quoteString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case 0:
			b.WriteString(`\0`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
