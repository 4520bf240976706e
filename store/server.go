package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// server is the backend for a ClickHouse server or cluster.
type server struct {
	conn    driver.Conn
	addr    string
	db      string
	cluster string
}

// connectTimeout bounds how long a server that does not answer keeps the user waiting.
const connectTimeout = 5 * time.Second

func openServer(ctx context.Context, cfg Config) (Store, error) {
	opts, err := clickhouse.ParseDSN(cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("--clickhouse %q is not a ClickHouse DSN (clickhouse://user:password@host:9000/database): %v", redactDSN(cfg.DSN), err)
	}
	if opts.DialTimeout == 0 || opts.DialTimeout > connectTimeout {
		opts.DialTimeout = connectTimeout
	}
	addr := strings.Join(opts.Addr, ",")
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("%w: ClickHouse server %s: %v", ErrUnavailable, addr, err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 2*connectTimeout)
	defer cancel()
	if err := conn.Ping(pingCtx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("%w: ClickHouse server %s does not answer: %v", ErrUnavailable, addr, err)
	}
	return &server{conn: conn, addr: addr, db: opts.Auth.Database, cluster: cfg.Cluster}, nil
}

// redactDSN hides the password of a DSN in messages.
func redactDSN(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return dsn
	}
	userinfo := dsn[scheme+3 : at]
	if user, _, ok := strings.Cut(userinfo, ":"); ok {
		return dsn[:scheme+3] + user + ":***" + dsn[at:]
	}
	return dsn
}

func (s *server) bind(ctx context.Context, params Params) (context.Context, error) {
	if len(params) == 0 {
		return ctx, nil
	}
	bound := clickhouse.Parameters{}
	for name, v := range params {
		text, err := paramText(v)
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %w", name, err)
		}
		bound[name] = text
	}
	return clickhouse.Context(ctx, clickhouse.WithParameters(bound)), nil
}

func (s *server) Exec(ctx context.Context, query string, params Params) error {
	ctx, err := s.bind(ctx, params)
	if err != nil {
		return err
	}
	if err := s.conn.Exec(ctx, query); err != nil {
		return queryError(query, err)
	}
	return nil
}

func (s *server) Query(ctx context.Context, query string, params Params) (*Result, error) {
	ctx, err := s.bind(ctx, params)
	if err != nil {
		return nil, err
	}
	rows, err := s.conn.Query(ctx, query)
	if err != nil {
		return nil, queryError(query, err)
	}
	defer rows.Close()
	types := rows.ColumnTypes()
	res := &Result{Columns: rows.Columns()}
	holders := make([]any, len(types))
	for i, t := range types {
		holders[i] = reflect.New(t.ScanType()).Interface()
	}
	for rows.Next() {
		if err := rows.Scan(holders...); err != nil {
			return nil, queryError(query, err)
		}
		row := make([]string, len(holders))
		for i, h := range holders {
			row[i] = textOf(reflect.ValueOf(h).Elem())
		}
		res.Rows = append(res.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return nil, queryError(query, err)
	}
	return res, nil
}

// textOf prints a scanned value as the embedded engine prints it in TabSeparated, so
// that callers see the same text from both backends.
func textOf(v reflect.Value) string {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	switch x := v.Interface().(type) {
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format("2006-01-02")
		}
		if x.Nanosecond() != 0 {
			return x.Format("2006-01-02 15:04:05.000")
		}
		return x.Format("2006-01-02 15:04:05")
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case bool:
		return strconv.FormatBool(x)
	case fmt.Stringer:
		return x.String()
	}
	if v.Kind() == reflect.Slice {
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = quoteString(textOf(v.Index(i)))
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return fmt.Sprint(v.Interface())
}

func (s *server) InsertTSV(ctx context.Context, table string, columns []string, tsv []byte) error {
	if len(tsv) == 0 {
		return nil
	}
	// The server reads the data that follows FORMAT in the query text, so both backends
	// send the same statement.
	return s.Exec(ctx, insertStatement(table, columns)+"\n"+string(tsv), nil)
}

func (s *server) Ping(ctx context.Context) error {
	if err := s.conn.Ping(ctx); err != nil {
		return fmt.Errorf("%w: ClickHouse server %s: %v", ErrUnavailable, s.addr, err)
	}
	return nil
}

func (s *server) Describe() string { return "ClickHouse server " + s.addr + " (database " + s.db + ")" }

func (s *server) Cluster() string { return s.cluster }

func (s *server) Close() error {
	if err := s.conn.Close(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
