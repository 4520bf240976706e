package ingest

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestParseTimestampMatchesTime compares the hand-written parser with time.Parse
// on random valid timestamps in every accepted form.
func TestParseTimestampMatchesTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var cache offsetCache
	zones := []string{"Z", "+02:00", "+03:00", "-05:30", "+14:00", ""}
	for range 50000 {
		when := time.Unix(rng.Int64N(time.Date(2100, 12, 1, 0, 0, 0, 0, time.UTC).Unix()-86400)+86400, int64(rng.IntN(1e9)))
		zone := zones[rng.IntN(len(zones))]
		var in string
		var want time.Time
		if zone == "" {
			in = when.In(tallinn).Format("2006-01-02 15:04:05.000000")
			want, _ = time.ParseInLocation("2006-01-02 15:04:05.999999999", in, tallinn)
		} else {
			loc := time.UTC
			if zone != "Z" {
				off, _ := time.Parse("-07:00", zone)
				_, sec := off.Zone()
				loc = time.FixedZone(zone, sec)
			}
			in = when.In(loc).Format(time.RFC3339Nano)
			var err error
			if want, err = time.Parse(time.RFC3339Nano, in); err != nil {
				t.Fatal(err)
			}
		}
		ms, year, reason := parseTimestamp(in, &cache)
		if reason != "" {
			t.Fatalf("%s: %s", in, reason)
		}
		if ms != want.UnixMilli() {
			t.Fatalf("%s: %d ms, want %d", in, ms, want.UnixMilli())
		}
		if wantYear := want.In(tallinn).Year(); year != wantYear && zone != "" {
			t.Fatalf("%s: year %d, want %d", in, year, wantYear)
		}
		if got, want := string(appendDateTime64(nil, ms)), want.UTC().Format("2006-01-02 15:04:05.000"); got != want {
			t.Fatalf("%s: formatted %s, want %s", in, got, want)
		}
	}
}

// TestLocalOffsetIsTheEarliestInstant checks the per-hour offset cache minute by
// minute around every Tallinn zone change, where a cached hour could be wrong, against
// the spec's rule worked out another way: of the instants at which Tallinn's clocks
// show the time (its offsets since 1970 are +02:00, +03:00 and +04:00), the earliest;
// a time that no clock shows (the hour skipped in spring) is read as time.Date does.
func TestLocalOffsetIsTheEarliestInstant(t *testing.T) {
	var cache offsetCache
	repeated := 0
	for y := minYear; y <= maxYear; y++ {
		for _, month := range []time.Month{time.March, time.April, time.September, time.October} {
			for d := 20; d <= 31; d++ {
				for h := 0; h < 6; h++ {
					for _, mi := range []int{0, 1, 30, 59} {
						wall := time.Date(y, month, d, h, mi, 7, 0, time.UTC)
						if wall.Month() != month {
							continue
						}
						in := wall.Format(time.DateTime)
						ms, _, reason := parseTimestamp(in, &cache)
						want := time.Date(y, month, d, h, mi, 7, 0, tallinn)
						shows := 0
						for _, offset := range []time.Duration{4 * time.Hour, 3 * time.Hour, 2 * time.Hour} {
							if at := wall.Add(-offset); at.In(tallinn).Format(time.DateTime) == in {
								if shows == 0 {
									want = at
								}
								shows++
							}
						}
						if shows > 1 {
							repeated++
						}
						if reason != "" || ms != want.UnixMilli() {
							t.Fatalf("%s: %s %q, want %s", in, time.UnixMilli(ms).UTC(), reason, want.UTC())
						}
					}
				}
			}
		}
	}
	if repeated == 0 {
		t.Fatal("no repeated local time was checked")
	}
}

