package surveys

import (
	"sort"
	"time"
)

// Answer is one answer of a municipality, already attributed to the unit it is
// reported in (spec/indicators.md: attribution comes first) and normalised.
type Answer struct {
	EhakCode     string
	QuestionID   string
	SurveyID     string
	RespondentID string
	SubmittedAt  time.Time
	Answer       string
}

// LatestWins keeps, for each municipality and question, the answer with the latest
// SubmittedAt (spec/indicators.md, "Latest answer wins"). This also settles merged
// municipalities: after attribution a successor's latest answer is the latest among
// all answers attributed to it.
//
// Equal times are broken by the larger respondent id, then the larger survey id (the
// spec's rule, as the indicators apply it), then the larger answer, so the result does
// not depend on the order in which the store returned the rows. The result is sorted
// by EHAK code, then question id.
func LatestWins(answers []Answer) []Answer {
	type key struct{ ehak, question string }
	latest := map[key]Answer{}
	for _, a := range answers {
		k := key{a.EhakCode, a.QuestionID}
		if kept, ok := latest[k]; !ok || later(a, kept) {
			latest[k] = a
		}
	}
	out := make([]Answer, 0, len(latest))
	for _, a := range latest {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].EhakCode != out[j].EhakCode {
			return out[i].EhakCode < out[j].EhakCode
		}
		return out[i].QuestionID < out[j].QuestionID
	})
	return out
}

func later(a, b Answer) bool {
	if !a.SubmittedAt.Equal(b.SubmittedAt) {
		return a.SubmittedAt.After(b.SubmittedAt)
	}
	if a.RespondentID != b.RespondentID {
		return a.RespondentID > b.RespondentID
	}
	if a.SurveyID != b.SurveyID {
		return a.SurveyID > b.SurveyID
	}
	return a.Answer > b.Answer
}
