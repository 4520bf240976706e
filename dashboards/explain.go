package dashboards

import (
	"html/template"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"ee/kovmon/i18n"
	"ee/kovmon/internal/glossary"
	"ee/kovmon/kov"
	"ee/kovmon/metrics"
)

// The explanation of one figure: every number on the pages links here. It says what
// the figure is (value = numerator / denominator), the rule it follows in the page's
// language, why it has its status, which earlier units' rows count for a merged
// municipality, the query and catalogue version behind it, and — for those who may
// read the ingest ledger — the files and runs its rows came from. A peer group's
// figure is explained by the municipalities it pools.

type explainPage struct {
	pageBase
	Indicator, Unit, Year string
	IndicatorLink         template.URL
	UnitLink              template.URL
	Value, Formula        string
	Badge                 badge
	Why                   string
	Coverage              string
	CI                    string
	Flags                 []flagText
	Rule                  string
	Source, Denominator   string
	DenominatorHelp       string
	Boundaries            string
	Query, Catalogue      string
	Predecessors          []mergerRow
	Provenance            bool // the reader may see the files and runs
	Files                 []fileContribution
	Members               []memberRow
	MembersNote           string
}

type flagText struct{ Name, Help string }

type fileContribution struct {
	File, Run, Rows, Codes, Quarantined string
}

type memberRow struct {
	Name                          string
	Link, Explain                 template.URL
	Value, Numerator, Denominator string
	Badge                         badge
}

// explainCode is an EHAK code, EE or the view's group: nothing else reaches a query.
var explainCode = regexp.MustCompile(`^([0-9]{4}|EE|group)$`)

func (s *server) explain(r *http.Request, v view) (string, any, error) {
	ctx := r.Context()
	ind, ok := s.cat.Indicator(r.PathValue("id"))
	if !ok {
		return "", nil, notFound("error.no_indicator", r.PathValue("id"))
	}
	code := r.PathValue("ehak")
	if !explainCode.MatchString(code) || (len(code) == 4 && !v.reg.Known(code)) {
		return "", nil, notFound("error.no_municipality", code)
	}
	page := explainPage{pageBase: pageBase{V: v, Path: r.URL.Path, Filters: true, Groups: code == groupCode},
		Indicator: ind.ID + " " + ind.Name.In(v.Lang), IndicatorLink: v.link("/indicator/" + ind.ID), Year: strconv.Itoa(v.Year),
		Rule: glossary.Explain(ind.Description.In(v.Lang), v.Lang, v.Year), Source: v.t("source." + string(ind.Source)),
		Denominator: v.t("denominator." + string(ind.Denominator)), DenominatorHelp: v.t("denominator." + string(ind.Denominator) + ".help"),
		Boundaries: v.t("boundaries."+string(v.Boundaries)) + ": " + v.t("boundaries."+string(v.Boundaries)+".help"),
		Query:      ind.DefinitionName(), Provenance: s.provenance(r)}
	var fig kov.Figure
	switch code {
	case groupCode:
		if !v.grouped() || !ind.HasLevel(kov.LevelMunicipality) {
			return "", nil, notFound("error.no_group")
		}
		national, municipal, err := s.allFigures(ctx, v)
		if err != nil {
			return "", nil, err
		}
		members := byIndicator(municipal)[ind.ID]
		series := pool(ind, byIndicator(national)[ind.ID], members, v.inGroup, v.GroupLabel())
		if fig, ok = ofYear(series, v.Year); !ok {
			return "", nil, notFound("error.no_figure", ind.ID, v.GroupLabel(), v.Year)
		}
		page.Unit, page.Catalogue = v.GroupLabel(), s.cat.Version
		page.MembersNote = v.t("explain.pooled_from", v.GroupLabel())
		for _, f := range members {
			if f.Year == v.Year && v.inGroup(f) {
				page.Members = append(page.Members, memberRow{Name: f.Name, Link: v.link("/municipality/" + f.EhakCode),
					Explain: v.explainLink(f), Value: v.percent(f.Value), Numerator: v.count(f.Numerator),
					Denominator: v.count(f.Denominator), Badge: v.badge(f.Status)})
			}
		}
		sort.SliceStable(page.Members, func(i, j int) bool { return i18n.Less(page.Members[i].Name, page.Members[j].Name) })
	default:
		ex, err := metrics.Explain(ctx, s.store, s.cat, ind.ID, v.Year, code, v.Boundaries)
		if kov.ErrorCode(err) == kov.NotFound {
			return "", nil, notFound("error.no_figure", ind.ID, code, v.Year)
		}
		if err != nil {
			return "", nil, err
		}
		fig, page.Catalogue = ex.Figure, ex.Catalogue
		if code == kov.NationalCode {
			page.Unit = v.t("unit.national_name")
			page.MembersNote = v.t("explain.national_members")
			page.UnitLink = v.link("/indicator/" + ind.ID)
		} else {
			page.Unit, page.UnitLink = fig.Name, v.link("/municipality/"+code)
		}
		for _, p := range ex.Predecessors {
			row := mergerRow{Code: p, Name: p, Link: v.link("/municipality/"+p, paramYear, "")}
			if u, ok := v.reg.Latest(p); ok {
				row.Name = u.Name
			}
			page.Predecessors = append(page.Predecessors, row)
		}
		for _, c := range ex.Contributors {
			page.Files = append(page.Files, fileContribution{File: c.FileName, Run: c.RunID, Rows: v.count(c.Rows),
				Codes: strings.Join(c.RecordedCodes, ", "), Quarantined: v.count(c.FileQuarantined)})
		}
	}
	page.Title = v.t("explain.title", ind.ID, page.Unit, v.Year)
	page.Value, page.Badge = v.percent(fig.Value), v.badge(fig.Status)
	page.Formula = v.t("explain.formula", v.count(fig.Numerator), v.count(fig.Denominator))
	if fig.Value == nil {
		page.Formula = v.t("explain.formula_none", v.count(fig.Denominator))
	}
	page.Why = v.why(ind, fig)
	if fig.Coverage != nil {
		page.Coverage = v.percent(fig.Coverage)
	}
	if fig.CILow != nil && fig.CIHigh != nil {
		page.CI = v.percent(fig.CILow) + " – " + v.percent(fig.CIHigh)
	}
	for _, f := range fig.Flags {
		page.Flags = append(page.Flags, flagText{Name: v.t("flag." + string(f)), Help: v.t("flag." + string(f) + ".help")})
	}
	return "explain", page, nil
}

// why says in words how the status was judged (spec/indicators.md, "Status").
func (v view) why(ind *kov.Indicator, f kov.Figure) string {
	years := ind.TargetYears()
	switch kov.Status(f.Status) {
	case kov.StatusNoData:
		return v.t("explain.why.no_data")
	case kov.StatusAchieved, kov.StatusNotAchieved:
		t, _ := ind.Target(f.Year)
		return v.t("explain.why."+string(f.Status), v.percent(f.Value), i18n.Percent(v.Lang, t, 0), f.Year)
	case kov.StatusOnTrack, kov.StatusOffTrack:
		for _, y := range years {
			if y > f.Year {
				t, _ := ind.Target(y)
				return v.t("explain.why."+string(f.Status), v.percent(f.Value), y, i18n.Percent(v.Lang, t, 0))
			}
		}
	case kov.StatusBaseline:
		if len(years) > 0 {
			return v.t("explain.why.baseline", years[0])
		}
	case kov.StatusNoTarget:
		return v.t("explain.why.no_target", f.Year)
	}
	return ""
}