// The hour that repeats when summer time ends is the earlier instant (spec 1.1); the
// skipped hour of spring is read with the winter offset.
func TestTallinnRepeatedAndSkippedHour(t *testing.T) {
	var cache offsetCache
	for _, c := range []struct{ in, want string }{
		{"2018-10-28 02:59:59", "2018-10-27T23:59:59Z"},
		{"2018-10-28 03:00:00", "2018-10-28T00:00:00Z"}, // 03:00+03:00, not 03:00+02:00
		{"2018-10-28 03:30:00", "2018-10-28T00:30:00Z"},
		{"2018-10-28T03:59:59", "2018-10-28T00:59:59Z"},
		{"2018-10-28 04:00:00", "2018-10-28T02:00:00Z"},
		{"2018-10-28T03:30:00+02:00", "2018-10-28T01:30:00Z"}, // an offset says which
		{"2018-03-25 02:59:59", "2018-03-25T00:59:59Z"},
		{"2018-03-25 03:30:00", "2018-03-25T01:30:00Z"}, // no clock shows it
		{"2018-03-25 04:00:00", "2018-03-25T01:00:00Z"},
	} {
		ms, _, reason := parseTimestamp(c.in, &cache)
		if got := time.UnixMilli(ms).UTC().Format(time.RFC3339); reason != "" || got != c.want {
			t.Errorf("%s: %s %q, want %s", c.in, got, reason, c.want)
		}
	}
}

