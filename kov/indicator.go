package kov

import (
	"maps"
	"slices"
	"sort"
	"strings"
)

// Text is one text in Estonian and English.
type Text struct {
	ET string `yaml:"et"`
	EN string `yaml:"en"`
}

// In returns the text in lang ("et" or "en"); any other language gets Estonian, the
// strategy's own language.
func (t Text) In(lang string) string {
	if lang == "en" {
		return t.EN
	}
	return t.ET
}

// Goal is one of the strategy's goals.
type Goal struct {
	ID   string `yaml:"id"`
	Name Text   `yaml:"name"`
}

// Baseline is the strategy's statement of the starting level. The strategy gives no
// number for any indicator ("Teadmata", "Puudub", older audit data), so Value is
// usually nil and Note carries its words; it is informational and feeds no status.
type Baseline struct {
	Year  int      `yaml:"year"`
	Value *float64 `yaml:"value"`
	Note  Text     `yaml:"note"`
}

// Revision is a change of an indicator's definition, in force from Year.
type Revision struct {
	Year    int    `yaml:"year"`
	Version string `yaml:"version"` // the catalogue version that brought the change
	Note    Text   `yaml:"note"`
}

// UnitPercent is the only unit the strategy's indicators use: 0–100.
const UnitPercent = "percent"

// What a unit of the year without any row of a share-of-municipalities indicator is
// (Indicator.UnitWithoutRows).
const (
	WithoutRowsNoData = "no_data" // the default: no row of it decides the question
	WithoutRowsNotMet = "not_met" // II.1, IV.2: no audit, no training means not done
)

// Indicator is one result indicator: an entry of the indicator catalogue, which says
// what it measures, how it is computed (its definition: one SQL statement of
// attributed rows and the params it reads) and its targets.
type Indicator struct {
	ID          string      `yaml:"id"`
	Goal        string      `yaml:"goal"`
	Name        Text        `yaml:"name"`
	Description Text        `yaml:"description"`
	Source      Source      `yaml:"source"`
	Denominator Denominator `yaml:"denominator"`
	Unit        string      `yaml:"unit"`
	Levels      []Level     `yaml:"levels"`
	// Query names the definition: kovmon's sql/<query>.sql or <query>.sql beside the
	// catalogue file; default indicator.<ID without dots>.
	Query string `yaml:"query,omitempty"`
	// SQL is the definition's text when the catalogue carries it.
	SQL string `yaml:"sql,omitempty"`
	// Params are the values the definition reads as {name:Type}: the only place a
	// rule's systems, channels, events, survey question, answers, windows and
	// thresholds are stated.
	Params map[string]any `yaml:"params,omitempty"`
	// QuestionType is the answer type a survey indicator's rule relies on (surveys:
	// yes_no, choice, scale_1_5, …); the question itself is params.question.
	QuestionType string `yaml:"question_type,omitempty"`
	// UnitWithoutRows says what a unit with no row of a year with source data is:
	// WithoutRowsNoData (the default) or WithoutRowsNotMet (II.1, IV.2).
	UnitWithoutRows string `yaml:"unit_without_rows,omitempty"`
	// SurveyQuestion is the old name of params.question (catalogues of version
	// 2026-12-01.1 and earlier); it is read as that param.
	SurveyQuestion string    `yaml:"survey_question,omitempty"`
	Baseline       *Baseline `yaml:"baseline,omitempty"`
	// Targets by year. A year present with a null value is a placeholder for a target
	// not yet set (2019–2021 in the shipped file) and counts as no target.
	Targets map[int]*float64 `yaml:"targets"`
	// Revisions are the years from which the indicator's definition changed. The
	// engine applies the current rule to every year and flags the first year of each
	// revision FlagDefinitionChanged, so that charts and readers see the series break
	// where earlier publications used another definition.
	Revisions []Revision `yaml:"revisions,omitempty"`

	// Resolved is the definition as the catalogue found and checked it (package
	// catalogue sets it when it validates the entry); never read from a file.
	Resolved Resolved `yaml:"-"`
}

// Resolved is an indicator's definition, found and checked: its SQL text and its
// params converted to the types its placeholders read.
type Resolved struct {
	SQL    string
	Params map[string]any
	// PerMode: the SQL reads the boundary mode it attributes ({mode:String}), and the
	// engine runs it once per mode; otherwise it attributes every mode at once.
	PerMode bool
	// Attributes: the SQL reads the attribution table (so its rows are of a mode).
	Attributes bool
}

