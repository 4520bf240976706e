package main

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/csv"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"ee/kovmon/auth"
	"ee/kovmon/store"
)

// served is a running `kovmon serve` in a child process.
type served struct {
	cmd  *exec.Cmd
	addr string
	// client and base reach it: plain HTTP, or HTTPS when the configuration names a
	// certificate (then the client trusts any certificate; the test checks which).
	client *http.Client
	base   string
	mu     sync.Mutex
	log    bytes.Buffer
}

func (s *served) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.Write(p)
}

func (s *served) logText() string { s.mu.Lock(); defer s.mu.Unlock(); return s.log.String() }

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServed starts serve on data with a configuration file and waits for /healthz.
func startServed(t *testing.T, data, config string) *served {
	t.Helper()
	return startServedEnv(t, data, config, nil)
}

// startServedEnv is startServed with more environment variables.
func startServedEnv(t *testing.T, data, config string, env []string) *served {
	t.Helper()
	s := &served{cmd: exec.Command(binary, "--data", data, "--config", config, "serve")}
	s.cmd.Env = append(os.Environ(), env...)
	s.cmd.Stdout, s.cmd.Stderr = s, s
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cmd.Process.Kill(); s.cmd.Wait() })
	scheme := "http"
	s.client = http.DefaultClient
	for _, line := range strings.Split(readFile(t, config), "\n") {
		if a, ok := strings.CutPrefix(line, "addr: "); ok {
			s.addr = a
		}
		if strings.HasPrefix(line, "tls_cert: ") {
			scheme = "https"
			s.client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		}
	}
	s.base = scheme + "://" + s.addr
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if resp, err := s.client.Get(s.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
	}
	t.Fatalf("serve did not answer /healthz: %s", s.logText())
	return nil
}

func readFile(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, path, text string) string {
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestServeRefusesTheNetworkWithoutUsers: without a users file everyone is admin, so
// serve listens on loopback only; any other address is refused with a clear message.
func TestServeRefusesTheNetworkWithoutUsers(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":8080", "192.0.2.1:8080"} {
		r := kovmon(t, []string{"KOVMON_USERS="}, "--data", t.TempDir(), "serve", "--addr", addr, "--inbox", t.TempDir())
		if r.code != 2 || !strings.Contains(r.stderr, "users file") || !strings.Contains(r.stderr, "127.0.0.1") {
			t.Errorf("serve --addr %s without users: exit %d, %q", addr, r.code, r.stderr)
		}
	}
	cfg := writeFile(t, filepath.Join(t.TempDir(), "c.yaml"), "addr: 127.0.0.1:0\ntls_cert: x.pem\n")
	if r := kovmon(t, nil, "--data", t.TempDir(), "--config", cfg, "serve"); r.code != 2 || !strings.Contains(r.stderr, "tls_key") {
		t.Errorf("tls_cert without tls_key: exit %d, %q", r.code, r.stderr)
	}
	cfg = writeFile(t, filepath.Join(t.TempDir(), "p.yaml"), "addr: 127.0.0.1:0\ntrusted_proxies: [10.0.0.0/8, proxy.example]\n")
	if r := kovmon(t, nil, "--data", t.TempDir(), "--config", cfg, "serve"); r.code != 2 || !strings.Contains(r.stderr, "proxy.example") {
		t.Errorf("a trusted proxy that is no address: exit %d, %q", r.code, r.stderr)
	}
	cfg = writeFile(t, filepath.Join(t.TempDir(), "h.yaml"), "addr: 127.0.0.1:0\npublic_hosts: [https://kovmon.example.ee/]\n")
	if r := kovmon(t, nil, "--data", t.TempDir(), "--config", cfg, "serve"); r.code != 2 || !strings.Contains(r.stderr, "public_hosts") {
		t.Errorf("a public host that is a URL: exit %d, %q", r.code, r.stderr)
	}
	users := writeFile(t, filepath.Join(t.TempDir(), "u.yaml"), "users:\n  - name: x\n    role: boss\n    password: nothash\n")
	if r := kovmon(t, []string{"KOVMON_USERS=" + users}, "--data", t.TempDir(), "serve", "--addr", "127.0.0.1:0"); r.code != 1 || !strings.Contains(r.stderr, "role") {
		t.Errorf("a users file with a bad role: exit %d, %q", r.code, r.stderr)
	}
}

