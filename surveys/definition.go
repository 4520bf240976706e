// Package surveys knows the yearly KOV ICT surveys: which questions each survey asks,
// what answers a question admits and which indicator it feeds. It turns raw answers
// into their normal form, converts the wide exports of survey tools into the long
// `survey` rows of the data contract, keeps the latest answer per municipality and
// question, and tracks who has answered.
//
// Survey definitions live in YAML files (definitions/*.yaml, embedded as the default
// set), not in code, so that the ministry can add a year's survey without a release.
// The package imports no database or web library: the store feeds it plain values.
package surveys

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// AnswerType says what answers a question admits.
type AnswerType string

// The answer types a definition may use.
const (
	YesNo     AnswerType = "yes_no"
	Scale1to5 AnswerType = "scale_1_5"
	Choice    AnswerType = "choice"
	Number    AnswerType = "number"
	Percent   AnswerType = "percent"
	Text      AnswerType = "text"
)

var knownTypes = map[AnswerType]bool{YesNo: true, Scale1to5: true, Choice: true, Number: true, Percent: true, Text: true}

// indicatorQuestion is what spec/indicators.md requires of the question feeding each
// survey indicator. The indicator engine reads answers by question id, so a definition
// that let another question feed an indicator would be silently ignored there; we
// reject it here instead.
type indicatorQuestion struct {
	questionID string
	answerType AnswerType
	values     []string // for choice: the values the indicator rule relies on
}

var surveyIndicators = map[string]indicatorQuestion{
	"II.2":  {"network_standard", YesNo, nil},
	"II.3a": {"security_policy", YesNo, nil},
	"II.3b": {"asset_register", YesNo, nil},
	"III.1": {"eservices_unified", YesNo, nil},
	"III.2": {"lan_rebuild", Choice, []string{"done", "in_progress", "not_started"}},
	"IV.1b": {"competence_centre_satisfaction", Scale1to5, nil},
}

// Translated is a text in Estonian and English.
type Translated struct {
	ET string `yaml:"et" json:"et"`
	EN string `yaml:"en" json:"en"`
}

// ChoiceValue is one allowed answer of a choice question, with the words respondents
// write for it (Estonian labels such as "valmis" for done).
type ChoiceValue struct {
	Value  string   `yaml:"value" json:"value"`
	Labels []string `yaml:"labels,omitempty" json:"labels,omitempty"`
}

// UnmarshalYAML accepts a bare string ("done") as well as {value, labels}.
func (c *ChoiceValue) UnmarshalYAML(node *yaml.Node) error {
	if node.Kind == yaml.ScalarNode {
		c.Value = node.Value
		return nil
	}
	type plain ChoiceValue
	return node.Decode((*plain)(c))
}

// Question is one question of a survey.
type Question struct {
	ID        string        `yaml:"id" json:"id"`
	Text      Translated    `yaml:"text" json:"text"`
	Type      AnswerType    `yaml:"type" json:"type"`
	Values    []ChoiceValue `yaml:"values,omitempty" json:"values,omitempty"`
	Indicator string        `yaml:"indicator,omitempty" json:"indicator,omitempty"`
}

// Definition is one survey: its questions and the year it measures.
type Definition struct {
	ID        string      `yaml:"id" json:"id"`
	Year      int         `yaml:"year" json:"year"`
	Title     Translated  `yaml:"title" json:"title"`
	Questions []*Question `yaml:"questions" json:"questions"`

	// File is where the definition was read from, for messages.
	File string `yaml:"-" json:"-"`
}

// Question returns the definition's question with the given id.
func (d *Definition) Question(id string) (*Question, bool) {
	for _, q := range d.Questions {
		if q.ID == id {
			return q, true
		}
	}
	return nil, false
}

// Set is a validated collection of survey definitions with unique ids.
type Set struct {
	surveys map[string]*Definition
	ordered []*Definition // by year, then id
	// known maps a question id to its definition in the latest survey that asks it.
	known map[string]*Question
}

// Surveys returns the definitions ordered by year, then id.
func (s *Set) Surveys() []*Definition { return append([]*Definition(nil), s.ordered...) }

// Survey returns the definition with the given id.
func (s *Set) Survey(id string) (*Definition, bool) {
	d, ok := s.surveys[id]
	return d, ok
}

// Question returns a question of one survey.
func (s *Set) Question(surveyID, questionID string) (*Question, bool) {
	d, ok := s.surveys[surveyID]
	if !ok {
		return nil, false
	}
	return d.Question(questionID)
}

// KnownQuestion finds a question in any survey, for answers whose survey id has no
// definition. The latest survey that asks it wins, since wording and allowed values
// are kept up to date there.
func (s *Set) KnownQuestion(questionID string) (*Question, bool) {
	q, ok := s.known[questionID]
	return q, ok
}