// The params of a survey indicator that name what it reads of the survey.
const (
	// SurveyQuestionParam names the question a survey indicator reads.
	SurveyQuestionParam = "question"
	// SurveyAnswersParam lists the answers meeting its condition, when its rule has one.
	SurveyAnswersParam = "answers"
)

// DefaultQuery is the SQL file of an indicator that names none: "I.1" → indicator.I1,
// "II.3a" → indicator.II3a.
func DefaultQuery(id string) string { return "indicator." + strings.ReplaceAll(id, ".", "") }

// QueryName is the name of the indicator's definition.
func (i *Indicator) QueryName() string {
	if i.Query != "" {
		return i.Query
	}
	return DefaultQuery(i.ID)
}

// Definition is the SQL text of the indicator's definition.
func (i *Indicator) Definition() string { return i.Resolved.SQL }

// BuiltIn tells whether the definition is kovmon's own sql/<query>.sql rather than text
// the catalogue carries.
func (i *Indicator) BuiltIn() bool { return i.SQL == "" }

// DefinitionName says where the indicator's definition is read from, for readers.
func (i *Indicator) DefinitionName() string {
	if i.BuiltIn() {
		return "sql/" + i.QueryName() + ".sql"
	}
	return i.QueryName() + " (SQL in the catalogue)"
}

// QueryParams are the indicator's parameters as the definition binds them, converted to
// the types its placeholders name; a new map on every call.
func (i *Indicator) QueryParams() map[string]any {
	out := make(map[string]any, len(i.Resolved.Params))
	maps.Copy(out, i.Resolved.Params)
	return out
}

// StringParam returns a string parameter, e.g. the survey question of a survey
// indicator ("" when there is none).
func (i *Indicator) StringParam(name string) string {
	s, _ := i.Resolved.Params[name].(string)
	return s
}

// StringsParam returns a list-of-strings parameter, e.g. a survey indicator's answers.
func (i *Indicator) StringsParam(name string) []string {
	list, _ := i.Resolved.Params[name].([]string)
	return slices.Clone(list)
}

// UnitsWithoutRowsMeetNothing tells whether a unit of a year with source data but no row
// of its own counts as not meeting the condition (II.1, IV.2) rather than as no data.
func (i *Indicator) UnitsWithoutRowsMeetNothing() bool { return i.UnitWithoutRows == WithoutRowsNotMet }

// Counted tells whether the indicator counts rows (numerator and denominator) rather
// than municipalities that meet a condition.
func (i *Indicator) Counted() bool { return i.Denominator.Counted() }

// MunicipalYesNo tells the indicators whose municipal rows say whether a municipality
// meets the condition (value 100 or 0, spec: "Municipal rows of the
// share-of-municipalities indicators") from those whose rows are rates of records
// (I.1, I.4) or that have no municipal rows (IV.1a). Charts show the first kind as who
// meets, who does not and who has no data.
func (i *Indicator) MunicipalYesNo() bool { return !i.Counted() }

// DefinitionChangedIn reports whether a revision of the definition starts in year.
func (i *Indicator) DefinitionChangedIn(year int) bool {
	for _, r := range i.Revisions {
		if r.Year == year {
			return true
		}
	}
	return false
}

// Target returns the target for year, if one is set.
func (i *Indicator) Target(year int) (float64, bool) {
	v, ok := i.Targets[year]
	if !ok || v == nil {
		return 0, false
	}
	return *v, true
}

// TargetMap returns the set targets by year, without placeholders; it is the form
// the status rules take.
func (i *Indicator) TargetMap() map[int]float64 {
	m := make(map[int]float64, len(i.Targets))
	for y, v := range i.Targets {
		if v != nil {
			m[y] = *v
		}
	}
	return m
}

// TargetYears lists the years with a set target, ascending.
func (i *Indicator) TargetYears() []int {
	var years []int
	for y, v := range i.Targets {
		if v != nil {
			years = append(years, y)
		}
	}
	sort.Ints(years)
	return years
}

// HasLevel tells whether the indicator is reported at level l.
func (i *Indicator) HasLevel(l Level) bool { return slices.Contains(i.Levels, l) }