// TestPasswdMakesAnEntryThatSignsIn: the hash `kovmon passwd` prints is one the
// users file accepts and that matches the password.
func TestPasswdMakesAnEntryThatSignsIn(t *testing.T) {
	cmd := exec.Command(binary, "passwd", "--name", "mari", "--role", "analyst", "--token")
	cmd.Stdin = strings.NewReader("a long enough password\n")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v %s", err, errb.String())
	}
	path := writeFile(t, filepath.Join(t.TempDir(), "users.yaml"), "users:\n"+out.String())
	users, err := auth.LoadUsers(path)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	token := errb.String()[strings.LastIndex(errb.String(), " ")+1:]
	if u := users.Login("mari", "a long enough password"); u == nil || u.Level() != auth.Analyst {
		t.Fatalf("the printed hash does not sign in: %s", out.String())
	}
	if users.ByToken(strings.TrimSpace(token)) == nil || users.Login("mari", "wrong") != nil {
		t.Fatalf("token %q or a wrong password", token)
	}
}

// coverageRows sums the source rows behind one indicator's figures in /coverage.csv
// (the rows of the latest refresh).
func coverageRows(t *testing.T, addr, token, indicator string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+"/coverage.csv", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("coverage: %d %v", resp.StatusCode, err)
	}
	total := 0
	for _, r := range rows[1:] {
		if r[0] == indicator {
			n, _ := strconv.Atoi(r[2])
			total += n
		}
	}
	return total
}

// usageFile writes n valid usage rows for Tallinn, ids prefixed so that files differ.
func usageFile(t *testing.T, path, prefix string, n int) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "event_id,event_time,ehak_code,system,service_code,channel,event")
	for i := 0; i < n; i++ {
		fmt.Fprintf(w, "%s-%d,2019-%02d-%02dT%02d:%02d:00Z,0784,KOVTP,S%d,web,submit\n", prefix, i, 1+i%12, 1+i%28, i%24, i%60, i%50)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// stageTablesExist reports whether a load is under way in an embedded data folder: the
// loader stages a file in stage_* tables before it commits.
func stageTablesExist(data string) bool {
	m, _ := filepath.Glob(filepath.Join(data, "metadata", "*", "stage_*.sql"))
	return len(m) > 0
}

// TestKillDuringScheduledIngestAndReport kills serve (SIGKILL) in the middle of a
// scheduled load of a big inbox file, and in the middle of a PDF report; after a
// restart the file loads once, every row counted once, the interrupted run is
// reported, and the report is built again.
func TestKillDuringScheduledIngestAndReport(t *testing.T) {
	data, inbox := t.TempDir(), t.TempDir()
	for _, kind := range []string{"municipalities", "mergers"} {
		if r := kovmon(t, nil, "--data", data, "ingest", "--kind", kind, filepath.Join(registryDir, kind+".csv")); r.code != 0 {
			t.Fatalf("%s: %+v", kind, r)
		}
	}
	config := writeFile(t, filepath.Join(t.TempDir(), "serve.yaml"), fmt.Sprintf("addr: %s\ninbox: %s\nschedules:\n  - cron: \"@every 1s\"\n", freeAddr(t), inbox))
	os.MkdirAll(filepath.Join(inbox, "usage"), 0o755)
	const rows = 1_500_000
	big := filepath.Join(inbox, "usage", "big.csv")
	usageFile(t, big, "big", rows)
	old := time.Now().Add(-time.Minute)
	os.Chtimes(big, old, old) // settled: the first tick takes it

	s := startServed(t, data, config)
	killed := false
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if stageTablesExist(data) {
			s.cmd.Process.Signal(syscall.SIGKILL)
			s.cmd.Wait()
			killed = true
			break
		}
	}
	if !killed {
		t.Fatalf("the load never started: %s", s.logText())
	}
	if _, err := os.Stat(big); err != nil {
		t.Fatalf("after the kill the file is not in the inbox any more: %v", err)
	}

	s = startServed(t, data, config)
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(inbox, "usage", "done", "big.csv")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the file was not loaded after the restart: %s", s.logText())
		}
	}
	// The figures, and the rows behind them, are recomputed after the load; wait
	// until they are.
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(getOK(t, s.addr, "/api/status"), `"fresh": true`); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the figures were not refreshed after the load")
		}
	}
	// Every row is a submit event of Tallinn: all of them are behind I.4, once.
	if got := coverageRows(t, s.addr, "", "I.4"); got != rows {
		t.Errorf("usage rows after kill and restart: %d, want %d exactly", got, rows)
	}
	if !strings.Contains(s.logText(), "interrupted") {
		t.Errorf("the restart did not report the interrupted run: %s", s.logText())
	}
	runs := getOK(t, s.addr, "/api/runs")
	if strings.Count(runs, `"status": "interrupted"`) != 1 || strings.Count(runs, fmt.Sprintf(`"message": "1 files, %d rows loaded"`, rows)) != 1 {
		t.Errorf("runs after the restart: want one interrupted and one that loaded the file: %s", runs)
	}
	if rejected, _ := filepath.Glob(filepath.Join(inbox, "*", "rejected", "*")); len(rejected) > 0 {
		reason, _ := os.ReadFile(rejected[len(rejected)-1])
		t.Errorf("the inbox rejected %d files after the restart, e.g. %s: %s", len(rejected), rejected[len(rejected)-1], reason)
	}

	// A PDF report being printed when the process dies leaves nothing behind that the
	// next start could trip over, and is built again on the next request.
	before := getOK(t, s.addr, "/api/indicators?year=2019")
	go http.Get("http://" + s.addr + "/report?year=2019&format=pdf")
	time.Sleep(1500 * time.Millisecond)
	pid := s.cmd.Process.Pid
	children := childPIDs(pid)
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
	time.Sleep(2 * time.Second)
	for _, c := range children {
		if syscall.Kill(c, 0) == nil {
			t.Logf("process %d (a child of the killed serve) outlived it", c)
		}
	}
	s = startServed(t, data, config)
	if after := getOK(t, s.addr, "/api/indicators?year=2019"); after != before {
		t.Errorf("the figures changed across a kill during the report")
	}
	if resp, err := http.Get("http://" + s.addr + "/report?year=2019&format=pdf"); err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("the report after the restart: %v %v\nthe server said:\n%s", resp, err, s.logText())
	}
}

