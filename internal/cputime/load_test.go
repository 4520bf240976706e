package cputime

import "testing"

func TestQuiet(t *testing.T) {
	for load, want := range map[string]bool{
		"0.42 0.51 0.60": true,
		"0.99 3.00 3.00": true, // the 1-minute figure decides
		"1.00 0.10 0.10": false,
		"2.5 0.1 0.1":    false,
		"unknown":        false,
		"":               false,
	} {
		if got := Quiet(load); got != want {
			t.Errorf("Quiet(%q) = %v, want %v", load, got, want)
		}
	}
}

// recorder keeps what Judge reported.
type recorder struct{ errors, logs int }

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.errors++ }
func (r *recorder) Logf(string, ...any)   { r.logs++ }

func TestJudgeFailsOnlyAQuietMiss(t *testing.T) {
	var quiet, busy recorder
	Judge(&quiet, "0.30 0.20 0.10", "missed by %d", 1)
	Judge(&busy, "1.30 0.20 0.10", "missed by %d", 1)
	if quiet != (recorder{errors: 1}) || busy != (recorder{logs: 1}) {
		t.Errorf("quiet machine: %+v, want one error; busy machine: %+v, want one log line", quiet, busy)
	}
}
