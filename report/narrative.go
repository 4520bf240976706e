package report

import (
	"math"
	"strings"

	"ee/kovmon/i18n"
	"ee/kovmon/kov"
)

// The sentences of a goal chapter are written from the figures with the templates of
// i18n/texts.yaml (report.text.*), so that both languages say the same thing and
// every number is formatted for its language.

// namesListed is how many lagging municipalities a sentence names before "and N more".
const namesListed = 5

// narrative writes the paragraph about one indicator in the report year: how the
// figure moved, what it counts, whether the target was met, who lags most and, in the
// last year with data, where the forecast points.
func (c *composer) narrative(ind *kov.Indicator) string {
	lang, year := c.lang, c.in.year
	cur, ok := c.in.national[ind.ID][c.in.year]
	if !ok || cur.Value == nil {
		return i18n.T(lang, "report.text.no_data", year)
	}
	sentences := []string{c.movement(ind.ID, cur)}
	if cur.Denominator > 0 {
		sentences = append(sentences, i18n.T(lang, "report.text.count."+string(ind.Denominator),
			i18n.Number(lang, float64(cur.Numerator), 0), i18n.Number(lang, float64(cur.Denominator), 0)))
	}
	if s := c.targetSentence(ind, cur); s != "" {
		sentences = append(sentences, s)
	}
	sentences = append(sentences, c.laggards(ind, cur)...)
	if s := c.forecastSentence(ind); s != "" {
		sentences = append(sentences, s)
	}
	return strings.Join(sentences, " ")
}

// movement compares the year with the one before.
func (c *composer) movement(id string, cur kov.Figure) string {
	lang, year := c.lang, c.in.year
	value := i18n.Percent(lang, *cur.Value, 1)
	prev, ok := c.in.national[id][year-1]
	if !ok || prev.Value == nil {
		return i18n.T(lang, "report.text.value_first", year, value)
	}
	diff := round1(*cur.Value) - round1(*prev.Value)
	key := "report.text.value_same"
	switch {
	case diff >= 0.05:
		key = "report.text.value_up"
	case diff <= -0.05:
		key = "report.text.value_down"
	}
	return i18n.T(lang, key, year, value, i18n.Number(lang, math.Abs(diff), 1), year-1, i18n.Percent(lang, *prev.Value, 1))
}

// targetSentence judges the year's figure as its status says.
func (c *composer) targetSentence(ind *kov.Indicator, cur kov.Figure) string {
	lang := c.lang
	switch kov.Status(cur.Status) {
	case kov.StatusAchieved, kov.StatusNotAchieved:
		target, ok := ind.Target(c.in.year)
		if cur.Target != nil {
			target, ok = *cur.Target, true
		}
		if !ok {
			return ""
		}
		if cur.Status == kov.StatusAchieved {
			return i18n.T(lang, "report.text.achieved", targetPercent(lang, target))
		}
		return i18n.T(lang, "report.text.not_achieved", targetPercent(lang, target), i18n.Number(lang, target-*cur.Value, 1))
	case kov.StatusOnTrack, kov.StatusOffTrack, kov.StatusBaseline:
		for _, y := range ind.TargetYears() {
			if y > c.in.year {
				t, _ := ind.Target(y)
				return i18n.T(lang, "report.text."+string(cur.Status), y, targetPercent(lang, t))
			}
		}
	case kov.StatusNoTarget:
		return i18n.T(lang, "report.text.no_target")
	}
	return ""
}

// laggards names who lags most: for a share of municipalities, those that do not
// meet the condition; for a rate, the lowest value (small samples left aside when
// there are others) and how many reached the target.
func (c *composer) laggards(ind *kov.Indicator, cur kov.Figure) []string {
	lang := c.lang
	municipal := c.in.municipal[ind.ID]
	if len(municipal) == 0 {
		return nil
	}
	var out []string
	if ind.MunicipalYesNo() {
		var failing []string
		noData := 0
		for _, f := range municipal {
			switch {
			case f.Value == nil:
				noData++
			case !f.Meets():
				failing = append(failing, f.Name)
			}
		}
		if len(failing) > 0 {
			out = append(out, i18n.T(lang, "report.text.failing", c.nameList(failing)))
		}
		if noData > 0 {
			out = append(out, i18n.T(lang, "report.text.municipal_no_data", noData))
		}
		return out
	}
	ranked := sortedByValue(municipal)
	if len(ranked) == 0 {
		return nil
	}
	if cur.Target != nil {
		reached := 0
		for _, f := range ranked {
			if *f.Value >= *cur.Target-kov.Tolerance {
				reached++
			}
		}
		out = append(out, i18n.T(lang, "report.text.reached_target", targetPercent(lang, *cur.Target), reached, len(ranked)))
	}
	lowest := ranked[len(ranked)-1]
	for i := len(ranked) - 1; i >= 0; i-- {
		if !ranked[i].HasFlag("small_n") {
			lowest = ranked[i]
			break
		}
	}
	return append(out, i18n.T(lang, "report.text.lowest", lowest.Name, i18n.Percent(lang, *lowest.Value, 1)))
}

// forecastSentence gives the first projected year, but only in a report on the last
// year with data: a projection made from later years says nothing about an earlier one.
func (c *composer) forecastSentence(ind *kov.Indicator) string {
	if c.in.lastYear[ind.ID] != c.in.year {
		return ""
	}
	lang := c.lang
	for _, f := range c.in.forecasts[ind.ID] {
		if f.Year <= c.in.year {
			continue
		}
		s := i18n.T(lang, "report.text.forecast", f.Year, i18n.Percent(lang, f.Value, 1),
			i18n.Percent(lang, f.Low80, 1), i18n.Percent(lang, f.High80, 1))
		if f.PReach != nil && f.Target != nil {
			s += " " + i18n.T(lang, "report.text.p_reach", targetPercent(lang, *f.Target), i18n.Percent(lang, *f.PReach*100, 0))
		}
		return s
	}
	return ""
}

// nameList joins names, naming at most namesListed of them.
func (c *composer) nameList(names []string) string {
	if len(names) <= namesListed {
		return strings.Join(names, ", ")
	}
	return i18n.T(c.lang, "report.text.and_more", strings.Join(names[:namesListed], ", "), len(names)-namesListed)
}

// targetPercent writes a target as the strategy does, "50 %", and keeps a decimal
// only where a target has one (62,5 %).
func targetPercent(lang string, v float64) string {
	if v == math.Trunc(v) {
		return i18n.Percent(lang, v, 0)
	}
	return i18n.Percent(lang, v, 1)
}
