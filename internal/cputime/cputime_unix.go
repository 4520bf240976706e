//go:build unix

package cputime

import "syscall"

// Process is the user and system CPU time of this process so far, in seconds, every
// thread included (the embedded engine's too); 0 if it cannot be read.
func Process() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
