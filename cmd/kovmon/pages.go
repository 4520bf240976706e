package main

import (
	"net/http"

	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/store"
)

// pages is the dashboards' handler (nil until the dashboards are wired).
func pages(s store.Store, cat *catalogue.Catalogue, m *Main) http.Handler { return nil }

// reportHandler serves the annual report (nil until the report is wired).
func reportHandler(s store.Store, cat *catalogue.Catalogue, m *Main) http.Handler { return nil }
