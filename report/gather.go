package report

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"ee/kovmon/ingest"
	"ee/kovmon/kov"
	"ee/kovmon/ledger"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/registry"
	"ee/kovmon/store"
)

// input is everything the report says, read from the store before a word is written.
type input struct {
	cat     *catalogue.Catalogue
	year    int
	date    time.Time
	refresh metrics.Refresh
	// national[indicator][year] is the national figure.
	national map[string]map[int]kov.Figure
	// municipal[indicator] is the municipal figures of the report year, by code.
	municipal map[string][]kov.Figure
	// lastYear[indicator] is the last year in which its national figure has a value.
	lastYear  map[string]int
	forecasts map[string][]metrics.ForecastRow // national forecasts by indicator
	sources   []sourceRow
	surveys   []surveyRow
}

// sourceRow sums the ingest ledger for one kind of file.
type sourceRow struct {
	Kind                                          string
	Files, Rejected                               int64
	RowsRead, Loaded, Duplicates, QuarantinedRows int64
}

// surveyRow is the response to one survey of the report year.
type surveyRow struct {
	SurveyID          string
	Active, Responded int
}

// ledgerLimit bounds the ledger read for the data section; a ledger is one row per
// file, so this is far above any real one.
const ledgerLimit = 1_000_000

func gather(ctx context.Context, opts Options) (*input, error) {
	refresh, ok, err := metrics.LatestRefresh(ctx, opts.Store)
	if err != nil {
		return nil, fmt.Errorf("report: read the latest refresh: %w", err)
	}
	if !ok {
		return nil, &NoDataError{Year: opts.Year}
	}
	figures, err := metrics.Figures(ctx, opts.Store, opts.Catalogue, metrics.Filter{})
	if err != nil {
		return nil, fmt.Errorf("report: read figures: %w", err)
	}
	years := kov.YearsWithValue(figures)
	if !slices.Contains(years, opts.Year) {
		return nil, &NoDataError{Year: opts.Year, HaveData: years}
	}
	in := &input{cat: opts.Catalogue, year: opts.Year, refresh: refresh,
		national: map[string]map[int]kov.Figure{}, municipal: map[string][]kov.Figure{},
		lastYear: map[string]int{}, forecasts: map[string][]metrics.ForecastRow{}}
	in.date, err = reportDate(opts.Now, refresh)
	if err != nil {
		return nil, err
	}
	for _, f := range figures {
		switch {
		case f.Level == kov.LevelNational:
			if in.national[f.IndicatorID] == nil {
				in.national[f.IndicatorID] = map[int]kov.Figure{}
			}
			in.national[f.IndicatorID][f.Year] = f
			if f.Value != nil && f.Year > in.lastYear[f.IndicatorID] {
				in.lastYear[f.IndicatorID] = f.Year
			}
		case f.Year == opts.Year:
			in.municipal[f.IndicatorID] = append(in.municipal[f.IndicatorID], f)
		}
	}
	for _, list := range in.municipal {
		sort.SliceStable(list, func(i, j int) bool { return list[i].EhakCode < list[j].EhakCode })
	}
	forecasts, err := metrics.Forecasts(ctx, opts.Store, kov.BoundariesAsOf, "", kov.NationalCode)
	if err != nil {
		return nil, fmt.Errorf("report: read forecasts: %w", err)
	}
	for _, f := range forecasts {
		if f.Level == kov.LevelNational {
			in.forecasts[f.IndicatorID] = append(in.forecasts[f.IndicatorID], f)
		}
	}
	if in.sources, err = readSources(ctx, opts.Store); err != nil {
		return nil, err
	}
	if in.surveys, err = readSurveys(ctx, opts.Store, opts.Year); err != nil {
		return nil, err
	}
	return in, nil
}

// reportDate is the title page's date: the caller's clock if given, else the day the
// refresh finished (Tallinn time, as every date of the strategy).
func reportDate(now func() time.Time, r metrics.Refresh) (time.Time, error) {
	if now != nil {
		return now(), nil
	}
	t, err := time.Parse(time.DateTime, r.Finished)
	if err != nil {
		return time.Time{}, fmt.Errorf("report: refresh %s finished at %q: %w", r.ID, r.Finished, err)
	}
	if tallinn, err := time.LoadLocation("Europe/Tallinn"); err == nil {
		t = t.In(tallinn)
	}
	return t, nil
}

// readSources sums the ingest ledger per kind of file.
func readSources(ctx context.Context, s store.Store) ([]sourceRow, error) {
	files, err := ledger.Files(ctx, s, ledgerLimit)
	if err != nil {
		return nil, fmt.Errorf("report: read the ingest ledger: %w", err)
	}
	byKind := map[string]*sourceRow{}
	for _, f := range files {
		row := byKind[f.Kind]
		if row == nil {
			row = &sourceRow{Kind: f.Kind}
			byKind[f.Kind] = row
		}
		row.Files++
		if f.Status == "rejected" {
			row.Rejected++
		}
		row.RowsRead += f.RowsRead
		row.Loaded += f.Loaded
		row.Duplicates += f.Duplicates
		row.QuarantinedRows += f.Quarantined
	}
	order := map[string]int{}
	for i, k := range ingest.AllKindNames() {
		order[k] = i + 1
	}
	out := make([]sourceRow, 0, len(byKind))
	for _, row := range byKind {
		out = append(out, *row)
	}
	sort.Slice(out, func(i, j int) bool {
		if order[out[i].Kind] != order[out[j].Kind] {
			return order[out[i].Kind] < order[out[j].Kind]
		}
		return out[i].Kind < out[j].Kind
	})
	return out, nil
}

// readSurveys counts, per survey of the year, the year's active municipalities that
// answered, after attributing the recorded codes to them (spec: attribution first).
func readSurveys(ctx context.Context, s store.Store, year int) ([]surveyRow, error) {
	answered, err := store.Select[struct {
		SurveyID string `ch:"survey_id"`
		EhakCode string `ch:"ehak_code"`
	}](ctx, s, "report.SurveyRespondents", store.Params{"year": year})
	if err != nil {
		return nil, fmt.Errorf("report: read survey answers: %w", err)
	}
	if len(answered) == 0 {
		return nil, nil
	}
	reg, err := registry.Load(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	end := kov.YearEnd(year)
	active := len(reg.ActiveOn(end))
	responded := map[string]map[string]bool{}
	var ids []string
	for _, r := range answered {
		id := r.SurveyID
		if responded[id] == nil {
			responded[id] = map[string]bool{}
			ids = append(ids, id)
		}
		if unit, ok := reg.SuccessorOn(r.EhakCode, end); ok {
			responded[id][unit] = true
		}
	}
	out := make([]surveyRow, 0, len(ids))
	for _, id := range ids {
		out = append(out, surveyRow{SurveyID: id, Active: active, Responded: len(responded[id])})
	}
	return out, nil
}
