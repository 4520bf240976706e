package dashboards

import (
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"time"

	"ee/kovmon/i18n"
	"ee/kovmon/ingest"
	"ee/kovmon/metrics"
	"ee/kovmon/registry"
	"ee/kovmon/store"
)

// ---- Municipality ----

type municipalityPage struct {
	pageBase
	Code, Name, Type, County string
	Validity                 string
	Chart                    *chartBlock
	Rows                     []unitRow
	FormedFrom               []mergerRow
	MergedInto               []mergerRow
	Coverage                 chartBlock
	NoFigures                string
}

type unitRow struct {
	ID, Name  string
	Link      template.URL
	Value     string
	ValueData string
	CI        string
	National  string
	Target    string
	Badge     badge
	Flags     string
}

type mergerRow struct {
	Code, Name string
	Link       template.URL
	Date       string
	Share      string
}

func (s *server) municipality(r *http.Request, v view) (string, any, error) {
	code := r.PathValue("ehak")
	unit, ok := v.reg.Latest(code)
	if !ok {
		return "", nil, fmt.Errorf("%w: no municipality %q in the registry", errNotFound, code)
	}
	// The unit's own figures: the county and type filters choose units, not this one.
	f := metrics.Filter{Year: v.Year, Boundaries: v.Boundaries, EhakCode: code}
	figures, err := s.figures.Figures(r.Context(), f)
	if err != nil {
		return "", nil, err
	}
	page := municipalityPage{pageBase: pageBase{V: v, Path: "/municipality/" + code, Title: unit.Name, Filters: true},
		Code: code, Name: unit.Name, Type: unit.Type, County: unit.CountyName, Validity: validity(v, unit)}
	page.Rows, page.Chart = v.unitFigures(code, figures)
	if page.Chart == nil {
		page.NoFigures = v.t("dashboards.unit_no_figures", v.Year)
	}
	page.FormedFrom, page.MergedInto = v.mergerHistory(code)
	cov, err := s.coverage(r.Context(), v, code)
	if err != nil {
		return "", nil, err
	}
	page.Coverage = v.coverageBlock("coverage", v.t("dashboards.coverage"), cov, v.link("/coverage.csv", paramYear, "", "ehak", code))
	return "municipality", page, nil
}

func validity(v view, u registry.Municipality) string {
	from, to := "…", "…"
	if !u.ValidFrom.IsZero() {
		from = u.ValidFrom.Format(time.DateOnly)
	}
	if !u.ValidTo.IsZero() {
		to = u.ValidTo.Format(time.DateOnly)
	}
	return v.t("dashboards.validity", from, to)
}

// unitFigures pairs the unit's figures with the national ones of the same indicator
// and draws them side by side.
func (v view) unitFigures(code string, figures []metrics.Figure) ([]unitRow, *chartBlock) {
	national := map[string]metrics.Figure{}
	for _, f := range figures {
		if f.Level == metrics.LevelNational {
			national[f.IndicatorID] = f
		}
	}
	var (
		rows              []unitRow
		ids               []string
		unitVals, natVals []any
		targets           []any
		anyTarget         bool
		tableRows         [][]string
	)
	for _, f := range figures {
		if f.Level != metrics.LevelMunicipality || f.EhakCode != code {
			continue
		}
		nat := national[f.IndicatorID]
		fr := v.figureRow(f)
		rows = append(rows, unitRow{ID: f.IndicatorID, Link: v.link("/indicator/" + f.IndicatorID), Value: fr.Value,
			ValueData: fr.ValueData, CI: fr.CI, National: v.percent(nat.Value), Target: fr.Target, Badge: fr.Badge, Flags: fr.Flags})
		ids = append(ids, f.IndicatorID)
		unitVals = append(unitVals, pointValue(f.Value))
		natVals = append(natVals, pointValue(nat.Value))
		targets = append(targets, pointValue(f.Target))
		anyTarget = anyTarget || f.Target != nil
		tableRows = append(tableRows, []string{f.IndicatorID, fr.Value, v.percent(nat.Value), fr.Target})
	}
	if len(rows) == 0 {
		return nil, nil
	}
	if !anyTarget {
		targets = nil
	}
	name := figures[0].Name
	for _, f := range figures {
		if f.EhakCode == code {
			name = f.Name
		}
	}
	series := []barSeries{{Name: name, Color: colorValue, Values: unitVals}, {Name: v.t("chart.national"), Color: colorNational, Values: natVals}}
	table := dataTable{Head: []string{v.t("table.indicator"), name, v.t("chart.national"), v.t("table.target")}, Rows: tableRows}
	block := v.block("unit_vs_national", v.t("dashboards.unit_vs_national", v.Year),
		groupedBars("unit_vs_national", ids, series, targets, v.t("chart.target")), v.link("/extract.csv", "ehak", code), table)
	return rows, &block
}

