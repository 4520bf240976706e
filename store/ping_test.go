package store_test

import (
	"context"
	"testing"
	"time"

	"ee/kovmon/store"
	"ee/kovmon/store/storetest"
)

// TestPingAnswersWhileTheEngineIsBusy: a health check does not queue behind long
// statements on every connection (they show the engine works), but a statement that
// has held the engine past busyLimit makes it fail.
func TestPingAnswersWhileTheEngineIsBusy(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	if !store.Embedded(s) {
		t.Skip("the busy rule is the embedded engine's; a server answers pings itself")
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("idle engine: %v", err)
	}
	n := store.EngineConnections()
	done := make(chan error, n)
	for range n {
		go func() { done <- s.Exec(ctx, "SELECT sleep(2)", nil) }()
	}
	for store.EngineBusy() < n {
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping during a statement: %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("Ping waited %s for the statement to end", took)
	}
	for range n {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}

	release := store.HoldEngine(time.Now().Add(-store.BusyLimit - time.Minute))
	err := s.Ping(ctx)
	release()
	if err == nil {
		t.Error("Ping passed while one statement had held the engine past busyLimit")
	}
}

// TestConnectionsKeepTheirOwnParameters: the embedded engine's connections are
// sessions of their own, each with its query parameters (a statement's parameters are
// set on its connection just before it, and two statements run at once).
func TestConnectionsKeepTheirOwnParameters(t *testing.T) {
	s := storetest.New(t)
	if !store.Embedded(s) {
		t.Skip("the embedded engine's connections")
	}
	if n := store.EngineConnections(); n < 2 {
		t.Fatalf("%d connections: the pool needs at least two", n)
	}
	read, err := store.ParamsOnEachConnection(s)
	if err != nil {
		t.Fatal(err)
	}
	if read != [2]string{"connection 0", "connection 1"} {
		t.Errorf("each connection read %q, want its own parameter", read)
	}
}
