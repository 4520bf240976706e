// Package refdata is the real reference data that kovmon ships with: the Estonian
// municipality registry before and after the 2017 reform, its mergers and splits,
// population, and the post-reform boundaries for the maps. The demo loads it, the
// tests run on it and the maps draw it, so that a clone of the repository works on
// its own. README.md and SOURCES.md say where each file comes from, under which
// terms, and the attribution that every page and report showing it carries.
package refdata

import (
	"embed"
	"io/fs"
	"path/filepath"
	"runtime"
)

// The files, in the data contract's format (spec/data-contract.md).
const (
	Municipalities = "municipalities.csv"
	Mergers        = "mergers.csv"
	Population     = "population.csv"
	Boundaries2018 = "municipalities_2018.geojson"
)

// Attribution is the credit the sources require wherever the data is shown.
const Attribution = "Haldus- ja asustusjaotus: Maa-amet 01.09.2018; rahvaarv: Statistikaamet"

//go:embed municipalities.csv mergers.csv population.csv municipalities_2018.geojson
var files embed.FS

// FS holds the files, built into the binary.
func FS() fs.FS { return files }

// Read returns one of the files.
func Read(name string) ([]byte, error) { return files.ReadFile(name) }

// Dir is the folder of the files in the source tree, for tests and tools that take
// file paths (the ingest reads files by name, as a user gives them).
func Dir() string {
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		return "refdata"
	}
	return filepath.Dir(self)
}

// Path is one file's path in the source tree (see Dir).
func Path(name string) string { return filepath.Join(Dir(), name) }
