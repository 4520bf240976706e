package ingest

import (
	"context"
	"path/filepath"
	"testing"

	"ee/kovmon/store/storetest"
)

// TestSmallFileLookupIsNarrowed: a file of few keys into a table that holds some of
// them looks the held keys up through the dictionary of its hashes' buckets
// (narrowedLookup), and still finds every one: each of the shared keys is a
// duplicate, each new key is stored once.
func TestSmallFileLookupIsNarrowed(t *testing.T) {
	l, s := newLoader(t)
	codes := registryCodes(t)
	dir := t.TempDir()
	first, err := writeUsageFile(filepath.Join(dir, "first.csv"), usageSpec{Rows: 3000}, codes)
	if err != nil {
		t.Fatal(err)
	}
	// The second file's first 1000 keys are the first file's last 1000.
	second, err := writeUsageFile(filepath.Join(dir, "second.csv"), usageSpec{Rows: 3000, FirstID: 2000}, codes)
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, "first file", loadOne(t, l, "usage", first.Path), "loaded", 3000, 3000, 0, 0)
	before := narrowedLookups.Load()
	checkResult(t, "second file", loadOne(t, l, "usage", second.Path), "loaded", 3000, 2000, 1000, 0)
	if n := narrowedLookups.Load() - before; n != 1 {
		t.Errorf("the second file's look-up was narrowed %d times, want once", n)
	}
	if rows, keys := queryInt(t, s, "SELECT count() FROM usage", nil), queryInt(t, s, "SELECT uniqExact(event_id) FROM usage", nil); rows != 5000 || keys != 5000 {
		t.Errorf("usage holds %d rows of %d keys, want 5000 of 5000", rows, keys)
	}
	if n := queryInt(t, s, "SELECT count() FROM system.tables WHERE database = currentDatabase() AND startsWith(name, 'stage_')", nil); n != 0 {
		t.Errorf("%d scratch tables or dictionaries left after the loads", n)
	}
}

// TestBucketBits: a dictionary of 16 buckets a key or more, between 2^10 and
// 2^maxBucketBits buckets, for up to maxNarrowedKeys keys; none beyond.
func TestBucketBits(t *testing.T) {
	last := 0
	for _, keys := range []int64{1, 63, 64, 65, 1000, 100_000, 131_072, 131_073, maxNarrowedKeys} {
		width, ok := bucketBits(keys)
		if !ok {
			t.Fatalf("%d keys: not narrowed", keys)
		}
		if width < 10 || width > maxBucketBits || width < last || (width < maxBucketBits && int64(1)<<width < 16*keys) {
			t.Errorf("%d keys: 2^%d buckets (after 2^%d)", keys, width, last)
		}
		last = width
	}
	for _, keys := range []int64{0, maxNarrowedKeys + 1} {
		if width, ok := bucketBits(keys); ok {
			t.Errorf("%d keys narrowed, with 2^%d buckets", keys, width)
		}
	}
}

// TestDropStaleStagesDropsDictionaries: a load killed in its look-up leaves its
// stage and the dictionary that reads it; DropStaleStages drops both, the
// dictionary first (the engine refuses to drop the table before it).
func TestDropStaleStagesDropsDictionaries(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	kind, _ := KindByName("usage")
	st, err := newStage(ctx, s, kind, 0)
	if err != nil {
		t.Fatal(err)
	}
	st.stagedRows = 1
	if _, err := st.narrowedLookup(ctx); err != nil {
		t.Fatal(err)
	}
	left := "SELECT count() FROM system.tables WHERE database = currentDatabase() AND startsWith(name, 'stage_')"
	if n := queryInt(t, s, left+" AND engine = 'Dictionary'", nil); n != 1 {
		t.Fatalf("%d dictionaries staged, want 1", n)
	}
	if err := DropStaleStages(ctx, s, 0); err != nil {
		t.Fatal(err)
	}
	if n := queryInt(t, s, left, nil); n != 0 {
		t.Errorf("%d scratch tables or dictionaries left", n)
	}
}
