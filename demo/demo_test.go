package demo

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ee/kovmon/refdata"
)

var realRegistry = refdata.FS()

// generated runs Generate once per registry for the tests that only read.
var generated = struct {
	sync.Mutex
	dirs map[string]*Manifest
}{dirs: map[string]*Manifest{}}

func smallOnRealRegistry(t *testing.T) *Manifest {
	t.Helper()
	generated.Lock()
	defer generated.Unlock()
	if m := generated.dirs["real"]; m != nil {
		return m
	}
	dir, err := os.MkdirTemp("", "kovmon-demo-")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	m, err := Generate(dir, Options{Seed: 1, Scale: "small", Registry: realRegistry})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("small generation on the real registry: %v", time.Since(start))
	generated.dirs["real"] = m
	return m
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, man := range generated.dirs {
		if len(man.Files) > 0 {
			os.RemoveAll(filepath.Dir(man.Files[0].Path))
		}
	}
	os.Exit(code)
}

func TestManifestIsInLoadOrderAndCountsTheRowsWritten(t *testing.T) {
	m := smallOnRealRegistry(t)
	var kinds []string
	for _, f := range m.Files {
		if len(kinds) == 0 || kinds[len(kinds)-1] != f.Kind {
			kinds = append(kinds, f.Kind)
		}
		if rows := eachRow(t, f.Path, func(map[string]string) {}); rows != f.Rows {
			t.Errorf("%s: manifest says %d rows, file holds %d", f.Path, f.Rows, rows)
		}
	}
	want := []string{"municipalities", "mergers", "usage", "feedback", "services", "audits", "survey", "trainings", "org_goals"}
	if !slices.Equal(kinds, want) {
		t.Errorf("kinds in order %v, want %v", kinds, want)
	}
	if m.Files[0].Rows != 269 || m.Files[1].Rows != 200 {
		t.Errorf("registry rows %d and %d, want the real 269 municipalities and 200 mergers", m.Files[0].Rows, m.Files[1].Rows)
	}
}

func TestSmallUsageVolume(t *testing.T) {
	m := smallOnRealRegistry(t)
	var events int64
	for _, f := range m.Files {
		if f.Kind == "usage" {
			events += f.Rows
		}
	}
	if events < 200_000 || events > 400_000 {
		t.Errorf("small scale wrote %d usage events, want 200–400 thousand", events)
	}
}

// The paperless share of official acts (I.4), computed straight from the
// written usage files by the spec's rules, rises from about 30 % to about
// 60 % and crosses the 50 % target between 2018 and 2019.
func TestPaperlessShareRisesAcrossTheTarget(t *testing.T) {
	m := smallOnRealRegistry(t)
	paperless, acts := map[int]float64{}, map[int]float64{}
	for _, f := range m.Files {
		if f.Kind != "usage" {
			continue
		}
		eachRow(t, f.Path, func(r map[string]string) {
			when, ok := parseTimestamp(r["event_time"])
			if !ok {
				return // a deliberately bad row
			}
			switch r["event"] {
			case "submit", "decision", "notification":
			default:
				return
			}
			year := when.In(tallinn).Year()
			acts[year]++
			switch r["channel"] {
			case "web", "portal", "email", "xroad":
				paperless[year]++
			}
		})
	}
	share := map[int]float64{}
	for y := FirstYear; y <= LastYear; y++ {
		share[y] = 100 * paperless[y] / acts[y]
	}
	t.Logf("I.4 national %% by year: %.1f", []float64{share[2016], share[2017], share[2018], share[2019], share[2020], share[2021]})
	if share[2016] < 25 || share[2016] > 35 {
		t.Errorf("2016 paperless share %.1f %%, want about 30", share[2016])
	}
	if share[2021] < 55 || share[2021] > 65 {
		t.Errorf("2021 paperless share %.1f %%, want about 60", share[2021])
	}
	if share[2017] >= 50 || share[2020] <= 50 {
		t.Errorf("paperless share should cross 50 %% in 2018–2019: 2017 %.1f, 2020 %.1f", share[2017], share[2020])
	}
	for y := FirstYear + 1; y <= LastYear; y++ {
		if share[y] <= share[y-1] {
			t.Errorf("paperless share fell from %.1f in %d to %.1f in %d", share[y-1], y-1, share[y], y)
		}
	}
	if acts[FirstYear-1] != 0 || acts[LastYear+1] != 0 {
		t.Errorf("acts outside %d–%d in Tallinn time: %v", FirstYear, LastYear, acts)
	}
}

