package dashboards

import (
	"html/template"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"time"

	"ee/kovmon/i18n"
	"ee/kovmon/ingest"
	"ee/kovmon/internal/palette"
	"ee/kovmon/kov"
	"ee/kovmon/ledger"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
)

// ---- Municipality ----

type municipalityPage struct {
	pageBase
	Code, Name, Type, County string
	Validity                 string
	Peers                    string // the unit's peer group
	PeersLink                template.URL
	Compare                  template.URL
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
	Explain   template.URL
	National  string
	Peers     string
	// NationalExplain and PeersExplain lead to how the national and the peer
	// group's figures were made.
	NationalExplain, PeersExplain template.URL
	Target                        string
	Badge                         badge
	Rank                          string
	Flags                         string
}

type mergerRow struct {
	Code, Name string
	Link       template.URL
	Date       string
	Share      string
}

func (s *server) municipality(r *http.Request, v view) (string, any, error) {
	ctx := r.Context()
	code := r.PathValue("ehak")
	unit, ok := v.reg.Latest(code)
	if !ok {
		return "", nil, notFound("error.no_municipality", code)
	}
	national, municipal, err := s.allFigures(ctx, v)
	if err != nil {
		return "", nil, err
	}
	page := municipalityPage{pageBase: pageBase{V: v, Path: "/municipality/" + code, Title: unit.Name, Filters: true},
		Code: code, Name: unit.Name, Type: v.t("unit.type_" + unit.Type), County: unit.CountyName, Validity: validity(v, unit),
		Compare: v.link("/compare", "ehak", code)}
	if u, ok := v.reg.Unit(code, v.boundaryDate()); ok {
		unit = u
	}
	// The unit's peers: the units of its type and population band, pooled.
	peers := view{Lang: v.Lang, Boundaries: v.Boundaries, UnitType: unit.Type, Pop: bandOf(unit.Population), reg: v.reg}
	page.Peers = v.t("dashboards.peers", peers.GroupLabel())
	page.PeersLink = v.link("/", paramType, peers.UnitType, paramPop, peers.Pop, paramCounty, "")
	page.Rows, page.Chart = v.unitFigures(s.cat, code, national, municipal, peers)
	if page.Chart == nil {
		page.NoFigures = v.t("dashboards.unit_no_figures", v.Year)
	}
	page.FormedFrom, page.MergedInto = v.mergerHistory(code)
	cov, err := s.coverage(ctx, v, code)
	if err != nil {
		return "", nil, err
	}
	page.Coverage = v.coverageBlock("coverage", v.t("dashboards.coverage"), cov, v.link("/coverage.csv", paramYear, "", "ehak", code))
	return "municipality", page, nil
}

// validity says when the unit was valid, in words: a unit valid since before the data
// and still valid is simply in force.
func validity(v view, u kov.Municipality) string {
	from, to := v.date(u.ValidFrom), v.date(u.ValidTo)
	switch {
	case from == "" && to == "":
		return v.t("dashboards.valid_always")
	case to == "":
		return v.t("dashboards.valid_since", from)
	case from == "":
		return v.t("dashboards.valid_until", to)
	}
	return v.t("dashboards.valid_range", from, to)
}

// timestamp writes a stored UTC time (2006-01-02 15:04:05.000) in Tallinn time the
// language's way: 01.12.2026 10:41:27, 1 December 2026 10:41:27.
func (v view) timestamp(stored string) string {
	t, err := time.Parse("2006-01-02 15:04:05.999999999", stored)
	if err != nil {
		return stored
	}
	if tallinn, err := time.LoadLocation("Europe/Tallinn"); err == nil {
		t = t.In(tallinn)
	}
	if v.Lang == i18n.EN {
		return t.Format("2 January 2006 15:04:05")
	}
	return t.Format("02.01.2006 15:04:05")
}

// date writes a day the language's way (22.10.2017, 22 October 2017); "" for none.
func (v view) date(d time.Time) string {
	switch {
	case d.IsZero():
		return ""
	case v.Lang == i18n.EN:
		return d.Format("2 January 2006")
	}
	return d.Format("02.01.2006")
}

