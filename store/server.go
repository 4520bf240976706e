package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// server is the backend for one ClickHouse server, and for each host of a cluster.
type server struct {
	conn driver.Conn
	addr string
	db   string
}

// connectTimeout bounds how long a server that does not answer keeps the user waiting.
const connectTimeout = 5 * time.Second

// sessionSettings go with every query to a server. A Distributed table sends the rows
// of an INSERT to their shards before it answers (not queued in the background), so
// an answer means the rows are stored and a failed shard fails the load; and a query
// that cannot reach every shard fails rather than answer from the shards it reached,
// whatever the user's profile says.
// A subquery over a Distributed table inside a query over another (the figures' files
// joined to the ledger, say) is run once on the initiator and its result sent to the
// shards (GLOBAL), not run on each shard against its own rows only.
var sessionSettings = clickhouse.Settings{
	"distributed_foreground_insert": 1,
	"skip_unavailable_shards":       0,
	"distributed_product_mode":      "global",
}

// parseDSN reads a --clickhouse DSN.
func parseDSN(dsn string) (*clickhouse.Options, error) {
	opts, err := clickhouse.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("--clickhouse %q is not a ClickHouse DSN (clickhouse://user:password@host:9000/database): %v", redactDSN(dsn), err)
	}
	if opts.DialTimeout == 0 || opts.DialTimeout > connectTimeout {
		opts.DialTimeout = connectTimeout
	}
	if opts.Settings == nil {
		opts.Settings = clickhouse.Settings{}
	}
	for k, v := range sessionSettings {
		opts.Settings[k] = v
	}
	return opts, nil
}

func openServer(ctx context.Context, cfg Config) (Store, error) {
	opts, err := parseDSN(cfg.DSN)
	if err != nil {
		return nil, err
	}
	srv, err := connect(ctx, opts)
	if err != nil {
		return nil, err
	}
	if cfg.Cluster == "" {
		return srv, nil
	}
	c, err := openCluster(ctx, srv, opts, cfg)
	if err != nil {
		srv.Close()
		return nil, err
	}
	return c, nil
}

// connect opens and pings the server opts names, and says in one line what to fix
// when that fails: the address, the user and password, or the database.
func connect(ctx context.Context, opts *clickhouse.Options) (*server, error) {
	addr := strings.Join(opts.Addr, ",")
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("%w: ClickHouse server %s: %v", ErrUnavailable, addr, err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 2*connectTimeout)
	defer cancel()
	if err := conn.Ping(pingCtx); err != nil {
		conn.Close()
		return nil, connectError(ctx, opts, addr, err)
	}
	srv := &server{conn: conn, addr: addr, db: opts.Auth.Database}
	if srv.db == "" {
		// The user's default database, for messages and for queries that name it.
		if err := conn.QueryRow(pingCtx, "SELECT currentDatabase()").Scan(&srv.db); err != nil {
			conn.Close()
			return nil, connectError(ctx, opts, addr, err)
		}
	}
	return srv, nil
}

// ClickHouse's error codes that connectError tells apart.
const (
	codeUnknownDatabase = 81
	codeUnknownUser     = 192
	codeWrongPassword   = 193
	codeAuthFailed      = 516
)

func connectError(ctx context.Context, opts *clickhouse.Options, addr string, err error) error {
	var ex *clickhouse.Exception
	if errors.As(err, &ex) {
		if msg := exceptionAdvice(opts, addr, ex); msg != nil {
			return msg
		}
	} else if errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) {
		// A server closes the connection on a handshake it refuses (a wrong password,
		// a database it lacks), and the driver may see only the closed connection,
		// not the reason the server sent: ask again without the database.
		if msg := diagnoseHandshake(ctx, opts, addr); msg != nil {
			return msg
		}
	}
	return fmt.Errorf("%w: ClickHouse server %s does not answer: %v", ErrUnavailable, addr, err)
}

