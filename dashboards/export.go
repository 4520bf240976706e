package dashboards

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"ee/kovmon/kov"
	"ee/kovmon/metrics"
	"ee/kovmon/spreadsheet"
)

// The extracts of the pages. Three forms of the same rows:
//
//   - the standard CSV (no lang): the spec's columns and codes, "," and ".", values at
//     full precision — byte for byte what `kovmon indicators` and /api/indicators
//     write for the same rows;
//   - the CSV of a page (lang=et|en): the same values, headers and statuses in the
//     page's language, with the indicator's name and the unit beside the codes;
//   - the Estonian spreadsheet CSV (format=excel): as the page's, with ";" between
//     fields, a decimal comma and a byte-order mark, which Estonian Excel opens as
//     numbers; values keep their full precision;
//   - XLSX (/extract.xlsx): the page's columns with real number cells, shown to one
//     decimal by the cell format only: the value stays as exact as Excel keeps a
//     number (15 significant digits), as the spec asks.

// extractRequest is what an extract holds, read from the query: the view (year,
// boundaries, group, language), and indicator, level and any number of ehak codes.
type extractRequest struct {
	v         view
	filter    metrics.Filter
	codes     []string
	localized bool // lang was given: the page's language
}

func (s *server) readExtract(r *http.Request) (extractRequest, error) {
	q := r.URL.Query()
	v, err := s.readView(r.Context(), q, false)
	if err != nil {
		return extractRequest{}, err
	}
	x := extractRequest{v: v, localized: q.Get(paramLang) != ""}
	x.filter = metrics.Filter{Year: v.Year, Boundaries: v.Boundaries, Indicator: q.Get("indicator"), Level: kov.Level(q.Get("level"))}
	for _, c := range q["ehak"] {
		if c != "" && !slices.Contains(x.codes, c) {
			x.codes = append(x.codes, c)
		}
	}
	if len(x.codes) == 1 {
		x.filter.EhakCode = x.codes[0]
	}
	if err := x.filter.Validate(s.cat); err != nil {
		return x, badRequest("error.bad_filter", err.Error())
	}
	for _, c := range x.codes {
		if !v.reg.Known(c) {
			return x, badRequest("error.bad_municipality", c)
		}
	}
	return x, nil
}

// extractFigures are the rows of an extract: the national ones, a peer group's
// pooled ones when the view has a group, and the municipal ones of the group or of
// the codes asked for.
func (s *server) extractFigures(ctx context.Context, x extractRequest) ([]kov.Figure, error) {
	figures, err := s.figures.Figures(ctx, x.filter)
	if err != nil {
		return nil, err
	}
	keep := func(f kov.Figure) bool {
		switch {
		case f.Level == kov.LevelNational:
			return true
		case len(x.codes) > 1 && !slices.Contains(x.codes, f.EhakCode):
			return false
		}
		return !x.v.grouped() || x.v.inGroup(f)
	}
	out := slices.DeleteFunc(figures, func(f kov.Figure) bool { return !keep(f) })
	if !x.v.grouped() || x.filter.Level == kov.LevelNational || len(x.codes) > 0 {
		return out, nil
	}
	// The group's pooled figures come after the national one of each indicator and
	// year, as on the pages.
	national, municipal, err := s.allFigures(ctx, x.v)
	if err != nil {
		return nil, err
	}
	nationalBy, municipalBy := byIndicator(national), byIndicator(municipal)
	groups := map[string][]kov.Figure{}
	var with []kov.Figure
	for _, f := range out {
		with = append(with, f)
		if f.Level != kov.LevelNational {
			continue
		}
		ind, _ := s.cat.Indicator(f.IndicatorID)
		if ind.HasLevel(kov.LevelMunicipality) {
			if groups[f.IndicatorID] == nil {
				groups[f.IndicatorID] = pool(ind, nationalBy[f.IndicatorID], municipalBy[f.IndicatorID], x.v.inGroup, x.v.GroupLabel())
			}
			if g, ok := ofYear(groups[f.IndicatorID], f.Year); ok {
				g.Name = x.v.GroupLabel()
				with = append(with, g)
			}
		}
	}
	return with, nil
}