// mergerHistory lists the units the unit was formed from (following chains back:
// A→B→C lists both A and B) and the units it went to.
func (v view) mergerHistory(code string) (formedFrom, mergedInto []mergerRow) {
	row := func(other string, m registry.Merger) mergerRow {
		name := other
		if u, ok := v.reg.Latest(other); ok {
			name = u.Name
		}
		return mergerRow{Code: other, Name: name, Link: v.link("/municipality/"+other, paramYear, ""),
			Date: m.Effective.Format(time.DateOnly), Share: i18n.Percent(v.Lang, m.AreaShare*100, 0)}
	}
	seen := map[string]bool{code: true}
	queue := []string{code}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, m := range v.reg.Mergers() {
			if m.New == cur && m.Old != m.New && !seen[m.Old] {
				seen[m.Old] = true
				formedFrom = append(formedFrom, row(m.Old, m))
				queue = append(queue, m.Old)
			}
		}
	}
	for _, m := range v.reg.Mergers() {
		if m.Old == code && m.New != code {
			mergedInto = append(mergedInto, row(m.New, m))
		}
	}
	sort.SliceStable(formedFrom, func(i, j int) bool { return formedFrom[i].Name < formedFrom[j].Name })
	return formedFrom, mergedInto
}

// coverageBlock draws the source rows behind each indicator per year as bars, with
// the table.
func (v view) coverageBlock(id, title string, rows []metrics.CoverageRow, csv template.URL) chartBlock {
	yearSet := map[int]bool{}
	byIndicator := map[string]map[int]int64{}
	var indicators []string // in the catalogue's order, as the rows come
	for _, c := range rows {
		yearSet[c.Year] = true
		if byIndicator[c.Indicator] == nil {
			byIndicator[c.Indicator] = map[int]int64{}
			indicators = append(indicators, c.Indicator)
		}
		byIndicator[c.Indicator][c.Year] = c.Rows
	}
	years := slices.Sorted(maps.Keys(yearSet))
	table := dataTable{Head: []string{v.t("table.indicator")}}
	for _, y := range years {
		table.Head = append(table.Head, strconv.Itoa(y))
	}
	for _, id := range indicators {
		cells := []string{id}
		for _, y := range years {
			cells = append(cells, i18n.Number(v.Lang, float64(byIndicator[id][y]), 0))
		}
		table.Rows = append(table.Rows, cells)
	}
	var series []barSeries
	for i, y := range years {
		s := barSeries{Name: strconv.Itoa(y), Color: yearColors[i%len(yearColors)]}
		for _, id := range indicators {
			s.Values = append(s.Values, byIndicator[id][y])
		}
		series = append(series, s)
	}
	return v.block(id, title, countBars(id, indicators, series), csv, table)
}

// ---- Data ----

type dataPage struct {
	pageBase
	Files      []ingest.LedgerFile
	Rows       chartBlock
	Reasons    [][]string
	Quarantine []ingest.QuarantinedRow
	Runs       [][]string
	Response   []responseText
}

type responseText struct {
	Year                        int
	Responding, Active, Answers string
	Rate                        string
}

const (
	dataPageFiles      = 100
	dataPageQuarantine = 20
	dataPageReasons    = 50
	dataPageRuns       = 20
)

func (s *server) dataPage(r *http.Request, v view) (string, any, error) {
	ctx := r.Context()
	page := dataPage{pageBase: pageBase{V: v, Path: "/data", Title: v.t("dashboards.data_title")}}
	var err error
	if page.Files, err = ingest.Files(ctx, s.store, dataPageFiles); err != nil {
		return "", nil, err
	}
	cov, err := s.coverage(ctx, v, "")
	if err != nil {
		return "", nil, err
	}
	page.Rows = v.coverageBlock("rows_by_indicator", v.t("dashboards.rows_by_indicator"), cov, v.link("/coverage.csv", paramYear, ""))
	if page.Reasons, err = s.rows(ctx, "dashboards.QuarantineReasons", store.Params{"limit": dataPageReasons}); err != nil {
		return "", nil, err
	}
	if page.Quarantine, err = ingest.Quarantine(ctx, s.store, "", "", dataPageQuarantine); err != nil {
		return "", nil, err
	}
	if page.Runs, err = s.rows(ctx, "dashboards.Runs", store.Params{"limit": dataPageRuns}); err != nil {
		return "", nil, err
	}
	response, err := s.surveyResponse(ctx, v.reg)
	if err != nil {
		return "", nil, err
	}
	for _, rr := range response {
		rate := "–"
		if rr.Active > 0 {
			rate = i18n.Percent(v.Lang, 100*float64(rr.Responding)/float64(rr.Active), 1)
		}
		page.Response = append(page.Response, responseText{Year: rr.Year, Responding: strconv.Itoa(rr.Responding),
			Active: strconv.Itoa(rr.Active), Answers: i18n.Number(v.Lang, float64(rr.Answers), 0), Rate: rate})
	}
	return "data", page, nil
}