// Rows follow the reform: 2016 under the 213 old codes, 2018 under the 79
// new ones apart from a few stale rows; some events of 31 December in UTC
// belong to the next year in Tallinn.
func TestUsageCodesFollowTheReform(t *testing.T) {
	m := smallOnRealRegistry(t)
	reg, err := loadRegistry(realRegistry)
	if err != nil {
		t.Fatal(err)
	}
	activeAtYearEnd := map[int]map[string]bool{}
	for y := FirstYear; y <= LastYear; y++ {
		activeAtYearEnd[y] = map[string]bool{}
		for _, u := range reg.activeOn(dayOf(y, 12, 31)) {
			activeAtYearEnd[y][u.code] = true
		}
	}
	rows, outside, lateUTC := map[int]int{}, map[int]int{}, 0
	for _, f := range m.Files {
		if f.Kind != "usage" {
			continue
		}
		eachRow(t, f.Path, func(r map[string]string) {
			when, ok := parseTimestamp(r["event_time"])
			if !ok || r["ehak_code"] == "9999" {
				return
			}
			year := when.In(tallinn).Year()
			rows[year]++
			if !activeAtYearEnd[year][r["ehak_code"]] {
				outside[year]++
			}
			if u := when.UTC(); u.Month() == time.December && u.Day() == 31 && u.Hour() >= 22 && strings.HasSuffix(r["event_time"], "Z") {
				lateUTC++
			}
		})
	}
	if got := float64(outside[2016]) / float64(rows[2016]); got > 0.001 {
		t.Errorf("%.2f %% of 2016 rows under codes not active on 2016-12-31", 100*got)
	}
	if got := float64(outside[2018]) / float64(rows[2018]); got == 0 || got > 0.05 {
		t.Errorf("%.2f %% of 2018 rows under pre-merger codes, want a few (0–5 %%)", 100*got)
	}
	if got := float64(outside[2017]) / float64(rows[2017]); got < 0.25 {
		t.Errorf("only %.1f %% of 2017 rows under pre-reform codes; the reform came in late October (the unchanged cities hold half the people)", 100*got)
	}
	if lateUTC < 5 {
		t.Errorf("%d events in the last hours of 31 December UTC, want some in every year", lateUTC)
	}
}

func TestFeedbackSatisfactionRises(t *testing.T) {
	m := smallOnRealRegistry(t)
	satisfied, all := map[int]float64{}, map[int]float64{}
	for _, f := range m.Files {
		if f.Kind != "feedback" {
			continue
		}
		eachRow(t, f.Path, func(r map[string]string) {
			when, ok := parseTimestamp(r["submitted_at"])
			score, err := strconv.Atoi(r["score"])
			if !ok || err != nil || score < 1 || score > 5 || !centralSystems[r["system"]] {
				return
			}
			year := when.In(tallinn).Year()
			all[year]++
			if score >= 4 {
				satisfied[year]++
			}
		})
	}
	first, last := 100*satisfied[2016]/all[2016], 100*satisfied[2021]/all[2021]
	t.Logf("I.1 national: 2016 %.1f %%, 2021 %.1f %%", first, last)
	if first < 35 || first > 45 || last < 50 || last > 60 {
		t.Errorf("satisfied share %.1f %% in 2016 and %.1f %% in 2021, want about 40 and 55", first, last)
	}
}

// Every kind carries some rows that the ingest must quarantine, and only a
// few: about one in a thousand.
func TestEveryKindHasAFewBadRows(t *testing.T) {
	m := smallOnRealRegistry(t)
	bad := map[string]int64{}
	rows := map[string]int64{}
	for _, f := range m.Files {
		rows[f.Kind] += f.Rows
		eachRow(t, f.Path, func(r map[string]string) {
			if isBad(f.Kind, r) {
				bad[f.Kind]++
			}
		})
	}
	for kind, n := range rows {
		if kind == "municipalities" || kind == "mergers" {
			continue
		}
		if bad[kind] == 0 {
			t.Errorf("%s: no deliberately bad rows", kind)
		}
		if share := float64(bad[kind]) / float64(n); n > 10_000 && share > 0.003 {
			t.Errorf("%s: %.2f %% bad rows, want about 0.1 %%", kind, 100*share)
		}
	}
}

// isBad applies the contract's checks that the demo's bad rows violate.
func isBad(kind string, r map[string]string) bool {
	if r["ehak_code"] == "9999" {
		return true
	}
	for _, col := range []string{"event_time", "submitted_at"} {
		if v, ok := r[col]; ok {
			if _, valid := parseTimestamp(v); !valid {
				return true
			}
		}
	}
	for _, col := range []string{"snapshot_date", "audit_date", "event_date"} {
		if v, ok := r[col]; ok {
			if _, err := time.Parse("2006-01-02", v); err != nil {
				return true
			}
		}
	}
	switch kind {
	case "usage":
		return !slices.Contains([]string{"web", "portal", "email", "xroad", "paper", "office", "phone"}, r["channel"])
	case "feedback":
		s, err := strconv.Atoi(r["score"])
		return err != nil || s < 1 || s > 5
	case "services":
		return !isBool(r["has_eform"])
	case "audits":
		total, _ := strconv.Atoi(r["findings_total"])
		open, _ := strconv.Atoi(r["findings_open"])
		return open > total
	case "survey":
		_, err := strconv.Atoi(r["year"])
		return err != nil
	case "trainings":
		n, err := strconv.Atoi(r["participants"])
		return err != nil || n < 1
	case "org_goals":
		return r["goal_id"] == "" || !isBool(r["achieved"])
	}
	return false
}

