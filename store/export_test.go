package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Hooks for the external tests of this package.

// BusyLimit is busyLimit.
const BusyLimit = busyLimit

// ParamsOnEachConnection sets the query parameter p to a different value on each of
// two connections of the embedded engine that s uses, then reads it back on each: what
// each read. Connections that shared one session would read the same.
func ParamsOnEachConnection(s Store) ([2]string, error) {
	var read [2]string
	e, ok := find[*embedded](s)
	if !ok {
		return read, errors.New("not the embedded engine")
	}
	var held [2]*engineConn
	for i := range held {
		c, err := e.take(context.Background())
		if err != nil {
			return read, err
		}
		defer e.give(c)
		held[i] = c
		if err := e.bind(c, Params{"p": fmt.Sprintf("connection %d", i)}); err != nil {
			return read, err
		}
	}
	for i, c := range held {
		out, err := e.run(c, "SELECT {p:String}", "")
		if err != nil {
			return read, err
		}
		read[i] = strings.TrimSpace(string(out))
	}
	return read, nil
}

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
