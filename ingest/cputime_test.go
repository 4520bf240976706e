package ingest

import "ee/kovmon/internal/cputime"

// processCPUSeconds is the user+system CPU time of the test process: on a
// shared machine it measures a benchmark's work better than the wall clock.
func processCPUSeconds() float64 { return cputime.Process() }
