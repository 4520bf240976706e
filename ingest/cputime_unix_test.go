//go:build unix

package ingest

import "syscall"

// processCPUSeconds is the user+system CPU time of the test process: on a
// shared machine it measures a benchmark's work better than the wall clock.
func processCPUSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
