package metrics

import "ee/kovmon/kov"

// For the benchmark's statement timer (bench_test.go), which names what it times.
var (
	DefinitionQuery = func(ind *kov.Indicator) string { return definitionQuery(ind, true) } // the benchmarks' engine
	YearsQuery      = yearsQuery
)

// ReportedYears are the years reported that Inputs found.
func ReportedYears(in *inputs) []int { return in.years }
