package surveys

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestLatestWins(t *testing.T) {
	at := func(s string) time.Time {
		ts, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	tests := []struct {
		name    string
		answers []Answer
		want    string // ehak/question=answer, ';'-joined
	}{
		{
			name: "a municipality answering twice: the later answer wins whatever the order",
			answers: []Answer{
				{EhakCode: "0784", QuestionID: "network_standard", RespondentID: "3", SubmittedAt: at("2018-03-05T09:30:00+02:00"), Answer: "no"},
				{EhakCode: "0784", QuestionID: "network_standard", RespondentID: "1", SubmittedAt: at("2018-03-01T10:00:00+02:00"), Answer: "yes"},
			},
			want: "0784/network_standard=no",
		},
		{
			name: "time zones are compared as instants",
			answers: []Answer{
				{EhakCode: "0784", QuestionID: "q", RespondentID: "1", SubmittedAt: at("2018-03-01T10:00:00+02:00"), Answer: "late"},
				{EhakCode: "0784", QuestionID: "q", RespondentID: "2", SubmittedAt: at("2018-03-01T07:30:00Z"), Answer: "early"},
			},
			want: "0784/q=late",
		},
		{
			name: "each question is decided on its own",
			answers: []Answer{
				{EhakCode: "0795", QuestionID: "security_policy", RespondentID: "1", SubmittedAt: at("2018-03-01T10:00:00Z"), Answer: "yes"},
				{EhakCode: "0795", QuestionID: "asset_register", RespondentID: "2", SubmittedAt: at("2018-03-02T10:00:00Z"), Answer: "no"},
				{EhakCode: "0784", QuestionID: "asset_register", RespondentID: "3", SubmittedAt: at("2018-03-01T10:00:00Z"), Answer: "yes"},
			},
			want: "0784/asset_register=yes;0795/asset_register=no;0795/security_policy=yes",
		},
		{
			name: "a tie goes to the larger respondent id, in either order",
			answers: []Answer{
				{EhakCode: "0784", QuestionID: "q", RespondentID: "b", SubmittedAt: at("2018-03-01T10:00:00Z"), Answer: "from b"},
				{EhakCode: "0784", QuestionID: "q", RespondentID: "a", SubmittedAt: at("2018-03-01T10:00:00Z"), Answer: "from a"},
				{EhakCode: "0784", QuestionID: "r", RespondentID: "a", SubmittedAt: at("2018-03-01T10:00:00Z"), Answer: "from a"},
				{EhakCode: "0784", QuestionID: "r", RespondentID: "b", SubmittedAt: at("2018-03-01T10:00:00Z"), Answer: "from b"},
			},
			want: "0784/q=from b;0784/r=from b",
		},
		{
			// spec 1.1: the same respondent in two surveys of the year at the same
			// time; the larger survey id wins, although its answer is the smaller.
			name: "then to the larger survey id",
			answers: []Answer{
				{EhakCode: "0784", QuestionID: "q", SurveyID: "s-b", RespondentID: "a", SubmittedAt: at("2018-03-01T10:00:00Z"), Answer: "no"},
				{EhakCode: "0784", QuestionID: "q", SurveyID: "s-a", RespondentID: "a", SubmittedAt: at("2018-03-01T10:00:00Z"), Answer: "yes"},
			},
			want: "0784/q=no",
		},
		{name: "nothing in, nothing out", answers: nil, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, a := range LatestWins(tt.answers) {
				got = append(got, fmt.Sprintf("%s/%s=%s", a.EhakCode, a.QuestionID, a.Answer))
			}
			if g := strings.Join(got, ";"); g != tt.want {
				t.Errorf("got %q, want %q", g, tt.want)
			}
		})
	}
}
