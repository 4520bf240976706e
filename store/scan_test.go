package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"ee/kovmon/store"
	"ee/kovmon/store/storetest"
)

type scanned struct {
	Name  string     `ch:"name"`
	Count int64      `ch:"n"`
	Share *float64   `ch:"share"`
	Day   time.Time  `ch:"day"`
	At    *time.Time `ch:"at"`
	Codes []string   `ch:"codes"`
	OK    bool       `ch:"ok"`
	note  string     //nolint:unused // unexported and untagged: not read
}

// Rows are read by column name on every backend: the order of the columns does not
// matter, NULL is nil, and arrays, dates and DateTime64 come back as values.
func TestContractScanByName(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		res, err := s.Query(context.Background(), `
SELECT ['a', 'it''s', 'tab\there'] AS codes, toUInt8(number = 0) AS ok, toDate('2018-12-31') AS day,
       if(number = 0, NULL, toDateTime64('2017-12-31 22:30:00.250', 3, 'UTC')) AS at,
       if(number = 0, NULL, number / 4) AS share, number * 1000000 AS n, concat('u', toString(number)) AS name
FROM numbers(2) ORDER BY number`, nil)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := store.Scan[scanned](res, "test")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 {
			t.Fatalf("%d rows", len(rows))
		}
		first, second := rows[0], rows[1]
		if first.Name != "u0" || first.Count != 0 || first.Share != nil || first.At != nil || !first.OK {
			t.Errorf("first row %+v", first)
		}
		if second.Share == nil || *second.Share != 0.25 || second.Count != 1_000_000 || second.OK {
			t.Errorf("second row %+v", second)
		}
		wantAt := time.Date(2017, 12, 31, 22, 30, 0, 250e6, time.UTC)
		if second.At == nil || !second.At.Equal(wantAt) {
			t.Errorf("at %v, want %v", second.At, wantAt)
		}
		if !first.Day.Equal(time.Date(2018, 12, 31, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("day %v", first.Day)
		}
		if strings.Join(first.Codes, "|") != "a|it's|tab\there" {
			t.Errorf("codes %q", first.Codes)
		}
	})
}

// A missing column, a column without a field, a NULL where the field cannot hold one
// and text where a number belongs are errors that name the query and the column,
// never a zero.
func TestScanRefusesWhatDoesNotFit(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	type two struct {
		A int    `ch:"a"`
		B string `ch:"b"`
	}
	for query, want := range map[string]string{
		"SELECT 1 AS a":                                      `no column "b"`,
		"SELECT 1 AS a, 'x' AS b, 2 AS c":                    `column "c" has no field`,
		"SELECT CAST(NULL AS Nullable(Int8)) AS a, 'x' AS b": "column a: NULL",
		"SELECT 'seven' AS a, 'x' AS b":                      "column a: strconv.ParseInt",
	} {
		res, err := s.Query(ctx, query, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = store.Scan[two](res, "q.Name")
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "q.Name") {
			t.Errorf("%s: %v, want an error naming q.Name and %q", query, err, want)
		}
	}
	type untagged struct{ A int }
	res, _ := s.Query(ctx, "SELECT 1 AS A", nil)
	if _, err := store.Scan[untagged](res, "q"); err == nil {
		t.Error("an exported field without a ch tag was accepted")
	}
}
