package main

import (
	"context"
	"errors"
	"net/http"
	"time"

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
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	cat, err := loadCatalogue()
	if err != nil {
		return err
	}
	s, err := m.Open(ctx)
	if err != nil {
		return err
	}
	set, err := surveySet()
	if err != nil {
		return err
	}
	api := web.New(web.Options{Store: s, Catalogue: cat, Surveys: set, Log: m.Log, MaxUpload: cfg.MaxUpload,
		Pages: pages(s, cat, m), Report: reportHandler(s, cat, m)})
	if err := api.Refresh(ctx); err != nil {
		return err
	}
	inbox := api.Inbox(cfg.Inbox)
	if err := inbox.Folders(); err != nil {
		return err
	}
	if err := inbox.Start(ctx, cfg.Schedules); err != nil {
		return err
	}
	srv := &http.Server{Addr: cfg.Addr, Handler: api, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	m.Log.Info("kovmon serving", "addr", "http://"+cfg.Addr+"/", "store", s.Describe(), "inbox", cfg.Inbox)
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
