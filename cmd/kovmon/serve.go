package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"ee/kovmon/app"
	"ee/kovmon/auth"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/report"
	"ee/kovmon/store"
	"ee/kovmon/web"
)

func cmdServe(ctx context.Context, m *Main, args []string) error {
	cfg, err := loadConfig(m.configPath)
	if err != nil {
		return err
	}
	fs := m.newFlags("serve")
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "address to listen on")
	fs.StringVar(&cfg.Inbox, "inbox", cfg.Inbox, "folder whose <kind>/ subfolders the scheduled ingesters read")
	fs.StringVar(&cfg.UsersFile, "users", cfg.UsersFile, "users file (YAML) of who may sign in and with which role (env KOVMON_USERS)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := cfg.validate(); err != nil {
		return usageError{err.Error()}
	}
	var users *auth.Users
	if cfg.UsersFile != "" {
		if users, err = auth.LoadUsers(cfg.UsersFile); err != nil {
			return err
		}
	}
	s, cat, err := m.openWithCatalogue(ctx)
	if err != nil {
		return err
	}
	// The definitions as read, which app fits to each catalogue it puts in force; one
	// that does not fit the first catalogue stops the start.
	set, err := baseSurveySet()
	if err != nil {
		return err
	}
	if _, err := set.For(cat.SurveyFeeds()); err != nil {
		return err
	}
	proxies, _ := cfg.trustedProxies() // checked by validate
	assets := findPageAssets(m)
	views := func(cat *catalogue.Catalogue, figures *metrics.Reader) web.Views {
		return web.Views{Pages: pages(s, cat, figures, m, assets), Report: report.Handler(report.Options{Store: s, Catalogue: cat, Figures: figures, CacheDir: m.reportCache()})}
	}
	// The application service (the writer, the refresh, the inbox, the catalogue in
	// force) and its HTTP adapter.
	svc := app.New(app.Options[web.Views]{Store: s, Catalogue: cat, CataloguePinned: pinnedCatalogue(), Surveys: set, Log: m.Log,
		Views: views})
	api := web.New(svc, web.Options{Log: m.Log, MaxUpload: cfg.MaxUpload,
		UploadTimeout: cfg.UploadTimeout, Users: users, PublicRequiresLogin: cfg.PublicRequiresLogin,
		SecureCookies: cfg.SecureCookies, SessionTTL: cfg.SessionTTL,
		LoginPerMinute: cfg.LoginPerMinute, UploadPerMinute: cfg.UploadPerMinute, TrustedProxies: proxies, Hosts: cfg.PublicHosts})
	if err := svc.Refresh(ctx); err != nil {
		return err
	}
	restored, err := api.RestoreSessions(ctx)
	if err != nil {
		return err
	}
	if err := svc.StartInbox(ctx, cfg.Inbox, cfg.Schedules); err != nil {
		return err
	}
	if !store.Embedded(s) {
		// On a ClickHouse server another process may put a catalogue in force; an
		// embedded data folder has this process only.
		go followCatalogue(ctx, svc, m, 30*time.Second)
	}
	t := cfg.Timeouts
	srv := &http.Server{Addr: cfg.Addr, Handler: api, ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read,
		WriteTimeout: t.Write, IdleTimeout: t.Idle, MaxHeaderBytes: 64 << 10}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
		go func() { errc <- srv.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey) }()
	} else {
		go func() { errc <- srv.Serve(ln) }()
	}
	url := scheme + "://" + ln.Addr().String()
	if store.Embedded(s) {
		remove, err := writeServeFile(m.DataDir, url)
		if err != nil {
			return err
		}
		defer remove()
	}
	access := "everyone is admin (no users file; loopback only)"
	if users != nil {
		access = fmt.Sprintf("%d users from %s, public pages need sign-in: %v, %d sessions taken back", users.Len(), cfg.UsersFile, cfg.PublicRequiresLogin, restored)
	}
	m.Log.Info("kovmon serving", "addr", url+"/", "store", s.Describe(), "inbox", cfg.Inbox, "access", access)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}

// followCatalogue checks every interval for a catalogue put in force by another
// process, until ctx ends.
func followCatalogue(ctx context.Context, svc *web.Service, m *Main, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := svc.SyncCatalogue(ctx); err != nil {
				m.Log.Error("following the catalogue in force", "err", err)
			}
		}
	}
}