// exceptionAdvice turns the server's refusal of a connection into what to fix, or nil.
func exceptionAdvice(opts *clickhouse.Options, addr string, ex *clickhouse.Exception) error {
	switch ex.Code {
	case codeAuthFailed, codeUnknownUser, codeWrongPassword:
		user := opts.Auth.Username
		if user == "" {
			user = "default"
		}
		return fmt.Errorf("%w: ClickHouse server %s refused user %q: wrong user name or password; fix them in --clickhouse (clickhouse://USER:PASSWORD@%s/%s)",
			ErrUnavailable, addr, user, addr, opts.Auth.Database)
	case codeUnknownDatabase:
		return missingDatabase(addr, opts.Auth.Database)
	}
	return nil
}

// diagnoseHandshake connects without a database to learn why the server closed the
// first connection; nil when it cannot tell.
func diagnoseHandshake(ctx context.Context, opts *clickhouse.Options, addr string) error {
	bare := *opts
	bare.Auth.Database = ""
	for range 3 { // the server's reason and its closing race each other
		conn, err := clickhouse.Open(&bare)
		if err != nil {
			return nil
		}
		qctx, cancel := context.WithTimeout(ctx, connectTimeout)
		var n uint64
		err = conn.QueryRow(qctx, "SELECT count() FROM system.databases WHERE name = {db:String}", clickhouse.Named("db", opts.Auth.Database)).Scan(&n)
		cancel()
		conn.Close()
		var ex *clickhouse.Exception
		switch {
		case err == nil && n == 0 && opts.Auth.Database != "":
			return missingDatabase(addr, opts.Auth.Database)
		case err == nil:
			return nil
		case errors.As(err, &ex):
			return exceptionAdvice(opts, addr, ex)
		case !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET):
			return nil
		}
	}
	return nil
}

func missingDatabase(addr, db string) error {
	return fmt.Errorf("%w: the database %q does not exist on ClickHouse server %s; create it (CREATE DATABASE %s, on every host of a cluster) or name another in --clickhouse",
		ErrUnavailable, db, addr, quoteIdent(db))
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
		return s.queryError(query, err)
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
		return nil, s.queryError(query, err)
	}
	defer rows.Close()
	types := rows.ColumnTypes()
	res := &Result{Columns: rows.Columns()}
	holders := make([]any, len(types))
	kinds := make([]string, len(types))
	for i, t := range types {
		holders[i] = reflect.New(t.ScanType()).Interface()
		kinds[i] = t.DatabaseTypeName()
	}
	for rows.Next() {
		if err := rows.Scan(holders...); err != nil {
			return nil, s.queryError(query, err)
		}
		row := make([]string, len(holders))
		for i, h := range holders {
			row[i] = textOf(reflect.ValueOf(h).Elem(), kinds[i])
		}
		res.Rows = append(res.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return nil, s.queryError(query, err)
	}
	return res, nil
}

// queryError is queryError, and for a fault of the connection (the server went away
// mid-statement) an ErrUnavailable naming the server.
func (s *server) queryError(query string, err error) error {
	if connectionLost(err) {
		return fmt.Errorf("%w: ClickHouse server %s: %v", ErrUnavailable, s.addr, queryError(query, err))
	}
	return queryError(query, err)
}

// connectionLost reports whether err is the connection failing rather than the
// server answering with an error.
func connectionLost(err error) bool {
	var ex *clickhouse.Exception
	if errors.As(err, &ex) {
		return false
	}
	var netErr net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) || errors.As(err, &netErr)
}

// textOf prints a scanned value as the embedded engine prints it in TabSeparated,
// given the column's ClickHouse type, so that callers see the same text from both
// backends.
func textOf(v reflect.Value, chType string) string {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	chType = unwrapType(chType)
	switch x := v.Interface().(type) {
	case time.Time:
		return timeText(x, chType)
	case float64:
		return floatText(x, 64)
	case float32:
		return floatText(float64(x), 32)
	case bool:
		return strconv.FormatBool(x)
	case fmt.Stringer:
		return x.String()
	}
	if strings.HasPrefix(chType, "Array(") && v.Kind() == reflect.Slice {
		// The embedded engine's TabSeparated holds an array in its quoted text form,
		// which reading the TabSeparated unescapes once.
		return unescapeTSV([]byte(arrayText(v, chType)))
	}
	return fmt.Sprint(v.Interface())
}

