package main

import (
	"net/http"
	"os"
	"path/filepath"

	"ee/kovmon/dashboards"
	"ee/kovmon/internal/echarts"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/store"
)

// pages is the dashboards' handler, each page linking to the account page (sign in
// and out; the admin page).
func pages(s store.Store, cat *catalogue.Catalogue, figures *metrics.Reader, m *Main) http.Handler {
	return dashboards.New(dashboards.Options{Store: s, Catalogue: cat, Figures: figures, Log: m.Log,
		EChartsPath: echarts.Find(), GeoJSONPath: geoJSONPath(), Account: true})
}

// geoJSONPath finds the 2018 boundaries for the maps: KOVMON_GEOJSON, or the shared
// reference data beside the repository ("" when there is none: the pages say so).
func geoJSONPath() string {
	if p := os.Getenv("KOVMON_GEOJSON"); p != "" {
		return p
	}
	if dir := defaultRegistryDir(); dir != "" {
		p := filepath.Join(dir, "municipalities_2018.geojson")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}
