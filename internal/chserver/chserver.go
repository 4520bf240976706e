// Package chserver runs real ClickHouse servers for the tests: the embedded engine
// (libchdb.so, ClickHouse 26.7) opening the server's own TCP and HTTP listeners, one
// server per child process, each with its own data folder and, for a cluster, a
// remote_servers configuration naming all of them (one shard each). So a test runs
// kovmon against a real server and a real sharded cluster with nothing installed by
// hand.
//
// The engine takes one instance per process and its serving call blocks, so a server
// is a child process: this test binary started again, with ServeIfChild at the top of
// its TestMain turning it into the server. It serves until killed; the children are
// in a process group of their own and get SIGKILL when the test binary dies, so a
// failing or timed-out test leaves none behind.
//
// What such a server does: the native protocol and HTTP, remote_servers clusters,
// Distributed tables. What it does not: Keeper, so no replication and no ON CLUSTER
// DDL. And it is fragile where a real server is not: once it has refused a handshake
// (a wrong password, a database it lacks) it resets the next connections and may
// abort, so a test of such a mistake gets servers of its own.
package chserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"ee/kovmon/store/enginelib"
)

// childEnv carries a child's command line (JSON) and marks the process as a server.
const childEnv = "KOVMON_CHSERVER_ARGS"

// serveStatement opens the listeners and then keeps the statement, and with it the
// listeners, alive for a day; the process is killed long before.
const serveStatement = "SYSTEM START LISTEN TCP; SYSTEM START LISTEN HTTP; " +
	"SELECT sleepEachRow(1) FROM numbers(86400) SETTINGS function_sleep_max_microseconds_per_block = 0, max_block_size = 1 FORMAT Null"

// ServeIfChild makes a child that Start started into its server, and never returns
// there; elsewhere it returns at once. Call it first in TestMain.
func ServeIfChild() {
	spec := os.Getenv(childEnv)
	if spec == "" {
		return
	}
	var args []string
	if err := json.Unmarshal([]byte(spec), &args); err != nil {
		fmt.Fprintf(os.Stderr, "chserver: %s: %v\n", childEnv, err)
		os.Exit(2)
	}
	// The parent's SIGKILL on death (Pdeathsig) follows the thread that started
	// this process; if that thread ends first, this is the fallback.
	parent := os.Getppid()
	go func() {
		for range time.Tick(time.Second) {
			if os.Getppid() != parent {
				os.Exit(3)
			}
		}
	}()
	_, err := enginelib.RunCommandLine(args)
	fmt.Fprintf(os.Stderr, "chserver: the server ended: %v\n", err)
	os.Exit(1)
}

// Options say what to start.
type Options struct {
	// Servers is how many servers (at least 1).
	Servers int
	// Cluster, when set, names a cluster in every server's remote_servers with each
	// server as one shard, and gives each server the macros shard (01, 02, …) and
	// replica (r1).
	Cluster string
	// Config is more XML inside <clickhouse> for every server.
	Config string
}

// Set is a group of running servers.
type Set struct {
	Servers []*Server
	Cluster string
	dir     string
	lib     string // libchdb.so, absolute: a child runs in its own folder
}

// Server is one child process serving ClickHouse.
type Server struct {
	Shard    int // 1-based, in cluster order
	Dir      string
	TCPPort  int
	HTTPPort int

	lib  string
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	log  string
}

// startTimeout bounds how long a server may take to answer its first ping.
const startTimeout = 90 * time.Second

// Start starts the servers and returns once each answers over HTTP. Stop ends them.
func Start(opts Options) (*Set, error) {
	if opts.Servers < 1 {
		opts.Servers = 1
	}
	lib, err := enginelib.Locate()
	if err != nil {
		return nil, err
	}
	removeOrphans()
	dir, err := os.MkdirTemp("", folderPrefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return nil, err
	}
	set := &Set{Cluster: opts.Cluster, dir: dir, lib: lib}
	ports, err := freePorts(2 * opts.Servers)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	for i := range opts.Servers {
		srv := &Server{lib: lib, Shard: i + 1, Dir: filepath.Join(dir, fmt.Sprintf("server%d", i+1)), TCPPort: ports[2*i], HTTPPort: ports[2*i+1]}
		set.Servers = append(set.Servers, srv)
	}
	for _, srv := range set.Servers {
		if err := os.MkdirAll(srv.Dir, 0o755); err != nil {
			set.Stop()
			return nil, err
		}
		if err := os.WriteFile(srv.configPath(), []byte(set.config(srv, opts.Config)), 0o644); err != nil {
			set.Stop()
			return nil, err
		}
		if err := srv.start(); err != nil {
			set.Stop()
			return nil, err
		}
	}
	for _, srv := range set.Servers {
		if err := srv.waitReady(); err != nil {
			set.Stop()
			return nil, err
		}
	}
	return set, nil
}

