package ingest

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Tallinn must be there whatever the host has installed

	"ee/kovmon/registry"
	"ee/kovmon/store"
)

// Reasons a value or row is quarantined. They are short and stable: the
// quarantine table and reports group by them. ReasonEstonian translates them.
const (
	ReasonMissing             = "missing value"
	ReasonNoDate              = "timestamp has no date"
	ReasonNoTime              = "timestamp has no time"
	ReasonBadTimestamp        = "not a valid timestamp (RFC 3339 or YYYY-MM-DD HH:MM:SS)"
	ReasonBadDate             = "not a valid date (YYYY-MM-DD)"
	ReasonOutOfRange          = "date out of range 1970-2100"
	ReasonBadBool             = "not a boolean (true/false, 1/0, yes/no, jah/ei)"
	ReasonBadEHAK             = "ehak_code must be 1-4 digits"
	ReasonUnknownMunicipality = "unknown municipality"
	ReasonBadUint             = "not a non-negative integer"
	ReasonBadYear             = "year must be an integer 2000-2100"
	ReasonFindingsOpen        = "findings_open > findings_total"
	ReasonBadLine             = "source_line must be a line number >= 1"
)

var reasonsEstonian = map[string]string{
	ReasonMissing:                          "väärtus puudub",
	ReasonNoDate:                           "ajatemplil puudub kuupäev",
	ReasonNoTime:                           "ajatemplil puudub kellaaeg",
	ReasonBadTimestamp:                     "vigane ajatempel (RFC 3339 või AAAA-KK-PP TT:MM:SS)",
	ReasonBadDate:                          "vigane kuupäev (AAAA-KK-PP)",
	ReasonOutOfRange:                       "kuupäev väljaspool vahemikku 1970-2100",
	ReasonBadBool:                          "pole tõeväärtus (true/false, 1/0, yes/no, jah/ei)",
	ReasonBadEHAK:                          "ehak_code peab olema 1-4 numbrit",
	ReasonUnknownMunicipality:              "tundmatu omavalitsus",
	ReasonBadUint:                          "pole mittenegatiivne täisarv",
	ReasonBadYear:                          "aasta peab olema täisarv 2000-2100",
	ReasonFindingsOpen:                     "findings_open > findings_total",
	ReasonBadLine:                          "source_line peab olema reanumber >= 1",
	ReasonTooFewFields:                     "liiga vähe välju",
	ReasonTooManyFields:                    "liiga palju välju",
	ReasonInvalidUTF8:                      "pole korrektne UTF-8",
	ReasonBadQuote:                         "vigaselt jutumärkides väli",
	ReasonBadJSON:                          "pole korrektne JSON-objekt",
	ReasonNestedJSON:                       "pesastatud JSON-väärtus pole lubatud",
	"score must be an integer 1-5":         "hinne peab olema täisarv 1-5",
	"participants must be an integer >= 1": "osalejate arv peab olema täisarv >= 1",
	"duration_ms must be a non-negative integer":    "duration_ms peab olema mittenegatiivne täisarv",
	"findings_total must be a non-negative integer": "findings_total peab olema mittenegatiivne täisarv",
	"findings_open must be a non-negative integer":  "findings_open peab olema mittenegatiivne täisarv",
	// Survey answers that their question does not admit (package surveys, whose
	// test checks that every reason it gives is translated here).
	"empty answer":             "tühi vastus",
	"not a yes/no answer":      "pole jah/ei vastus",
	"scale answer must be 1-5": "skaalavastus peab olema 1-5",
	"not a number":             "pole arv",
	"percent must be 0-100":    "protsent peab olema 0-100",
}

// ReasonEstonian returns the Estonian wording of a reason, or the reason itself
// when there is none (the enumeration reasons list codes that need no translation
// beyond their prefix).
func ReasonEstonian(reason string) string {
	if et, ok := reasonsEstonian[reason]; ok {
		return et
	}
	if rest, ok := strings.CutPrefix(reason, "not one of: "); ok {
		return "pole üks järgmistest: " + rest
	}
	return reason
}