// extractCSV answers the figures of a filter as CSV: the standard form without lang,
// the page's with it, the Estonian spreadsheet form with format=excel.
func (s *server) extractCSV(w http.ResponseWriter, r *http.Request) {
	x, err := s.readExtract(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "excel" {
		s.fail(w, r, badRequest("error.bad_format", format))
		return
	}
	figures, err := s.extractFigures(r.Context(), x)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name := "kovmon-" + extractName(x)
	switch {
	case format == "excel":
		writeCSVHeaders(w, name+"-excel.csv")
		err = s.writeLocalCSV(w, x.v, figures, spreadsheetCSV)
	case x.localized:
		writeCSVHeaders(w, name+"-"+x.v.Lang+".csv")
		err = s.writeLocalCSV(w, x.v, figures, pageCSV)
	case !x.v.grouped() && len(x.codes) <= 1:
		// The standard extract as the reader keeps it encoded, once per refresh and
		// filter (the web layer compresses it once too).
		var body []byte
		if body, err = s.figures.Encoded(r.Context(), x.filter, metrics.FormatCSV); err == nil {
			writeCSVHeaders(w, name+".csv")
			_, err = w.Write(body)
		}
	default:
		writeCSVHeaders(w, name+".csv")
		err = metrics.WriteCSV(w, figures)
	}
	if err != nil {
		s.log.Warn("writing extract", "err", err)
	}
}

// extractName names a download after what it holds.
func extractName(x extractRequest) string {
	f := x.filter
	name := string(f.Boundaries)
	for _, part := range append([]string{f.Indicator, string(f.Level)}, x.codes...) {
		if part != "" {
			name += "-" + part
		}
	}
	for _, part := range []string{x.v.County, x.v.UnitType, x.v.Pop} {
		if part != "" {
			name += "-" + part
		}
	}
	if f.Year != 0 {
		name += "-" + strconv.Itoa(f.Year)
	}
	return name
}

func writeCSVHeaders(w http.ResponseWriter, filename string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+url.PathEscape(filename)+`"`)
}

// csvStyle is how a localized CSV is written.
type csvStyle struct {
	comma   rune
	decimal string // "" the language's own
	bom     bool
	crlf    bool
}

var (
	pageCSV        = csvStyle{comma: ',', decimal: "."}
	spreadsheetCSV = csvStyle{comma: ';', decimal: ",", bom: true, crlf: true}
)

// localRecord is one figure in the page's columns. Its csv tags are the columns' text
// keys, which the page's CSV writes in the page's language (spreadsheet.Writer's
// Header); the XLSX writes the same columns (cells).
type localRecord struct {
	IndicatorID   string      `csv:"col.indicator_id"`
	IndicatorName string      `csv:"col.indicator_name"`
	Year          int         `csv:"col.year"`
	Level         string      `csv:"col.level"`
	EhakCode      string      `csv:"col.ehak_code"`
	Name          string      `csv:"col.name"`
	Value         localNumber `csv:"col.value"`
	Unit          string      `csv:"col.unit"`
	Numerator     int64       `csv:"col.numerator"`
	Denominator   int64       `csv:"col.denominator"`
	Coverage      localNumber `csv:"col.coverage"`
	Target        localNumber `csv:"col.target"`
	Status        string      `csv:"col.status"`
	Flags         string      `csv:"col.flags"`
	CILow         localNumber `csv:"col.ci_low"`
	CIHigh        localNumber `csv:"col.ci_high"`
}

// localNumber is a number cell of the page's extracts: at full precision with the
// style's decimal separator in the CSV (MarshalCSV), a number cell in the XLSX; nil
// is empty.
type localNumber struct {
	value   *float64
	decimal string
}

// MarshalCSV writes the number for gocsv.
func (n localNumber) MarshalCSV() (string, error) {
	return strings.Replace(metrics.FormatNumber(n.value), ".", n.decimal, 1), nil
}

// localRecord is one figure in the page's columns and language, its numbers written
// with the decimal separator given.
func (s *server) localRecord(v view, f kov.Figure, decimal string) localRecord {
	name := ""
	if ind, ok := s.cat.Indicator(f.IndicatorID); ok {
		name = ind.Name.In(v.Lang)
	}
	unitName := f.Name
	if f.Level == kov.LevelNational {
		unitName = v.t("unit.national_name")
	}
	number := func(x *float64) localNumber { return localNumber{x, decimal} }
	return localRecord{IndicatorID: f.IndicatorID, IndicatorName: name, Year: f.Year, Level: v.t("level." + string(f.Level)),
		EhakCode: f.EhakCode, Name: unitName, Value: number(f.Value), Unit: v.t("col.unit_percent"),
		Numerator: f.Numerator, Denominator: f.Denominator, Coverage: number(f.Coverage), Target: number(f.Target),
		Status: v.t("status." + string(f.Status)), Flags: v.flagList(f.Flags), CILow: number(f.CILow), CIHigh: number(f.CIHigh)}
}

// cells are the record as the XLSX's row: text cells through spreadsheet.Cell as in
// the CSV, numbers as number cells shown to one decimal (whole for the counts).
func (r localRecord) cells(oneDecimal, whole int) []any {
	number := func(n localNumber) any {
		if n.value == nil {
			return nil
		}
		return excelize.Cell{StyleID: oneDecimal, Value: *n.value}
	}
	count := func(n int64) any { return excelize.Cell{StyleID: whole, Value: float64(n)} }
	return []any{r.IndicatorID, spreadsheet.Cell(r.IndicatorName), r.Year, r.Level, r.EhakCode, spreadsheet.Cell(r.Name),
		number(r.Value), r.Unit, count(r.Numerator), count(r.Denominator), number(r.Coverage), number(r.Target),
		r.Status, r.Flags, number(r.CILow), number(r.CIHigh)}
}

