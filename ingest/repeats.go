package ingest

import (
	"hash/maphash"
)

// keyFilter tells, for the rows of one file in line order, the first row of each key
// from rows whose key may have come before: a Bloom filter of the keys seen so far.
// A "first" row certainly is the first of its key; a "maybe repeated" one is a repeat
// or, rarely (about 1 %), a first row the filter mistook; the stage sorts those out.
// Its memory is fixed when it is made, from the rows expected: 12 bits a row (about
// 0.6 % mistaken), at most 64 MiB (44 million rows; a larger file's rows are mistaken
// more often). A smaller cap was tried: at 20 million rows the mistaken rows (4 %)
// cost the stage more memory in sorting them out than the filter saved.
//
// It is blocked (all bits of a key in one 64-bit word): one cache miss a row, and so
// sized to the file rather than at its cap for every large file: a 64 MiB filter cost
// the parser 1.3 CPU-s of the 5 M-row load in cache and TLB misses (the engine's
// threads sorting beside it), one of 7.5 MiB a tenth of that.
//
// Behind the Bloom filter an exact set remembers the keys of the rows set aside, up
// to a fixed size: a later row of such a key is certainly not the first of its key
// (the one set aside came before it), so it is dropped at once instead of being set
// aside too. A file of one row repeated 42.9 million times thus sets aside one row,
// not 42.9 million for the engine to sort out (issue 15: 3.9 GB). Once the set is
// full, rows go on being set aside and the engine resolves them in bounded passes
// (stageWriter.stageRepeated).
type keyFilter struct {
	words []uint64
	seed  maphash.Seed

	setAside      map[string]struct{} // keys of rows set aside, while under the caps
	setAsideBytes int
	hashes        []uint64 // scratch: the hashes of a batch (classifyAll)
}

// Caps of the exact set of set-aside keys: with Go's map overhead about 100 MB at
// most, for a file of any size.
const (
	maxSetAsideKeys  = 1 << 20
	maxSetAsideBytes = 32 << 20
)

const maxFilterWords = 64 << 20 / 8

func newKeyFilter(expectedRows int64) *keyFilter {
	n := min(max(expectedRows*12/64, 1024), maxFilterWords)
	return &keyFilter{words: make([]uint64, n), seed: maphash.MakeSeed(), setAside: map[string]struct{}{}}
}

// keyVerdict is what the filter makes of a row's key.
type keyVerdict uint8

const (
	keyFirst    keyVerdict = iota // certainly the first row of its key
	keySetAside                   // maybe a repeat, maybe a first row the filter mistook
	keyRepeat                     // certainly a repeat: the row is dropped
)

// classifyAll is classify of a batch of rows in line order, row i's key being
// keys[ends[i-1]:ends[i]]; it appends their verdicts to verdicts. The filter's words
// are tested in one tight loop, where the processor has many of them on their way
// from memory at once: row by row, each waited for its own (one cache miss a row, a
// tenth of the parser's time in a large load).
func (f *keyFilter) classifyAll(keys []byte, ends []int, verdicts []keyVerdict) []keyVerdict {
	hashes := f.hashes[:0]
	start := 0
	for _, end := range ends {
		hashes = append(hashes, maphash.Bytes(f.seed, keys[start:end]))
		start = end
	}
	f.hashes = hashes
	first := len(verdicts)
	for _, h := range hashes {
		v := keyFirst
		if f.testAndAdd(h) {
			v = keySetAside // for certainRepeat, below
		}
		verdicts = append(verdicts, v)
	}
	// The exact set of the keys set aside depends only on the earlier rows set aside,
	// so it can be asked after the filter, in the same order.
	start = 0
	for i, end := range ends {
		if verdicts[first+i] == keySetAside && f.certainRepeat(keys[start:end]) {
			verdicts[first+i] = keyRepeat
		}
		start = end
	}
	return verdicts
}

// certainRepeat reports whether a row set aside has the key of a row set aside
// before it, and else remembers its key while the set has room.
func (f *keyFilter) certainRepeat(key []byte) bool {
	if _, ok := f.setAside[string(key)]; ok {
		return true
	}
	if len(f.setAside) < maxSetAsideKeys && f.setAsideBytes+len(key) <= maxSetAsideBytes {
		f.setAside[string(key)] = struct{}{}
		f.setAsideBytes += len(key)
	}
	return false
}

// testAndAdd sets the key's four bits and reports whether all were set already.
func (f *keyFilter) testAndAdd(hash uint64) bool {
	i := (hash >> 32) * uint64(len(f.words)) >> 32
	bits := uint64(1)<<(hash&63) | uint64(1)<<(hash>>6&63) | uint64(1)<<(hash>>12&63) | uint64(1)<<(hash>>18&63)
	w := f.words[i]
	f.words[i] = w | bits
	return w&bits == bits
}
