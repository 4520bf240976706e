package ingest

import "testing"

// TestOffsetOfEveryHour: the offset cache gives every local hour of the years a
// timestamp may have the offset of the hour's own earliest instant, as worked out
// hour by hour (tallinnHourStart), on the days it keeps one offset for and on the
// days the offset changes.
func TestOffsetOfEveryHour(t *testing.T) {
	var cache offsetCache
	changes := 0
	for day := daysFromCivil(minYear-1, 1, 1); day <= daysFromCivil(maxYear, 12, 31); day++ {
		y, mo, d := civilFromDays(day)
		for h := range 24 {
			local := day*86400 + int64(h)*3600
			want := local - tallinnHourStart(y, mo, d, h)
			if got := cache.offset(local+1799, y, mo, d, h); got != want {
				t.Fatalf("%04d-%02d-%02d %02d:29:59: offset %d s, want %d s", y, mo, d, h, got, want)
			}
		}
		if cache.day[day-cacheFirstDay] == offsetChanges {
			changes++
		}
	}
	// Two changes a year in most years since 1981 (none in 2000 and 2001).
	if changes < 200 {
		t.Fatalf("the offset changes on %d days only: the days it changes on were not checked", changes)
	}
}
