package web

import (
	"os"
	"testing"

	"ee/kovmon/store/storetest"
)

// A test of a store outage runs a ClickHouse server of its own and stops it; this
// test binary starts it (storetest.Main).
func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }
