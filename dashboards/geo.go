package dashboards

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"

	"ee/kovmon/registry"
)

// mapName is the name the boundaries are registered under in ECharts.
const mapName = "ee2018"

// geoMap is the post-2017 boundary file, prepared once for the browser.
type geoMap struct {
	json   []byte            // the GeoJSON, each feature named by its unit's name
	script []byte            // the same, registered with ECharts by a script
	names  map[string]string // EHAK code → feature name
}

// loadGeoMap reads the GeoJSON. ECharts matches data to features by the property
// "name", so each feature gets its ONIMI there; coordinates are rounded to 5 decimals
// (about a metre), which keeps the outline and sends the browser less.
func loadGeoMap(data []byte) (*geoMap, error) {
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Type       string         `json:"type"`
			Properties map[string]any `json:"properties"`
			Geometry   struct {
				Type        string `json:"type"`
				Coordinates any    `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, fmt.Errorf("boundaries: %w", err)
	}
	g := &geoMap{names: map[string]string{}}
	for i := range fc.Features {
		f := &fc.Features[i]
		code, _ := f.Properties["OKOOD"].(string)
		name, _ := f.Properties["ONIMI"].(string)
		if code == "" || name == "" {
			return nil, fmt.Errorf("boundaries: feature %d has no OKOOD or ONIMI", i+1)
		}
		f.Properties = map[string]any{"name": name, "code": code}
		f.Geometry.Coordinates = roundCoordinates(f.Geometry.Coordinates)
		g.names[code] = name
	}
	if len(g.names) == 0 {
		return nil, fmt.Errorf("boundaries: no features")
	}
	var err error
	if g.json, err = json.Marshal(fc); err != nil {
		return nil, err
	}
	var script bytes.Buffer
	fmt.Fprintf(&script, "echarts.registerMap(%q, ", mapName)
	script.Write(g.json)
	script.WriteString(");\n")
	g.script = script.Bytes()
	return g, nil
}

// shapeName is the feature a unit is drawn with: its own, or for the successor of a
// recode its predecessor's, following recodes back (spec/indicators.md 1.1: a recode
// changes the code, not the territory, so Kiili vald 0305 has the shape of 0304).
func (g *geoMap) shapeName(code string, reg *registry.Registry) (string, bool) {
	for seen := map[string]bool{}; !seen[code]; {
		seen[code] = true
		if name, ok := g.names[code]; ok {
			return name, true
		}
		predecessor, recoded := "", false
		if reg != nil {
			predecessor, recoded = reg.RecodedFrom(code)
		}
		if !recoded {
			break
		}
		code = predecessor
	}
	return "", false
}

func roundCoordinates(v any) any {
	switch x := v.(type) {
	case float64:
		return math.Round(x*1e5) / 1e5
	case []any:
		for i := range x {
			x[i] = roundCoordinates(x[i])
		}
	}
	return v
}

// mapScript registers the boundaries with ECharts; pages with a map load it after
// echarts.min.js and before their charts.
func (s *server) mapScript(w http.ResponseWriter, r *http.Request) {
	s.serveGeo(w, r, "text/javascript; charset=utf-8", func(g *geoMap) []byte { return g.script })
}

// mapJSON serves the boundaries as GeoJSON, for other tools.
func (s *server) mapJSON(w http.ResponseWriter, r *http.Request) {
	s.serveGeo(w, r, "application/geo+json", func(g *geoMap) []byte { return g.json })
}

func (s *server) serveGeo(w http.ResponseWriter, r *http.Request, contentType string, body func(*geoMap) []byte) {
	if s.geo == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(body(s.geo))
}
