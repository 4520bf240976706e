package catalogue

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"ee/kovmon/kov"
	kovsql "ee/kovmon/sql"
)

// An indicator's definition is one SQL statement that returns the rows qualifying for
// it, attributed to a unit and kept with the file and run they came from (see
// RowColumns); the engine (package metrics) makes the value, the national pooling, the
// years without source data, explain and coverage from those rows. The statement reads
// the indicator's parameters (the systems, channels, events, survey question and
// answers, windows and thresholds of its rule) as {name:Type} placeholders, and they
// come from the catalogue entry's params, nowhere else; ModeParam is the engine's own.
//
// The text is found, in this order: the entry's sql (inline), a file <query>.sql beside
// the catalogue file (Load reads it into the entry, so that the catalogue's bytes, its
// hash and the stored version carry it), or kovmon's own sql/<query>.sql.

// A definition attributes its rows to units in every boundary mode at once (joining
// attribution on year and ehak_code, all of it) and says which mode each row is of
// in BoundariesColumn; the engine runs it once. One that reads ModeParam instead,
// the placeholder the engine fills with one mode (asof or current; it needs no
// param), is run once per mode (catalogues of 2026-12-01.2 and earlier were written
// so). A definition that attributes nothing (IV.1a, national goals) returns neither:
// its rows hold in every mode.
const (
	ModeParam        = "mode"
	BoundariesColumn = "boundaries"
)

// RowColumns are the columns every definition returns; CountColumns or MeetsColumn
// complete them.
var RowColumns = []string{"year", "unit", "recorded_code", "file_id", "run_id", "source_rows"}

// The value columns: counted rows (denominator rows and goals) give numerator and
// denominator; shares of municipalities give the unit's decision, 0 or 1, the same on
// every row of the unit and year.
var (
	CountColumns = []string{"numerator", "denominator"}
	MeetsColumn  = "meets"
)

// resolveDefinitions finds every indicator's SQL, checks it and binds its params.
func (c *Catalogue) resolveDefinitions(add func(string, ...any)) {
	for n := range c.Indicators {
		ind := &c.Indicators[n]
		where := fmt.Sprintf("indicator %q", ind.ID)
		text := ind.SQL
		if text == "" {
			builtin, ok := kovsql.Lookup(ind.QueryName())
			if !ok {
				add("%s: no SQL: kovmon has no query %s; give it inline (sql: |) or in %s.sql beside the catalogue file",
					where, ind.QueryName(), ind.QueryName())
				continue
			}
			text = builtin
		}
		code, placeholders, err := readStatement(text)
		if err != nil {
			ind.Resolved = kov.Resolved{SQL: text}
			add("%s: %s: %v", where, ind.QueryName(), err)
			continue
		}
		bound := map[string]any{}
		ind.Resolved = kov.Resolved{SQL: text, Params: bound, Attributes: attributionTable.MatchString(code)}
		for _, name := range slices.Sorted(maps.Keys(placeholders)) {
			typ := placeholders[name]
			if name == ModeParam {
				if typ != "String" {
					add("%s: {%s:%s}: the boundary mode is a String", where, name, typ)
				}
				ind.Resolved.PerMode = true
				continue
			}
			raw, ok := ind.Params[name]
			if !ok {
				add("%s: the SQL reads {%s:%s}, and params has no %s", where, name, typ, name)
				continue
			}
			v, err := convertParam(raw, typ)
			if err != nil {
				add("%s: param %s: %v", where, name, err)
				continue
			}
			bound[name] = v
		}
		for _, name := range slices.Sorted(maps.Keys(ind.Params)) {
			if _, used := placeholders[name]; !used {
				add("%s: param %s is not read by its SQL (%s)", where, name, ind.QueryName())
			}
		}
	}
}

// attributionTable finds the attribution table in a statement's code.
var attributionTable = regexp.MustCompile(`(?i)\battribution\b`)

// placeholder is a query parameter as ClickHouse writes it: {name:Type}.
var placeholder = regexp.MustCompile(`\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([^{}]+?)\s*\}`)