// unitFigures lists the unit's figures of the year beside the national and peer-group
// ones, with its rank among all municipalities, and draws them side by side.
func (v view) unitFigures(cat *catalogue.Catalogue, code string, national, municipal []kov.Figure, peers view) ([]unitRow, *chartBlock) {
	nationalBy, municipalBy := byIndicator(national), byIndicator(municipal)
	var (
		rows              []unitRow
		ids               []string
		unitItems, natIts []item
		peerItems         []item
		targets           []item
		anyTarget         bool
		tableRows         [][]string
		name              string
	)
	for i := range cat.Indicators {
		ind := &cat.Indicators[i]
		var own *kov.Figure
		var ofYearAll, before []kov.Figure
		for j, f := range municipalBy[ind.ID] {
			switch f.Year {
			case v.Year:
				ofYearAll = append(ofYearAll, f)
				if f.EhakCode == code {
					own = &municipalBy[ind.ID][j]
				}
			case v.Year - 1:
				before = append(before, f)
			}
		}
		if own == nil {
			continue
		}
		name = own.Name
		nat, _ := ofYear(nationalBy[ind.ID], v.Year)
		peer, _ := ofYear(pool(ind, nationalBy[ind.ID], municipalBy[ind.ID], peers.inGroup, peers.GroupLabel()), v.Year)
		now := ranks(ofYearAll)
		fr := v.figureRow(*own)
		row := unitRow{ID: ind.ID, Name: ind.Name.In(v.Lang), Link: v.link("/indicator/" + ind.ID), Value: v.unitValue(ind, *own),
			ValueData: fr.ValueData, Explain: fr.Explain, National: v.percent(nat.Value), Peers: v.percent(peer.Value),
			NationalExplain: v.explainLink(nat),
			PeersExplain:    v.yearLink("/explain/"+ind.ID+"/"+groupCode, v.Year, paramCounty, "", paramType, peers.UnitType, paramPop, peers.Pop),
			Target:          fr.Target, Badge: fr.Badge, Flags: fr.Flags}
		if !ind.MunicipalYesNo() { // a yes/no indicator's places would only repeat who meets the condition
			row.Rank = v.rankText(code, now, ranks(before), len(now))
		}
		rows = append(rows, row)
		ids = append(ids, ind.ID)
		var unitIt item
		if own.Value == nil {
			unitIt = hatched(point(100, name+" "+ind.ID+": "+v.t("status.no_data"), palette.NoData))
		} else {
			unitIt = point(round(*own.Value, 2), name+" "+ind.ID+": "+v.percent(own.Value)+" · "+v.t("status."+string(own.Status)), palette.Value)
			unitIt["label"] = map[string]any{"show": true, "position": "top", "formatter": i18n.Number(v.Lang, *own.Value, 0), "fontSize": 10}
		}
		unitItems = append(unitItems, unitIt)
		natIts = append(natIts, v.barPoint(nat.Value, v.t("chart.national")+" "+ind.ID, palette.National))
		peerItems = append(peerItems, v.barPoint(peer.Value, peers.GroupLabel()+" "+ind.ID, palette.Group))
		tp := point(missing, "", palette.Target)
		if own.Target != nil {
			tp = point(*own.Target, v.t("chart.target")+" "+ind.ID+": "+v.percent(own.Target), palette.Target)
			anyTarget = true
		}
		targets = append(targets, tp)
		tableRows = append(tableRows, []string{ind.ID, row.Value, row.National, row.Peers, row.Target})
	}
	if len(rows) == 0 {
		return nil, nil
	}
	if !anyTarget {
		targets = nil
	}
	series := []barSeries{{Name: name, Color: palette.Value, Items: unitItems}, {Name: v.t("chart.national"), Color: palette.National, Items: natIts},
		{Name: peers.GroupLabel(), Color: palette.Group, Items: peerItems}}
	table := dataTable{Head: []string{v.t("table.indicator"), name, v.t("chart.national"), peers.GroupLabel(), v.t("table.target")}, Rows: tableRows}
	title := v.t("dashboards.unit_vs_national", v.Year)
	legend := []legendItem{{"box", palette.Value, name}, {"box", palette.National, v.t("chart.national")},
		{"box", palette.Group, peers.GroupLabel()}, {"hatched", palette.NoData, v.t("status.no_data")}}
	if targets != nil {
		legend = append(legend, legendItem{"square", palette.Target, v.t("chart.target")})
	}
	block := v.block("unit_vs_national", title, v.groupedBars("unit_vs_national", title, ids, series, targets),
		v.link("/extract.csv", "ehak", code), table, legend)
	return rows, &block
}

// unitValue is a municipal value as read: a yes/no indicator's 100 or 0 as whether the
// unit meets the condition.
func (v view) unitValue(ind *kov.Indicator, f kov.Figure) string {
	switch {
	case f.Value == nil:
		return v.t("status.no_data")
	case !ind.MunicipalYesNo():
		return v.percent(f.Value)
	case f.Meets():
		return "✔ " + v.t("chart.meets")
	}
	return "✘ " + v.t("chart.fails")
}

// barPoint is a bar of a value; no value is a hatched bar the height of the axis.
func (v view) barPoint(x *float64, name, color string) item {
	if x == nil {
		return hatched(point(100, name+": "+v.t("status.no_data"), palette.NoData))
	}
	return point(round(*x, 2), name+": "+v.percent(x), color)
}

