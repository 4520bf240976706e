package demo

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// randomDay is a weekday of the year between the given months, inclusive.
func randomWeekday(rng *rand.Rand, year int, first, last time.Month) day {
	from, to := dayOf(year, first, 1), dayOf(year, last+1, 1)
	for {
		d := from + day(rng.IntN(int(to-from)))
		if wd := d.date().Weekday(); wd != time.Saturday && wd != time.Sunday {
			return d
		}
	}
}

// Audits per year as a share of the territories, and the share of them in
// which the ICT infrastructure was put in order with the association: the
// consultations start in earnest after the reform (II.1).
var (
	auditsPerTerritory = [...]float64{0.15, 0.19, 0.28, 0.32, 0.35, 0.38}
	infraConsulted     = [...]float64{0.20, 0.40, 0.85, 0.90, 0.90, 0.92}
)

func (w *world) writeAudits() ([]File, error) {
	// A spreadsheet export: semicolons and a byte-order mark.
	tab, err := createTable(w.path("audits.csv"), ';', true,
		"audit_id", "audit_date", "ehak_code", "iske_level", "result", "findings_total", "findings_open", "infra_consulted")
	if err != nil {
		return nil, err
	}
	lastAudit := map[string]int{}
	for year := FirstYear; year <= LastYear; year++ {
		rng := w.rng("audits", year, 0)
		n := max(1, int(math.Round(auditsPerTerritory[year-FirstYear]*float64(len(w.terrs)))))
		var dates []day
		for range n {
			dates = append(dates, randomWeekday(rng, year, time.February, time.December))
		}
		sortDays(dates)
		for k, d := range dates {
			active := w.reg.activeOn(d)
			// Prefer a municipality not audited in the last three years.
			u := active[rng.IntN(len(active))]
			for try := 0; try < 5 && lastAudit[u.code] != 0 && year-lastAudit[u.code] < 3; try++ {
				u = active[rng.IntN(len(active))]
			}
			lastAudit[u.code] = year
			level := []string{"L", "M", "H"}[pick(rng, cumulative([]float64{0.5, 0.4, 0.1}))]
			var result string
			var total int
			switch pick(rng, cumulative([]float64{0.4, 0.5, 0.1})) {
			case 0:
				result, total = "passed", rng.IntN(6)
			case 1:
				result, total = "remarks", 3+rng.IntN(18)
			default:
				result, total = "failed", 10+rng.IntN(31)
			}
			open := 0
			if total > 0 {
				open = rng.IntN(total + 1)
			}
			consulted := rng.Float64() < infraConsulted[year-FirstYear]
			tab.str(fmt.Sprintf("A%d-%03d", year, k+1))
			tab.str(d.String())
			tab.str(u.code)
			tab.str(level)
			tab.str(result)
			tab.int(int64(total))
			tab.int(int64(open))
			tab.str(spellBool(consulted, rng.IntN(len(boolSpellings))))
			tab.end()
		}
	}
	valid := w.terrs[0].final.code
	writeBadRows(tab, 0, [][]string{
		{"AX-1", "2019-04-10", valid, "M", "remarks", "3", "5", "jah"},
		{"AX-2", "2019-04-31", valid, "L", "passed", "0", "0", "ei"},
		{"AX-3", "2020-09-15", "9999", "H", "failed", "12", "4", "true"},
	})
	f, err := tab.close("audits")
	return []File{f}, err
}

