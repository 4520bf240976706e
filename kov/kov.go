// Package kov is kovmon's vocabulary: the types that name the world it monitors — the
// municipalities (KOV) and their mergers, the strategy's indicators with their goals,
// targets and revisions, the figures computed for them with their levels, statuses and
// flags, the boundary modes, the sources of data, how a figure was made, and the coded
// error every part reports with. It imports no database, web or file-format library:
// the store, the web layer, the pages and the report are adapters around these types,
// and the rules that work on them live in the packages named for them (registry for
// attribution, metrics/catalogue for the catalogue's parsing and the status rules,
// metrics for the engine).
package kov

import "time"

// Boundaries is a boundary mode of spec/indicators.md: which municipalities a year's
// figures are reported in.
type Boundaries string

// The boundary modes.
const (
	// BoundariesAsOf reports year Y in the units valid on Y-12-31 (the default).
	BoundariesAsOf Boundaries = "asof"
	// BoundariesCurrent reports every year in the units valid on the registry's latest
	// date.
	BoundariesCurrent Boundaries = "current"
)

// AllBoundaries lists the boundary modes, the default first.
var AllBoundaries = []Boundaries{BoundariesAsOf, BoundariesCurrent}

// Valid tells whether b is one of the boundary modes.
func (b Boundaries) Valid() bool { return b == BoundariesAsOf || b == BoundariesCurrent }

// Level is the level a figure is reported at.
type Level string

// The levels of the output table, and the pooled figure of a peer group.
const (
	LevelNational     Level = "national"
	LevelMunicipality Level = "municipality"
	// LevelGroup is a figure pooled over a group of municipalities (a county, the
	// towns, a population band) on request; such figures are never stored.
	LevelGroup Level = "group"
)

// The national figure's unit: its code and name in the output table.
const (
	NationalCode = "EE"
	NationalName = "Eesti"
)

// YearEnd is the boundary date of year y in the asof mode: y-12-31.
func YearEnd(y int) time.Time { return time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC) }

// Source is a kind of measurement data an indicator is computed from
// (spec/data-contract.md).
type Source string

// The sources.
const (
	SourceFeedback  Source = "feedback"
	SourceServices  Source = "services"
	SourceUsage     Source = "usage"
	SourceAudits    Source = "audits"
	SourceSurvey    Source = "survey"
	SourceTrainings Source = "trainings"
	SourceOrgGoals  Source = "org_goals"
)

// sources is the closed list of sources with the store table of each, and the table
// of the counts kept of it at insert (migration 0012) for the large ones: the one
// place that lists them.
var sources = []struct {
	source        Source
	table, counts string
}{
	{SourceFeedback, "feedback", "feedback_counts"}, {SourceServices, "services", ""}, {SourceUsage, "usage", "usage_counts"},
	{SourceAudits, "audits", ""}, {SourceSurvey, "survey_answers", ""}, {SourceTrainings, "trainings", ""},
	{SourceOrgGoals, "org_goals", ""},
}

// CountsTable names the table of the counts kept of a source's table at insert, if
// it has one.
func CountsTable(table string) (string, bool) {
	for _, s := range sources {
		if s.table == table && s.counts != "" {
			return s.counts, true
		}
	}
	return "", false
}

// Sources lists the sources, in the closed list's order.
func Sources() []Source {
	out := make([]Source, len(sources))
	for i, s := range sources {
		out[i] = s.source
	}
	return out
}

// SourceTables lists the store table of every source, in the closed list's order.
func SourceTables() []string {
	out := make([]string, len(sources))
	for i, s := range sources {
		out[i] = s.table
	}
	return out
}

// Known tells whether s is in the closed list of sources.
func (s Source) Known() bool {
	for _, known := range sources {
		if known.source == s {
			return true
		}
	}
	return false
}

// Denominator says what an indicator's denominator counts.
type Denominator string

// The denominator kinds of spec/indicators.md.
const (
	DenominatorRows                 Denominator = "rows"
	DenominatorActiveMunicipalities Denominator = "active_municipalities"
	DenominatorMergedMunicipalities Denominator = "merged_municipalities"
	DenominatorGoals                Denominator = "goals"
	DenominatorRespondents          Denominator = "respondents"
)

// Denominators lists the denominator kinds.
var Denominators = []Denominator{DenominatorRows, DenominatorActiveMunicipalities,
	DenominatorMergedMunicipalities, DenominatorGoals, DenominatorRespondents}

// Counted tells whether an indicator of this denominator counts rows (numerator and
// denominator: I.1, I.4, IV.1a) rather than municipalities that meet a condition.
func (d Denominator) Counted() bool { return d == DenominatorRows || d == DenominatorGoals }
