package render

import (
	"fmt"
	"math"
)

// Blend returns (1−t)·a + t·b, to fade between the maps of two classes
// (t in [0,1]). The maps must be on one scale to make sense, e.g. both
// post-processed in Shared mode with the same scale.
func Blend(a, b Field, t float32) (Field, error) {
	if err := sameSize(a, b); err != nil {
		return Field{}, err
	}
	if !(t >= 0 && t <= 1) {
		return Field{}, fmt.Errorf("render: blend position %v outside [0,1]", t)
	}
	out := Field{W: a.W, H: a.H, Data: make([]float32, len(a.Data))}
	for i := range out.Data {
		out.Data[i] = (1-t)*a.Data[i] + t*b.Data[i]
	}
	return out, nil
}

// Contrast returns a − b, where the first class's evidence beats the
// second's (positive) and the reverse (negative). Draw it with
// SignedStyle(MaxAbs(result)). As for Blend, a and b must share a scale.
func Contrast(a, b Field) (Field, error) {
	if err := sameSize(a, b); err != nil {
		return Field{}, err
	}
	out := Field{W: a.W, H: a.H, Data: make([]float32, len(a.Data))}
	for i := range out.Data {
		out.Data[i] = a.Data[i] - b.Data[i]
	}
	return out, nil
}

// MaxAbs returns the largest |v| over the finite values of the fields: the
// limit of a Symmetric range showing them all on one scale.
func MaxAbs(fs ...Field) float32 {
	var m float32
	for _, f := range fs {
		for _, v := range f.Data {
			if a := float32(math.Abs(float64(v))); a > m && !math.IsInf(float64(a), 0) {
				m = a
			}
		}
	}
	return m
}

func sameSize(a, b Field) error {
	if err := a.validate(); err != nil {
		return err
	}
	if err := b.validate(); err != nil {
		return err
	}
	if a.W != b.W || a.H != b.H {
		return fmt.Errorf("render: fields %d×%d and %d×%d differ in size", a.W, a.H, b.W, b.H)
	}
	return nil
}
