package httperr

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"ee/kovmon/i18n"
	"ee/kovmon/kov"
	"ee/kovmon/store"
)

// TestEveryCodeHasItsStatus: each code maps to a status of its own, and an error
// without a code is a 500.
func TestEveryCodeHasItsStatus(t *testing.T) {
	seen := map[int]kov.Code{}
	for _, code := range kov.Codes {
		status, ok := statuses[code]
		if !ok {
			t.Errorf("code %q has no status", code)
			continue
		}
		if other, dup := seen[status]; dup {
			t.Errorf("codes %q and %q both answer %d", code, other, status)
		}
		seen[status] = code
		if got := Status(kov.Errorf(code, "x")); got != status {
			t.Errorf("Status of a %s error: %d, want %d", code, got, status)
		}
	}
	if Status(errors.New("boom")) != http.StatusInternalServerError || Status(nil) != http.StatusOK {
		t.Error("an error without a code is not 500, or nil not 200")
	}
}

// TestStoreOutageIs503: the store's faults of the environment — one ErrUnavailable,
// a shard down — answer 503, saying which shard but not where.
func TestStoreOutageIs503(t *testing.T) {
	down := fmt.Errorf("figures: %w", fmt.Errorf("%w: ClickHouse server 10.0.0.7:9000: connection refused", store.ErrUnavailable))
	if Status(down) != http.StatusServiceUnavailable {
		t.Errorf("a store that does not answer: %d", Status(down))
	}
	if msg := Message(down, i18n.EN); strings.Contains(msg, "10.0.0.7") || msg != i18n.T(i18n.EN, "error.unavailable") {
		t.Errorf("message %q", msg)
	}
	shard := fmt.Errorf("page: %w", &store.ShardsDownError{Cluster: "c", Shards: []int{2}, Hosts: []string{"shard 2 (10.0.0.8:9000)"}, Err: errors.New("refused")})
	if Status(shard) != http.StatusServiceUnavailable {
		t.Errorf("a shard down: %d", Status(shard))
	}
	if msg := Message(shard, i18n.EN); !strings.Contains(msg, "Shard 2 of") || strings.Contains(msg, "10.0.0.8") {
		t.Errorf("shard message %q", msg)
	}
	if msg := Message(errors.New("SELECT x FROM secret"), i18n.ET); msg != i18n.T(i18n.ET, "error.internal") {
		t.Errorf("an internal error says %q", msg)
	}
}