// MessageIn is a loader's message for a reader of lang: the loader writes its
// warnings and errors as "English / Estonian" (the file name before the English);
// a reason it knows is translated. Other messages are as written.
func MessageIn(msg, lang string) string {
	if en, et, ok := strings.Cut(msg, " / "); ok && !strings.Contains(et, " / ") {
		if lang != "et" {
			return en
		}
		if name, _, found := strings.Cut(en, ": "); found && !strings.Contains(name, " ") {
			return name + ": " + et
		}
		return et
	}
	if lang == "et" {
		return ReasonEstonian(msg)
	}
	return msg
}

// ErrorEstonian explains in Estonian why Parse or NewRecordReader rejected a
// file, for the user-facing summary next to the English error; "" when the error
// is not one of this package's.
func ErrorEstonian(err error) string {
	switch {
	case errors.Is(err, ErrEmptyFile):
		return "fail on tühi"
	case errors.Is(err, ErrNoDataRows):
		return "failis on ainult päis, andmeridu pole"
	case errors.Is(err, ErrRecordTooBig):
		return "kirje on pikem kui 1 MiB; kas fail on ikka CSV või JSON Lines?"
	case errors.Is(err, ErrTruncated):
		return "pakitud fail on katki või poolik; laadi see uuesti"
	case errors.Is(err, ErrUnknownKind):
		return "päise järgi ei saa faili liiki määrata; anna liik ette (--kind)"
	case errors.Is(err, ErrAllRowsFailed):
		return "ükski rida polnud korras; vaata karantiini"
	case errors.Is(err, ErrMissingColumn):
		return "failist puudub kohustuslik veerg"
	}
	return ""
}

var tallinn = mustLoadTallinn()

func mustLoadTallinn() *time.Location {
	loc, err := time.LoadLocation("Europe/Tallinn")
	if err != nil {
		panic("ingest: Europe/Tallinn missing although time/tzdata is linked: " + err.Error())
	}
	return loc
}

// The years a date or timestamp may have: those the registry attributes (Date in
// ClickHouse starts in 1970, and later than 2100 is a typo in this domain).
const minYear, maxYear = registry.FirstYear, registry.LastYear

// yearStarts[y-minYear+1] is the instant (Unix seconds) when year y begins in
// Tallinn, for y in minYear-1..maxYear+2: a table lookup is all that is needed to
// turn an instant into its Tallinn year.
var yearStarts = func() []int64 {
	starts := make([]int64, maxYear-minYear+4)
	for i := range starts {
		starts[i] = time.Date(minYear-1+i, 1, 1, 0, 0, 0, 0, tallinn).Unix()
	}
	return starts
}()

// tallinnYear returns the Tallinn calendar year of an instant whose UTC year is
// utcYear. Tallinn is always ahead of UTC, so it is that year or the next.
func tallinnYear(unixSec int64, utcYear int) int {
	if unixSec >= yearStarts[utcYear+1-minYear+1] {
		return utcYear + 1
	}
	return utcYear
}

// offsetCache remembers Tallinn's UTC offset per local day, for the days on which it
// does not change (all but about two a year), and per local wall-clock hour for the
// others: zone changes happen on whole hours, so every second of a local hour has the
// same offset (TestLocalOffsetIsTheEarliestInstant checks this minute by minute), and
// at most once a day, so that a day whose first and last hours have one offset has it
// all day (TestOffsetOfEveryHour checks every hour of the years stored). Rows come in
// no particular order of time, and an hour's offset costs a time.Date.
type offsetCache struct {
	day  [cacheDays]int32 // the day's offset + 1 (0: not asked yet), or offsetChanges
	hour [256]int64
	off  [256]int64
	set  [256]bool
}

// The days of offsetCache.day: from the first of January of minYear-1, the earliest
// year a timestamp may have before its zone is taken into account.
const (
	cacheDays     = (maxYear - minYear + 2) * 366
	offsetChanges = -1
)

var cacheFirstDay = daysFromCivil(minYear-1, 1, 1)