// firstWord and settingsWord find the statement's first keyword and a SETTINGS clause.
var (
	firstWord    = regexp.MustCompile(`^\(*\s*([A-Za-z]+)`)
	settingsWord = regexp.MustCompile(`(?i)\bsettings\b`)
)

// checkStatement checks that text is one read-only statement, SELECT or WITH, without
// a ';', and
// returns its placeholders by name with their types. The engine runs it as a subquery
// with readonly = 1, which refuses writes and table functions that reach outside the
// database (file, url, remote…); a SETTINGS clause of its own could lift that, so it
// may have none. A placeholder used twice must have one type.
func checkStatement(text string) (map[string]string, error) {
	_, placeholders, err := readStatement(text)
	return placeholders, err
}

// readStatement is checkStatement that also returns the statement's code (comments
// removed, strings emptied), for what else is asked of it.
func readStatement(text string) (string, map[string]string, error) {
	code, err := stripCommentsAndStrings(text)
	if err != nil {
		return "", nil, err
	}
	code = strings.TrimSpace(code)
	if code == "" {
		return "", nil, fmt.Errorf("the SQL is empty")
	}
	if strings.Contains(code, ";") {
		return "", nil, fmt.Errorf("the SQL must be one statement, without ';' (kovmon runs it as a subquery)")
	}
	m := firstWord.FindStringSubmatch(code)
	if m == nil || !(strings.EqualFold(m[1], "SELECT") || strings.EqualFold(m[1], "WITH")) {
		return "", nil, fmt.Errorf("the SQL must be one SELECT (or WITH … SELECT) statement")
	}
	if settingsWord.MatchString(code) {
		return "", nil, fmt.Errorf("the SQL may not have a SETTINGS clause: kovmon runs it read-only with its own")
	}
	out := map[string]string{}
	for _, p := range placeholder.FindAllStringSubmatch(code, -1) {
		name, typ := p[1], strings.Join(strings.Fields(p[2]), "")
		if prev, seen := out[name]; seen && prev != typ {
			return "", nil, fmt.Errorf("{%s} is read as %s and as %s", name, prev, typ)
		}
		out[name] = typ
	}
	return code, out, nil
}

// stripCommentsAndStrings returns text with its comments removed and every string
// literal emptied, so that words and placeholders are found only in the code.
func stripCommentsAndStrings(text string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '-' && i+1 < len(text) && text[i+1] == '-':
			for i < len(text) && text[i] != '\n' {
				i++
			}
			b.WriteByte('\n')
		case c == '/' && i+1 < len(text) && text[i+1] == '*':
			end := strings.Index(text[i+2:], "*/")
			if end < 0 {
				return "", fmt.Errorf("a /* comment is not closed")
			}
			i += 2 + end + 1
			b.WriteByte(' ')
		case c == '\'' || c == '"' || c == '`':
			j := i + 1
			for ; j < len(text); j++ {
				if text[j] == '\\' {
					j++
					continue
				}
				if text[j] == c {
					if j+1 < len(text) && text[j+1] == c { // '' inside a literal
						j++
						continue
					}
					break
				}
			}
			if j >= len(text) {
				return "", fmt.Errorf("a %c-quoted literal is not closed", c)
			}
			if c == '\'' {
				b.WriteString("''")
			} else {
				b.WriteString(text[i : j+1]) // a quoted identifier is code
			}
			i = j
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// convertParam turns a param as YAML gave it into the Go value the store binds for a
// placeholder of type typ, or says why it cannot.
func convertParam(v any, typ string) (any, error) {
	if inner, ok := strings.CutPrefix(typ, "Array("); ok && strings.HasSuffix(inner, ")") {
		inner = strings.TrimSuffix(inner, ")")
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("the SQL reads it as %s: give a list", typ)
		}
		switch {
		case inner == "String" || inner == "LowCardinality(String)":
			out := make([]string, len(list))
			for n, x := range list {
				s, ok := x.(string)
				if !ok {
					return nil, fmt.Errorf("the SQL reads it as %s: item %d (%v) is not a string; quote it", typ, n+1, x)
				}
				out[n] = s
			}
			return out, nil
		case integerTypes[inner] != nil:
			out := make([]int, len(list))
			for n, x := range list {
				i, err := integerParam(x, inner)
				if err != nil {
					return nil, fmt.Errorf("item %d: %w", n+1, err)
				}
				out[n] = i
			}
			return out, nil
		}
		return nil, fmt.Errorf("a catalogue param cannot be %s (Array of String or of an integer type only)", typ)
	}
	switch {
	case typ == "String" || typ == "LowCardinality(String)":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("the SQL reads it as %s: %v is not a string; quote it", typ, v)
		}
		return s, nil
	case typ == "Bool":
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("the SQL reads it as Bool: give true or false, not %v", v)
		}
		return b, nil
	case typ == "Float32" || typ == "Float64":
		switch x := v.(type) {
		case int:
			return float64(x), nil
		case float64:
			return x, nil
		}
		return nil, fmt.Errorf("the SQL reads it as %s: %v is not a number", typ, v)
	case integerTypes[typ] != nil:
		return integerParam(v, typ)
	}
	return nil, fmt.Errorf("a catalogue param cannot be %s (String, Bool, an integer or float type, or an Array of String or of integers)", typ)
}