// mergerHistory lists the units the unit was formed from (following chains back:
// A→B→C lists both A and B) and the units it went to.
func (v view) mergerHistory(code string) (formedFrom, mergedInto []mergerRow) {
	row := func(other string, m kov.Merger) mergerRow {
		name := other
		if u, ok := v.reg.Latest(other); ok {
			name = u.Name
		}
		return mergerRow{Code: other, Name: name, Link: v.link("/municipality/"+other, paramYear, ""),
			Date: v.date(m.Effective), Share: i18n.Percent(v.Lang, m.AreaShare*100, 0)}
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
	sort.SliceStable(formedFrom, func(i, j int) bool { return i18n.Less(formedFrom[i].Name, formedFrom[j].Name) })
	return formedFrom, mergedInto
}

// coverageBlock draws the source rows behind each indicator per year (the rows its
// published figures were made from) as bars, a bar per year, with the table.
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
			cells = append(cells, v.count(byIndicator[id][y]))
		}
		table.Rows = append(table.Rows, cells)
	}
	var series []barSeries
	var legend []legendItem
	for i, y := range years {
		s := barSeries{Name: strconv.Itoa(y), Color: palette.Sources[i%len(palette.Sources)]}
		for _, id := range indicators {
			n := byIndicator[id][y]
			s.Items = append(s.Items, point(float64(n), id+" "+s.Name+": "+v.count(n), s.Color))
		}
		series = append(series, s)
		legend = append(legend, legendItem{"box", s.Color, s.Name})
	}
	chart, unit := v.countBars(id, title, indicators, series)
	block := v.block(id, title, chart, csv, table, legend)
	block.Title = title + " (" + unit + ")"
	return block
}

// ---- Data ----

type dataPage struct {
	pageBase
	Files      []fileRow
	Rows       chartBlock
	Reasons    []reasonRow
	Quarantine []quarantineRow
	Runs       []runRow
	Response   []responseText
}

type fileRow struct {
	Finished, FileName, Kind, Status     string
	RowsRead, Loaded, Duplicates, Quaran string
	Message                              string
}

type quarantineRow struct {
	File, Line, Column, Reason, Raw string
}

type reasonRow struct{ Kind, Reason, Rows, Files string }

type runRow struct{ ID, Trigger, Started, Finished, Status, Summary string }

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
	files, err := ledger.Files(ctx, s.store, dataPageFiles)
	if err != nil {
		return "", nil, err
	}
	for _, f := range files {
		page.Files = append(page.Files, fileRow{Finished: v.timestamp(f.Finished), FileName: f.FileName, Kind: v.kind(f.Kind),
			Status: v.t("ledger.file." + f.Status), RowsRead: v.count(f.RowsRead), Loaded: v.count(f.Loaded),
			Duplicates: v.count(f.Duplicates), Quaran: v.count(f.Quarantined), Message: v.reason(f.Message)})
	}
	cov, err := s.coverage(ctx, v, "")
	if err != nil {
		return "", nil, err
	}
	page.Rows = v.coverageBlock("rows_by_indicator", v.t("dashboards.rows_by_indicator"), cov, v.link("/coverage.csv", paramYear, ""))
	reasons, err := ledger.Reasons(ctx, s.store, dataPageReasons)
	if err != nil {
		return "", nil, err
	}
	for _, rr := range reasons {
		page.Reasons = append(page.Reasons, reasonRow{Kind: v.kind(rr.Kind), Reason: v.reason(rr.Reason), Rows: v.count(rr.Rows), Files: v.count(rr.Files)})
	}
	quarantine, err := ledger.Quarantine(ctx, s.store, "", "", dataPageQuarantine)
	if err != nil {
		return "", nil, err
	}
	for _, q := range quarantine {
		page.Quarantine = append(page.Quarantine, quarantineRow{File: q.File, Line: strconv.FormatInt(q.Line, 10), Column: q.Column,
			Reason: v.reason(q.Reason), Raw: q.Raw})
	}
	runs, err := ledger.Runs(ctx, s.store, dataPageRuns)
	if err != nil {
		return "", nil, err
	}
	for _, run := range runs {
		summary := v.t("ledger.run_summary", run.Files, v.count(run.Loaded))
		if run.Rejected > 0 {
			summary += "; " + v.t("ledger.run_rejected", run.Rejected)
		}
		page.Runs = append(page.Runs, runRow{ID: run.RunID, Trigger: v.trigger(run.Trigger), Started: v.timestamp(run.Started),
			Finished: v.timestamp(run.Finished), Status: v.t("ledger.run." + run.Status), Summary: summary})
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
			Active: strconv.Itoa(rr.Active), Answers: v.count(rr.Answers), Rate: rate})
	}
	return "data", page, nil
}

// kind names a kind of input file: the measurement sources and the registry files.
func (v view) kind(kind string) string {
	for _, key := range []string{"source." + kind, "report.kind." + kind} {
		if i18n.Has(key) {
			return v.t(key)
		}
	}
	return kind
}

// reason is a quarantine reason or a loader's message in the page's language: the
// loader writes them in English and knows their Estonian wording.
func (v view) reason(reason string) string { return ingest.MessageIn(reason, v.Lang) }

// trigger names what started an ingest run (a schedule's own name stays as it is).
func (v view) trigger(trigger string) string {
	if key := "ledger.trigger." + trigger; i18n.Has(key) {
		return v.t(key)
	}
	return trigger
}