// offset returns local minus UTC in seconds for a Tallinn wall-clock time whose
// seconds since the epoch, read as if UTC, are localSec.
func (c *offsetCache) offset(localSec int64, y, mo, d, h int) int64 {
	if i := floorDiv(localSec, 86400) - cacheFirstDay; i >= 0 && i < cacheDays {
		v := c.day[i]
		if v == 0 {
			v = offsetChanges
			start := (cacheFirstDay + i) * 86400
			if first, last := start-tallinnHourStart(y, mo, d, 0), start+23*3600-tallinnHourStart(y, mo, d, 23); first == last && first > 0 {
				v = int32(first) + 1
			}
			c.day[i] = v
		}
		if v != offsetChanges {
			return int64(v - 1)
		}
	}
	return c.hourOffset(localSec, y, mo, d, h)
}

// hourOffset is offset for a day on which the offset changes.
func (c *offsetCache) hourOffset(localSec int64, y, mo, d, h int) int64 {
	hour := floorDiv(localSec, 3600)
	i := hour & 255
	if c.set[i] && c.hour[i] == hour {
		return c.off[i]
	}
	off := hour*3600 - tallinnHourStart(y, mo, d, h)
	c.hour[i], c.off[i], c.set[i] = hour, off, true
	return off
}

// tallinnHourStart returns the instant (Unix seconds) at which Tallinn's clocks show
// y-mo-d h:00. In the hour that repeats when summer time ends it is the earlier of the
// two (spec/indicators.md 1.1), where time.Date returns the later one. In the hour
// that is skipped when summer time begins, which no clock shows, it is what time.Date
// gives: the time read with the offset before the change (03:30 on the last Sunday of
// March is 01:30 UTC, as 03:30+02:00).
func tallinnHourStart(y, mo, d, h int) int64 {
	t := time.Date(y, time.Month(mo), d, h, 0, 0, 0, tallinn)
	for _, back := range []time.Duration{2 * time.Hour, time.Hour} { // the earliest first
		e := t.Add(-back).In(tallinn)
		if e.Year() == y && int(e.Month()) == mo && e.Day() == d && e.Hour() == h && e.Minute() == 0 {
			return e.Unix()
		}
	}
	return t.Unix()
}

// daysFromCivil counts days since 1970-01-01 (proleptic Gregorian, y >= 0).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	doy := (153*((m+9)%12)+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era*146097+doe) - 719468
}

// civilFromDays is the inverse of daysFromCivil for days >= -719468.
func civilFromDays(z int64) (y, m, d int) {
	z += 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	y = int(yoe + era*400)
	if m <= 2 {
		y++
	}
	return y, m, d
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// num reads n decimal digits of s at i; ok is false when one is not a digit.
func num(s string, i, n int) (v int, ok bool) {
	for _, c := range []byte(s[i : i+n]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// parseDate parses YYYY-MM-DD.
func parseDate(s string) (y, m, d int, reason string) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, 0, 0, ReasonBadDate
	}
	y, ok1 := num(s, 0, 4)
	m, ok2 := num(s, 5, 2)
	d, ok3 := num(s, 8, 2)
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, 0, 0, ReasonBadDate
	}
	if y < minYear || y > maxYear {
		return 0, 0, 0, ReasonOutOfRange
	}
	return y, m, d, ""
}

