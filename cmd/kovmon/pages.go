package main

import (
	"net/http"
	"os"

	"ee/kovmon/dashboards"
	"ee/kovmon/internal/echarts"
	"ee/kovmon/metrics"
	"ee/kovmon/metrics/catalogue"
	"ee/kovmon/refdata"
	"ee/kovmon/store"
	"ee/kovmon/web"
)

// pages is the dashboards' handler, each page linking to the account page (sign in
// and out; the admin page).
func pages(s store.Store, cat *catalogue.Catalogue, figures *metrics.Reader, m *Main) http.Handler {
	return dashboards.New(dashboards.Options{Store: s, Catalogue: cat, Figures: figures, Log: m.Log,
		EChartsPath: echarts.Find(), GeoJSON: boundaries(m), Account: true, Provenance: web.MayReadLedger})
}

// boundaries are the 2018 boundaries for the maps: the file KOVMON_GEOJSON names, or
// the ones kovmon ships (refdata). A file that cannot be read leaves the pages without
// a map, which they say.
func boundaries(m *Main) []byte {
	if p := os.Getenv("KOVMON_GEOJSON"); p != "" {
		data, err := os.ReadFile(p)
		if err != nil {
			m.Log.Warn("no map", "err", err)
		}
		return data
	}
	data, _ := refdata.Read(refdata.Boundaries2018)
	return data
}
