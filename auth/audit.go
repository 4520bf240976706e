package auth

import (
	"context"
	"fmt"
	"log/slog"

	kovsql "ee/kovmon/sql"
	"ee/kovmon/store"
)

// Entry is one line of the audit log.
type Entry struct {
	At      string `json:"at" ch:"at"`
	Actor   string `json:"actor" ch:"actor"`   // a user name, "local" without a users file, or ingest:<trigger>
	Role    string `json:"role" ch:"role"`     // the actor's role when it acted
	Client  string `json:"client" ch:"client"` // the client's address
	Action  string `json:"action" ch:"action"` // login, logout, upload, inbox_run, load, denied, catalogue_change
	Object  string `json:"object" ch:"object"` // what was acted on: a file, a route
	Outcome string `json:"outcome" ch:"outcome"`
	Detail  string `json:"detail" ch:"detail"`
}

// ActionCatalogueChange is the action of an attempt to put a catalogue in force,
// from the admin page, the API or the command line.
const ActionCatalogueChange = "catalogue_change"

// Audit writes and reads the audit log in the store.
type Audit struct {
	Store store.Store
	Log   *slog.Logger
}

// Record writes an entry. It outlives the request (a client that hangs up does not
// erase its trace) and a failure is logged, not returned: the action has happened
// already, and the log line keeps what the table could not.
func (a *Audit) Record(ctx context.Context, e Entry) {
	err := a.Store.Exec(context.WithoutCancel(ctx), kovsql.Query("audit.Record"), store.Params{
		"actor": e.Actor, "role": e.Role, "client": e.Client, "action": e.Action,
		"object": e.Object, "outcome": e.Outcome, "detail": e.Detail})
	if err != nil && a.Log != nil {
		a.Log.Error("audit log not written", "err", err, "actor", e.Actor, "action", e.Action, "object", e.Object, "outcome", e.Outcome)
	}
}

// List returns the newest entries, uploads and logins beside the files loaded from the
// command line or the schedules (from the ingest ledger).
func (a *Audit) List(ctx context.Context, limit int) ([]Entry, error) {
	out, err := store.Select[Entry](ctx, a.Store, "audit.List", store.Params{"limit": limit})
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return out, nil
}
