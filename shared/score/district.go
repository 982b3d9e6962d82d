package score

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
)

// ErrNoDistricts is returned by ReadDistricts for a GeoJSON document with no polygon.
var ErrNoDistricts = errors.New("no district polygons")

// Districts places points in districts by point-in-polygon over the city's GeoJSON.
// A point on no polygon has no district; where polygons overlap the first feature wins.
type Districts struct {
	areas  []area
	digest string // of the GeoJSON bytes, for the scorer version
}

type area struct {
	id                     string
	polys                  [][][][2]float64 // polygons -> rings -> [lon, lat]
	minX, minY, maxX, maxY float64
}

// ReadDistricts reads a GeoJSON FeatureCollection of Polygon and MultiPolygon features; each
// feature's district is its property prop (a string or number), or its "id" member when prop
// is empty or absent. Rings are [lon, lat] as GeoJSON has them; holes are honoured. resolve,
// when not nil, maps the names in the file to district ids (a name it does not know is an
// error: feedback would be counted under a district the city does not have).
func ReadDistricts(r io.Reader, prop string, resolve func(string) (string, bool)) (*Districts, error) {
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			ID         any            `json:"id"`
			Properties map[string]any `json:"properties"`
			Geometry   *struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	h := sha256.New()
	if err := json.NewDecoder(io.TeeReader(r, h)).Decode(&fc); err != nil {
		return nil, fmt.Errorf("read districts geojson: %w", err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("read districts geojson: type %q: want FeatureCollection", fc.Type)
	}
	d := &Districts{digest: hex.EncodeToString(h.Sum(nil)[:4])}
	for i, f := range fc.Features {
		at := fmt.Sprintf("features[%d]", i)
		var id any
		if prop != "" {
			id = f.Properties[prop]
		}
		if id == nil {
			id = f.ID
		}
		a := area{minX: math.Inf(1), minY: math.Inf(1), maxX: math.Inf(-1), maxY: math.Inf(-1)}
		switch v := id.(type) {
		case string:
			a.id = v
		case float64:
			a.id = fmt.Sprint(v)
		}
		if a.id == "" {
			return nil, fmt.Errorf("read districts geojson: %s: no district in properties.%s or id", at, prop)
		}
		if resolve != nil {
			id, ok := resolve(a.id)
			if !ok {
				return nil, fmt.Errorf("read districts geojson: %s: district %q is not a configured district", at, a.id)
			}
			a.id = id
		}
		if f.Geometry == nil {
			continue
		}
		var err error
		switch f.Geometry.Type {
		case "Polygon":
			var p [][][2]float64
			err = json.Unmarshal(f.Geometry.Coordinates, &p)
			a.polys = [][][][2]float64{p}
		case "MultiPolygon":
			err = json.Unmarshal(f.Geometry.Coordinates, &a.polys)
		default:
			continue // points and lines bound no area
		}
		if err != nil {
			return nil, fmt.Errorf("read districts geojson: %s.geometry.coordinates: %w", at, err)
		}
		for _, p := range a.polys {
			for _, ring := range p {
				for _, pt := range ring {
					a.minX, a.maxX = math.Min(a.minX, pt[0]), math.Max(a.maxX, pt[0])
					a.minY, a.maxY = math.Min(a.minY, pt[1]), math.Max(a.maxY, pt[1])
				}
			}
		}
		d.areas = append(d.areas, a)
	}
	if len(d.areas) == 0 {
		return nil, fmt.Errorf("read districts geojson: %w", ErrNoDistricts)
	}
	return d, nil
}

// Locate returns the district that contains the point.
func (d *Districts) Locate(lat, lon float64) (string, bool) {
	if d == nil {
		return "", false
	}
	for _, a := range d.areas {
		if lon < a.minX || lon > a.maxX || lat < a.minY || lat > a.maxY {
			continue
		}
		for _, p := range a.polys {
			if inPolygon(p, lon, lat) {
				return a.id, true
			}
		}
	}
	return "", false
}

// inPolygon is the even-odd ray-casting test over the outer ring and its holes.
func inPolygon(rings [][][2]float64, x, y float64) bool {
	in := false
	for _, ring := range rings {
		for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
			xi, yi, xj, yj := ring[i][0], ring[i][1], ring[j][0], ring[j][1]
			if (yi > y) != (yj > y) && x < (xj-xi)*(y-yi)/(yj-yi)+xi {
				in = !in
			}
		}
	}
	return in
}

// IDs returns the districts' ids in file order.
func (d *Districts) IDs() []string {
	ids := make([]string, len(d.areas))
	for i, a := range d.areas {
		ids[i] = a.id
	}
	return ids
}