func TestValueRules(t *testing.T) {
	var cache offsetCache
	tsTests := []struct{ in, reason string }{
		{"10:00:00", ReasonNoDate},
		{"10:00", ReasonNoDate},
		{"10:00:00.123+02:00", ReasonNoDate},
		{"2018-03-01", ReasonNoTime},
		{"2018-02-30 10:00:00", ReasonBadTimestamp},
		{"2018-03-01T25:00:00Z", ReasonBadTimestamp},
		{"2018-03-01T10:00:00+0200", ReasonBadTimestamp},
		{"2018-03-01T10:00:00.Z", ReasonBadTimestamp},
		{"2018-03-01T10:00:00 junk", ReasonBadTimestamp},
		{"1969-12-31 12:00:00", ReasonOutOfRange},
		{"2101-01-01T00:00:00Z", ReasonOutOfRange},
		{"2100-12-31T22:30:00Z", ReasonOutOfRange}, // 2101 in Tallinn
		{"2018-03-01t10:00:00z", ""},
		{"2016-02-29 00:00:00", ""},
	}
	for _, tt := range tsTests {
		if _, _, reason := parseTimestamp(tt.in, &cache); reason != tt.reason {
			t.Errorf("timestamp %q: reason %q, want %q", tt.in, reason, tt.reason)
		}
	}
	boolTests := []struct {
		in        string
		value, ok bool
	}{
		{"true", true, true}, {"FALSE", false, true}, {"1", true, true}, {"0", false, true},
		{"Yes", true, true}, {"no", false, true}, {"JAH", true, true}, {"Ei", false, true},
		{"2", false, false}, {"y", false, false}, {"truee", false, false}, {"", false, false},
	}
	for _, tt := range boolTests {
		if v, ok := parseBool(tt.in); v != tt.value || ok != tt.ok {
			t.Errorf("bool %q: %v %v, want %v %v", tt.in, v, ok, tt.value, tt.ok)
		}
	}
	ehakTests := []struct {
		in, want string
		ok       bool
	}{{"7", "0007", true}, {"784", "0784", true}, {"0784", "0784", true}, {"12345", "", false}, {"", "", false}, {"78a", "", false}, {"-1", "", false}}
	for _, tt := range ehakTests {
		if got, ok := padEHAK(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("ehak %q: %q %v, want %q %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	answerTests := []struct{ in, want string }{
		{"Jah", "yes"}, {"EI", "no"}, {"yes", "yes"}, {"No", "no"}, {"4,5", "4.5"}, {"75%", "75"},
		{"75 %", "75"}, {"-3", "-3"}, {"in_progress", "in_progress"}, {"1,2,3", "1,2,3"}, {"%", "%"},
		{"a\tb", `a\tb`},
	}
	for _, tt := range answerTests {
		if got := string(appendEscaped(nil, normaliseAnswer(tt.in))); got != tt.want {
			t.Errorf("answer %q: %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := string(appendEscaped(nil, "a\\b\tc\nd\re")); got != `a\\b\tc\nd\re` {
		t.Errorf("escaped %q", got)
	}
	for _, reason := range []string{ReasonUnknownMunicipality, ReasonTooFewFields, "score must be an integer 1-5"} {
		if ReasonEstonian(reason) == reason {
			t.Errorf("no Estonian for %q", reason)
		}
	}
}

// TestYearColumns covers the explicit year of survey and org_goals.
func TestYearColumns(t *testing.T) {
	goals, _ := KindByName("org_goals")
	in := "year,goal_id,description,achieved\n2018,g1,d,jah\n1999,g2,d,ei\n2101,g3,d,1\nx,g4,d,0\n"
	rec := &recorder{}
	st, err := Parse(context.Background(), strings.NewReader(in), "goals.csv", goals, nil, rec, 10)
	if err != nil {
		t.Fatal(err)
	}
	if st.Valid != 1 || st.Problems != 3 {
		t.Errorf("stats %+v, want 1 valid and 3 problems", st)
	}
	for _, p := range rec.problems {
		if p.Column != "year" || p.Reason != ReasonBadYear {
			t.Errorf("problem %+v, want year: %s", p, ReasonBadYear)
		}
	}
}

// FuzzParse feeds arbitrary files to the parser and validator of every kind (what an
// upload to POST /api/ingest/{kind} reaches): it must never panic, every row must be
// either emitted with the kind's stored columns or quarantined, and the counts must
// add up.
func FuzzParse(f *testing.F) {
	f.Add(uint8(0), generateUsage(3))
	f.Add(uint8(0), []byte("event_id,event_time,ehak_code,system,service_code,channel,event\nx,2018-01-01 00:00:00,1,kovtp,s,WEB,View\n"))
	f.Add(uint8(0), []byte("event_id;event_time;ehak_code;system;service_code;channel;event\n\"a\nb\";10:00:00;1;X;s;web;view\n"))
	f.Add(uint8(0), []byte(`{"event_id":"e","event_time":"2018-01-01T00:00:00Z","ehak_code":784,"system":"DHS","service_code":"s","channel":"web","event":"view"}`))
	kinds := Kinds()
	for i, k := range kinds {
		f.Add(uint8(i), []byte(strings.Join(k.RequiredColumns(), ",")+"\n"))
	}
	good, _ := filepath.Glob(filepath.Join("testdata", "good", "*"))
	for _, name := range good {
		data, err := os.ReadFile(name)
		if err != nil || strings.HasSuffix(name, ".gz") {
			continue
		}
		base := filepath.Base(name)
		for i, k := range kinds {
			if strings.HasPrefix(base, k.Name) {
				f.Add(uint8(i), data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, kindIndex uint8, data []byte) {
		kind := kinds[int(kindIndex)%len(kinds)]
		columns := len(kind.StoredColumns())
		rec := &recorder{}
		st, err := Parse(context.Background(), bytes.NewReader(data), "fuzz.csv", kind, nil, rec, 7)
		if err != nil {
			return
		}
		if st.Valid+st.Problems != st.RowsRead || int64(rec.rows) != st.Valid || int64(len(rec.problems)) != st.Problems {
			t.Fatalf("%s: stats %+v, %d rows and %d problems received", kind.Name, st, rec.rows, len(rec.problems))
		}
		for _, line := range strings.Split(strings.TrimSuffix(rec.tsv.String(), "\n"), "\n") {
			if line == "" && st.Valid == 0 {
				continue
			}
			if n := strings.Count(line, "\t") + 1; n != columns {
				t.Fatalf("%s: row %q has %d columns, want %d", kind.Name, line, n, columns)
			}
		}
	})
}

// TestMessageIn: a loader's bilingual message shows one language; a known reason is
// translated; anything else is as written.
func TestMessageIn(t *testing.T) {
	bilingual := "survey.csv: answers kept as written (unmapped): x (3) / vastused jäeti nii, nagu need olid: x (3)"
	for _, tc := range []struct{ msg, lang, want string }{
		{bilingual, "en", "survey.csv: answers kept as written (unmapped): x (3)"},
		{bilingual, "et", "survey.csv: vastused jäeti nii, nagu need olid: x (3)"},
		{ReasonMissing, "et", "väärtus puudub"},
		{ReasonMissing, "en", ReasonMissing},
		{"something else", "et", "something else"},
	} {
		if got := MessageIn(tc.msg, tc.lang); got != tc.want {
			t.Errorf("MessageIn(%q, %s) = %q, want %q", tc.msg, tc.lang, got, tc.want)
		}
	}
}