// arrayText is an array in ClickHouse's quoted text form: ['a','b\'c'], [1,2].
func arrayText(v reflect.Value, chType string) string {
	elem := strings.TrimSuffix(strings.TrimPrefix(chType, "Array("), ")")
	parts := make([]string, v.Len())
	for i := range parts {
		e := v.Index(i)
		for e.Kind() == reflect.Pointer && !e.IsNil() {
			e = e.Elem()
		}
		switch {
		case e.Kind() == reflect.Pointer:
			parts[i] = "NULL"
		case strings.HasPrefix(unwrapType(elem), "Array(") && e.Kind() == reflect.Slice:
			parts[i] = arrayText(e, unwrapType(elem))
		case needsQuotes(elem):
			parts[i] = quoteString(textOf(e, elem))
		default:
			parts[i] = textOf(e, elem)
		}
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// unwrapType drops Nullable(…) and LowCardinality(…) from a type name.
func unwrapType(t string) string {
	for {
		inner, ok := strings.CutPrefix(t, "Nullable(")
		if !ok {
			inner, ok = strings.CutPrefix(t, "LowCardinality(")
		}
		if !ok {
			return t
		}
		t = strings.TrimSuffix(inner, ")")
	}
}

// needsQuotes: array elements of these types are printed quoted.
func needsQuotes(elem string) bool {
	elem = unwrapType(elem)
	for _, p := range []string{"String", "FixedString", "Date", "DateTime", "UUID", "Enum", "IPv"} {
		if strings.HasPrefix(elem, p) {
			return true
		}
	}
	return false
}

// timeText prints a Date, DateTime or DateTime64(p) value in its column's time zone,
// as ClickHouse does: a DateTime64 always with its p digits of fraction.
func timeText(t time.Time, chType string) string {
	switch {
	case strings.HasPrefix(chType, "Date32"), chType == "Date":
		return t.Format("2006-01-02")
	case strings.HasPrefix(chType, "DateTime64("):
		args := strings.TrimSuffix(strings.TrimPrefix(chType, "DateTime64("), ")")
		precision, _, _ := strings.Cut(args, ",")
		p, err := strconv.Atoi(strings.TrimSpace(precision))
		if err != nil || p <= 0 {
			return t.Format("2006-01-02 15:04:05")
		}
		return t.Format("2006-01-02 15:04:05." + strings.Repeat("0", min(p, 9)))
	}
	return t.Format("2006-01-02 15:04:05")
}

// floatText prints a float as ClickHouse's text formats do: the shortest digits that
// read back as the same number, in plain notation from 1e-7 up to 1e21 and with an
// exponent ("1e21", "1e-7") outside it; inf, -inf and nan.
func floatText(f float64, bits int) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	case f == 0:
		if math.Signbit(f) {
			return "-0"
		}
		return "0"
	}
	// Shortest digits and the decimal exponent, from Go's 'e' form: d.ddde±x.
	e := strconv.FormatFloat(f, 'e', -1, bits)
	sign := ""
	if e[0] == '-' {
		sign, e = "-", e[1:]
	}
	mantissa, expText, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expText)
	digits := strings.Replace(mantissa, ".", "", 1)
	if exp < -6 || exp >= 21 {
		out := digits[:1]
		if len(digits) > 1 {
			out += "." + digits[1:]
		}
		return sign + out + "e" + strconv.Itoa(exp)
	}
	if exp < 0 {
		return sign + "0." + strings.Repeat("0", -exp-1) + digits
	}
	if len(digits) <= exp+1 {
		return sign + digits + strings.Repeat("0", exp+1-len(digits))
	}
	return sign + digits[:exp+1] + "." + digits[exp+1:]
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

func (s *server) Cluster() string { return "" }

func (s *server) Close() error {
	if err := s.conn.Close(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
