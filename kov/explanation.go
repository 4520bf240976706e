package kov

// Explanation says how one figure was made, down to the files it came from: the rows
// of the indicator's definition that the refresh stored with the figure.
type Explanation struct {
	Figure     Figure     `json:"figure"`
	Boundaries Boundaries `json:"boundaries"`
	Rule       Text       `json:"rule"`
	Source     Source     `json:"source"`
	Query      string     `json:"query"` // the definition behind the figure
	// Params are the values of the rule the definition was run with (catalogue params).
	Params       map[string]any `json:"params"`
	Contributors []Contribution `json:"contributors"`
	Predecessors []string       `json:"predecessor_codes"` // pre-merger codes whose rows count for the unit
	Catalogue    string         `json:"catalogue_version"`
}

// Contribution is what one file of one ingest run gave to a figure: its rows that
// qualify for the indicator (for a share of municipalities, those that decided it: the
// latest snapshot, the latest answer).
type Contribution struct {
	FileID   string `json:"file_id"`
	FileName string `json:"file_name"`
	RunID    string `json:"run_id"`
	Rows     int64  `json:"rows"`
	// Numerator and Denominator are the file's part of a figure of counted rows (nil
	// for a share of municipalities).
	Numerator       *int64   `json:"numerator,omitempty"`
	Denominator     *int64   `json:"denominator,omitempty"`
	RecordedCodes   []string `json:"recorded_codes"`
	FileQuarantined int64    `json:"file_quarantined"`
}
