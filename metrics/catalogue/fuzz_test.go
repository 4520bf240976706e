package catalogue

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary files to the catalogue parser, which an admin's upload
// (PUT /api/catalogue, the admin page) reaches: it must never panic, and a file it
// accepts must be a catalogue that every part of kovmon can use: it validates, keeps
// its bytes and hash, and parses again to the same.
func FuzzParse(f *testing.F) {
	f.Add(Shipped())
	files, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "fuzz")
		if err != nil {
			return
		}
		if problems := c.validate(); len(problems) > 0 {
			t.Fatalf("accepted a catalogue with problems: %v", problems)
		}
		if !bytes.Equal(c.Source(), data) {
			t.Fatal("Source is not the bytes parsed")
		}
		again, err := Parse(c.Source(), "again")
		if err != nil || again.Hash() != c.Hash() || len(again.IDs()) != len(c.IDs()) {
			t.Fatalf("an accepted catalogue does not parse again the same: %v", err)
		}
		for _, id := range c.IDs() {
			ind, ok := c.Indicator(id)
			if !ok {
				t.Fatalf("IDs lists %q, Indicator does not find it", id)
			}
			ind.TargetYears()
		}
	})
}
