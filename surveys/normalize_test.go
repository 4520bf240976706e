package surveys

import (
	"errors"
	"path/filepath"
	"testing"
)

func TestNormalize(t *testing.T) {
	set, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	question := func(id string) *Question { return mustQuestion(t, set, "kov-ikt-2018", id) }
	yesNo := question("network_standard")
	scale := question("competence_centre_satisfaction")
	lan := question("lan_rebuild")
	fte := question("it_staff_fte")
	share := question("eservice_share_pct")
	comments := question("comments")

	tests := []struct {
		name    string
		q       *Question
		raw     string
		want    string
		wantErr string
	}{
		{"Estonian yes", yesNo, "jah", "yes", ""},
		{"Estonian yes capitalised", yesNo, "Jah", "yes", ""},
		{"Estonian yes upper case", yesNo, "JAH", "yes", ""},
		{"Estonian no", yesNo, "ei", "no", ""},
		{"Estonian no upper case with spaces", yesNo, "  EI ", "no", ""},
		{"English yes", yesNo, "yes", "yes", ""},
		{"English yes upper case", yesNo, "YES", "yes", ""},
		{"English no", yesNo, "No", "no", ""},
		{"boolean true", yesNo, "TRUE", "yes", ""},
		{"boolean false", yesNo, "false", "no", ""},
		{"checkbox 1", yesNo, "1", "yes", ""},
		{"checkbox 0", yesNo, "0", "no", ""},
		{"maybe is not yes/no", yesNo, "võib-olla", "", "not a yes/no answer"},
		{"2 is not yes/no", yesNo, "2", "", "not a yes/no answer"},
		{"empty yes/no", yesNo, "   ", "", "empty answer"},

		{"scale 4", scale, "4", "4", ""},
		{"scale padded", scale, " 4 ", "4", ""},
		{"scale 4.0", scale, "4.0", "4", ""},
		{"scale 4,0", scale, "4,0", "4", ""},
		{"scale 1", scale, "1", "1", ""},
		{"scale 5", scale, "5", "5", ""},
		{"scale 0", scale, "0", "", "scale answer must be 1-5"},
		{"scale 6", scale, "6", "", "scale answer must be 1-5"},
		{"scale 3.5", scale, "3.5", "", "scale answer must be 1-5"},
		{"scale word", scale, "hea", "", "scale answer must be 1-5"},
		// spec 1.1: a whole number, with a zero fraction at most.
		{"scale 4,00", scale, "4,00", "4", ""},
		{"scale 4.5", scale, "4.5", "", "scale answer must be 1-5"},
		{"scale 4,5", scale, "4,5", "", "scale answer must be 1-5"},
		{"scale 4. without a fraction", scale, "4.", "", "scale answer must be 1-5"},
		{"scale exponent", scale, "4e0", "", "scale answer must be 1-5"},
		{"scale sign", scale, "+4", "", "scale answer must be 1-5"},
		{"scale almost 4", scale, "3.99999999999999999", "", "scale answer must be 1-5"},
		{"scale 4.0.0", scale, "4.0.0", "", "scale answer must be 1-5"},

		{"choice value", lan, "done", "done", ""},
		{"choice value any case", lan, " In_Progress ", "in_progress", ""},
		{"choice Estonian valmis", lan, "Valmis", "done", ""},
		{"choice Estonian pooleli", lan, "pooleli", "in_progress", ""},
		{"choice Estonian töös", lan, "TÖÖS", "in_progress", ""},
		{"choice Estonian alustamata", lan, "alustamata", "not_started", ""},
		{"choice unknown", lan, "planned", "", "not one of: done, in_progress, not_started"},

		{"number with comma", fte, "12,5", "12.5", ""},
		{"number with dot", fte, "12.50", "12.5", ""},
		{"number integer", fte, "3", "3", ""},
		{"number with thousands space", fte, "1 200", "1200", ""},
		{"number negative zero", fte, "-0", "0", ""},
		{"number word", fte, "kaks", "", "not a number"},
		{"number ambiguous separators", fte, "1.234,5", "", "not a number"},
		{"number NaN", fte, "NaN", "", "not a number"},
		{"number hexadecimal", fte, "0x1p3", "", "not a number"},

		{"percent with sign and comma", share, "45,5 %", "45.5", ""},
		{"percent bare", share, "60", "60", ""},
		{"percent sign no space", share, "100%", "100", ""},
		{"percent 0", share, "0 %", "0", ""},
		{"percent 101", share, "101", "", "percent must be 0-100"},
		{"percent negative", share, "-1 %", "", "percent must be 0-100"},
		{"percent word", share, "pool", "", "not a number"},

		{"text trimmed", comments, "  Hea koostöö  ", "Hea koostöö", ""},
		{"text kept as written", comments, "JAH", "JAH", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.q.Normalize(tt.raw)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Normalize(%q) = %q, %v; want error %q", tt.raw, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Normalize(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
			}
		})
	}
}

