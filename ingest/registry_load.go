package ingest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"ee/kovmon/kov"
	"ee/kovmon/registry"
)

// registryKind describes the columns of a reference-data file.
type registryKind struct {
	name     string
	required []string
	optional []string
}

var registryKinds = []registryKind{
	{name: KindMunicipalities, required: []string{"ehak_code", "name", "type", "county_code", "county_name"}, optional: []string{"valid_from", "valid_to", "population"}},
	{name: KindMergers, required: []string{"old_ehak_code", "new_ehak_code", "effective_date"}, optional: []string{"area_share"}},
}

// registryError names the file, line and column of a registry problem; one rejects
// the whole file, since a half-loaded registry would attribute rows wrongly.
func registryError(file string, line int64, column, reason string) error {
	if column == "" {
		return fmt.Errorf("%s line %d: %s", file, line, reason)
	}
	return fmt.Errorf("%s line %d, column %s: %s", file, line, column, reason)
}

// loadRegistryFile loads a municipalities or mergers file whole or not at all: every
// row is checked, the merged registry (stored rows plus the file's) is validated, and
// only then are the rows the store lacks added.
func (l *Loader) loadRegistryFile(ctx context.Context, res *FileResult, path, kindName string) error {
	var rk registryKind
	for _, k := range registryKinds {
		if k.name == kindName {
			rk = k
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	hasher := sha256.New()
	rr, err := NewRecordReader(io.TeeReader(f, hasher), filepath.Base(path))
	if err != nil {
		return err
	}
	defer rr.Close()
	col := map[string]int{}
	for i, h := range rr.Header() {
		col[h] = i
	}
	for _, c := range rk.required {
		if _, ok := col[c]; !ok {
			return fmt.Errorf("%s header: %s file lacks required column %s / %s-failist puudub kohustuslik veerg %s", path, kindName, c, kindName, c)
		}
	}
	field := func(rec Record, name string) string {
		if i, ok := col[name]; ok && i < len(rec.Fields) {
			return strings.TrimSpace(rec.Fields[i])
		}
		return ""
	}
	current, err := registry.Load(ctx, l.Store)
	if err != nil {
		return err
	}
	var units []kov.Municipality
	var mergers []kov.Merger
	for {
		rec, err := rr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var rowErr *RowError
		if errors.As(err, &rowErr) {
			return registryError(path, rowErr.Line, rowErr.Column, rowErr.Reason)
		}
		if err != nil {
			return err
		}
		res.RowsRead++
		get := func(name string) string { return field(rec, name) }
		if kindName == KindMunicipalities {
			u, column, reason := parseUnit(get)
			if reason != "" {
				return registryError(path, rec.Line, column, reason)
			}
			units = append(units, u)
		} else {
			m, column, reason := parseMerger(get)
			if reason != "" {
				return registryError(path, rec.Line, column, reason)
			}
			mergers = append(mergers, m)
		}
	}
	io.Copy(hasher, f)
	res.FileID = fileID(hasher)

	newUnits := newOnly(current.Units(), units, unitKey)
	newMergers := newOnly(current.Mergers(), mergers, mergerKey)
	combined, err := registry.New(append(append([]kov.Municipality{}, current.Units()...), newUnits...),
		append(append([]kov.Merger{}, current.Mergers()...), newMergers...))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := registry.Store(ctx, l.Store, combined, newUnits, newMergers, res.FileID, res.RunID); err != nil {
		return err
	}
	res.Loaded = int64(len(newUnits) + len(newMergers))
	res.Duplicates = res.RowsRead - res.Loaded
	return nil
}

func parseUnit(get func(string) string) (u kov.Municipality, column, reason string) {
	var ok bool
	if u.Code, ok = padEHAK(get("ehak_code")); !ok {
		return u, "ehak_code", "EHAK code must be 1-4 digits"
	}
	if u.Name = get("name"); u.Name == "" {
		return u, "name", "missing value"
	}
	if u.Type = strings.ToLower(get("type")); u.Type != "linn" && u.Type != "vald" {
		return u, "type", "type must be linn or vald"
	}
	if u.CountyCode, ok = padEHAK(get("county_code")); !ok {
		return u, "county_code", "county code must be 1-4 digits"
	}
	u.CountyName = get("county_name")
	var err error
	if u.ValidFrom, err = registry.ParseDate(get("valid_from")); err != nil {
		return u, "valid_from", "date must be YYYY-MM-DD"
	}
	if u.ValidTo, err = registry.ParseDate(get("valid_to")); err != nil {
		return u, "valid_to", "date must be YYYY-MM-DD"
	}
	if !u.ValidFrom.IsZero() && !u.ValidTo.IsZero() && !u.ValidTo.After(u.ValidFrom) {
		return u, "valid_to", "valid_to must be after valid_from"
	}
	if p := get("population"); p != "" {
		if u.Population, err = strconv.Atoi(p); err != nil || u.Population < 0 {
			return u, "population", "population must be a whole number >= 0"
		}
	}
	return u, "", ""
}

func parseMerger(get func(string) string) (m kov.Merger, column, reason string) {
	var ok bool
	if m.Old, ok = padEHAK(get("old_ehak_code")); !ok {
		return m, "old_ehak_code", "EHAK code must be 1-4 digits"
	}
	if m.New, ok = padEHAK(get("new_ehak_code")); !ok {
		return m, "new_ehak_code", "EHAK code must be 1-4 digits"
	}
	var err error
	if m.Effective, err = time.Parse(time.DateOnly, get("effective_date")); err != nil {
		return m, "effective_date", "date must be YYYY-MM-DD"
	}
	m.AreaShare = 1
	if s := get("area_share"); s != "" {
		if m.AreaShare, err = strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64); err != nil || m.AreaShare <= 0 || m.AreaShare > 1 {
			return m, "area_share", "area_share must be a decimal above 0 and at most 1"
		}
	}
	return m, "", ""
}

func unitKey(u kov.Municipality) string { return u.Code + "|" + u.ValidFrom.Format(time.DateOnly) }

func mergerKey(m kov.Merger) string { return m.Old + "|" + m.New }

// newOnly returns the entries of file whose key is neither stored nor earlier in file.
func newOnly[T any](stored, file []T, key func(T) string) []T {
	seen := map[string]bool{}
	for _, e := range stored {
		seen[key(e)] = true
	}
	var out []T
	for _, e := range file {
		if k := key(e); !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}
