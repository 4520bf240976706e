package cputime

import (
	"os"
	"strconv"
	"strings"
)

// LoadAverage is the machine's load average over 1, 5 and 15 minutes as the kernel
// reports it ("0.42 0.51 0.60"), or "unknown": a timing is only meaningful beside it.
func LoadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// Quiet reports whether a timing taken at load (LoadAverage) is one to judge against a
// target: the 1-minute figure under 1, on a machine of 2 cores. On a busier machine the
// engine's multi-threaded work slows more than a single-threaded one, so ratios shift.
func Quiet(load string) bool {
	first, _, _ := strings.Cut(load, " ")
	v, err := strconv.ParseFloat(first, 64)
	return err == nil && v < 1
}

// Reporter is what Judge needs of a benchmark (testing.TB).
type Reporter interface {
	Helper()
	Errorf(format string, args ...any)
	Logf(format string, args ...any)
}

// Judge reports a missed target: a failure if the machine was quiet as the timing
// began (loadBefore, Quiet), otherwise a line saying it is not judged, and why.
func Judge(r Reporter, loadBefore, format string, args ...any) {
	r.Helper()
	if Quiet(loadBefore) {
		r.Errorf(format, args...)
		return
	}
	r.Logf("not judged, the machine is busy (load average %s): "+format, append([]any{loadBefore}, args...)...)
}