func sortDays(ds []day) {
	for i := 1; i < len(ds); i++ {
		for j := i; j > 0 && ds[j] < ds[j-1]; j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
}

// The designed path of each survey question: the share of respondents
// answering yes (or done / in progress, or 4–5) per year from 2016.
var (
	surveyYes = map[string][6]float64{
		"network_standard":               {0.25, 0.35, 0.55, 0.62, 0.70, 0.76},
		"security_policy":                {0.30, 0.42, 0.60, 0.68, 0.74, 0.80},
		"asset_register":                 {0.18, 0.30, 0.52, 0.60, 0.66, 0.72},
		"eservices_unified":              {0, 0.10, 0.45, 0.62, 0.74, 0.82},
		"cloud_backup":                   {0.20, 0.30, 0.45, 0.55, 0.65, 0.75},
		"competence_centre_satisfaction": {0.45, 0.52, 0.62, 0.66, 0.70, 0.72},
	}
	lanDone       = [6]float64{0, 0.05, 0.22, 0.42, 0.58, 0.68}
	lanInProgress = [6]float64{0, 0.30, 0.38, 0.32, 0.25, 0.20}
	nonResponse   = [6]float64{0.20, 0.15, 0.12, 0.12, 0.15, 0.13}
	// The order in which a respondent answers; the merger questions are
	// put only to merged municipalities.
	surveyQuestions = []string{"network_standard", "security_policy", "asset_register", "eservices_unified", "lan_rebuild",
		"competence_centre_satisfaction", "it_staff_fte", "cloud_backup"}
	yesNoSpellings = [][2]string{{"jah", "ei"}, {"Jah", "Ei"}, {"YES", "NO"}, {"yes", "no"}, {"Yes", "No"}}
)

func (w *world) writeSurvey() ([]File, error) {
	tab, err := createTable(w.path("survey.csv"), ',', false,
		"survey_id", "year", "ehak_code", "respondent_id", "submitted_at", "question_id", "answer")
	if err != nil {
		return nil, err
	}
	var stamp []byte
	for year := FirstYear; year <= LastYear; year++ {
		rng := w.rng("survey", year, 0)
		yi := year - FirstYear
		surveyID := fmt.Sprintf("kov-ikt-%d", year)
		yearEnd := dayOf(year, 12, 31)
		active := w.reg.activeOn(yearEnd)
		standing := w.surveyStanding(active, yearEnd)
		for _, u := range active {
			if rng.Float64() < nonResponse[yi] {
				continue
			}
			merged := w.reg.mergedBy(u.code, yearEnd)
			code := u.code
			// A respondent in a merged municipality who still fills the
			// old parish's code in: the engine attributes it.
			if preds := w.reg.majorityPredecessors(u.code); (year == 2017 || year == 2018) && len(preds) > 0 && rng.Float64() < 0.06 {
				code = preds[rng.IntN(len(preds))]
			}
			answers := 1
			if rng.Float64() < 0.06 {
				answers = 2 // answered again later; the later answer counts
			}
			submitted := randomWeekday(rng, year, time.November, time.November).date().Add(time.Duration(8*3600+rng.IntN(10*3600)) * time.Second)
			for a := 1; a <= answers; a++ {
				if a > 1 {
					submitted = submitted.Add(time.Duration(1+rng.IntN(20)) * 24 * time.Hour)
				}
				// Wall clock in Tallinn, as the survey tool shows it.
				at := time.Date(submitted.Year(), submitted.Month(), submitted.Day(), submitted.Hour(), submitted.Minute(), submitted.Second(), 0, tallinn)
				stamp = appendTime(stamp[:0], at, timeStyle(rng.IntN(2)))
				spelling := yesNoSpellings[rng.IntN(len(yesNoSpellings))]
				respondent := fmt.Sprintf("R%d-%s-%d", year, code, a)
				for qi, q := range surveyQuestions {
					if (q == "eservices_unified" || q == "lan_rebuild") && !merged {
						continue
					}
					if rng.Float64() < 0.03 {
						continue // skipped the question
					}
					answer := surveyAnswer(rng, u, q, standing[u.code][qi], yi, spelling)
					tab.str(surveyID)
					tab.int(int64(year))
					tab.str(code)
					tab.str(respondent)
					tab.raw(stamp)
					tab.str(q)
					tab.str(answer)
					tab.end()
				}
			}
		}
	}
	valid := w.terrs[0].final.code
	writeBadRows(tab, 3, [][]string{
		{"kov-ikt-2018", "2018", "9999", "RX-1", "2018-11-20 10:00:00", "network_standard", "jah"},
		{"kov-ikt-2019", "2019", valid, "RX-2", "2019-11-31 10:00:00", "security_policy", "ei"},
		{"kov-ikt-2020", "kakskümmend", valid, "RX-3", "2020-11-20T10:00:00+02:00", "asset_register", "yes"},
	})
	f, err := tab.close("survey")
	return []File{f}, err
}

// surveyStanding gives each municipality its place, between 0 and 1, per
// question: its rank among the municipalities asked, by a draw of its own
// that does not change from year to year. Answers follow the standing, so
// a municipality that has a security policy keeps it, and ranks (not raw
// draws) make the designed shares hold even among 79 municipalities.
func (w *world) surveyStanding(units []*unit, yearEnd day) map[string][]float64 {
	out := map[string][]float64{}
	for _, u := range units {
		out[u.code] = make([]float64, len(surveyQuestions))
	}
	for qi, q := range surveyQuestions {
		type drawn struct {
			code string
			draw float64
		}
		var asked []drawn
		for _, u := range units {
			if (q == "eservices_unified" || q == "lan_rebuild") && !w.reg.mergedBy(u.code, yearEnd) {
				continue
			}
			n, _ := strconv.Atoi(u.code)
			asked = append(asked, drawn{u.code, w.rng("survey-standing", n, qi).Float64()})
		}
		slices.SortFunc(asked, func(a, b drawn) int { return cmp.Compare(a.draw, b.draw) })
		for rank, d := range asked {
			out[d.code][qi] = (float64(rank) + 0.5) / float64(len(asked))
		}
	}
	return out
}

// surveyAnswer answers question q for unit u, given its standing.
func surveyAnswer(rng *rand.Rand, u *unit, q string, standing float64, yi int, spelling [2]string) string {
	noisy := func(yes bool) bool { return yes != (rng.Float64() < 0.04) }
	switch q {
	case "lan_rebuild":
		switch {
		case standing < lanDone[yi]:
			return "done"
		case standing < lanDone[yi]+lanInProgress[yi]:
			return "in_progress"
		}
		return "not_started"
	case "competence_centre_satisfaction":
		if noisy(standing < surveyYes[q][yi]) {
			return strconv.Itoa(4 + rng.IntN(2))
		}
		return strconv.Itoa(1 + pick(rng, dissatisfiedScores))
	case "it_staff_fte":
		fte := math.Max(0.2, float64(u.population)/5000*(0.5+rng.Float64()))
		return strconv.FormatFloat(math.Round(fte*10)/10, 'f', 1, 64)
	}
	if noisy(standing < surveyYes[q][yi]) {
		return spelling[0]
	}
	return spelling[1]
}

// majorityPredecessors are the codes merged into code whose rows the engine
// attributes to it (it took the largest share of their area).
func (r *registry) majorityPredecessors(code string) []string {
	var out []string
	for _, m := range r.mergers {
		if m.newCode != code || m.oldCode == code {
			continue
		}
		best := true
		for _, o := range r.mergers {
			if o.oldCode == m.oldCode && o.share > m.share {
				best = false
			}
		}
		if best {
			out = append(out, m.oldCode)
		}
	}
	return out
}

// Share of municipalities that take part in some training during the year
// (IV.2): most of them by 2018.
var trainingShare = [6]float64{0.35, 0.55, 0.78, 0.80, 0.82, 0.85}

const trainingEventsPerYear = 12

func (w *world) writeTrainings() ([]File, error) {
	tab, err := createTable(w.path("trainings.csv"), ',', false,
		"event_id", "event_date", "ehak_code", "kind", "participants")
	if err != nil {
		return nil, err
	}
	kinds := []string{"training", "consultation", "seminar"}
	kindWeights := cumulative([]float64{0.5, 0.3, 0.2})
	for year := FirstYear; year <= LastYear; year++ {
		rng := w.rng("trainings", year, 0)
		perEvent := 1 - math.Pow(1-trainingShare[year-FirstYear], 1.0/trainingEventsPerYear)
		var dates []day
		for range trainingEventsPerYear {
			dates = append(dates, randomWeekday(rng, year, time.January, time.November))
		}
		sortDays(dates)
		for k, d := range dates {
			id := fmt.Sprintf("T%d-%02d", year, k+1)
			kind := kinds[pick(rng, kindWeights)]
			for _, u := range w.reg.activeOn(d) {
				if rng.Float64() >= perEvent {
					continue
				}
				participants := 1 + rng.IntN(3) + int(math.Log10(float64(max(u.population, 1))))
				tab.str(id)
				tab.str(d.String())
				tab.str(u.code)
				tab.str(kind)
				tab.int(int64(participants))
				tab.end()
			}
		}
	}
	valid := w.terrs[0].final.code
	writeBadRows(tab, 0, [][]string{
		{"TX-1", "2018-05-15", valid, "training", "0"},
		{"TX-2", "2018-05-15", "9999", "seminar", "3"},
		{"TX-3", "2019-06-31", valid, "consultation", "2"},
	})
	f, err := tab.close("trainings")
	return []File{f}, err
}

// Share of the organisation's yearly goals achieved (IV.1a).
var goalsAchieved = [6]float64{0.50, 0.60, 0.73, 0.76, 0.80, 0.82}

type orgGoal struct {
	Year        any    `json:"year"`
	GoalID      string `json:"goal_id"`
	Description string `json:"description"`
	Achieved    any    `json:"achieved"`
}

func (w *world) writeOrgGoals() ([]File, error) {
	out, err := createJSONLines(w.path("org_goals.jsonl"))
	if err != nil {
		return nil, err
	}
	for year := FirstYear; year <= LastYear; year++ {
		rng := w.rng("org_goals", year, 0)
		order := rng.Perm(len(goalDescriptions))
		goals := 8 + rng.IntN(5)
		// With a dozen goals a year, a coin per goal would bury the
		// design in noise: the achieved count is the designed share.
		achieved := int(math.Round(goalsAchieved[year-FirstYear] * float64(goals)))
		which := rng.Perm(goals)
		for k := range goals {
			goal := orgGoal{Year: year, GoalID: fmt.Sprintf("G%02d", k+1), Description: goalDescriptions[order[k]],
				Achieved: which[k] < achieved}
			if err := out.write(goal); err != nil {
				return nil, err
			}
		}
	}
	for _, bad := range []orgGoal{
		{Year: 2019, GoalID: "", Description: "Eesmärk ilma tunnuseta", Achieved: true},
		{Year: 2020, GoalID: "GX1", Description: "Täitmine teadmata", Achieved: "võib-olla"},
	} {
		if err := out.write(bad); err != nil {
			return nil, err
		}
	}
	f, err := out.close("org_goals")
	return []File{f}, err
}