// config is a server's configuration file.
func (set *Set) config(srv *Server, extra string) string {
	var b strings.Builder
	b.WriteString("<clickhouse>\n")
	if set.Cluster != "" {
		b.WriteString("  <remote_servers>\n    <" + set.Cluster + ">\n")
		for _, other := range set.Servers {
			fmt.Fprintf(&b, "      <shard><replica><host>127.0.0.1</host><port>%d</port></replica></shard>\n", other.TCPPort)
		}
		b.WriteString("    </" + set.Cluster + ">\n  </remote_servers>\n")
		fmt.Fprintf(&b, "  <macros><shard>%02d</shard><replica>r1</replica></macros>\n", srv.Shard)
	}
	b.WriteString(extra)
	b.WriteString("</clickhouse>\n")
	return b.String()
}

func (srv *Server) configPath() string { return filepath.Join(srv.Dir, "config.xml") }

// Addr is the server's native-protocol address, host:port.
func (srv *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(srv.TCPPort) }

func (srv *Server) start() error {
	args := []string{
		"--path=" + filepath.Join(srv.Dir, "data") + "/",
		"--config-file=" + srv.configPath(),
		"--listen_host=127.0.0.1",
		"--tcp_port=" + strconv.Itoa(srv.TCPPort),
		"--http_port=" + strconv.Itoa(srv.HTTPPort),
		"--multiquery", "--query", serveStatement,
	}
	spec, _ := json.Marshal(args)
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	log, err := os.OpenFile(filepath.Join(srv.Dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"="+string(spec), "CHDB_LIB_PATH="+srv.lib)
	cmd.Dir = srv.Dir
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("start ClickHouse server %s: %w", srv.Addr(), err)
	}
	done := make(chan struct{})
	go func() {
		err := cmd.Wait()
		fmt.Fprintf(log, "chserver: process %d ended: %v\n", cmd.Process.Pid, err)
		log.Close()
		close(done)
	}()
	srv.mu.Lock()
	srv.cmd, srv.done, srv.log = cmd, done, filepath.Join(srv.Dir, "server.log")
	srv.mu.Unlock()
	return nil
}

// waitReady polls the server's HTTP /ping until it answers, the process ends, or
// startTimeout passes.
func (srv *Server) waitReady() error {
	deadline := time.Now().Add(startTimeout)
	client := http.Client{Timeout: time.Second}
	url := "http://127.0.0.1:" + strconv.Itoa(srv.HTTPPort) + "/ping"
	for {
		resp, err := client.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && bytes.HasPrefix(body, []byte("Ok.")) {
				return nil
			}
		}
		select {
		case <-srv.done:
			return fmt.Errorf("ClickHouse server %s ended before it answered: %s", srv.Addr(), srv.logTail())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("ClickHouse server %s did not answer within %s: %s", srv.Addr(), startTimeout, srv.logTail())
		}
	}
}

// logTail is the end of the server's log, for a failure message.
func (srv *Server) logTail() string {
	data, _ := os.ReadFile(srv.log)
	if len(data) > 2000 {
		data = data[len(data)-2000:]
	}
	return strings.TrimSpace(string(data))
}

// Kill ends the server at once (SIGKILL to its process group) and waits until it is
// gone; its data folder stays, for Restart.
func (srv *Server) Kill() {
	srv.mu.Lock()
	cmd, done := srv.cmd, srv.done
	srv.cmd = nil
	srv.mu.Unlock()
	if cmd == nil {
		return
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-done
}

// Restart starts a killed server again on the same ports and data folder.
func (srv *Server) Restart() error {
	srv.Kill()
	var err error
	// The ports were just freed; another process may take one meanwhile, and the
	// engine may need a moment before it can bind again.
	for attempt := 0; attempt < 3; attempt++ {
		if err = srv.start(); err != nil {
			return err
		}
		if err = srv.waitReady(); err == nil {
			return nil
		}
		srv.Kill()
		time.Sleep(time.Second)
	}
	return err
}

// Stop kills every server and removes their folders.
func (set *Set) Stop() {
	for _, srv := range set.Servers {
		srv.Kill()
	}
	os.RemoveAll(set.dir)
}

// folderPrefix names the servers' folders in the temporary folder, with the id of the
// process that started them.
const folderPrefix = "kovmon-chserver-"

// removeOrphans removes the folders of servers whose test binary is gone (killed, or
// timed out before it could stop them; its servers died with it).
func removeOrphans() {
	entries, _ := os.ReadDir(os.TempDir())
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), folderPrefix)
		if !ok {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			os.RemoveAll(filepath.Join(os.TempDir(), e.Name()))
		}
	}
}

// freePorts finds n distinct free loopback ports. They are free when asked; a server
// that then cannot bind one fails to start and says so.
func freePorts(n int) ([]int, error) {
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, errors.Join(errors.New("no free loopback port"), err)
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
