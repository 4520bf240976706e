package metrics

import (
	"sort"

	"ee/kovmon/kov"
)

// Pool returns the series of an indicator for a group of municipalities, made the way
// the national figure is made from all of them (spec/indicators.md): the numerators
// summed over the sums of the denominators, where for the shares of municipalities a
// member without data counts as not meeting the condition (the denominator is the
// number of members), except for a denominator of respondents, which counts those who
// answered. A year in which the national figure has no data (the source has no row at
// all) is no data for the group too. The statuses are judged over the group's own
// series, like any unit's. members holds the group's municipal figures by year;
// national is the indicator's national series, which says which years there are.
func Pool(ind *kov.Indicator, national []kov.Figure, members map[int][]kov.Figure, code, name string) []kov.Figure {
	out := make([]kov.Figure, 0, len(national))
	for _, nat := range national {
		fig := kov.Figure{IndicatorID: ind.ID, Year: nat.Year, Level: kov.LevelGroup, EhakCode: code, Name: name}
		withData, count := int64(0), int64(len(members[nat.Year]))
		for _, m := range members[nat.Year] {
			fig.Numerator += m.Numerator
			fig.Denominator += m.Denominator
			if m.Denominator > 0 {
				withData++
			}
		}
		sourceHasRows := nat.Denominator > 0
		if !sourceHasRows {
			fig.Numerator, fig.Denominator = 0, 0
		} else {
			poolShares(ind, &fig, withData, count)
		}
		out = append(out, finish(fig, ind, nat.Year))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Year < out[j].Year })
	judge(out, ind)
	return out
}
