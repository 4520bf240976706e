package metrics

// For the benchmark's statement timer (bench_test.go), which names what it times.
var (
	DefinitionQuery = definitionQuery
	YearsQuery      = yearsQuery
)

// ReportedYears are the years reported that Inputs found.
func ReportedYears(in *inputs) []int { return in.years }
