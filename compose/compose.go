package compose

import (
	"context"
	"image"
	"time"

	"camviz/analysis"
	"camviz/cam"
	"camviz/render"
)

// mapsFunc computes class k's layer map for a composition; what names the
// map in progress reports ("" for the selected class's own).
type mapsFunc func(k int, what string) (*analysis.LayerMap, error)

// placeFunc lays a layer map onto the picture being composed.
type placeFunc func(lm *analysis.LayerMap, norm cam.Mode, scale float32) (analysis.Picture, error)

// Compose is the one composer of the window and the export: the map (or
// the two classes' blend or contrast) that sel asks for, post-processed
// onto base and coloured. It returns the view and how long computing the
// maps took (0 when all came from the cache). Where maps come from and
// how they are placed are the caller's (cached and with progress for the
// window; at the photo's resolution for the export).
func Compose(ctx context.Context, a *analysis.Analysis, base image.Image, sel Selection, meth analysis.Method,
	mapOf mapsFunc, place placeFunc) (*View, time.Duration, error) {
	return composeWith(ctx, a, base, sel, meth, mapSource{of: mapOf, place: place})
}

// mapSource is where a composition's maps come from and how they are laid on
// its picture.
type mapSource struct {
	of    mapsFunc
	place placeFunc
	// scale, when set, is the Shared scale to use (a class grid's, over
	// its own classes) instead of the one shared with the top-5 classes.
	scale *float32
}

// composeWith is Compose with the Shared scale possibly given.
func composeWith(ctx context.Context, a *analysis.Analysis, base image.Image, sel Selection, meth analysis.Method, src mapSource) (*View, time.Duration, error) {
	v := &View{Sel: sel, Analysis: a, Method: meth, Base: base, Colormap: sel.EffectiveColormap()}
	lut, err := render.Colormap(v.Colormap)
	if err != nil {
		return nil, 0, err
	}
	var computed time.Duration
	if sel.Compare.On {
		computed, err = composeCompare(v, sel.Compare, src.of, src.place)
	} else {
		computed, err = composeOne(v, a, sel, src)
	}
	if err != nil {
		return nil, 0, err
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	v.Image, err = render.Overlay(base, v.Field, v.Area.Min, render.Style{LUT: lut, Range: v.Range, Alpha: sel.Alpha})
	if err != nil {
		return nil, 0, err
	}
	return v, computed, nil
}

// composeOne places the selected class's map, on the scale shared with the
// top-5 classes in Shared mode (or the scale given).
func composeOne(v *View, a *analysis.Analysis, sel Selection, src mapSource) (time.Duration, error) {
	lm, err := src.of(sel.Class, "")
	if err != nil {
		return 0, err
	}
	computed := lm.Elapsed
	v.Layer = lm.Layer
	if sel.Norm == cam.Shared {
		if src.scale != nil {
			v.Scale = *src.scale
		} else {
			var more time.Duration
			if v.Scale, more, err = a.SharedTop(lm, 5, src.of); err != nil {
				return 0, err
			}
			computed += more
		}
	}
	p, err := src.place(lm, sel.Norm, v.Scale)
	if err != nil {
		return 0, err
	}
	v.Field, v.Area, v.Range, v.Flags = p.Field, p.Area, p.Range, p.Flags
	return computed, nil
}

// composeCompare places classes A and B on their shared scale and blends
// them, or takes their signed contrast A − B.
func composeCompare(v *View, c Compare, mapOf mapsFunc, place placeFunc) (time.Duration, error) {
	la, err := mapOf(c.A, "class A")
	if err != nil {
		return 0, err
	}
	lb, err := mapOf(c.B, "class B")
	if err != nil {
		return 0, err
	}
	v.Layer = la.Layer
	v.Scale = cam.SharedScale(la.Map, lb.Map)
	pa, err := place(la, cam.Shared, v.Scale)
	if err != nil {
		return 0, err
	}
	pb, err := place(lb, cam.Shared, v.Scale)
	if err != nil {
		return 0, err
	}
	v.A, v.B, v.Area, v.Flags = pa.Field, pb.Field, pa.Area, pa.Flags|pb.Flags
	if c.Contrast {
		if v.Field, err = render.Contrast(pa.Field, pb.Field); err != nil {
			return 0, err
		}
		v.Range = analysis.SignedRange(v.Field)
	} else {
		if v.Field, err = render.Blend(pa.Field, pb.Field, float32(c.T)); err != nil {
			return 0, err
		}
		v.Range = render.Unit()
	}
	return la.Elapsed + lb.Elapsed, nil
}