// parseTimestamp accepts RFC 3339 (with 'T', 't' or a space between date and
// time, optional fraction, 'Z' or ±HH:MM) and the same without a zone, which is
// Tallinn local time. It returns Unix milliseconds (fractions below a
// millisecond are dropped, as DateTime64(3) would) and the Tallinn year.
func parseTimestamp(s string, cache *offsetCache) (unixMilli int64, year int, reason string) {
	if len(s) < 19 {
		switch {
		case len(s) >= 5 && s[2] == ':':
			return 0, 0, ReasonNoDate
		case len(s) == 10 && s[4] == '-' && s[7] == '-':
			if _, _, _, r := parseDate(s); r == "" {
				return 0, 0, ReasonNoTime
			}
		}
		return 0, 0, ReasonBadTimestamp
	}
	if s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':' {
		if s[2] == ':' {
			return 0, 0, ReasonNoDate
		}
		return 0, 0, ReasonBadTimestamp
	}
	y, ok1 := num(s, 0, 4)
	mo, ok2 := num(s, 5, 2)
	d, ok3 := num(s, 8, 2)
	h, ok4 := num(s, 11, 2)
	mi, ok5 := num(s, 14, 2)
	sec, ok6 := num(s, 17, 2)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 ||
		mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || sec > 59 {
		return 0, 0, ReasonBadTimestamp
	}
	rest := s[19:]
	millis := 0
	if len(rest) > 0 && rest[0] == '.' {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			if i <= 3 {
				millis = millis*10 + int(rest[i]-'0')
			}
			i++
		}
		if i == 1 || i > 10 {
			return 0, 0, ReasonBadTimestamp
		}
		for j := i; j <= 3; j++ {
			millis *= 10
		}
		rest = rest[i:]
	}
	if y < minYear-1 || y > maxYear {
		return 0, 0, ReasonOutOfRange
	}
	wall := daysFromCivil(y, mo, d)*86400 + int64(h*3600+mi*60+sec)
	var unixSec int64
	switch {
	case rest == "":
		unixSec = wall - cache.offset(wall, y, mo, d, h)
		year = y
	case rest == "Z" || rest == "z":
		unixSec = wall
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := num(rest, 1, 2)
		om, ok2 := num(rest, 4, 2)
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return 0, 0, ReasonBadTimestamp
		}
		off := int64(oh*3600 + om*60)
		if rest[0] == '-' {
			off = -off
		}
		unixSec = wall - off
	default:
		return 0, 0, ReasonBadTimestamp
	}
	if year == 0 {
		utcYear, _, _ := civilFromDays(floorDiv(unixSec, 86400))
		if utcYear < minYear-1 || utcYear > maxYear {
			return 0, 0, ReasonOutOfRange
		}
		year = tallinnYear(unixSec, utcYear)
	}
	if year < minYear || year > maxYear {
		return 0, 0, ReasonOutOfRange
	}
	return unixSec*1000 + int64(millis), year, ""
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// dayCache keeps the text of the last UTC day formatted: rows come roughly in
// time order, so most timestamps share the day of the one before.
type dayCache struct {
	day  int64
	text [11]byte // "YYYY-MM-DD "
	set  bool
}