func TestNormalizeErrorsAreComparable(t *testing.T) {
	set, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	_, err = mustQuestion(t, set, "kov-ikt-2018", "lan_rebuild").Normalize("maybe")
	if !errors.Is(err, ErrNotAChoice) {
		t.Errorf("choice error %v does not wrap ErrNotAChoice", err)
	}
}

func TestSetNormalizeAnswer(t *testing.T) {
	shipped, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	extra, err := LoadDir(filepath.Join("testdata", "extra"))
	if err != nil {
		t.Fatal(err)
	}
	set, err := Merge(shipped, extra)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                      string
		surveyID, questionID, raw string
		want                      string
		wantKnown                 bool
		wantErr                   error
	}{
		{"defined survey", "kov-ikt-2018", "security_policy", "Jah", "yes", true, nil},
		{"undefined survey, known question", "kov-ikt-2018-lisa", "security_policy", "EI", "no", true, nil},
		{"bad answer to a known question", "kov-ikt-2018", "security_policy", "vist", "", true, ErrNotYesNo},
		{"unknown question is kept as written", "kov-ikt-2018", "favourite_colour", " Sinine ", "Sinine", false, nil},
		{"empty answer to an unknown question", "kov-ikt-2018", "favourite_colour", " ", "", false, ErrEmptyAnswer},
		// vallad-2022 does not ask network_standard, but an answer to it feeds II.2 and
		// admits what the spec's table says, whatever its survey.
		{"indicator question outside its survey's definition", "vallad-2022", "network_standard", " JAH ", "yes", true, nil},
		{"bad answer to an indicator question outside its survey", "vallad-2022", "competence_centre_satisfaction", "4,5", "", true, ErrScale},
		{"other questions outside the definition stay unmapped", "vallad-2022", "cloud_backup", "Jah", "Jah", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, known, err := set.NormalizeAnswer(tt.surveyID, tt.questionID, tt.raw)
			if got != tt.want || known != tt.wantKnown || !errors.Is(err, tt.wantErr) {
				t.Errorf("got %q, known %v, err %v; want %q, %v, %v", got, known, err, tt.want, tt.wantKnown, tt.wantErr)
			}
		})
	}
}

// FuzzNormalize checks that a normalised answer is a fixed point: loading the long
// CSV that the wide conversion wrote must not change any answer again.
func FuzzNormalize(f *testing.F) {
	set, err := Default()
	if err != nil {
		f.Fatal(err)
	}
	d, _ := set.Survey("kov-ikt-2018")
	for _, seed := range []string{"jah", " 4,0 ", "45,5 %", "1 200", "valmis", "-0", "1e3", "0x10", "Inf"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, q := range d.Questions {
			got, err := q.Normalize(raw)
			if err != nil {
				continue
			}
			again, err := q.Normalize(got)
			if err != nil || again != got {
				t.Errorf("%s: Normalize(%q) = %q, but Normalize(%q) = %q, %v", q.ID, raw, got, got, again, err)
			}
		}
	})
}
