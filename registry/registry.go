// Package registry is the register of Estonian municipalities (KOV) and their mergers:
// which units exist on a date, which unit a code's rows belong to on a date (following
// merger chains, and the largest area share where a unit was split), and which units
// were formed by merging. Every figure kovmon computes is attributed through it.
//
// The model here is plain Go; load.go reads registry files and the store.
package registry

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"ee/kovmon/kov"
)

// Registry is a validated set of units and mergers.
type Registry struct {
	units   []kov.Municipality
	mergers []kov.Merger
	byCode  map[string][]kov.Municipality
	from    map[string][]kov.Merger // mergers by old code, largest area share first
	to      map[string][]kov.Merger // mergers by new code
}

// New validates units and mergers together: every merger code must be in the
// registry, and following mergers must never lead back to where it started (a unit
// that keeps its own code, old == new, is allowed).
func New(units []kov.Municipality, mergers []kov.Merger) (*Registry, error) {
	r := &Registry{units: units, mergers: mergers, byCode: map[string][]kov.Municipality{}, from: map[string][]kov.Merger{}, to: map[string][]kov.Merger{}}
	for _, u := range units {
		r.byCode[u.Code] = append(r.byCode[u.Code], u)
	}
	for _, m := range mergers {
		for _, code := range []string{m.Old, m.New} {
			if _, ok := r.byCode[code]; !ok {
				return nil, fmt.Errorf("merger %s → %s: code %s is not in the registry", m.Old, m.New, code)
			}
		}
		r.from[m.Old] = append(r.from[m.Old], m)
		r.to[m.New] = append(r.to[m.New], m)
	}
	for code := range r.from {
		ms := r.from[code]
		sort.SliceStable(ms, func(i, j int) bool {
			if ms[i].AreaShare != ms[j].AreaShare {
				return ms[i].AreaShare > ms[j].AreaShare
			}
			return ms[i].New < ms[j].New
		})
	}
	if cycle := r.findCycle(); cycle != nil {
		return nil, fmt.Errorf("merger cycle: %s", strings.Join(cycle, " → "))
	}
	return r, nil
}

// findCycle returns a chain of codes that leads back to its start, or nil.
func (r *Registry) findCycle() []string {
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(code string) []string
	visit = func(code string) []string {
		state[code] = onPath
		path = append(path, code)
		for _, m := range r.from[code] {
			if m.New == code {
				continue
			}
			switch state[m.New] {
			case onPath:
				for i, c := range path {
					if c == m.New {
						return append(append([]string{}, path[i:]...), m.New)
					}
				}
			case unseen:
				if c := visit(m.New); c != nil {
					return c
				}
			}
		}
		path = path[:len(path)-1]
		state[code] = done
		return nil
	}
	codes := make([]string, 0, len(r.from))
	for c := range r.from {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		if state[c] == unseen {
			if cycle := visit(c); cycle != nil {
				return cycle
			}
		}
	}
	return nil
}

// Units returns every validity period, as loaded.
func (r *Registry) Units() []kov.Municipality { return r.units }

// Mergers returns every merger, as loaded.
func (r *Registry) Mergers() []kov.Merger { return r.mergers }

// Known reports whether code is in the registry under any validity.
func (r *Registry) Known(code string) bool {
	_, ok := r.byCode[code]
	return ok
}

// Unit returns the period of code that is valid on d.
func (r *Registry) Unit(code string, d time.Time) (kov.Municipality, bool) {
	for _, u := range r.byCode[code] {
		if u.ActiveOn(d) {
			return u, true
		}
	}
	return kov.Municipality{}, false
}

// Latest returns the most recent period of code (for names of units no longer valid).
func (r *Registry) Latest(code string) (kov.Municipality, bool) {
	periods := r.byCode[code]
	if len(periods) == 0 {
		return kov.Municipality{}, false
	}
	best := periods[0]
	for _, u := range periods[1:] {
		if u.ValidTo.IsZero() || (!best.ValidTo.IsZero() && u.ValidTo.After(best.ValidTo)) {
			best = u
		}
	}
	return best, true
}

