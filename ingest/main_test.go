package ingest

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"ee/kovmon/store"
)

// childEnv makes the test binary, re-run as a child, do one job and exit: the
// embedded engine takes one data folder per process and cannot be reset, so work on
// another folder (the crash test's) or from a clean start (the memory benchmarks)
// runs in a process of its own.
const childEnv = "KOVMON_INGEST_CHILD"

func TestMain(m *testing.M) {
	if job := os.Getenv(childEnv); job != "" {
		os.Exit(runChild(job))
	}
	os.Exit(m.Run())
}

func runChild(job string) int {
	var (
		out any
		err error
	)
	switch job {
	case "counts":
		out, err = childCounts(os.Getenv("KOVMON_CHILD_DATA"))
	case "load-engine", "load-ours":
		out, err = childLoad(job, os.Getenv("KOVMON_CHILD_DATA"), os.Getenv("KOVMON_CHILD_FILE"), os.Getenv("KOVMON_CHILD_PRELOAD"))
	case "engine-csv":
		out, err = childEngineCSV(os.Getenv("KOVMON_CHILD_DATA"), os.Getenv("KOVMON_CHILD_FILE"))
	case "load-hostile":
		out, err = childLoadHostile(os.Getenv("KOVMON_CHILD_DATA"), os.Getenv("KOVMON_CHILD_FILE"))
	default:
		err = fmt.Errorf("unknown child job %q", job)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 3
	}
	json.NewEncoder(os.Stdout).Encode(out)
	store.ShutdownEngine()
	return 0
}

// usageCounts is what a data folder holds after loads of a usage file.
type usageCounts struct {
	Rows, Keys, SumLines       int64
	Quarantined, QuarantineKey int64
	Stages                     int64
	// CountsDiffer: where the counts kept at insert differ from a recount of the rows
	// (CountsDisagree), "" when nowhere.
	CountsDiffer string
}

func childCounts(dir string) (usageCounts, error) {
	s, err := store.Open(context.Background(), store.Config{DataDir: dir})
	if err != nil {
		return usageCounts{}, err
	}
	return countUsage(s)
}

func countUsage(s store.Store) (usageCounts, error) {
	r, err := s.Query(context.Background(), `SELECT
    (SELECT count() FROM usage), (SELECT uniqExact(event_id) FROM usage), (SELECT sum(line) FROM usage),
    (SELECT count() FROM quarantine), (SELECT uniqExact(file_id, line, column) FROM quarantine),
    (SELECT count() FROM system.tables WHERE database = currentDatabase() AND startsWith(name, 'stage_'))`, nil)
	if err != nil {
		return usageCounts{}, err
	}
	var n [6]int64
	for i := range n {
		if n[i], err = strconv.ParseInt(r.Rows[0][i], 10, 64); err != nil {
			return usageCounts{}, err
		}
	}
	differ, err := CountsDisagree(context.Background(), s)
	if err != nil {
		return usageCounts{}, err
	}
	return usageCounts{Rows: n[0], Keys: n[1], SumLines: n[2], Quarantined: n[3], QuarantineKey: n[4], Stages: n[5],
		CountsDiffer: strings.Join(differ, "; ")}, nil
}

// runTestChild runs this test binary as a child doing job with the given
// environment, and decodes what it prints.
func runTestChild(t testing.TB, job string, env map[string]string, out any) {
	t.Helper()
	cmd := testChildCommand(job, env)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if os.Getenv("KOVMON_BENCH_TRACE") != "" {
		cmd.Stderr = io.MultiWriter(&stderr, os.Stderr) // the statements' trace, as it happens
	}
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("child %s: %v\n%s", job, err, stderr.String())
	}
	if err := json.Unmarshal(stdout, out); err != nil {
		t.Fatalf("child %s printed %q: %v", job, stdout, err)
	}
}

// usageFile describes a generated usage file: its data rows, and what a complete
// load of it must store.
type usageFile struct {
	Path      string
	Rows      int64 // data rows
	Keys      int64 // distinct valid keys: the rows a load stores
	Bad       int64 // rows with an unknown municipality: quarantined
	SumLines  int64 // sum of the lines of the rows stored (each key's first line)
	SizeBytes int64
}

