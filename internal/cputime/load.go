package cputime

import (
	"os"
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