// Lookup finds the question an answer belongs to: in its own survey when that has a
// definition, else in any survey. A question that feeds an indicator admits the same
// answers whatever the survey (spec/indicators.md: the survey of year Y is every answer
// whose year is Y, whatever its survey_id), so it is found in any survey even when its
// own survey's definition lacks it.
func (s *Set) Lookup(surveyID, questionID string) (*Question, bool) {
	if d, ok := s.surveys[surveyID]; ok {
		if q, ok := d.Question(questionID); ok || indicatorFedBy(questionID) == "" {
			return q, ok
		}
	}
	return s.KnownQuestion(questionID)
}

// indicatorFedBy returns the indicator that reads a question id, or "".
func indicatorFedBy(questionID string) string {
	for id, want := range surveyIndicators {
		if want.questionID == questionID {
			return id
		}
	}
	return ""
}

//go:embed definitions/*.yaml
var embedded embed.FS

// Default returns the survey definitions shipped with kovmon.
func Default() (*Set, error) {
	return LoadFS(embedded, "definitions")
}

// LoadDir reads every *.yaml and *.yml file in dir.
func LoadDir(dir string) (*Set, error) {
	set, err := LoadFS(os.DirFS(dir), ".")
	if err != nil {
		return nil, fmt.Errorf("survey definitions in %s: %w", dir, err)
	}
	return set, nil
}

// LoadFS reads every *.yaml and *.yml file in dir of fsys. Every problem of every file
// is reported, not only the first, so one run is enough to fix a folder.
func LoadFS(fsys fs.FS, dir string) (*Set, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read survey definitions: %w", err)
	}
	var defs []*Definition
	var errs []error
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
			continue
		}
		data, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		d, err := ParseDefinition(name, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		defs = append(defs, d)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return NewSet(defs...)
}

// EnvDir names the environment variable that may give a folder of survey
// definitions loaded in addition to the shipped ones.
const EnvDir = "KOVMON_SURVEYS"

// LoadSet returns the shipped definitions, together with those in dir when dir is
// not empty (a survey id defined in both is an error, see Merge).
func LoadSet(dir string) (*Set, error) {
	set, err := Default()
	if err != nil || dir == "" {
		return set, err
	}
	extra, err := LoadDir(dir)
	if err != nil {
		return nil, err
	}
	merged, err := Merge(set, extra)
	if err != nil {
		return nil, fmt.Errorf("survey definitions in %s: %w", dir, err)
	}
	return merged, nil
}

// Merge combines sets, for a folder on disk loaded in addition to the default set. A
// survey id defined in two sets is an error, not an override, so that a local file
// cannot quietly change a shipped survey.
func Merge(sets ...*Set) (*Set, error) {
	var defs []*Definition
	for _, s := range sets {
		defs = append(defs, s.ordered...)
	}
	return NewSet(defs...)
}

// NewSet checks that survey ids are unique and indexes the definitions.
func NewSet(defs ...*Definition) (*Set, error) {
	s := &Set{surveys: map[string]*Definition{}, known: map[string]*Question{}}
	var errs []error
	for _, d := range defs {
		if prev, dup := s.surveys[d.ID]; dup {
			errs = append(errs, fmt.Errorf("%s: survey id %q is already defined in %s", d.File, d.ID, prev.File))
			continue
		}
		s.surveys[d.ID] = d
		s.ordered = append(s.ordered, d)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sort.Slice(s.ordered, func(i, j int) bool {
		a, b := s.ordered[i], s.ordered[j]
		if a.Year != b.Year {
			return a.Year < b.Year
		}
		return a.ID < b.ID
	})
	for _, d := range s.ordered { // later years overwrite earlier ones
		for _, q := range d.Questions {
			s.known[q.ID] = q
		}
	}
	return s, nil
}

// DefinitionError is one problem in a definition file, with where it is.
type DefinitionError struct {
	File   string
	Line   int
	Column int
	Reason string
}

func (e *DefinitionError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Reason)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Reason)
}

var questionIDPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// ParseDefinition decodes and validates one definition file. fileName is used in
// messages only.
func ParseDefinition(fileName string, data []byte) (*Definition, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", fileName, err)
	}
	var d Definition
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true) // a misspelt key ("indicater") must not vanish silently
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("%s: %w", fileName, err)
	}
	d.File = fileName
	if errs := validate(&d, questionNodes(&root)); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &d, nil
}

