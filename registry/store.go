package registry

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"ee/kovmon/kov"
	"ee/kovmon/store"
)

// unitRow and mergerRow are the registry tables' rows as registry.Units and
// registry.Mergers answer them.
type unitRow struct {
	Code       string     `ch:"ehak_code"`
	Name       string     `ch:"name"`
	Type       string     `ch:"type"`
	CountyCode string     `ch:"county_code"`
	CountyName string     `ch:"county_name"`
	ValidFrom  *time.Time `ch:"valid_from"`
	ValidTo    *time.Time `ch:"valid_to"`
	Population *int       `ch:"population"`
}

type mergerRow struct {
	Old       string    `ch:"old_ehak_code"`
	New       string    `ch:"new_ehak_code"`
	Effective time.Time `ch:"effective_date"`
	AreaShare float64   `ch:"area_share"`
}

// Load reads the registry from the store.
func Load(ctx context.Context, s store.Store) (*Registry, error) {
	unitRows, err := store.Select[unitRow](ctx, s, "registry.Units", nil)
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	units := make([]kov.Municipality, len(unitRows))
	for i, r := range unitRows {
		units[i] = kov.Municipality{Code: r.Code, Name: r.Name, Type: r.Type, CountyCode: r.CountyCode, CountyName: r.CountyName,
			ValidFrom: orZero(r.ValidFrom), ValidTo: orZero(r.ValidTo)}
		if r.Population != nil {
			units[i].Population = *r.Population
		}
	}
	mergerRows, err := store.Select[mergerRow](ctx, s, "registry.Mergers", nil)
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	mergers := make([]kov.Merger, len(mergerRows))
	for i, r := range mergerRows {
		mergers[i] = kov.Merger{Old: r.Old, New: r.New, Effective: r.Effective, AreaShare: r.AreaShare}
	}
	return New(units, mergers)
}

// orZero is the date, or the zero time for NULL (no bound).
func orZero(d *time.Time) time.Time {
	if d == nil {
		return time.Time{}
	}
	return *d
}

// ParseDate reads YYYY-MM-DD; the empty string is the zero time.
func ParseDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.DateOnly, s)
}

// AttributionYears are the years whose boundary dates the attribution table holds.
// Measurement rows are validated to lie in them.
const (
	FirstYear = 1970
	LastYear  = 2100
)

// WriteAttribution rewrites the attribution table: for every year and both boundary
// modes, which unit each code's rows count for (asof: the unit valid on Y-12-31;
// current: the unit valid on the registry's latest date).
func WriteAttribution(ctx context.Context, s store.Store, r *Registry) error {
	codes := make([]string, 0, len(r.byCode))
	for code := range r.byCode {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	latest := r.LatestDate()
	current := map[string]string{}
	for _, code := range codes {
		if unit, ok := r.SuccessorOn(code, latest); ok {
			current[code] = unit
		}
	}
	var tsv []byte
	row := func(mode kov.Boundaries, year int, day time.Time, code, unit string) {
		tsv = store.AppendTSVRow(tsv, string(mode), strconv.Itoa(year), day.Format(time.DateOnly), code, unit)
	}
	for y := FirstYear; y <= LastYear; y++ {
		end := kov.YearEnd(y)
		for _, code := range codes {
			if unit, ok := r.SuccessorOn(code, end); ok {
				row(kov.BoundariesAsOf, y, end, code, unit)
			}
			if unit, ok := current[code]; ok {
				row(kov.BoundariesCurrent, y, latest, code, unit)
			}
		}
	}
	if err := s.Exec(ctx, store.TruncateStatement(s, "attribution"), nil); err != nil {
		return fmt.Errorf("attribution: %w", err)
	}
	if err := s.InsertTSV(ctx, "attribution", []string{"boundaries", "year", "boundary_date", "ehak_code", "unit_code"}, tsv); err != nil {
		return fmt.Errorf("attribution: %w", err)
	}
	return nil
}

// BoundaryDate is the day whose units year y is reported in.
func (r *Registry) BoundaryDate(mode kov.Boundaries, y int) time.Time {
	if mode == kov.BoundariesCurrent {
		return r.LatestDate()
	}
	return kov.YearEnd(y)
}

// unitsTSV and mergersTSV encode rows for the registry tables.
func unitsTSV(units []kov.Municipality, fileID, runID string) []byte {
	var b []byte
	for _, u := range units {
		b = store.AppendTSVRow(b, u.Code, u.Name, u.Type, u.CountyCode, u.CountyName, dateOrNull(u.ValidFrom), dateOrNull(u.ValidTo), intOrNull(u.Population), fileID, runID)
	}
	return b
}

func mergersTSV(mergers []kov.Merger, fileID, runID string) []byte {
	var b []byte
	for _, m := range mergers {
		b = store.AppendTSVRow(b, m.Old, m.New, m.Effective.Format(time.DateOnly), strconv.FormatFloat(m.AreaShare, 'g', -1, 64), fileID, runID)
	}
	return b
}

func dateOrNull(d time.Time) string {
	if d.IsZero() {
		return store.Null
	}
	return d.Format(time.DateOnly)
}

func intOrNull(n int) string {
	if n == 0 {
		return store.Null
	}
	return strconv.Itoa(n)
}

// UnitColumns and MergerColumns are the registry tables' columns in the order the
// TSV encoders write them.
var (
	UnitColumns   = []string{"ehak_code", "name", "type", "county_code", "county_name", "valid_from", "valid_to", "population", "file_id", "run_id"}
	MergerColumns = []string{"old_ehak_code", "new_ehak_code", "effective_date", "area_share", "file_id", "run_id"}
)

// Store adds units and mergers that the store does not hold yet (by key: code and
// valid_from; old and new code) and rewrites the attribution. The caller has
// validated the combined registry with New and left out rows already stored.
func Store(ctx context.Context, s store.Store, combined *Registry, newUnits []kov.Municipality, newMergers []kov.Merger, fileID, runID string) error {
	if err := s.InsertTSV(ctx, "municipalities", UnitColumns, unitsTSV(newUnits, fileID, runID)); err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	if err := s.InsertTSV(ctx, "mergers", MergerColumns, mergersTSV(newMergers, fileID, runID)); err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	return WriteAttribution(ctx, s, combined)
}
