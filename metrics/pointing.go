package metrics

import "math"

// Box is an axis-aligned box in continuous image coordinates, pixel (i, j)
// covering [i, i+1) × [j, j+1): X0 ≤ X1, Y0 ≤ Y1. A COCO bbox [x, y, w, h]
// is Box{x, y, x+w, y+h}; a Pascal VOC bndbox, whose 1-based pixel
// indices are inclusive, is Box{xmin−1, ymin−1, xmax, ymax}.
type Box struct{ X0, Y0, X1, Y1 float64 }

// Distance is the Euclidean distance from (x, y) to the box, 0 inside it
// or on its edge.
func (b Box) Distance(x, y float64) float64 {
	dx := max(b.X0-x, 0, x-b.X1)
	dy := max(b.Y0-y, 0, y-b.Y1)
	return math.Hypot(dx, dy)
}

// PointingHit is the pointing game's test (Zhang et al., "Top-down Neural
// Attention by Excitation Backprop", 2016, as TorchRay implements it): the
// map's maximum, the centre (x, y) of its pixel, hits when it lies within
// tolerance pixels of one of the class's boxes (TorchRay dilates the
// object's mask by a disc of that radius; its default is 15). Tolerance 0
// asks for the point inside a box.
func PointingHit(x, y float64, boxes []Box, tolerance float64) bool {
	for _, b := range boxes {
		if b.Distance(x, y) <= tolerance {
			return true
		}
	}
	return false
}
