package ingest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ValueType says how a column's text is validated, normalised and stored.
type ValueType uint8

// The value types of the data contract.
const (
	TypeString    ValueType = iota // text; required ones must not be empty
	TypeTimestamp                  // RFC 3339 or YYYY-MM-DD HH:MM:SS (Tallinn), stored UTC with milliseconds
	TypeDate                       // YYYY-MM-DD
	TypeBool                       // true/false 1/0 yes/no jah/ei, any case
	TypeEHAK                       // 1-4 digits, zero-padded to 4, must be a known municipality
	TypeEnum                       // one of Column.Enum, any case, stored as listed
	TypeUint                       // non-negative integer within Column.Min..Column.Max
	TypeYear                       // integer 2000..2100
	TypeAnswer                     // survey answer: trimmed, yes/no words and numbers normalised
)

// Column describes one input column of a kind.
type Column struct {
	Name string
	Type ValueType
	// Optional columns may be missing from the header and may be empty in a row
	// (the contract's "may be empty"). Every other column must be in the header
	// and must have a value.
	Optional bool
	// Nullable optional columns are stored as NULL when empty (otherwise "").
	Nullable bool
	Enum     []string // TypeEnum: allowed values, as stored
	Min, Max uint64   // TypeUint bounds; Max 0 means the column type's limit
	// BadValue is the reason given when the value does not fit; a default for the
	// type is used when empty.
	BadValue string
}

// Kind is one measurement kind of the data contract.
type Kind struct {
	Name  string
	Table string // ClickHouse table (sql/migrations/0002_measurements.sql)
	// Columns are the input columns, in the order they are validated.
	Columns []Column
	// Key lists the idempotency key columns.
	Key []string
	// YearFrom names the date or timestamp column whose Tallinn calendar year is
	// stored as `year`; empty when the kind has its own `year` column.
	YearFrom string
	// LineFrom names an extra column, outside the contract and not stored, that
	// where a file has it and a row fills it gives the line stored and quarantined
	// for the row instead of its own: the line in the file the row was converted
	// from (surveys.ConvertWide writes it for a survey tool's wide export).
	LineFrom string
	// stored lists the table columns without file_id and run_id, `line` last.
	stored []string
	// check runs the rules that involve more than one column; it returns the
	// column and reason of the first failure, or "" when the row is fine.
	check func(e *rowEncoder) (column, reason string)
}

// StoredColumns returns the columns of the kind's table in table order, without
// file_id and run_id, with `line` last: the columns of the TSV that Parse emits.
func (k *Kind) StoredColumns() []string { return slices.Clone(k.stored) }

// RequiredColumns returns the columns a file of this kind must have.
func (k *Kind) RequiredColumns() []string {
	var names []string
	for _, c := range k.Columns {
		if !c.Optional {
			names = append(names, c.Name)
		}
	}
	return names
}

// sources says where each stored column's value comes from: an input column's
// index, srcYear or srcLine.
func (k *Kind) sources() []int {
	order := make([]int, 0, len(k.stored))
	for _, name := range k.stored {
		switch {
		case name == "line":
			order = append(order, srcLine)
		case name == "year" && k.YearFrom != "":
			order = append(order, srcYear)
		default:
			order = append(order, k.column(name))
		}
	}
	return order
}