// usageSpec says what writeUsageFile puts in the file besides valid rows.
type usageSpec struct {
	Rows     int
	BadEvery int // every BadEvery-th row has an unknown municipality (0: none)
	DupEvery int // every DupEvery-th row repeats the key of an earlier row (0: none)
	// FirstID shifts the rows' keys: row i has the key of row FirstID+i of a file
	// without it, so that a file of FirstID rows and this one share no key.
	FirstID int
}

func (s usageSpec) dup(i int) bool { return s.DupEvery > 0 && i > 0 && i%s.DupEvery == 0 }

func (s usageSpec) bad(i int) bool {
	return !s.dup(i) && s.BadEvery > 1 && i%s.BadEvery == s.BadEvery-1
}

// writeUsageFile writes a usage CSV with the contract's ten columns and realistic
// values (about 100 bytes a row): unique 16-digit hex event ids, timestamps of
// 2016-2020 in both accepted forms, codes of the given registry, the systems,
// channels and events of the contract, some empty optional fields. It is the same
// for the same spec. The file is written under a temporary name and renamed, so a
// cached file is always whole.
func writeUsageFile(path string, spec usageSpec, codes []string) (usageFile, error) {
	uf := usageFile{Path: path}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return uf, err
	}
	defer os.Remove(tmp)
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("event_id,event_time,ehak_code,system,service_code,channel,event,session_id,user_hash,duration_ms\n")
	rng := rand.New(rand.NewPCG(uint64(spec.Rows), 2018))
	channels := []string{"web", "portal", "email", "xroad", "paper", "office", "phone"}
	events := []string{"view", "start", "submit", "decision", "notification"}
	start := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	tallinn, err := time.LoadLocation("Europe/Tallinn")
	if err != nil {
		return uf, err
	}
	var line []byte
	for i := range spec.Rows {
		lineNo := int64(i) + 2
		id := uint64(spec.FirstID + i)
		dup, bad := spec.dup(i), spec.bad(i)
		if dup {
			// The key of an earlier row that is stored: that row stays the one stored.
			j := rng.IntN(i)
			for j > 0 && (spec.dup(j) || spec.bad(j)) {
				j--
			}
			id = uint64(spec.FirstID + j)
		}
		line = fmt.Appendf(line[:0], "%016x,", mix(id))
		at := time.Unix(start+rng.Int64N(5*365*86400), int64(rng.IntN(1000))*1e6).In(tallinn)
		if rng.IntN(5) == 0 {
			line = at.AppendFormat(line, "2006-01-02 15:04:05")
		} else {
			line = at.AppendFormat(line, "2006-01-02T15:04:05-07:00")
		}
		code := codes[rng.IntN(len(codes))]
		if bad {
			code = "9999"
		}
		line = fmt.Appendf(line, ",%s,%s,S-%04d,%s,%s,", code, Systems[rng.IntN(len(Systems))], rng.IntN(3000),
			channels[rng.IntN(len(channels))], events[rng.IntN(len(events))])
		if rng.IntN(5) > 0 {
			line = fmt.Appendf(line, "%08x", rng.Uint32())
		}
		line = append(line, ',')
		if rng.IntN(10) > 2 {
			line = fmt.Appendf(line, "%016x", rng.Uint64())
		}
		line = append(line, ',')
		if rng.IntN(10) > 0 {
			line = strconv.AppendInt(line, rng.Int64N(120000), 10)
		}
		line = append(line, '\n')
		w.Write(line)
		uf.Rows++
		switch {
		case bad:
			uf.Bad++
		case !dup:
			uf.Keys++
			uf.SumLines += lineNo
		}
	}
	uf.SizeBytes, err = finishGenerated(w, tmp, path, f)
	return uf, err
}

// finishGenerated flushes w, closes what lies under it (a gzip writer, then the file),
// renames the file from tmp to path and returns its size: a generated file is whole
// once it has its name.
func finishGenerated(w *bufio.Writer, tmp, path string, under ...io.Closer) (int64, error) {
	if err := w.Flush(); err != nil {
		return 0, err
	}
	for _, c := range under {
		if err := c.Close(); err != nil {
			return 0, err
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return 0, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// mix is a bijection of 64-bit numbers (a splitmix64 finaliser), so distinct row
// numbers give distinct, random-looking event ids.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// registryCodes lists the EHAK codes of the test registry's municipalities.
func registryCodes(t testing.TB) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(registryDir, "municipalities.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, r := range recs[1:] {
		codes = append(codes, r[0])
	}
	return codes
}

// testChildCommand is this test binary run as a child doing job.
func testChildCommand(job string, env map[string]string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+job)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}
