package store

import "time"

// Hooks for the external tests of this package.

// BusyLimit is busyLimit.
const BusyLimit = busyLimit

// EngineBusy reports whether a statement holds the embedded engine.
func EngineBusy() bool { return engineBusySince.Load() != 0 }

// HoldEngine takes the embedded engine as if a statement had begun at since, until
// release.
func HoldEngine(since time.Time) (release func()) {
	engineMu.Lock()
	engineBusySince.Store(since.UnixNano())
	return func() {
		engineBusySince.Store(0)
		engineMu.Unlock()
	}
}