// questionNodes returns the YAML node of each question, so that errors can point at
// the line of the question they concern.
func questionNodes(root *yaml.Node) []*yaml.Node {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "questions" && m.Content[i+1].Kind == yaml.SequenceNode {
			return m.Content[i+1].Content
		}
	}
	return nil
}

func validate(d *Definition, nodes []*yaml.Node) []error {
	var errs []error
	fail := func(node *yaml.Node, format string, args ...any) {
		e := &DefinitionError{File: d.File, Reason: fmt.Sprintf(format, args...)}
		if node != nil {
			e.Line, e.Column = node.Line, node.Column
		}
		errs = append(errs, e)
	}
	if strings.TrimSpace(d.ID) == "" {
		fail(nil, "missing survey id")
	}
	if d.Year < 2000 || d.Year > 2100 {
		fail(nil, "year %d is outside 2000-2100", d.Year)
	}
	if strings.TrimSpace(d.Title.ET) == "" {
		fail(nil, "missing Estonian title (title.et)")
	}
	if strings.TrimSpace(d.Title.EN) == "" {
		fail(nil, "missing English title (title.en)")
	}
	if len(d.Questions) == 0 {
		fail(nil, "survey has no questions")
	}
	seenQuestion := map[string]bool{}
	fedBy := map[string]string{}
	for i, q := range d.Questions {
		var node *yaml.Node
		if i < len(nodes) {
			node = nodes[i]
		}
		if q == nil {
			fail(node, "question %d is empty", i+1)
			continue
		}
		where := fmt.Sprintf("question %d", i+1)
		if q.ID != "" {
			where = fmt.Sprintf("question %q", q.ID)
		}
		switch {
		case q.ID == "":
			fail(node, "%s: missing id", where)
		case !questionIDPattern.MatchString(q.ID):
			fail(node, "%s: id must be lower-case letters, digits and _", where)
		case seenQuestion[q.ID]:
			fail(node, "%s: duplicate question id", where)
		}
		seenQuestion[q.ID] = true
		if strings.TrimSpace(q.Text.ET) == "" {
			fail(node, "%s: missing Estonian text (text.et)", where)
		}
		if strings.TrimSpace(q.Text.EN) == "" {
			fail(node, "%s: missing English text (text.en)", where)
		}
		if !knownTypes[q.Type] {
			fail(node, "%s: unknown type %q (want yes_no, scale_1_5, choice, number, percent or text)", where, q.Type)
		}
		if q.Type == Choice {
			if len(q.Values) == 0 {
				fail(node, "%s: choice question without values", where)
			}
			validateChoiceValues(q, where, node, fail)
		} else if len(q.Values) > 0 {
			fail(node, "%s: values are only allowed for choice questions", where)
		}
		indicator := q.Indicator
		if indicator == "" {
			// The engine reads an indicator's answers by question id, so a question
			// with that id feeds it whether or not the definition says so.
			if indicator = indicatorFedBy(q.ID); indicator == "" {
				continue
			}
		}
		want, ok := surveyIndicators[indicator]
		if !ok {
			fail(node, "%s: feeds unknown indicator %q (survey indicators: II.2, II.3a, II.3b, III.1, III.2, IV.1b)", where, indicator)
			continue
		}
		if other, dup := fedBy[indicator]; dup {
			fail(node, "%s: indicator %s is already fed by question %q", where, indicator, other)
		}
		fedBy[indicator] = q.ID
		if q.ID != want.questionID {
			fail(node, "%s: indicator %s must be fed by question %q (spec/indicators.md)", where, indicator, want.questionID)
		}
		if q.Type != want.answerType {
			fail(node, "%s: indicator %s needs type %s, not %s", where, indicator, want.answerType, q.Type)
		}
		for _, v := range want.values {
			if !q.hasValue(v) {
				fail(node, "%s: indicator %s needs the choice value %q", where, indicator, v)
			}
		}
	}
	return errs
}

// validateChoiceValues rejects values or labels that would make an answer ambiguous.
func validateChoiceValues(q *Question, where string, node *yaml.Node, fail func(*yaml.Node, string, ...any)) {
	owner := map[string]string{}
	for _, v := range q.Values {
		if strings.TrimSpace(v.Value) == "" {
			fail(node, "%s: empty choice value", where)
			continue
		}
		for _, word := range append([]string{v.Value}, v.Labels...) {
			key := strings.ToLower(strings.TrimSpace(word))
			if prev, dup := owner[key]; dup {
				fail(node, "%s: choice word %q is used by both %q and %q", where, word, prev, v.Value)
				continue
			}
			owner[key] = v.Value
		}
	}
}

func (q *Question) hasValue(v string) bool {
	for _, c := range q.Values {
		if c.Value == v {
			return true
		}
	}
	return false
}
