package report

import (
	"fmt"
	"sort"
	"strings"

	"ee/kovmon/i18n"
	"ee/kovmon/internal/glossary"
	"ee/kovmon/kov"
)

// document is the report as the template shows it: every number already formatted
// for the language, every list already in its order.
type document struct {
	Lang             string
	Year             int
	Title            string
	Date             string
	Snapshot         string
	RefreshID        string
	CatalogueVersion string
	CatalogueHash    string
	AchievedCount    string
	Summary          []summaryRow
	Goals            []goalView
	Annex            annexView
	Attribution      string
	Data             dataView
	Methods          []methodView
	ForecastMethod   string
	Charts           []*chartView
}

type summaryRow struct {
	ID, Name, Value, Target, Status, Change string
	StatusClass                             kov.Status
}

type goalView struct {
	ID, Name   string
	Indicators []indicatorView
}

type indicatorView struct {
	ID, Name, Text string
	Trend, Spread  *chartView
}

// annexView is the municipal figures of the year as one compact table: a row per
// municipality, a column per indicator with municipal figures, each cell the value
// (a rate) or whether the municipality meets the condition (✔ ✘), in its status
// colour; "–" is no data.
type annexView struct {
	Indicators []annexHead
	Rows       []annexRow
}

type annexHead struct{ ID, Name string }

type annexRow struct {
	Code, Name string
	Cells      []annexCell
}

type annexCell struct{ Text, Class, Title string }

type dataView struct {
	Sources  []sourceView
	Total    sourceView
	Surveys  []surveyView
	Coverage []coverageView
}

type sourceView struct {
	Kind, Files, Rejected, RowsRead, Loaded, Duplicates, Quarantined string
}

type surveyView struct {
	SurveyID, Active, Responded, Rate string
}

type coverageView struct {
	ID, Name, Coverage string
}

type methodView struct {
	ID, Name, Description, Source, Denominator, Targets, Baseline string
}

// composer turns the gathered input into the document in one language.
type composer struct {
	in   *input
	lang string
}

func compose(in *input, lang string) *document {
	c := &composer{in: in, lang: lang}
	cat := in.cat
	doc := &document{Lang: lang, Year: in.year, Title: i18n.T(lang, "report.title", in.year), Date: c.date(),
		Snapshot: in.refresh.DataSnapshot, RefreshID: in.refresh.ID, CatalogueVersion: cat.Version, CatalogueHash: cat.Hash(),
		ForecastMethod: cat.Forecast.Description.In(lang)}
	achieved, judged := 0, 0
	for i := range cat.Indicators {
		ind := &cat.Indicators[i]
		row := c.summary(ind)
		doc.Summary = append(doc.Summary, row)
		if _, ok := ind.Target(in.year); ok {
			judged++
			if row.StatusClass == kov.StatusAchieved {
				achieved++
			}
		}
		doc.Methods = append(doc.Methods, c.method(ind))
	}
	doc.Annex = c.annex()
	doc.Attribution = i18n.T(lang, "dashboards.attribution")
	if judged > 0 {
		doc.AchievedCount = i18n.T(lang, "overview.achieved_count", achieved, judged)
	}
	for _, g := range cat.Goals {
		goal := goalView{ID: g.ID, Name: g.Name.In(lang)}
		for i := range cat.Indicators {
			ind := &cat.Indicators[i]
			if ind.Goal != g.ID {
				continue
			}
			view := c.indicator(ind)
			goal.Indicators = append(goal.Indicators, view)
			for _, ch := range []*chartView{view.Trend, view.Spread} {
				if ch != nil {
					doc.Charts = append(doc.Charts, ch)
				}
			}
		}
		doc.Goals = append(doc.Goals, goal)
	}
	doc.Data = c.data()
	return doc
}

// date writes the title page's date the way each language does: 15.02.2019 and
// 15 February 2019.
func (c *composer) date() string {
	if c.lang == i18n.EN {
		return c.in.date.Format("2 January 2006")
	}
	return c.in.date.Format("02.01.2006")
}

func (c *composer) percent(v *float64) string {
	if v == nil {
		return "–"
	}
	return i18n.Percent(c.lang, *v, 1)
}

func (c *composer) count(n int64) string { return i18n.Number(c.lang, float64(n), 0) }

func (c *composer) status(s kov.Status) string {
	if s == "" {
		return "–"
	}
	return i18n.T(c.lang, "status."+string(s))
}

// change is the difference to the year before in percentage points, signed.
func (c *composer) change(id string) string {
	cur, prev := c.in.national[id][c.in.year], c.in.national[id][c.in.year-1]
	if cur.Value == nil || prev.Value == nil {
		return "–"
	}
	diff := round1(*cur.Value) - round1(*prev.Value)
	sign := "+"
	if diff < -0.05 {
		sign = "−" // a real minus sign, not a hyphen
	} else if diff < 0.05 {
		sign, diff = "±", 0
	}
	if diff < 0 {
		diff = -diff
	}
	return i18n.T(c.lang, "report.pp", sign+i18n.Number(c.lang, diff, 1))
}

func (c *composer) summary(ind *kov.Indicator) summaryRow {
	fig := c.in.national[ind.ID][c.in.year]
	row := summaryRow{ID: ind.ID, Name: ind.Name.In(c.lang), Value: c.percent(fig.Value), Target: "–",
		Status: c.status(fig.Status), StatusClass: fig.Status, Change: c.change(ind.ID)}
	if t, ok := ind.Target(c.in.year); ok {
		row.Target = targetPercent(c.lang, t)
	}
	return row
}

