// Package cputime reads the CPU time a process has used, for the benchmarks: on a
// machine shared with other work, CPU seconds measure a benchmark's own work better
// than the wall clock does.
package cputime
