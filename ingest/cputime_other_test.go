//go:build !unix

package ingest

// processCPUSeconds is unknown here; benchmarks then report wall-clock figures only.
func processCPUSeconds() float64 { return 0 }
