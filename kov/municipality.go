package kov

import "time"

// Municipality is one validity period of one EHAK code: a local government unit as
// the registry knows it. Where only a unit's code and name are at hand (a survey's
// non-respondents), the other fields are zero and left out of JSON.
type Municipality struct {
	Code       string    `json:"ehak_code"` // 4 digits, zero-padded
	Name       string    `json:"name"`
	Type       string    `json:"type,omitempty"` // "linn" or "vald"
	CountyCode string    `json:"county_code,omitempty"`
	CountyName string    `json:"county_name,omitempty"`
	ValidFrom  time.Time `json:"valid_from,omitzero"`  // zero: valid since before any data
	ValidTo    time.Time `json:"valid_to,omitzero"`    // zero: still valid; the unit is no longer valid ON this day
	Population int       `json:"population,omitempty"` // 0 when unknown
}

// String is the unit's code and name, "0784 Tallinn".
func (m Municipality) String() string { return m.Code + " " + m.Name }

// ActiveOn reports whether the unit is valid on day d (spec: valid_from <= d and
// (valid_to empty or valid_to > d)).
func (m Municipality) ActiveOn(d time.Time) bool {
	return (m.ValidFrom.IsZero() || !m.ValidFrom.After(d)) && (m.ValidTo.IsZero() || m.ValidTo.After(d))
}

// Merger says that (a share of) the old unit went to the new one on a date.
type Merger struct {
	Old, New  string
	Effective time.Time
	AreaShare float64 // 0 < share <= 1
}
