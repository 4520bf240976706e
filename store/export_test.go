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

// ClusterForText is a cluster store in mode, connected to nothing: for the text of the
// statements it makes.
func ClusterForText(name string, mode ClusterMode) Store {
	return &clusterStore{server: &server{}, name: name, mode: mode}
}

// TableWritten is tableWritten.
var TableWritten = tableWritten
