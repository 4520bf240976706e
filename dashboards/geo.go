package dashboards

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/simplify"

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
// "name", so each feature gets its ONIMI there. The outlines are simplified for the
// screen (simplifyForScreen), which sends the browser a tenth of the file.
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
		coords, err := simplifyForScreen(f.Geometry.Type, f.Geometry.Coordinates)
		if err != nil {
			return nil, fmt.Errorf("boundaries: feature %d (%s): %w", i+1, code, err)
		}
		f.Geometry.Coordinates = coords
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

// Simplification for the screen: the map is drawn about 480 px tall for Estonia's
// 3.5 degrees of latitude, so a pixel is some 0.007 degrees. Douglas–Peucker with a
// tolerance of a fifth of that (about 150 m) keeps every outline as a reader sees it,
// even on a display of twice the density, and coordinates rounded to 4 decimals
// (about 10 m) lose nothing more.
const (
	simplifyTolerance = 0.0015
	coordinateScale   = 1e4
)

// simplifyForScreen simplifies a Polygon or MultiPolygon's coordinates (orb's
// Douglas–Peucker keeps rings closed and drops those that collapse) and rounds them.
// The result marshals to GeoJSON coordinates.
func simplifyForScreen(geometryType string, coordinates any) (orb.Geometry, error) {
	var shape orb.Geometry
	switch geometryType {
	case "Polygon":
		p, err := toPolygon(coordinates)
		if err != nil {
			return nil, err
		}
		shape = p
	case "MultiPolygon":
		list, ok := coordinates.([]any)
		if !ok {
			return nil, fmt.Errorf("MultiPolygon coordinates are not a list")
		}
		mp := make(orb.MultiPolygon, 0, len(list))
		for _, c := range list {
			p, err := toPolygon(c)
			if err != nil {
				return nil, err
			}
			mp = append(mp, p)
		}
		shape = mp
	default:
		return nil, fmt.Errorf("geometry %q is not a Polygon or MultiPolygon", geometryType)
	}
	shape = simplify.DouglasPeucker(simplifyTolerance).Simplify(shape)
	if shape == nil {
		return nil, fmt.Errorf("nothing is left of the %s after simplifying it", geometryType)
	}
	return orb.Round(shape, coordinateScale), nil
}

// toPolygon reads a GeoJSON polygon's rings of [longitude, latitude] pairs.
func toPolygon(v any) (orb.Polygon, error) {
	rings, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("polygon coordinates are not a list of rings")
	}
	p := make(orb.Polygon, 0, len(rings))
	for _, r := range rings {
		points, ok := r.([]any)
		if !ok {
			return nil, fmt.Errorf("a ring is not a list of points")
		}
		ring := make(orb.Ring, 0, len(points))
		for _, pt := range points {
			xy, ok := pt.([]any)
			if !ok || len(xy) < 2 {
				return nil, fmt.Errorf("a point is not [longitude, latitude]")
			}
			x, okX := xy[0].(float64)
			y, okY := xy[1].(float64)
			if !okX || !okY {
				return nil, fmt.Errorf("a point is not [longitude, latitude]")
			}
			ring = append(ring, orb.Point{x, y})
		}
		p = append(p, ring)
	}
	return p, nil
}

// mapJSON serves the boundaries as GeoJSON, for other tools.
func (s *server) mapJSON(w http.ResponseWriter, r *http.Request) {
	if s.geo == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(s.geo.json)
}
