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

// pageAssets are what every build of the pages reads from outside: found and read
// once per process, since the pages are built again after every refresh.
type pageAssets struct {
	echarts string // the path of echarts.min.js
	geoJSON []byte // the boundaries for the maps
}

func findPageAssets(m *Main) pageAssets {
	return pageAssets{echarts: echarts.Find(), geoJSON: boundaries(m)}
}

// pages is the dashboards' handler, each page linking to the account page (sign in
// and out; the admin page).
func pages(s store.Store, cat *catalogue.Catalogue, figures *metrics.Reader, m *Main, assets pageAssets) http.Handler {
	return dashboards.New(dashboards.Options{Store: s, Catalogue: cat, Figures: figures, Log: m.Log,
		EChartsPath: assets.echarts, GeoJSON: assets.geoJSON, Account: true, Provenance: web.MayReadLedger})
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