// integerTypes are the integer placeholder types with their ranges.
var integerTypes = map[string]*[2]float64{
	"UInt8": {0, math.MaxUint8}, "UInt16": {0, math.MaxUint16}, "UInt32": {0, math.MaxUint32},
	"UInt64": {0, math.MaxInt64}, "Int8": {math.MinInt8, math.MaxInt8}, "Int16": {math.MinInt16, math.MaxInt16},
	"Int32": {math.MinInt32, math.MaxInt32}, "Int64": {math.MinInt64, math.MaxInt64},
}

func integerParam(v any, typ string) (int, error) {
	i, ok := v.(int)
	if !ok {
		return 0, fmt.Errorf("the SQL reads it as %s: %v is not a whole number", typ, v)
	}
	if r := integerTypes[typ]; float64(i) < r[0] || float64(i) > r[1] {
		return 0, fmt.Errorf("%d is outside %s", i, typ)
	}
	return i, nil
}

// shippedDefinitions are the definitions of the shipped catalogue's indicators, for
// entries of an earlier catalogue format that state none (see fillLegacy).
var shippedDefinitions = sync.OnceValue(func() map[string]kov.Indicator {
	var c Catalogue
	if err := yaml.Unmarshal(shippedFile, &c); err != nil {
		panic(err) // TestShippedCatalogueIsValid
	}
	out := map[string]kov.Indicator{}
	for _, ind := range c.Indicators {
		out[ind.ID] = ind
	}
	return out
})

// fillLegacy reads catalogues written for kovmon before definitions were data (the
// catalogue of version 2026-12-01.1 and earlier, which an admin may have stored): an
// entry of a shipped indicator that gives no definition (no query, sql, params,
// question_type or unit_without_rows) takes the shipped entry's, and its
// survey_question is the question param. Their figures stay what they were.
func (c *Catalogue) fillLegacy() {
	for n := range c.Indicators {
		ind := &c.Indicators[n]
		shipped, known := shippedDefinitions()[ind.ID]
		states := ind.Query != "" || ind.SQL != "" || ind.Params != nil || ind.QuestionType != "" || ind.UnitWithoutRows != ""
		if known && !states {
			ind.Query, ind.QuestionType, ind.UnitWithoutRows = shipped.Query, shipped.QuestionType, shipped.UnitWithoutRows
			ind.Params = maps.Clone(shipped.Params)
			if ind.SurveyQuestion != "" {
				if ind.Params == nil {
					ind.Params = map[string]any{}
				}
				ind.Params[kov.SurveyQuestionParam] = ind.SurveyQuestion
			}
			continue
		}
		if _, given := ind.Params[kov.SurveyQuestionParam]; ind.SurveyQuestion != "" && !given {
			if ind.Params == nil {
				ind.Params = map[string]any{}
			}
			ind.Params[kov.SurveyQuestionParam] = ind.SurveyQuestion
		}
	}
}

