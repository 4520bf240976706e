package chserver

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

func TestMain(m *testing.M) {
	ServeIfChild()
	os.Exit(m.Run())
}

func query(t *testing.T, addr, q string) ([]string, error) {
	t.Helper()
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}, DialTimeout: 2 * time.Second})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	rows, err := conn.Query(context.Background(), q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Two servers make a cluster of two shards that each knows, with its own macros and
// data folder; a killed server comes back on its port with its tables.
func TestClusterOfTwo(t *testing.T) {
	set, err := Start(Options{Servers: 2, Cluster: "pair"})
	if err != nil {
		t.Fatal(err)
	}
	defer set.Stop()
	for i, srv := range set.Servers {
		got, err := query(t, srv.Addr(), "SELECT concat(toString(shard_num), '@', toString(port)) FROM system.clusters WHERE cluster = 'pair' ORDER BY shard_num")
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"1@" + strconv.Itoa(set.Servers[0].TCPPort), "2@" + strconv.Itoa(set.Servers[1].TCPPort)}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("server %d: cluster %v, want %v", i+1, got, want)
		}
		shard, err := query(t, srv.Addr(), "SELECT substitution FROM system.macros WHERE macro = 'shard'")
		if err != nil || len(shard) != 1 || shard[0] != "0"+strconv.Itoa(i+1) {
			t.Errorf("server %d: shard macro %v, %v", i+1, shard, err)
		}
	}
	first := set.Servers[0]
	if _, err := query(t, first.Addr(), "SELECT toString(1)"); err != nil {
		t.Fatal(err)
	}
	conn, _ := clickhouse.Open(&clickhouse.Options{Addr: []string{first.Addr()}})
	if err := conn.Exec(context.Background(), "CREATE TABLE kept (s String) ENGINE = MergeTree ORDER BY s"); err != nil {
		t.Fatal(err)
	}
	if err := conn.Exec(context.Background(), "INSERT INTO kept VALUES ('after restart')"); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	first.Kill()
	if _, err := query(t, first.Addr(), "SELECT toString(1)"); err == nil {
		t.Fatal("a killed server answered")
	}
	if err := first.Restart(); err != nil {
		t.Fatal(err)
	}
	if got, err := query(t, first.Addr(), "SELECT s FROM kept"); err != nil || len(got) != 1 || got[0] != "after restart" {
		t.Fatalf("after restart: %v, %v", got, err)
	}
}

// A test binary that dies takes its servers with it.
func TestServersEndWithTheTestBinary(t *testing.T) {
	if os.Getenv("CHSERVER_ORPHAN_PARENT") != "" {
		set, err := Start(Options{Servers: 1})
		if err != nil {
			os.Exit(2)
		}
		os.Stdout.WriteString(strconv.Itoa(set.Servers[0].cmd.Process.Pid) + "\n")
		syscall.Kill(os.Getpid(), syscall.SIGKILL) // no Stop, no cleanup
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestServersEndWithTheTestBinary$")
	cmd.Env = append(os.Environ(), "CHSERVER_ORPHAN_PARENT=1")
	out, _ := cmd.Output()
	pid := strings.TrimSpace(string(out))
	if pid == "" {
		t.Fatal("the parent did not start a server")
	}
	n, err := strconv.Atoi(pid)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for syscall.Kill(n, 0) == nil {
		if time.Now().After(deadline) {
			syscall.Kill(-n, syscall.SIGKILL)
			t.Fatalf("server %d outlived its test binary", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Its folder is left; the next Start removes it.
	orphans, _ := filepath.Glob(filepath.Join(os.TempDir(), folderPrefix+"*"))
	set, err := Start(Options{Servers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer set.Stop()
	dead := 0
	for _, dir := range orphans {
		owner, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(dir), folderPrefix), "-")
		pid, _ := strconv.Atoi(owner)
		if syscall.Kill(pid, 0) != syscall.ESRCH {
			continue // a live test binary's, or this one's
		}
		dead++
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("the folder %s of a dead test binary's server is still there", dir)
		}
	}
	if dead == 0 {
		t.Error("the killed test binary left no folder to remove")
	}
}
