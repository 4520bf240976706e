// Package cputime reads the CPU time a process has used and the machine's load
// average, for the benchmarks: on a machine shared with other work, CPU seconds
// measure a benchmark's own work better than the wall clock does, and a timing is
// read beside the load it was taken under. It also drops a folder's files from the
// page cache, for a benchmark of a cold read.
package cputime