func isBool(s string) bool {
	return slices.Contains([]string{"true", "false", "1", "0", "yes", "no", "jah", "ei"}, strings.ToLower(s))
}

func TestSameSeedSameBytes(t *testing.T) {
	hash := func(seed int64) map[string]string {
		dir := t.TempDir()
		m, err := Generate(dir, Options{Seed: seed, Scale: "small"})
		if err != nil {
			t.Fatal(err)
		}
		sums := map[string]string{}
		for _, f := range m.Files {
			data, err := os.ReadFile(f.Path)
			if err != nil {
				t.Fatal(err)
			}
			sums[filepath.Base(f.Path)] = fmt.Sprintf("%x", sha256.Sum256(data))
		}
		return sums
	}
	a, b, other := hash(7), hash(7), hash(8)
	if len(a) == 0 || fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("seed 7 twice gave different files:\n%v\n%v", a, b)
	}
	if a["usage_2018.csv"] == other["usage_2018.csv"] {
		t.Error("seeds 7 and 8 gave the same usage file")
	}
}

// The built-in registry has the reform's cases in miniature, and the
// generated rows use its codes.
func TestBuiltInRegistry(t *testing.T) {
	dir := t.TempDir()
	m, err := Generate(dir, Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := loadRegistry(nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(reg.activeOn(dayOf(2016, 12, 31))); n != 13 {
		t.Errorf("%d units active on 2016-12-31, want 12 old ones and the unchanged city", n)
	}
	if n := len(reg.activeOn(dayOf(2017, 12, 31))); n != 5 {
		t.Errorf("%d units active on 2017-12-31, want 4 merged and the unchanged city", n)
	}
	known := map[string]bool{}
	for _, u := range reg.units {
		known[u.code] = true
	}
	codes := map[string]bool{}
	for _, f := range m.Files {
		if f.Kind != "survey" && f.Kind != "trainings" {
			continue
		}
		eachRow(t, f.Path, func(r map[string]string) {
			codes[r["ehak_code"]] = true
		})
	}
	for code := range codes {
		if !known[code] && code != "9999" {
			t.Errorf("code %s is not in the built-in registry", code)
		}
	}
	if !codes["0104"] || !codes["0101"] || !codes["0204"] {
		t.Errorf("survey and trainings should name old, kept and recoded units; got %v", codes)
	}
}

func TestUnknownScaleIsAnError(t *testing.T) {
	if _, err := Generate(t.TempDir(), Options{Scale: "huge"}); err == nil || !strings.Contains(err.Error(), "small or full") {
		t.Errorf("err = %v, want one that names the scales", err)
	}
}

func TestSpreadsheetAndJSONLinesFiles(t *testing.T) {
	m := smallOnRealRegistry(t)
	for _, f := range m.Files {
		data, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		switch f.Kind {
		case "audits":
			if !bytes.HasPrefix(data, []byte("\ufeffaudit_id;audit_date;")) {
				t.Errorf("audits should be a ;-separated export with a byte-order mark; starts %q", data[:30])
			}
		case "org_goals":
			if !strings.HasSuffix(f.Path, ".jsonl") {
				t.Errorf("org goals file %s is not JSON Lines", f.Path)
			}
		}
	}
}

// eachRow reads a written CSV (either separator, optional BOM) or JSON Lines
// file and calls fn with each row keyed by column name; the map is reused.
// It returns the number of rows.
func eachRow(t *testing.T, path string, fn func(map[string]string)) int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	var rows int64
	row := map[string]string{}
	if strings.HasSuffix(path, ".jsonl") {
		dec := json.NewDecoder(br)
		for {
			var obj map[string]any
			if err := dec.Decode(&obj); err == io.EOF {
				return rows
			} else if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			clear(row)
			for k, v := range obj {
				row[k] = fmt.Sprint(v)
			}
			fn(row)
			rows++
		}
	}
	if bom, _ := br.Peek(3); string(bom) == "\ufeff" {
		br.Discard(3)
	}
	first, _ := br.Peek(200)
	r := csv.NewReader(br)
	if bytes.IndexByte(first, ';') >= 0 {
		r.Comma = ';'
	}
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	header = slices.Clone(header)
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for i, h := range header {
			row[h] = rec[i]
		}
		fn(row)
		rows++
	}
}

// parseTimestamp accepts the contract's forms: RFC 3339, or Tallinn wall clock.
func parseTimestamp(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	t, err := time.ParseInLocation("2006-01-02 15:04:05", s, tallinn)
	return t, err == nil
}
