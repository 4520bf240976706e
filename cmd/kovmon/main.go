// Command kovmon monitors the ICT strategy of Estonia's local governments: it loads
// the source files into ClickHouse, computes the strategy's indicators, and serves
// dashboards, reports and CSV extracts. See README.md and spec/interfaces.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	_ "time/tzdata" // Europe/Tallinn must be there on any machine

	"ee/kovmon/ingest"
	"ee/kovmon/store"
)

// Exit codes of spec/interfaces.md.
const (
	exitOK       = 0
	exitRejected = 1
	exitUsage    = 2
)

// usageError is a mistake in how the command was called (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	store.ShutdownEngine()
	os.Exit(code)
}

// Main holds what every command shares: the global flags and the open store.
type Main struct {
	DataDir string
	DSN     string
	Cluster string
	// ClusterMode: auto, keeper or plain (store.ClusterMode).
	ClusterMode string
	Stdout      io.Writer
	Stderr      io.Writer
	Log         *slog.Logger
	store       store.Store
	configPath  string
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, m *Main, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "dashboards, reports, CSV/JSON API and the scheduled ingesters", cmdServe},
		{"ingest", "load files now: [--kind KIND] FILE...", cmdIngest},
		{"indicators", "the indicator table on standard output", cmdIndicators},
		{"explain", "how one figure was made: INDICATOR YEAR EHAK", cmdExplain},
		{"report", "the annual report: --year Y [--lang et|en] --out FILE(.html|.pdf)", cmdReport},
		{"demo", "load the demo data set: [--seed N] [--scale small|full]", cmdDemo},
		{"quarantine", "rows that failed validation: [--file NAME] [--run ID]", cmdQuarantine},
		{"runs", "the ingest runs and their files", cmdRuns},
		{"catalogue", "the indicator catalogue in force: show | set FILE | history", cmdCatalogue},
		{"passwd", "a users-file entry: --name N --role public|analyst|admin [--token], the password on stdin", cmdPasswd},
		{"surveys", "survey response rates, non-response and answers: --year Y [--format csv|nonresponse|distribution|json]", cmdSurveys},
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	m := &Main{Stdout: stdout, Stderr: stderr}
	global := flag.NewFlagSet("kovmon", flag.ContinueOnError)
	global.SetOutput(stderr)
	global.StringVar(&m.DataDir, "data", envOr("KOVMON_DATA", "./data"), "folder of the embedded ClickHouse engine's tables (env KOVMON_DATA)")
	global.StringVar(&m.DSN, "clickhouse", os.Getenv("KOVMON_CLICKHOUSE"), "ClickHouse server DSN instead of the embedded engine, e.g. clickhouse://user:secret@host:9000/kovmon (env KOVMON_CLICKHOUSE)")
	global.StringVar(&m.Cluster, "cluster", os.Getenv("KOVMON_CLUSTER"), "spread the tables over this cluster of the server's remote_servers (server only; env KOVMON_CLUSTER)")
	global.StringVar(&m.ClusterMode, "cluster-mode", envOr("KOVMON_CLUSTER_MODE", "auto"), "keeper (ON CLUSTER DDL, Replicated tables), plain (no Keeper: tables made on each host) or auto (env KOVMON_CLUSTER_MODE)")
	global.StringVar(&m.configPath, "config", os.Getenv("KOVMON_CONFIG"), "configuration file (YAML) of kovmon serve (env KOVMON_CONFIG)")
	global.Usage = func() { printUsage(stderr, global) }
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	rest := global.Args()
	if len(rest) == 0 {
		printUsage(stderr, global)
		return exitUsage
	}
	// A command's own output says what happened; the log speaks up only for problems,
	// except in serve, whose log is its record of what it did.
	level := slog.LevelWarn
	if rest[0] == "serve" {
		level = slog.LevelInfo
	}
	m.Log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	defer m.Close()
	for _, c := range commands() {
		if c.name != rest[0] {
			continue
		}
		err := c.run(ctx, m, rest[1:])
		var ue usageError
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "kovmon %s: %s\n", c.name, ue.msg)
			return exitUsage
		default:
			fmt.Fprintf(stderr, "kovmon %s: %s\n", c.name, oneLine(err))
			return exitRejected
		}
	}
	fmt.Fprintf(stderr, "kovmon: unknown command %q\n", rest[0])
	printUsage(stderr, global)
	return exitUsage
}

func printUsage(w io.Writer, global *flag.FlagSet) {
	fmt.Fprintln(w, "usage: kovmon [--data DIR | --clickhouse DSN [--cluster NAME [--cluster-mode auto|keeper|plain]]] COMMAND [flags]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nglobal flags:")
	global.PrintDefaults()
}

// oneLine keeps an error to one line for the terminal.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// Open opens the store the flags name (once).
func (m *Main) Open(ctx context.Context) (store.Store, error) {
	if m.store != nil {
		return m.store, nil
	}
	if m.Cluster != "" && m.DSN == "" {
		return nil, usageError{"--cluster needs --clickhouse: a cluster is a set of ClickHouse servers"}
	}
	mode, err := store.ParseClusterMode(m.ClusterMode)
	if err != nil {
		return nil, usageError{err.Error()}
	}
	s, err := store.Open(ctx, store.Config{DataDir: m.DataDir, DSN: m.DSN, Cluster: m.Cluster, ClusterMode: mode})
	if err != nil {
		return nil, err
	}
	if m.Cluster != "" {
		// Which of the two layouts kovmon uses is the operator's to know: say it.
		fmt.Fprintf(m.Stderr, "kovmon: %s\n", s.Describe())
	}
	// A process killed while loading left part of a file, a run marked running and
	// scratch files: they go before anything reads or writes the store.
	if err := ingest.Recover(ctx, s, ingest.RecoverOptions{Log: m.Log}); err != nil {
		s.Close()
		return nil, err
	}
	m.store = s
	return s, nil
}

// Close closes the store.
func (m *Main) Close() {
	if m.store != nil {
		m.store.Close()
	}
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// newFlags is a command's flag set, writing its usage to stderr.
func (m *Main) newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("kovmon "+name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	return fs
}

// parseFlags parses a command's flags; a mistake is a usage error (exit 2). Flags may
// come before or after the positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}
