package demo

import (
	"fmt"
	"time"
)

var (
	feedbackSystemWeights = cumulative([]float64{0.30, 0.10, 0.10, 0.20, 0.10, 0.05, 0.08, 0.04, 0.03})
	dissatisfiedScores    = cumulative([]float64{0.2, 0.3, 0.5}) // 1, 2, 3
)

func (w *world) writeFeedback() ([]File, error) {
	tab, err := createTable(w.path("feedback.csv"), ',', false,
		"feedback_id", "submitted_at", "ehak_code", "system", "service_code", "score", "comment")
	if err != nil {
		return nil, err
	}
	var stamp []byte
	for year := FirstYear; year <= LastYear; year++ {
		rng := w.rng("feedback", year, 0)
		expected := w.feedbackExp[year-FirstYear]
		terrWeights := cumulative(expected)
		var total float64
		for _, n := range expected {
			total += n
		}
		codes := &codePicker{w: w, staleShare: staleCodeRate}
		var seq int
		err := timeline(rng, year, time.January, time.December, total, 0, func(d day, t time.Time, _ bool) error {
			seq++
			terr := pick(rng, terrWeights)
			u := codes.pick(rng, d, terr)
			sys := pick(rng, feedbackSystemWeights)
			satisfied := w.satisfiedShare(terr, u.code, year)
			if !centralSystems[systems[sys]] {
				satisfied -= 0.05
			}
			var score int64
			if rng.Float64() < satisfied {
				score = 4 + int64(rng.IntN(2))
			} else {
				score = 1 + int64(pick(rng, dissatisfiedScores))
			}
			service := ""
			if rng.Float64() < 0.75 {
				service = servicePool[servicesBySystem[sys][rng.IntN(len(servicesBySystem[sys]))]].code
			}
			comment := ""
			if rng.Float64() < 0.15 {
				if score >= 4 {
					comment = positiveComments[rng.IntN(len(positiveComments))]
				} else {
					comment = negativeComments[rng.IntN(len(negativeComments))]
				}
			}
			tab.str(fmt.Sprintf("f%d-%06d", year, seq))
			stamp = appendTime(stamp[:0], t, timeStyle(rng.IntN(3)))
			tab.raw(stamp)
			tab.str(u.code)
			tab.str(systems[sys])
			tab.str(service)
			tab.int(score)
			tab.str(comment)
			tab.end()
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	// Rows the ingest must quarantine: a score off the scale, a code of no
	// municipality, a timestamp that is no time.
	valid := w.terrs[0].final.code
	bad := [][]string{
		{"fx-1", "2018-05-04T10:00:00+03:00", valid, "KOVTP", "S045", "7", "Parim!"},
		{"fx-2", "2019-05-04 10:00:00", valid, "VOLIS", "", "0", ""},
		{"fx-3", "2020-03-03 12:00:00", "9999", "KOVMEN", "S015", "4", ""},
		{"fx-4", "2018-13-01T10:00:00+02:00", valid, "RPIS", "", "5", ""},
	}
	writeBadRows(tab, 0, bad)
	f, err := tab.close("feedback")
	return []File{f}, err
}

// writeBadRows writes about one deliberately bad row per thousand (at least
// the given examples once each), cycling through the examples and making
// each key (the keyCol column) unique.
func writeBadRows(tab *table, keyCol int, examples [][]string) {
	n := max(int64(len(examples)), tab.rows/1000)
	for i := range n {
		for col, v := range examples[i%int64(len(examples))] {
			if col == keyCol && i >= int64(len(examples)) {
				v = fmt.Sprintf("%s-%d", v, i)
			}
			tab.str(v)
		}
		tab.end()
	}
}