// ActiveOn returns the units valid on d, by code.
func (r *Registry) ActiveOn(d time.Time) []kov.Municipality {
	var out []kov.Municipality
	for _, u := range r.units {
		if u.ActiveOn(d) {
			out = append(out, u)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// SuccessorOn returns the unit valid on d that rows recorded under code belong to: the
// code itself if it is valid on d, otherwise the successor reached by following the
// mergers in force on d (transitively; where a unit was split, the successor with the
// largest area share). ok is false when no valid unit is reached — for example a code
// that did not exist yet on d.
func (r *Registry) SuccessorOn(code string, d time.Time) (string, bool) {
	seen := map[string]bool{}
	for cur := code; !seen[cur]; {
		seen[cur] = true
		if _, ok := r.Unit(cur, d); ok {
			return cur, true
		}
		next := ""
		for _, m := range r.from[cur] { // largest share first
			if !m.Effective.After(d) && !seen[m.New] {
				next = m.New
				break
			}
		}
		if next == "" {
			return "", false
		}
		cur = next
	}
	return "", false
}

// LatestDate is the latest valid_from or valid_to in the registry: the boundary date
// of the `current` mode. Zero when the registry has no dates at all.
func (r *Registry) LatestDate() time.Time {
	var latest time.Time
	for _, u := range r.units {
		for _, d := range []time.Time{u.ValidFrom, u.ValidTo} {
			if d.After(latest) {
				latest = d
			}
		}
	}
	return latest
}

// PredecessorsOf returns the codes whose rows are attributed to unit on d, other than
// unit itself (for provenance: "which pre-merger codes were attributed to it").
func (r *Registry) PredecessorsOf(unit string, d time.Time) []string {
	var out []string
	for code := range r.byCode {
		if code == unit {
			continue
		}
		if to, ok := r.SuccessorOn(code, d); ok && to == unit {
			out = append(out, code)
		}
	}
	sort.Strings(out)
	return out
}

// ActiveUnits returns the units that year y is reported in under a boundary mode
// (asof: those valid on y-12-31; current: those valid on the latest date).
func (r *Registry) ActiveUnits(mode kov.Boundaries, y int) []kov.Municipality {
	return r.ActiveOn(r.BoundaryDate(mode, y))
}

// MergedUnits returns the "merged municipalities" of year y under a boundary mode
// (spec/indicators.md 1.1): the units of the year that are themselves the successor in
// at least one merger effective by y-12-31, not counting recodes. The rule is the same
// in both modes: merged is a property of the unit, not of its territory's history, so
// in `current` a unit that a later merger formed is not merged in an earlier year even
// if a predecessor was. The successor of a recode is merged exactly when its
// predecessor is (whenever the recode took effect), so a recoded unit keeps its
// predecessor's history.
func (r *Registry) MergedUnits(mode kov.Boundaries, y int) []kov.Municipality {
	var out []kov.Municipality
	for _, u := range r.ActiveOn(r.BoundaryDate(mode, y)) {
		if r.mergedBy(u.Code, kov.YearEnd(y)) {
			out = append(out, u)
		}
	}
	return out
}

// mergedBy reports whether code is the successor in a merger effective by end that is
// not a recode, or the successor of a recode whose predecessor is, transitively.
func (r *Registry) mergedBy(code string, end time.Time) bool {
	for seen := map[string]bool{}; !seen[code]; {
		seen[code] = true
		if predecessor, ok := r.RecodedFrom(code); ok {
			code = predecessor
			continue
		}
		for _, m := range r.to[code] {
			if !m.Effective.After(end) {
				return true
			}
		}
		return false
	}
	return false
}

// IsRecode reports whether a merger row is a recode (spec/indicators.md 1.1): its
// successor has that one predecessor only, takes its whole area and did not exist
// before the effective date. A recode changes the code, not the territory: rows are
// attributed across it like any merger, but it does not make its successor merged,
// and a map draws the successor with its predecessor's shape.
func (r *Registry) IsRecode(m kov.Merger) bool {
	if m.Old == m.New || m.AreaShare != 1 || len(r.to[m.New]) != 1 {
		return false
	}
	for _, u := range r.byCode[m.New] {
		if u.ValidFrom.IsZero() || u.ValidFrom.Before(m.Effective) {
			return false // the code existed before
		}
	}
	return true
}

// RecodedFrom returns the predecessor of code when code is the successor of a recode.
func (r *Registry) RecodedFrom(code string) (string, bool) {
	if ms := r.to[code]; len(ms) == 1 && r.IsRecode(ms[0]) {
		return ms[0].Old, true
	}
	return "", false
}