// childPIDs lists the processes whose parent is pid (Linux /proc).
func childPIDs(pid int) []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		c, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			out = append(out, c)
		}
	}
	return out
}

func getOK(t *testing.T, addr, path string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return string(b)
}

// TestServeSpeaksTLSWhenACertificateIsConfigured: with tls_cert and tls_key, serve
// answers HTTPS with that certificate and HSTS, marks its cookies Secure, and a plain
// HTTP request to the port is refused.
func TestServeSpeaksTLSWhenACertificateIsConfigured(t *testing.T) {
	dir := t.TempDir()
	certDER := selfSignedCertificate(t, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
	hash, err := auth.HashPassword("a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	users := writeFile(t, filepath.Join(dir, "users.yaml"), fmt.Sprintf("users:\n  - name: mari\n    role: admin\n    password: '%s'\n", hash))
	addr := freeAddr(t)
	config := writeFile(t, filepath.Join(dir, "kovmon.yaml"), fmt.Sprintf("addr: %s\ninbox: %s\nusers_file: %s\ntls_cert: %s\ntls_key: %s\n",
		addr, filepath.Join(dir, "inbox"), users, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")))
	s := startServed(t, filepath.Join(dir, "data"), config)

	resp, err := s.client.Get(s.base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.TLS == nil || len(resp.TLS.PeerCertificates) == 0 || !bytes.Equal(resp.TLS.PeerCertificates[0].Raw, certDER) {
		t.Fatal("the server did not present the configured certificate")
	}
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no Strict-Transport-Security header over TLS")
	}
	if cookies := resp.Cookies(); len(cookies) == 0 || !cookies[0].Secure || !cookies[0].HttpOnly {
		t.Errorf("the login form's cookie is not Secure and HttpOnly: %v", cookies)
	}
	if plain, err := http.Get("http://" + addr + "/healthz"); err == nil {
		plain.Body.Close()
		if plain.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP to the TLS port: %d, want 400", plain.StatusCode)
		}
	}
}

// selfSignedCertificate writes a certificate for 127.0.0.1 and its key as PEM, and
// returns the certificate's DER bytes.
func selfSignedCertificate(t *testing.T, certPath, keyPath string) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kovmon test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, certPath, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, keyPath, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})))
	return der
}

// TestServeFileNamesOnlyItsOwnProcess: the address a server leaves in its data folder
// is used only while the folder's holder is that server; one left by a killed server
// is ignored.
func TestServeFileNamesOnlyItsOwnProcess(t *testing.T) {
	dir := t.TempDir()
	remove, err := writeServeFile(dir, "http://127.0.0.1:8080")
	if err != nil {
		t.Fatal(err)
	}
	if got := runningServer(&store.FolderInUseError{Dir: dir, PID: os.Getpid()}); got != "http://127.0.0.1:8080" {
		t.Errorf("the holder's own record: %q", got)
	}
	if got := runningServer(&store.FolderInUseError{Dir: dir, PID: os.Getpid() + 1}); got != "" {
		t.Errorf("a record of another process was used: %q", got)
	}
	remove()
	if got := runningServer(&store.FolderInUseError{Dir: dir, PID: os.Getpid()}); got != "" {
		t.Errorf("a removed record was used: %q", got)
	}
}
