package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/user"
	"text/tabwriter"

	"ee/kovmon/auth"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
)

// cmdCatalogue shows, changes and lists the catalogue in force:
//
//	kovmon catalogue show            the catalogue in force, as YAML
//	kovmon catalogue set FILE        validate FILE, recompute, put it in force
//	kovmon catalogue history         the catalogues put in force, newest first
//
// set is what the admin page does, from a shell on the server: it is recorded in the
// audit log with the operating-system user as the actor.
func cmdCatalogue(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("catalogue")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return usageError{"catalogue needs show, set FILE or history"}
	}
	switch {
	case rest[0] == "show" && len(rest) == 1:
		_, cat, err := m.openWithCatalogue(ctx)
		if err != nil {
			return err
		}
		_, err = m.Stdout.Write(cat.Source())
		return err
	case rest[0] == "history" && len(rest) == 1:
		s, err := m.Open(ctx)
		if err != nil {
			return err
		}
		versions, err := metrics.CatalogueHistory(ctx, s, 1000)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "changed_at\tactor\tversion\tsha256")
		for _, v := range versions {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", v.ChangedAt, v.Actor, v.Version, v.SHA256)
		}
		if len(versions) == 0 {
			fmt.Fprintln(w, "(none: the shipped catalogue is in force)")
		}
		return w.Flush()
	case rest[0] == "set" && len(rest) == 2:
		return setCatalogue(ctx, m, rest[1])
	}
	return usageError{fmt.Sprintf("catalogue %v: expected show, set FILE or history", rest)}
}

func setCatalogue(ctx context.Context, m *Main, path string) error {
	if pinned := pinnedCatalogue(); pinned != "" {
		return fmt.Errorf("the catalogue is pinned to %s (KOVMON_CATALOGUE): unset it to put another catalogue in force", pinned)
	}
	cat, err := catalogue.Load(path) // validation names the file and every problem; SQL beside it is read in
	if err != nil {
		return err
	}
	if _, err := surveySet(cat); err != nil {
		return fmt.Errorf("catalogue %s: %w", path, err)
	}
	s, prev, err := m.openWithCatalogue(ctx)
	if err != nil {
		// A running kovmon serve holds the folder: it makes the change (PUT
		// /api/catalogue), so that its pages switch at once.
		if handled, ferr := m.fromRunningServer(ctx, err, http.MethodPut, "/api/catalogue", nil, bytes.NewReader(cat.Source())); handled {
			return ferr
		}
		return err
	}
	actor := "cli:" + osUser()
	change, err := metrics.ChangeCatalogue(ctx, s, prev, cat, actor)
	if change.Unchanged {
		fmt.Fprintf(m.Stdout, "catalogue %s (sha256 %s) is in force already; nothing changed\n", cat.Version, cat.Hash())
		return nil
	}
	entry := auth.Entry{Actor: actor, Role: "shell", Client: "localhost", Action: auth.ActionCatalogueChange, Object: change.Object(),
		Outcome: "ok", Detail: change.Was()}
	if err != nil {
		entry.Outcome, entry.Detail = "error", err.Error()
	}
	(&auth.Audit{Store: s, Log: m.Log}).Record(ctx, entry)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "catalogue %s (sha256 %s) is in force; it was %s (sha256 %s); the indicators are recomputed\n",
		cat.Version, cat.Hash(), prev.Version, prev.Hash())
	return nil
}

// osUser names who runs the command, for the audit log.
func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if name := os.Getenv("USER"); name != "" {
		return name
	}
	return fmt.Sprintf("uid %d", os.Getuid())
}