func (k *Kind) column(name string) int {
	for i, c := range k.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Systems are the information systems of usage and feedback rows.
var Systems = []string{"KOVTP", "VOLIS", "RPIS", "KOVMEN", "STAR", "SKAIS", "EHR", "DHS", "OTHER"}

var kinds = []*Kind{
	{
		Name: "usage", Table: "usage", YearFrom: "event_time",
		Key: []string{"event_id"},
		Columns: []Column{
			{Name: "event_id", Type: TypeString},
			{Name: "event_time", Type: TypeTimestamp},
			{Name: "ehak_code", Type: TypeEHAK},
			{Name: "system", Type: TypeEnum, Enum: Systems},
			{Name: "service_code", Type: TypeString},
			{Name: "channel", Type: TypeEnum, Enum: []string{"web", "portal", "email", "xroad", "paper", "office", "phone"}},
			{Name: "event", Type: TypeEnum, Enum: []string{"view", "start", "submit", "decision", "notification"}},
			{Name: "session_id", Type: TypeString, Optional: true},
			{Name: "user_hash", Type: TypeString, Optional: true},
			{Name: "duration_ms", Type: TypeUint, Optional: true, Nullable: true, BadValue: "duration_ms must be a non-negative integer"},
		},
		stored: []string{"event_id", "event_time", "year", "ehak_code", "system", "service_code", "channel", "event", "session_id", "user_hash", "duration_ms", "line"},
	},
	{
		Name: "feedback", Table: "feedback", YearFrom: "submitted_at",
		Key: []string{"feedback_id"},
		Columns: []Column{
			{Name: "feedback_id", Type: TypeString},
			{Name: "submitted_at", Type: TypeTimestamp},
			{Name: "ehak_code", Type: TypeEHAK},
			{Name: "system", Type: TypeEnum, Enum: Systems},
			{Name: "service_code", Type: TypeString, Optional: true},
			{Name: "score", Type: TypeUint, Min: 1, Max: 5, BadValue: "score must be an integer 1-5"},
			{Name: "comment", Type: TypeString, Optional: true},
		},
		stored: []string{"feedback_id", "submitted_at", "year", "ehak_code", "system", "service_code", "score", "comment", "line"},
	},
	{
		Name: "services", Table: "services", YearFrom: "snapshot_date",
		Key: []string{"snapshot_date", "ehak_code", "service_code"},
		Columns: []Column{
			{Name: "snapshot_date", Type: TypeDate},
			{Name: "ehak_code", Type: TypeEHAK},
			{Name: "service_code", Type: TypeString},
			{Name: "service_name", Type: TypeString},
			{Name: "has_eform", Type: TypeBool},
			{Name: "described", Type: TypeBool},
			{Name: "in_gateway", Type: TypeBool},
		},
		stored: []string{"snapshot_date", "year", "ehak_code", "service_code", "service_name", "has_eform", "described", "in_gateway", "line"},
	},
	{
		Name: "audits", Table: "audits", YearFrom: "audit_date",
		Key: []string{"audit_id"},
		Columns: []Column{
			{Name: "audit_id", Type: TypeString},
			{Name: "audit_date", Type: TypeDate},
			{Name: "ehak_code", Type: TypeEHAK},
			{Name: "iske_level", Type: TypeEnum, Enum: []string{"L", "M", "H"}},
			{Name: "result", Type: TypeEnum, Enum: []string{"passed", "remarks", "failed"}},
			{Name: "findings_total", Type: TypeUint, Max: 1<<32 - 1, BadValue: "findings_total must be a non-negative integer"},
			{Name: "findings_open", Type: TypeUint, Max: 1<<32 - 1, BadValue: "findings_open must be a non-negative integer"},
			{Name: "infra_consulted", Type: TypeBool},
		},
		stored: []string{"audit_id", "audit_date", "year", "ehak_code", "iske_level", "result", "findings_total", "findings_open", "infra_consulted", "line"},
		check: func(e *rowEncoder) (string, string) {
			if e.num("findings_open") > e.num("findings_total") {
				return "findings_open", ReasonFindingsOpen
			}
			return "", ""
		},
	},
	{
		Name: "survey", Table: "survey_answers", LineFrom: "source_line",
		Key: []string{"survey_id", "respondent_id", "question_id"},
		Columns: []Column{
			{Name: "survey_id", Type: TypeString},
			{Name: "year", Type: TypeYear},
			{Name: "ehak_code", Type: TypeEHAK},
			{Name: "respondent_id", Type: TypeString},
			{Name: "submitted_at", Type: TypeTimestamp},
			{Name: "question_id", Type: TypeString},
			{Name: "answer", Type: TypeAnswer},
		},
		stored: []string{"survey_id", "year", "ehak_code", "respondent_id", "submitted_at", "question_id", "answer", "line"},
	},
	{
		Name: "trainings", Table: "trainings", YearFrom: "event_date",
		Key: []string{"event_id", "ehak_code"},
		Columns: []Column{
			{Name: "event_id", Type: TypeString},
			{Name: "event_date", Type: TypeDate},
			{Name: "ehak_code", Type: TypeEHAK},
			{Name: "kind", Type: TypeEnum, Enum: []string{"training", "consultation", "seminar"}},
			{Name: "participants", Type: TypeUint, Min: 1, Max: 1<<32 - 1, BadValue: "participants must be an integer >= 1"},
		},
		stored: []string{"event_id", "event_date", "year", "ehak_code", "kind", "participants", "line"},
	},
	{
		Name: "org_goals", Table: "org_goals",
		Key: []string{"year", "goal_id"},
		Columns: []Column{
			{Name: "year", Type: TypeYear},
			{Name: "goal_id", Type: TypeString},
			{Name: "description", Type: TypeString},
			{Name: "achieved", Type: TypeBool},
		},
		stored: []string{"year", "goal_id", "description", "achieved", "line"},
	},
}

func init() {
	// Catch a slip in the table above at start-up rather than at load time.
	for _, k := range kinds {
		for _, name := range k.stored {
			if name != "line" && !(name == "year" && k.YearFrom != "") && k.column(name) < 0 {
				panic(fmt.Sprintf("ingest: kind %s stores %s, which is not an input column", k.Name, name))
			}
		}
		for _, c := range k.Columns {
			// An empty optional column is stored as NULL or as the empty string, which
			// only a string column has.
			if c.Optional && !c.Nullable && c.Type != TypeString {
				panic(fmt.Sprintf("ingest: kind %s: optional column %s must be Nullable or a string", k.Name, c.Name))
			}
		}
		if k.LineFrom != "" && (k.column(k.LineFrom) >= 0 || slices.Contains(k.stored, k.LineFrom)) {
			panic(fmt.Sprintf("ingest: kind %s takes its line from %s, which must be no input or stored column", k.Name, k.LineFrom))
		}
		if k.YearFrom != "" && k.column(k.YearFrom) < 0 {
			panic(fmt.Sprintf("ingest: kind %s takes its year from unknown column %s", k.Name, k.YearFrom))
		}
		// The row encoder works out the year while it writes YearFrom, so that
		// column must come before year in the table.
		if k.YearFrom != "" && slices.Index(k.stored, k.YearFrom) > slices.Index(k.stored, "year") {
			panic(fmt.Sprintf("ingest: kind %s stores year before %s", k.Name, k.YearFrom))
		}
	}
}

// Kinds returns the seven measurement kinds.
func Kinds() []*Kind { return slices.Clone(kinds) }

// KindByName finds a measurement kind by its name (e.g. "usage"). The registry
// kinds "municipalities" and "mergers" are not measurement kinds.
func KindByName(name string) (*Kind, bool) {
	for _, k := range kinds {
		if k.Name == name {
			return k, true
		}
	}
	return nil, false
}

// ErrUnknownKind is wrapped by InferKind when no kind fits the header.
var ErrUnknownKind = errors.New("cannot tell the kind of the file from its header")

// InferKind picks the kind whose required columns are all in the header; where
// several qualify, the one that recognises the most header columns wins, and a
// tie is an error. The header must be normalised (trimmed, lower-case), as
// RecordReader.Header returns it.
func InferKind(header []string) (*Kind, error) {
	present := make(map[string]bool, len(header))
	for _, h := range header {
		present[h] = true
	}
	var best []*Kind
	bestScore := -1
	closest, closestMissing := (*Kind)(nil), []string(nil)
	for _, k := range kinds {
		var missing []string
		score := 0
		for _, c := range k.Columns {
			switch {
			case present[c.Name]:
				score++
			case !c.Optional:
				missing = append(missing, c.Name)
			}
		}
		if len(missing) > 0 {
			if closest == nil || len(missing) < len(closestMissing) {
				closest, closestMissing = k, missing
			}
			continue
		}
		switch {
		case score > bestScore:
			best, bestScore = []*Kind{k}, score
		case score == bestScore:
			best = append(best, k)
		}
	}
	switch len(best) {
	case 1:
		return best[0], nil
	case 0:
		return nil, fmt.Errorf("%w (closest: %s, which lacks %s); give the kind with --kind",
			ErrUnknownKind, closest.Name, strings.Join(closestMissing, ", "))
	default:
		names := make([]string, len(best))
		for i, k := range best {
			names[i] = k.Name
		}
		return nil, fmt.Errorf("%w: it fits %s equally well; give the kind with --kind",
			ErrUnknownKind, strings.Join(names, " and "))
	}
}
