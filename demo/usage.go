package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

var (
	events       = []string{"view", "start", "submit", "decision", "notification"}
	eventWeights = cumulative([]float64{0.40, 0.18, 0.22, 0.10, 0.10})

	// Channel mixes per event, given whether the act went paperless.
	paperlessChannels = []string{"web", "portal", "email", "xroad"}
	paperChannels     = []string{"paper", "office", "phone"}
	webMix            = map[string][]float64{
		"view": cumulative([]float64{0.7, 0.3, 0, 0}), "start": cumulative([]float64{0.6, 0.4, 0, 0}),
		"submit": cumulative([]float64{0.5, 0.3, 0.15, 0.05}), "decision": cumulative([]float64{0, 0.3, 0.4, 0.3}),
		"notification": cumulative([]float64{0, 0.2, 0.5, 0.3}),
	}
	paperMix = map[string][]float64{
		"view": cumulative([]float64{0, 0.6, 0.4}), "start": cumulative([]float64{0, 0.6, 0.4}),
		"submit": cumulative([]float64{0.4, 0.45, 0.15}), "decision": cumulative([]float64{0.85, 0.15, 0}),
		"notification": cumulative([]float64{0.7, 0, 0.3}),
	}
)

// Rates of the rows that are wrong on purpose.
const (
	badRowRate       = 0.001
	duplicateRowRate = 0.00005
	staleCodeRate    = 0.02
)

var usageHeader = []string{"event_id", "event_time", "ehak_code", "system", "service_code", "channel", "event", "session_id", "user_hash", "duration_ms"}

// writeUsage writes one part of a year's usage log, in time order.
func (w *world) writeUsage(year, part int) ([]File, error) {
	name := fmt.Sprintf("usage_%d.csv", year)
	first, last := time.January, time.December
	if parts := w.sc.usageParts; parts > 1 {
		name = fmt.Sprintf("usage_%d_%d.csv", year, part+1)
		first = time.Month(1 + part*12/parts)
		last = time.Month((part + 1) * 12 / parts)
	}
	tab, err := createTable(w.path(name), ',', false, usageHeader...)
	if err != nil {
		return nil, err
	}
	rng := w.rng("usage", year, part)
	expected := w.usageExpected[year-FirstYear]
	terrWeights := cumulative(expected)
	var total float64
	for _, n := range expected {
		total += n
	}
	midnight := 0
	if part == 0 {
		midnight = w.sc.midnightEvents
	}
	codes := &codePicker{w: w, staleShare: staleCodeRate}
	idPrefix := fmt.Appendf(nil, "u%d-%d-", year, part+1)
	var seq int64
	var scratch, stamp, hex []byte
	id := func(prefix []byte) []byte {
		seq++
		scratch = append(scratch[:0], prefix...)
		return appendPadded(scratch, seq, 8)
	}

	err = timeline(rng, year, first, last, total, midnight, func(d day, t time.Time, forceUTC bool) error {
		if rng.Float64() < badRowRate {
			w.badUsageRow(tab, rng, id(append(idPrefix[:len(idPrefix):len(idPrefix)], 'x')), year, t)
		}
		terr := pick(rng, terrWeights)
		u := codes.pick(rng, d, terr)
		sys := pick(rng, systemWeights)
		service := servicePool[servicesBySystem[sys][rng.IntN(len(servicesBySystem[sys]))]]
		event := events[pick(rng, eventWeights)]
		paperless := w.paperless(terr, u.code, year)
		if event == "view" || event == "start" {
			// Looking a service up was online long before applying was.
			paperless = math.Min(0.97, paperless+0.45)
		}
		style := systemTimeStyle[sys]
		if forceUTC {
			style = styleUTC
		} else if style == styleLocal && (t.Month() == time.March || t.Month() == time.October) && ambiguousLocal(t) {
			style = styleOffset
		}

		tab.raw(id(idPrefix))
		stamp = appendTime(stamp[:0], t, style)
		tab.raw(stamp)
		tab.str(u.code)
		tab.str(systems[sys])
		tab.str(service.code)
		if rng.Float64() < paperless {
			tab.str(paperlessChannels[pick(rng, webMix[event])])
			tab.str(event)
			hex = appendHex(append(hex[:0], 's'), rng.Uint64(), 12)
			tab.raw(hex)
			if rng.Float64() < 0.2 {
				tab.str("")
			} else {
				hex = appendHex(hex[:0], w.userHash(terr, rng.IntN(int(expected[terr])+1)), 16)
				tab.raw(hex)
			}
			tab.int(int64(300 + rng.ExpFloat64()*45_000))
		} else {
			tab.str(paperChannels[pick(rng, paperMix[event])])
			tab.str(event)
			tab.str("")
			tab.str("")
			tab.str("")
		}
		if rng.Float64() < duplicateRowRate {
			tab.endTwice() // a log shipped twice: the key makes it count once
		} else {
			tab.end()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	f, err := tab.close("usage")
	return []File{f}, err
}

// badUsageRow writes a row that the ingest must quarantine.
func (w *world) badUsageRow(tab *table, rng *rand.Rand, id []byte, year int, t time.Time) {
	code, when, channel := "9999", appendTime(nil, t, styleOffset), "web"
	switch rng.IntN(3) {
	case 0: // code of no municipality
	case 1:
		code, when = w.terrs[0].final.code, fmt.Appendf(nil, "%d-02-30 25:61:00", year)
	case 2:
		code, channel = w.terrs[0].final.code, "faks"
	}
	tab.raw(id)
	tab.raw(when)
	tab.str(code)
	tab.str("KOVTP")
	tab.str("S045")
	tab.str(channel)
	tab.str("submit")
	tab.str("")
	tab.str("")
	tab.str("")
	tab.end()
}

// userHash is a pseudonymous user key: stable for the same user of the same
// territory, and no personal code of anyone.
func (w *world) userHash(terr, user int) uint64 {
	x := w.seed ^ uint64(terr)<<40 ^ uint64(user)
	// splitmix64 finaliser
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func appendHex(b []byte, x uint64, digits int) []byte {
	const hexDigits = "0123456789abcdef"
	for i := digits - 1; i >= 0; i-- {
		b = append(b, hexDigits[(x>>(4*uint(i)))&0xf])
	}
	return b
}

func appendPadded(b []byte, n int64, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], n, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}
