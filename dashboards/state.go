package dashboards

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"

	"ee/kovmon/i18n"
	"ee/kovmon/metrics"
	"ee/kovmon/registry"
	kovsql "ee/kovmon/sql"
)

// view is the state of a page, read from the URL query. Each field is checked against
// a closed list before anything reads the store with it.
type view struct {
	Lang       string
	Year       int // the year shown; 0 only when there are no figures yet
	Boundaries string
	County     string // a county code of the registry, or ""
	UnitType   string // linn, vald or ""

	Years    []int    // years of the latest refresh
	Counties []county // counties of the registry, by name
	// Account: the header links to the account page (/login: who is signed in,
	// sign out, and for admins the admin page).
	Account bool
	reg     *registry.Registry
}

type county struct{ Code, Name, Label string }

// Query parameter names: part of the links users keep, so stable.
const (
	paramLang       = "lang"
	paramYear       = "year"
	paramBoundaries = "boundaries"
	paramCounty     = "county"
	paramType       = "type"
)

// readView parses and checks the query. yearRequired=false lets "no year" mean every
// year (the extracts); pages default to the latest year.
func (s *server) readView(ctx context.Context, q url.Values, yearRequired bool) (view, error) {
	v := view{Lang: i18n.Default, Boundaries: metrics.BoundariesAsOf, Account: s.account}
	if lang := q.Get(paramLang); lang != "" {
		if !slices.Contains(i18n.Langs(), lang) {
			return v, badRequest("lang must be one of %v, not %q", i18n.Langs(), lang)
		}
		v.Lang = lang
	}
	if b := q.Get(paramBoundaries); b != "" {
		if b != metrics.BoundariesAsOf && b != metrics.BoundariesCurrent {
			return v, badRequest("boundaries must be asof or current, not %q", b)
		}
		v.Boundaries = b
	}
	if t := q.Get(paramType); t != "" {
		if t != "linn" && t != "vald" {
			return v, badRequest("type must be linn or vald, not %q", t)
		}
		v.UnitType = t
	}
	reg, years, err := s.refreshFacts(ctx, v.Boundaries)
	if err != nil {
		return v, err
	}
	v.reg = reg
	v.Counties = counties(reg)
	if c := q.Get(paramCounty); c != "" {
		if !slices.ContainsFunc(v.Counties, func(k county) bool { return k.Code == c }) {
			return v, badRequest("county %q is not a county code of the registry", c)
		}
		v.County = c
	}
	v.Years = years
	if y := q.Get(paramYear); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || !slices.Contains(v.Years, n) {
			return v, badRequest("year must be one of the years with figures %v, not %q", v.Years, y)
		}
		v.Year = n
	} else if yearRequired && len(v.Years) > 0 {
		v.Year = v.Years[len(v.Years)-1]
	}
	return v, nil
}

// years lists the years of the latest refresh.
// refreshFacts returns the registry and the years with figures, read once per refresh:
// every request checks its parameters against them, and a registry change always
// comes with a new refresh (the refresh follows every load).
func (s *server) refreshFacts(ctx context.Context, boundaries string) (*registry.Registry, []int, error) {
	id, err := s.figures.RefreshID(ctx)
	if err != nil {
		return nil, nil, err
	}
	s.factsMu.Lock()
	defer s.factsMu.Unlock()
	if s.facts.refresh != id || s.facts.reg == nil {
		reg, err := registry.Load(ctx, s.store)
		if err != nil {
			return nil, nil, err
		}
		s.facts = refreshFacts{refresh: id, reg: reg, years: map[string][]int{}}
	}
	years, ok := s.facts.years[boundaries]
	if !ok {
		if years, err = s.years(ctx, boundaries); err != nil {
			return nil, nil, err
		}
		s.facts.years[boundaries] = years
	}
	return s.facts.reg, years, nil
}

// refreshFacts is what refreshFacts keeps for one refresh.
type refreshFacts struct {
	refresh string
	reg     *registry.Registry
	years   map[string][]int
}

func (s *server) years(ctx context.Context, boundaries string) ([]int, error) {
	res, err := s.store.Query(ctx, kovsql.Query("dashboards.Years"), map[string]any{"boundaries": boundaries})
	if err != nil {
		return nil, fmt.Errorf("years: %w", err)
	}
	years := make([]int, 0, len(res.Rows))
	for _, r := range res.Rows {
		y, _ := strconv.Atoi(r[0])
		years = append(years, y)
	}
	return years, nil
}

// counties are the registry's counties, sorted by name.
func counties(reg *registry.Registry) []county {
	seen := map[string]string{}
	for _, u := range reg.Units() {
		if u.CountyCode != "" {
			seen[u.CountyCode] = u.CountyName
		}
	}
	out := make([]county, 0, len(seen))
	for code, name := range seen {
		out = append(out, county{Code: code, Name: name})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Code < out[j].Code
	})
	// The reform of 2017 recoded the counties: the old and the new code of a county
	// share its name, so the code tells them apart.
	for i := range out {
		if (i > 0 && out[i-1].Name == out[i].Name) || (i+1 < len(out) && out[i+1].Name == out[i].Name) {
			out[i].Label = out[i].Name + " (" + out[i].Code + ")"
		} else {
			out[i].Label = out[i].Name
		}
	}
	return out
}

// filter is the metrics filter of the view (one year, or every year when Year is 0).
func (v view) filter() metrics.Filter {
	return metrics.Filter{Year: v.Year, Boundaries: v.Boundaries, County: v.County, UnitType: v.UnitType}
}

// values is the view as query parameters, with extra name/value pairs appended
// (an empty value removes the parameter).
func (v view) values(extra ...string) url.Values {
	q := url.Values{}
	q.Set(paramLang, v.Lang)
	if v.Year != 0 {
		q.Set(paramYear, strconv.Itoa(v.Year))
	}
	q.Set(paramBoundaries, v.Boundaries)
	if v.County != "" {
		q.Set(paramCounty, v.County)
	}
	if v.UnitType != "" {
		q.Set(paramType, v.UnitType)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "" {
			q.Del(extra[i])
		} else {
			q.Set(extra[i], extra[i+1])
		}
	}
	return q
}

// link is path with the view's query (and changes to it).
func (v view) link(path string, extra ...string) template.URL {
	return template.URL(path + "?" + v.values(extra...).Encode())
}

// t translates in the view's language.
func (v view) t(key string, args ...any) string { return i18n.T(v.Lang, key, args...) }

// percent formats a value for display (one decimal), or the no-value dash.
func (v view) percent(x *float64) string {
	if x == nil {
		return "–"
	}
	return i18n.Percent(v.Lang, *x, 1)
}

// requestView reads the view of a page request.
func (s *server) requestView(r *http.Request) (view, error) {
	return s.readView(r.Context(), r.URL.Query(), true)
}