// validateDefinition checks the parts of an entry that say how it is computed, other
// than its SQL (resolveDefinitions).
func validateDefinition(ind *kov.Indicator, where string, add func(string, ...any)) {
	if ind.SurveyQuestion != "" {
		if q, ok := ind.Params[kov.SurveyQuestionParam].(string); ok && q != ind.SurveyQuestion {
			add("%s: survey_question %q and params.question %q differ (survey_question is the old name: keep params.question)", where, ind.SurveyQuestion, q)
		}
	}
	if ind.Source == kov.SourceSurvey {
		if q, _ := ind.Params[kov.SurveyQuestionParam].(string); strings.TrimSpace(q) == "" {
			add("%s: a survey indicator names its question in params.question", where)
		}
		if ind.QuestionType == "" {
			add("%s: a survey indicator needs question_type (the answer type its rule reads, e.g. yes_no)", where)
		}
	} else if ind.QuestionType != "" {
		add("%s: question_type %q on a %s indicator (only survey indicators read a question)", where, ind.QuestionType, ind.Source)
	}
	switch ind.UnitWithoutRows {
	case "", kov.WithoutRowsNoData:
	case kov.WithoutRowsNotMet:
		if ind.Denominator != kov.DenominatorActiveMunicipalities && ind.Denominator != kov.DenominatorMergedMunicipalities {
			add("%s: unit_without_rows: %s is for shares of active or merged municipalities, not %s", where, kov.WithoutRowsNotMet, ind.Denominator)
		}
	default:
		add("%s: unit_without_rows %q (known: %s, %s)", where, ind.UnitWithoutRows, kov.WithoutRowsNoData, kov.WithoutRowsNotMet)
	}
}

// inlineBesideFiles returns the catalogue file data with the SQL of every entry that
// gives none inline but has a file <query>.sql in dir read into the entry (sql: |),
// so that the catalogue carries it: its hash covers it and a stored version needs no
// file. Without such files it returns data unchanged.
func inlineBesideFiles(data []byte, dir string) ([]byte, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil || root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return data, nil // Parse reports it
	}
	entries := mappingValue(root.Content[0], "indicators")
	if entries == nil || entries.Kind != yaml.SequenceNode {
		return data, nil
	}
	changed := false
	for _, entry := range entries.Content {
		if entry.Kind != yaml.MappingNode || mappingValue(entry, "sql") != nil {
			continue
		}
		query := ""
		if q := mappingValue(entry, "query"); q != nil {
			query = q.Value
		} else if id := mappingValue(entry, "id"); id != nil {
			query = kov.DefaultQuery(id.Value)
		}
		if query == "" || strings.ContainsAny(query, `/\`) || strings.HasPrefix(query, ".") {
			continue
		}
		path := filepath.Join(dir, query+".sql")
		text, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			continue // kovmon's own, or Parse says there is none
		}
		if err != nil {
			return nil, err
		}
		entry.Content = append(entry.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "sql", HeadComment: "# read from " + filepath.Base(path)},
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Style: yaml.LiteralStyle, Value: string(text)})
		changed = true
	}
	if !changed {
		return data, nil
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// mappingValue returns the value node of key in a mapping node, or nil.
func mappingValue(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// SurveyFeeds lists what each survey indicator reads: its question, the answer type
// its rule relies on and the answers it names. Package surveys checks the survey
// definitions against them; the catalogue is the one place that says which question
// feeds which indicator.
func (c *Catalogue) SurveyFeeds() []SurveyFeed {
	var out []SurveyFeed
	for n := range c.Indicators {
		ind := &c.Indicators[n]
		if ind.Source != kov.SourceSurvey {
			continue
		}
		out = append(out, SurveyFeed{Indicator: ind.ID, Question: ind.StringParam(kov.SurveyQuestionParam),
			AnswerType: ind.QuestionType, Answers: ind.StringsParam(kov.SurveyAnswersParam)})
	}
	return out // in catalogue order, as the loop reads it
}

// SurveyFeed is what one survey indicator reads of the survey.
type SurveyFeed struct {
	Indicator  string
	Question   string
	AnswerType string   // the answer type its rule relies on (surveys.AnswerType)
	Answers    []string // the answers its rule names (params.answers), if any
}
