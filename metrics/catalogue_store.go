package metrics

import (
	"context"
	"fmt"

	"ee/kovmon/metrics/catalogue"
	kovsql "ee/kovmon/sql"
	"ee/kovmon/store"
)

// The catalogue in force lives in the store (catalogue_versions), so that the
// command line, the server and every process on a cluster follow the same one, and a
// change made on the admin page outlives a restart. Until an admin stores one, the
// shipped catalogue is in force.

// CatalogueVersion is one catalogue put in force.
type CatalogueVersion struct {
	ChangedAt string `json:"changed_at" ch:"changed_at"`
	Actor     string `json:"actor" ch:"actor"`
	Version   string `json:"version" ch:"version"`
	SHA256    string `json:"sha256" ch:"sha256"`
}

// storedCatalogue is the catalogue in force as catalogue.Latest answers it.
type storedCatalogue struct {
	ChangedAt string `ch:"changed_at"`
	Actor     string `ch:"actor"`
	Body      string `ch:"body"`
}

// storedHash is the sha256 of the catalogue in force (catalogue.LatestHash).
type storedHash struct {
	SHA256 string `ch:"sha256"`
}

// ActiveCatalogue returns the catalogue stored last, or the shipped one when none
// was. A stored catalogue that no longer validates (a later kovmon may check more) is
// an error, not a silent return to the shipped one: the figures would change meaning.
func ActiveCatalogue(ctx context.Context, s store.Store) (*catalogue.Catalogue, error) {
	stored, ok, err := store.SelectOne[storedCatalogue](ctx, s, "catalogue.Latest", nil)
	if err != nil {
		return nil, fmt.Errorf("reading the catalogue in force: %w", err)
	}
	if !ok {
		return catalogue.Default(), nil
	}
	cat, err := catalogue.Parse([]byte(stored.Body), fmt.Sprintf("stored by %s at %s", stored.Actor, stored.ChangedAt))
	if err != nil {
		return nil, fmt.Errorf("%w (put a corrected catalogue in force with `kovmon catalogue set FILE`)", err)
	}
	return cat, nil
}

// ActiveCatalogueIfNot returns the catalogue in force when it is not current, and
// nil when it is. It compares hashes first and reads and parses the stored file only
// when they differ: a server calls it before every refresh.
func ActiveCatalogueIfNot(ctx context.Context, s store.Store, current *catalogue.Catalogue) (*catalogue.Catalogue, error) {
	stored, ok, err := store.SelectOne[storedHash](ctx, s, "catalogue.LatestHash", nil)
	if err != nil {
		return nil, fmt.Errorf("reading the catalogue in force: %w", err)
	}
	hash := catalogue.ShippedHash()
	if ok {
		hash = stored.SHA256
	}
	if hash == current.Hash() {
		return nil, nil
	}
	return ActiveCatalogue(ctx, s)
}

// StoreCatalogue puts cat in force from now on, for whoever reads ActiveCatalogue
// next. It does not recompute the figures: the caller does that first (EnsureFresh),
// so that a catalogue that cannot be computed is never the one in force.
func StoreCatalogue(ctx context.Context, s store.Store, cat *catalogue.Catalogue, actor string) error {
	err := s.Exec(ctx, kovsql.Query("catalogue.Store"), store.Params{
		"actor": actor, "version": cat.Version, "sha256": cat.Hash(), "body": string(cat.Source())})
	if err != nil {
		return fmt.Errorf("storing the catalogue: %w", err)
	}
	return nil
}

// CatalogueHistory lists the catalogues put in force, newest first.
func CatalogueHistory(ctx context.Context, s store.Store, limit int) ([]CatalogueVersion, error) {
	out, err := store.Select[CatalogueVersion](ctx, s, "catalogue.History", store.Params{"limit": limit})
	if err != nil {
		return nil, fmt.Errorf("catalogue history: %w", err)
	}
	return out, nil
}

// CatalogueChange is a catalogue put in force in place of another.
type CatalogueChange struct {
	Version         string `json:"version"`
	SHA256          string `json:"sha256"`
	PreviousVersion string `json:"previous_version"`
	PreviousSHA256  string `json:"previous_sha256"`
	// Unchanged: the catalogue was in force already; nothing was done.
	Unchanged bool `json:"unchanged"`
}

// Object names the new catalogue, as the audit log does.
func (c CatalogueChange) Object() string {
	return fmt.Sprintf("catalogue %s sha256:%s", c.Version, c.SHA256)
}

// Was names the catalogue it replaced.
func (c CatalogueChange) Was() string {
	return fmt.Sprintf("was %s sha256:%s", c.PreviousVersion, c.PreviousSHA256)
}

// ChangeCatalogue puts cat in force in place of prev: it computes the figures with
// cat and, when that succeeds, stores it. If storing fails, the figures go back to
// prev, so that what is published and what is in force never differ for long. The
// same catalogue again changes nothing. The caller holds the writer lock.
func ChangeCatalogue(ctx context.Context, s store.Store, prev, cat *catalogue.Catalogue, actor string) (CatalogueChange, error) {
	change := CatalogueChange{Version: cat.Version, SHA256: cat.Hash(), PreviousVersion: prev.Version, PreviousSHA256: prev.Hash(),
		Unchanged: cat.Hash() == prev.Hash()}
	if change.Unchanged {
		return change, nil
	}
	if err := EnsureFresh(ctx, s, cat); err != nil {
		return change, fmt.Errorf("computing the figures with the new catalogue: %w", err)
	}
	if err := StoreCatalogue(ctx, s, cat, actor); err != nil {
		if rerr := EnsureFresh(ctx, s, prev); rerr != nil {
			return change, fmt.Errorf("%w; and recomputing with the catalogue in force failed too: %v", err, rerr)
		}
		return change, err
	}
	return change, nil
}