func (c *composer) indicator(ind *kov.Indicator) indicatorView {
	view := indicatorView{ID: ind.ID, Name: ind.Name.In(c.lang), Text: c.narrative(ind)}
	if national := c.in.national[ind.ID]; len(national) > 0 {
		view.Trend = trendChart(c.lang, ind, national)
	}
	municipal := c.in.municipal[ind.ID]
	switch {
	case len(municipal) == 0:
	case ind.MunicipalYesNo():
		view.Spread = conditionChart(c.lang, ind, c.in.year, municipal)
	default:
		view.Spread = municipalityChart(c.lang, ind, c.in.year, municipal)
	}
	return view
}

func (c *composer) annex() annexView {
	var view annexView
	byUnit := map[string]map[string]kov.Figure{}
	names := map[string]string{}
	var codes []string
	for i := range c.in.cat.Indicators {
		ind := &c.in.cat.Indicators[i]
		if !ind.HasLevel(kov.LevelMunicipality) {
			continue
		}
		view.Indicators = append(view.Indicators, annexHead{ID: ind.ID, Name: ind.Name.In(c.lang)})
		for _, f := range c.in.municipal[ind.ID] {
			if byUnit[f.EhakCode] == nil {
				byUnit[f.EhakCode] = map[string]kov.Figure{}
				codes = append(codes, f.EhakCode)
			}
			byUnit[f.EhakCode][ind.ID] = f
			names[f.EhakCode] = f.Name
		}
	}
	sort.Strings(codes)
	for _, code := range codes {
		row := annexRow{Code: code, Name: names[code]}
		for _, h := range view.Indicators {
			ind, _ := c.in.cat.Indicator(h.ID)
			f, ok := byUnit[code][h.ID]
			cell := annexCell{Text: "", Class: "absent"} // no row: not in the indicator's population (III.x)
			switch {
			case !ok:
			case f.Value == nil:
				cell = annexCell{Text: "–", Class: "status-no_data"}
			case ind.MunicipalYesNo() && f.Meets():
				cell = annexCell{Text: "✔", Class: "status-" + string(f.Status)}
			case ind.MunicipalYesNo():
				cell = annexCell{Text: "✘", Class: "status-" + string(f.Status)}
			default:
				cell = annexCell{Text: i18n.Number(c.lang, *f.Value, 1), Class: "status-" + string(f.Status)}
			}
			if ok {
				cell.Title = c.status(f.Status)
			}
			row.Cells = append(row.Cells, cell)
		}
		view.Rows = append(view.Rows, row)
	}
	return view
}

func (c *composer) method(ind *kov.Indicator) methodView {
	view := methodView{ID: ind.ID, Name: ind.Name.In(c.lang), Description: glossary.Explain(ind.Description.In(c.lang), c.lang, c.in.year),
		Source: i18n.T(c.lang, "source."+string(ind.Source)), Denominator: i18n.T(c.lang, "denominator."+string(ind.Denominator))}
	var targets []string
	for _, y := range ind.TargetYears() {
		t, _ := ind.Target(y)
		targets = append(targets, fmt.Sprintf("%d: %s", y, targetPercent(c.lang, t)))
	}
	view.Targets = strings.Join(targets, "; ")
	if b := ind.Baseline; b != nil {
		note := b.Note.In(c.lang)
		if b.Value != nil {
			note = i18n.Percent(c.lang, *b.Value, 1)
		}
		view.Baseline = fmt.Sprintf("%d: %s", b.Year, note)
	}
	return view
}

func (c *composer) data() dataView {
	var view dataView
	var total sourceRow
	for _, s := range c.in.sources {
		view.Sources = append(view.Sources, c.source(c.kindName(s.Kind), s))
		total.Files += s.Files
		total.Rejected += s.Rejected
		total.RowsRead += s.RowsRead
		total.Loaded += s.Loaded
		total.Duplicates += s.Duplicates
		total.QuarantinedRows += s.QuarantinedRows
	}
	view.Total = c.source(i18n.T(c.lang, "common.total"), total)
	for _, s := range c.in.surveys {
		row := surveyView{SurveyID: s.SurveyID, Active: c.count(int64(s.Active)), Responded: c.count(int64(s.Responded)), Rate: "–"}
		if s.Active > 0 {
			row.Rate = i18n.Percent(c.lang, 100*float64(s.Responded)/float64(s.Active), 1)
		}
		view.Surveys = append(view.Surveys, row)
	}
	for _, id := range c.in.cat.IDs() {
		fig := c.in.national[id][c.in.year]
		if fig.Coverage == nil {
			continue
		}
		ind, _ := c.in.cat.Indicator(id)
		view.Coverage = append(view.Coverage, coverageView{ID: id, Name: ind.Name.In(c.lang), Coverage: c.percent(fig.Coverage)})
	}
	return view
}

func (c *composer) source(name string, s sourceRow) sourceView {
	return sourceView{Kind: name, Files: c.count(s.Files), Rejected: c.count(s.Rejected), RowsRead: c.count(s.RowsRead),
		Loaded: c.count(s.Loaded), Duplicates: c.count(s.Duplicates), Quarantined: c.count(s.QuarantinedRows)}
}

// kindName names a kind of file: the measurement sources have their names in the
// texts, the registry kinds get report.kind.*.
func (c *composer) kindName(kind string) string {
	for _, key := range []string{"source." + kind, "report.kind." + kind} {
		if i18n.Has(key) {
			return i18n.T(c.lang, key)
		}
	}
	return kind
}
