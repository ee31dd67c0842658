package analysis

import (
	"fmt"
	"testing"

	"camviz/cam"
)

// TestMapCacheBound: beyond mapCacheSize maps the oldest go first; putting
// a kept map again does not push another out.
func TestMapCacheBound(t *testing.T) {
	var c mapCache
	key := func(i int) mapKey { return mapKey{method: "scorecam", layers: fmt.Sprint("l", i), class: i} }
	for i := 0; i < mapCacheSize+10; i++ {
		c.put(key(i), cachedMap{Map: cam.NewMap(2, 2)})
	}
	if len(c.maps) != mapCacheSize || len(c.order) != mapCacheSize {
		t.Fatalf("%d maps, %d in order; want %d", len(c.maps), len(c.order), mapCacheSize)
	}
	for i := 0; i < 10; i++ {
		if _, ok := c.get(key(i)); ok {
			t.Fatalf("map %d, among the oldest, is still kept", i)
		}
	}
	c.put(key(mapCacheSize+9), cachedMap{Map: cam.NewMap(2, 2)})
	if _, ok := c.get(key(10)); !ok || len(c.maps) != mapCacheSize {
		t.Fatal("putting a kept map again pushed the oldest out")
	}
}