// appendDateTime64 writes Unix milliseconds as YYYY-MM-DD HH:MM:SS.mmm in UTC.
func (c *dayCache) appendDateTime64(dst []byte, unixMilli int64) []byte {
	sec := floorDiv(unixMilli, 1000)
	ms := int(unixMilli - sec*1000)
	days := floorDiv(sec, 86400)
	tod := int(sec - days*86400)
	if !c.set || c.day != days {
		y, m, d := civilFromDays(days)
		c.text = [11]byte{
			byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
			byte('0' + m/10), byte('0' + m%10), '-',
			byte('0' + d/10), byte('0' + d%10), ' '}
		c.day, c.set = days, true
	}
	dst = append(dst, c.text[:]...)
	h, mi, se := tod/3600, tod/60%60, tod%60
	return append(dst,
		byte('0'+h/10), byte('0'+h%10), ':',
		byte('0'+mi/10), byte('0'+mi%10), ':',
		byte('0'+se/10), byte('0'+se%10), '.',
		byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
}

// appendDateTime64 is dayCache.appendDateTime64 without a cache, for tests.
func appendDateTime64(dst []byte, unixMilli int64) []byte {
	var c dayCache
	return c.appendDateTime64(dst, unixMilli)
}

// parseBool accepts true/false, 1/0, yes/no, jah/ei in any case.
func parseBool(s string) (value, ok bool) {
	if len(s) > 5 {
		return false, false
	}
	var b [5]byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	switch string(b[:len(s)]) {
	case "true", "1", "yes", "jah":
		return true, true
	case "false", "0", "no", "ei":
		return false, true
	}
	return false, false
}

// parseUint parses a non-negative decimal integer without sign.
func parseUint(s string) (uint64, bool) {
	if len(s) == 0 || len(s) > 20 {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

// padEHAK checks a code of 1-4 digits and pads it to 4.
func padEHAK(s string) (string, bool) {
	if len(s) < 1 || len(s) > 4 {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
	}
	if len(s) == 4 {
		return s, true
	}
	return "000"[:4-len(s)] + s, true
}

// appendEscaped writes s with ClickHouse TabSeparated escaping (store.EscapeTSV: the
// one escaper, so that what the parser writes is what the store reads).
func appendEscaped(dst []byte, s string) []byte { return store.EscapeTSV(dst, s) }

// normaliseAnswer normalises a survey answer: yes/no words in Estonian or English
// become "yes"/"no", a number loses a trailing % and gets a decimal point instead
// of a comma; anything else is kept (trimmed) for the surveys package.
func normaliseAnswer(s string) string {
	if v, ok := parseYesNo(s); ok {
		if v {
			return "yes"
		}
		return "no"
	}
	if n := strings.TrimSpace(strings.TrimSuffix(s, "%")); isDecimal(n) {
		return strings.ReplaceAll(n, ",", ".")
	}
	return s
}

// checkedAnswer normalises an answer with Options.SurveyAnswer and counts the
// answers to unknown questions.
func (e *rowEncoder) checkedAnswer(s string) (string, string) {
	question := trimSpace(e.raw[e.questionCol])
	v, known, reason := e.answer(trimSpace(e.raw[e.surveyCol]), question, s)
	if reason != "" {
		return "", reason
	}
	if !known {
		// Counted through a pointer: assigning to a string key, even an existing
		// one, would store the borrowed text of the row as the key.
		n, seen := e.unmappedQuestions[question]
		if !seen {
			if e.unmappedQuestions == nil {
				e.unmappedQuestions = map[string]*int64{}
			}
			n = new(int64)
			e.unmappedQuestions[strings.Clone(question)] = n // the reader lends the row's text
		}
		*n++
		e.unmapped++
	}
	return v, ""
}

func parseYesNo(s string) (value, ok bool) {
	switch {
	case strings.EqualFold(s, "yes"), strings.EqualFold(s, "jah"):
		return true, true
	case strings.EqualFold(s, "no"), strings.EqualFold(s, "ei"):
		return false, true
	}
	return false, false
}

// isDecimal matches [+-]?digits([.,]digits)?.
func isDecimal(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	digits, sepSeen, afterSep := 0, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if sepSeen {
				afterSep++
			} else {
				digits++
			}
		case (c == '.' || c == ',') && !sepSeen:
			sepSeen = true
		default:
			return false
		}
	}
	return digits > 0 && (!sepSeen || afterSep > 0)
}

func trimSpace(s string) string {
	if len(s) == 0 || (s[0] > ' ' && s[len(s)-1] > ' ') {
		return s
	}
	return strings.TrimSpace(s)
}

// Where a stored column's value comes from, besides an input column index.
const (
	srcYear = -1 // the Tallinn year of Kind.YearFrom
	srcLine = -2 // the record's line
)

// value is one stored value of a valid row, typed as the engine stores it. The text
// of a string may be borrowed from the reader: it is valid until the next record.
type value struct {
	s    string // strings (normalised); a date's text
	u    uint64 // unsigned integers, years, lines, dates (days since 1970-01-01), booleans (1 true)
	ms   int64  // timestamps: Unix milliseconds
	null bool   // an empty optional column that is Nullable
}

// rowEncoder validates one row at a time into typed values (vals, one per stored
// column in the table's order), from which the row is written as TSV for an Output
// (appendTSV) or appended to the typed columns of a stage (rowBlock).
type rowEncoder struct {
	kind  *Kind
	order []int // per stored column: input column index, srcYear or srcLine
	vals  []value
	nums  []uint64
	year  int
	known func(string) bool
	tz    offsetCache
	day   dayCache

	// answer is Options.SurveyAnswer; raw is the row being encoded, from which it
	// takes the survey and question ids.
	answer                 func(surveyID, questionID, raw string) (string, bool, string)
	raw                    []string
	surveyCol, questionCol int
	unmapped               int64
	unmappedQuestions      map[string]*int64
}

func newRowEncoder(k *Kind, known func(string) bool) *rowEncoder {
	e := &rowEncoder{kind: k, order: k.sources(), vals: make([]value, len(k.stored)), nums: make([]uint64, len(k.Columns)), known: known,
		surveyCol: k.column("survey_id"), questionCol: k.column("question_id")}
	return e
}

func (e *rowEncoder) num(name string) uint64 { return e.nums[e.kind.column(name)] }

// encode validates and normalises one row into e.vals. raw[i] is the text of input
// column i ("" when the file lacks an optional column). On a problem it returns the
// column and reason of the first problem, in stored column order.
func (e *rowEncoder) encode(raw []string, line int64) (column, reason string) {
	e.year, e.raw = 0, raw
	for si, src := range e.order {
		v := &e.vals[si]
		*v = value{}
		switch src {
		case srcLine:
			v.u = uint64(line)
			continue
		case srcYear:
			v.u = uint64(e.year)
			continue
		}
		c := &e.kind.Columns[src]
		s := trimSpace(raw[src])
		if s == "" {
			if !c.Optional {
				return c.Name, ReasonMissing
			}
			v.null = c.Nullable
			continue
		}
		if r := e.value(v, src, c, s); r != "" {
			return c.Name, r
		}
	}
	if e.kind.check != nil {
		if column, reason := e.kind.check(e); reason != "" {
			return column, reason
		}
	}
	return "", ""
}

func (e *rowEncoder) value(v *value, i int, c *Column, s string) string {
	switch c.Type {
	case TypeString:
		v.s = s
	case TypeTimestamp:
		ms, year, r := parseTimestamp(s, &e.tz)
		if r != "" {
			return r
		}
		if c.Name == e.kind.YearFrom {
			e.year = year
		}
		v.ms = ms
	case TypeDate:
		y, m, d, r := parseDate(s)
		if r != "" {
			return r
		}
		if c.Name == e.kind.YearFrom {
			e.year = y
		}
		v.s, v.u = s, uint64(daysFromCivil(y, m, d))
	case TypeBool:
		b, ok := parseBool(s)
		if !ok {
			return ReasonBadBool
		}
		if b {
			v.u = 1
		}
	case TypeEHAK:
		code, ok := padEHAK(s)
		if !ok {
			return ReasonBadEHAK
		}
		if e.known != nil && !e.known(code) {
			return ReasonUnknownMunicipality
		}
		v.s = code
	case TypeEnum:
		v.s = enumValue(c, s)
		if v.s == "" {
			return c.BadValue
		}
	case TypeUint:
		n, ok := parseUint(s)
		limit := c.Max
		if limit == 0 {
			limit = math.MaxUint64
		}
		if !ok || n < c.Min || n > limit {
			if c.BadValue != "" {
				return c.BadValue
			}
			return ReasonBadUint
		}
		e.nums[i] = n
		v.u = n
	case TypeYear:
		n, ok := parseUint(s)
		if !ok || n < 2000 || n > 2100 {
			return ReasonBadYear
		}
		e.year = int(n)
		v.u = n
	case TypeAnswer:
		if e.answer == nil {
			v.s = normaliseAnswer(s)
			return ""
		}
		var r string
		v.s, r = e.checkedAnswer(s)
		return r
	}
	return ""
}

// enumValue is the allowed value s stands for (in any case), as listed; "" when
// there is none.
func enumValue(c *Column, s string) string {
	for _, v := range c.Enum {
		if v == s {
			return v
		}
	}
	for _, v := range c.Enum {
		if len(v) == len(s) && strings.EqualFold(v, s) {
			return v
		}
	}
	return ""
}

// appendTSV appends the row last encoded as one TSV row of the kind's stored
// columns, '\n'-terminated: the Output's form of it.
func (e *rowEncoder) appendTSV(dst []byte) []byte {
	for si, src := range e.order {
		if si > 0 {
			dst = append(dst, '\t')
		}
		v := &e.vals[si]
		if src < 0 {
			dst = strconv.AppendUint(dst, v.u, 10)
			continue
		}
		if v.null {
			dst = append(dst, `\N`...)
			continue
		}
		switch e.kind.Columns[src].Type {
		case TypeTimestamp:
			dst = e.day.appendDateTime64(dst, v.ms)
		case TypeBool:
			dst = strconv.AppendBool(dst, v.u == 1)
		case TypeUint, TypeYear:
			dst = strconv.AppendUint(dst, v.u, 10)
		default: // strings; a date as its text
			dst = appendEscaped(dst, v.s)
		}
	}
	return append(dst, '\n')
}

func init() {
	// Enumerations name their allowed values in the reason.
	for _, k := range kinds {
		for i := range k.Columns {
			c := &k.Columns[i]
			if c.Type == TypeEnum && c.BadValue == "" {
				c.BadValue = "not one of: " + strings.Join(c.Enum, ", ")
			}
		}
	}
}
