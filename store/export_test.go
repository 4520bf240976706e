package store

import "time"

// Hooks for the external tests of this package.

// BusyLimit is busyLimit.
const BusyLimit = busyLimit

// EngineConnections is the embedded engine's number of connections.
func EngineConnections() int { return len(engineConns) }

// EngineBusy is how many connections of the embedded engine run a statement.
func EngineBusy() int {
	busy := 0
	for _, c := range engineConns {
		if c.busySince.Load() != 0 {
			busy++
		}
	}
	return busy
}

// HoldEngine takes every connection of the embedded engine as if a statement had
// begun on each at since, until release.
func HoldEngine(since time.Time) (release func()) {
	var held []*engineConn
	for range engineConns {
		c := <-engineFree
		c.busySince.Store(since.UnixNano())
		held = append(held, c)
	}
	return func() {
		for _, c := range held {
			c.busySince.Store(0)
			engineFree <- c
		}
	}
}

// ClusterForText is a cluster store in mode, connected to nothing: for the text of the
// statements it makes.
func ClusterForText(name string, mode ClusterMode) Store {
	return &clusterStore{server: &server{}, name: name, mode: mode}
}

// TableWritten is tableWritten.
var TableWritten = tableWritten