// flagList is a figure's flags in words, ";"-separated like the standard CSV's codes.
func (v view) flagList(flags kov.Flags) string {
	words := make([]string, len(flags))
	for i, f := range flags {
		words[i] = v.t("flag." + string(f))
	}
	return strings.Join(words, "; ")
}

// writeLocalCSV writes the figures in the page's columns and language.
func (s *server) writeLocalCSV(w io.Writer, v view, figures []kov.Figure, style csvStyle) error {
	if style.bom {
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return err
		}
	}
	cw := spreadsheet.NewWriter(w)
	cw.Comma, cw.UseCRLF = style.comma, style.crlf
	cw.Header = func(key string) string { return v.t(key) }
	records := make([]localRecord, len(figures))
	for i, f := range figures {
		records[i] = s.localRecord(v, f, style.decimal)
	}
	return cw.WriteRecords(records)
}

// extractXLSX answers the figures as a workbook: one sheet of figures with number
// cells, and one saying where they come from.
func (s *server) extractXLSX(w http.ResponseWriter, r *http.Request) {
	x, err := s.readExtract(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	figures, err := s.extractFigures(r.Context(), x)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := s.writeXLSX(r.Context(), &buf, x.v, figures); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="kovmon-`+url.PathEscape(extractName(x))+`-`+x.v.Lang+`.xlsx"`)
	w.Write(buf.Bytes())
}

// writeXLSX writes the workbook with excelize's stream writer (rows in order, little
// memory): text cells as text — a cell is never a formula unless set as one — and
// numbers as numbers shown to one decimal.
func (s *server) writeXLSX(ctx context.Context, w io.Writer, v view, figures []kov.Figure) error {
	book := excelize.NewFile()
	defer book.Close()
	sheet := v.t("xlsx.sheet")
	if err := book.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	bold, err := book.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	decimalFormat := "0.0"
	oneDecimal, err := book.NewStyle(&excelize.Style{CustomNumFmt: &decimalFormat})
	if err != nil {
		return err
	}
	whole, err := book.NewStyle(&excelize.Style{NumFmt: 1}) // "0"
	if err != nil {
		return err
	}
	sw, err := book.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	widths := []float64{9, 48, 7, 12, 11, 24, 10, 6, 11, 11, 10, 10, 18, 22, 12, 12}
	for i, width := range widths {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	columns, err := spreadsheet.Columns[localRecord]()
	if err != nil {
		return err
	}
	head := make([]any, len(columns))
	for i, key := range columns {
		head[i] = excelize.Cell{StyleID: bold, Value: v.t(key)}
	}
	if err := sw.SetRow("A1", head, excelize.RowOpts{}); err != nil {
		return err
	}
	for n, f := range figures {
		cell, _ := excelize.CoordinatesToCellName(1, n+2)
		if err := sw.SetRow(cell, s.localRecord(v, f, ".").cells(oneDecimal, whole)); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	last, _ := excelize.CoordinatesToCellName(len(columns), len(figures)+1)
	if err := book.AutoFilter(sheet, "A1:"+last, nil); err != nil {
		return err
	}
	about := v.t("xlsx.about_sheet")
	if _, err := book.NewSheet(about); err != nil {
		return err
	}
	lines := []string{v.t("app.name"), v.t("xlsx.precision"), v.t("dashboards.attribution")}
	if ref, ok, err := metrics.LatestRefresh(ctx, s.store); err == nil && ok {
		lines = append(lines, v.t("xlsx.refresh", ref.ID, ref.CatalogueVersion))
	}
	for i, line := range lines {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := book.SetCellStr(about, cell, line); err != nil {
			return err
		}
	}
	return book.Write(w)
}

// coverageCSV answers the source rows behind each indicator per year, of a
// municipality (or of every unit).
func (s *server) coverageCSV(w http.ResponseWriter, r *http.Request) {
	v, err := s.readView(r.Context(), r.URL.Query(), false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ehak := r.URL.Query().Get("ehak")
	if ehak != "" && !v.reg.Known(ehak) {
		s.fail(w, r, badRequest("error.bad_municipality", ehak))
		return
	}
	rows, err := s.coverage(r.Context(), v, ehak)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeCSVHeaders(w, "kovmon-coverage-"+string(v.Boundaries)+"-"+orAll(ehak)+".csv")
	if err := spreadsheet.NewWriter(w).WriteRecords(rows); err != nil {
		s.log.Warn("writing coverage", "err", err)
	}
}

func orAll(s string) string {
	if s == "" {
		return "all"
	}
	return s
}
