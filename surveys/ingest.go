package surveys

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"ee/kovmon/ingest"
	"ee/kovmon/ledger"
	"ee/kovmon/store"
)

// IngestWide loads survey tools' wide exports, all read with the mapping at
// mappingPath, through the normal ingest in one run: each file is converted to a long
// `survey` CSV in a temporary folder (ConvertWideFile), the long files are loaded
// with ingest.Run (kind survey), and the rows the conversion could not take (no EHAK
// code, no respondent id, a bad year, a short row) are quarantined under the loaded
// file's id, so that none vanishes silently.
//
// Lines: stored answers and every quarantined row carry the line of the respondent's
// row in the wide export (the long CSV's source_line column). Names: the long file
// has the export's base name, so the ledger and the quarantine name the export; the
// results name it as given. (While the loader writes the quarantine's file_name as
// the path it was given, rows of bad answers hold the temporary path instead.)
//
// A file that cannot be converted (unreadable, a column the mapping names missing)
// gets a rejected result and is not loaded; the others still are. The results are in
// the order of files.
func IngestWide(ctx context.Context, l *ingest.Loader, trigger, mappingPath string, files []string) ([]ingest.FileResult, error) {
	m, err := LoadMapping(mappingPath)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", ingest.ScratchPattern()+"wide-") // removed by ingest.Recover if this process is killed
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	results := make([]ingest.FileResult, len(files))
	stats := make([]WideStats, len(files))
	var long []string
	var index []int // long[i] was converted from files[index[i]]
	for i, f := range files {
		// One folder per file keeps the export's own name even when two share it.
		out := filepath.Join(dir, strconv.Itoa(i), filepath.Base(f))
		if err := os.Mkdir(filepath.Dir(out), 0o700); err != nil {
			return nil, err
		}
		st, err := ConvertWideFile(f, m, out)
		if err != nil {
			results[i] = ingest.FileResult{File: f, Kind: "survey", Status: "rejected", Error: err.Error()}
			continue
		}
		stats[i] = st
		long = append(long, out)
		index = append(index, i)
	}
	if len(long) == 0 {
		return results, nil
	}
	loaded, err := ingest.Run(ctx, l, trigger, long, "survey")
	for j, r := range loaded {
		i := index[j]
		r.File = files[i]
		if qerr := quarantineWide(ctx, l.Store, &r, stats[i].Problems); qerr != nil && err == nil {
			err = qerr
		}
		r.Warnings = append(r.Warnings, wideWarnings(files[i], m, stats[i])...)
		results[i] = r
	}
	return results, err
}

// wideWarnings says which columns of an export were not loaded and which mapped
// questions it lacks, in English and Estonian like the ingest's warnings.
func wideWarnings(file string, m *WideMapping, st WideStats) []string {
	var out []string
	if len(st.UnmappedHeaders) > 0 {
		out = append(out, fmt.Sprintf("%s: columns neither mapped nor ignored by %s were not loaded: %q / veerud, mida vastendus ei nimeta, jäeti laadimata: %[3]q",
			file, m.File, st.UnmappedHeaders))
	}
	if len(st.MissingHeaders) > 0 {
		out = append(out, fmt.Sprintf("%s: mapped columns missing from the export: %q / vastenduse veerud, mida failis pole: %[2]q", file, st.MissingHeaders))
	}
	return out
}

// quarantineWide stores the rows of an export that could not be converted, under the
// loaded file's id and run, each (line, column) once however often the file is
// loaded, and adds them to the result's counts and first reasons.
func quarantineWide(ctx context.Context, s store.Store, r *ingest.FileResult, problems []RowProblem) error {
	if len(problems) == 0 || r.FileID == "" {
		return nil
	}
	done, err := ledger.CellsOf(ctx, s, r.FileID)
	if err != nil {
		return fmt.Errorf("%s: quarantine: %w", r.File, err)
	}
	stored := map[ledger.Cell]bool{}
	for _, c := range done {
		stored[c] = true
	}
	now := time.Now().UTC().Format("2006-01-02 15:04:05.000")
	var (
		tsv    []byte
		counts ingest.QuarantineCounts
	)
	for i, rp := range problems {
		p := ingest.Problem{Line: rp.Line, Column: rp.Column, Reason: rp.Reason, Raw: rp.Raw}
		r.NoteProblem(p)
		r.Quarantined++
		r.RowsRead++
		counts.Add(p.Column, p.Reason)
		at := ledger.Cell{Line: p.Line, Column: p.Column}
		if i >= ingest.QuarantineSample || stored[at] {
			continue // the quarantine keeps a sample of a file's rows, and counts them all
		}
		stored[at] = true
		// Named as the ledger names files (ingest_files.file_name): by base name.
		tsv = ingest.AppendQuarantineRow(tsv, r.RunID, r.FileID, filepath.Base(r.File), "survey", p, now)
	}
	if len(tsv) > 0 {
		if err := s.InsertTSV(ctx, "quarantine", ingest.QuarantineColumns, tsv); err != nil {
			return fmt.Errorf("%s: quarantine: %w", r.File, err)
		}
	}
	return ingest.StoreQuarantineCounts(ctx, s, r.RunID, r.FileID, filepath.Base(r.File), "survey", &counts)
}
