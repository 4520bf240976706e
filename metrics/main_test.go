package metrics_test

import (
	"os"
	"testing"

	"ee/kovmon/store/storetest"
)

// The indicator scripts run on a real server and cluster too, which this test binary
// starts (storetest.Main).
func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }
