package app_test

import (
	"context"
	"strings"
	"testing"

	"ee/kovmon/app"
	kovfixture "ee/kovmon/internal/fixture"
	"ee/kovmon/kov"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/store/storetest"
)

// attempt is one audit record of a catalogue change.
type attempt struct{ object, outcome string }

// TestCatalogueSwitchAndTheWriter: a catalogue change is refused while the catalogue
// is pinned and rejected when it does not parse, both without taking the writer's
// turn; a valid one recomputes, is stored as the one in force, and installs a new
// state with the views built on it, and the writer runs AfterWrite; the same again is
// unchanged. Every attempt is recorded. Another service on the same store follows
// the stored catalogue on its refresh.
func TestCatalogueSwitchAndTheWriter(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	kovfixture.RealRegistry(t, s)
	views := func(cat *catalogue.Catalogue, _ *metrics.Reader) string { return "views of " + cat.Version }
	newService := func(pinned string) (*app.Service[string], *int) {
		svc := app.New(app.Options[string]{Store: s, Catalogue: catalogue.Default(), CataloguePinned: pinned, Views: views})
		writes := new(int)
		svc.AfterWrite(func() { *writes++ })
		return svc, writes
	}
	svc, writes := newService("")
	if err := svc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	shipped := svc.State()
	if *writes != 1 || shipped.Views != "views of "+catalogue.Default().Version {
		t.Fatalf("after the first refresh: %d writes, views %q", *writes, shipped.Views)
	}
	var attempts []attempt
	record := func(object, outcome, detail string) { attempts = append(attempts, attempt{object, outcome}) }
	edited := strings.Replace(string(catalogue.Shipped()), "\nversion: \"", "\nversion: \"app-test-", 1)

	pinned, pinnedWrites := newService("/etc/kovmon/catalogue.yaml")
	if _, err := pinned.ChangeCatalogue(ctx, []byte(edited), "adm", record); kov.ErrorCode(err) != kov.Conflict {
		t.Errorf("pinned: %v, want a conflict", err)
	}
	if _, err := svc.ChangeCatalogue(ctx, []byte("indicators: [oops"), "adm", record); kov.ErrorCode(err) != kov.Invalid {
		t.Errorf("broken catalogue: %v, want invalid", err)
	}
	if *writes != 1 || *pinnedWrites != 0 || svc.State() != shipped {
		t.Errorf("a refused or rejected change wrote (%d, %d writes) or switched", *writes, *pinnedWrites)
	}

	change, err := svc.ChangeCatalogue(ctx, []byte(edited), "adm", record)
	if err != nil {
		t.Fatal(err)
	}
	now := svc.State()
	if now == shipped || now.Catalogue.Version != change.Version || !strings.HasPrefix(change.Version, "app-test-") ||
		now.Views != "views of "+change.Version || *writes != 2 {
		t.Errorf("after the change: version %q (change %q), views %q, %d writes", now.Catalogue.Version, change.Version, now.Views, *writes)
	}
	if _, err := svc.ChangeCatalogue(ctx, []byte(edited), "adm", record); err != nil || svc.State() != now {
		t.Errorf("the same catalogue again: %v, switched: %v", err, svc.State() != now)
	}
	var outcomes []string
	for _, a := range attempts {
		outcomes = append(outcomes, a.outcome)
	}
	if got := strings.Join(outcomes, " "); got != "refused rejected ok unchanged" {
		t.Errorf("recorded %q", got)
	}

	follower, _ := newService("")
	if err := follower.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got := follower.Catalogue().Version; got != change.Version {
		t.Errorf("a second service on the store serves catalogue %q, want the stored %q", got, change.Version)
	}
	if _, err := follower.RunInbox(ctx, nil); kov.ErrorCode(err) != kov.NotFound {
		t.Errorf("RunInbox without an inbox: %v, want not found", err)
	}
}
