package app

import (
	"errors"
	"slices"
	"strings"

	"camviz/cam"
	"camviz/compose"
)

// The method options of a window's selection: the values of the options
// of cam's method table (the method's own and the generic ones: -target,
// -eigen-smooth, -aug-smooth, …) and several layers. Each change is a
// map-changing request (sameMap compares them).

// SetOption sets the option name of the selected method to value (its
// text, as on the command line); "" returns it to its default. A value
// the method cannot take is refused with the reason; the map is
// recomputed.
func (s *Session) SetOption(name, value string) error {
	return s.update(func(sel *compose.Selection) error {
		if s.model == nil {
			return errors.New("no model is loaded")
		}
		meth, err := s.model.Method(sel.Method)
		if err != nil {
			return err
		}
		if value != "" {
			var p cam.Params
			if err := meth.Set(&p, name, value); err != nil {
				return err
			}
		} else if !meth.Takes(name) {
			return errors.New(meth.Name + " does not take -" + name)
		}
		next, err := sel.Options.With(name, value)
		if err != nil {
			return err
		}
		sel.Options = next
		return nil
	})
}

// SetLayers picks several layers: the first is the layer (as SetLayer,
// "" = the model's default), the others are fused with it. One name is
// SetLayer; a repeat or an unknown layer is refused.
func (s *Session) SetLayers(names []string) error {
	return s.update(func(sel *compose.Selection) error {
		if s.model == nil {
			return errors.New("no model is loaded")
		}
		if len(names) == 0 {
			names = []string{""}
		}
		for i, n := range names {
			if n == "" && i == 0 {
				continue
			}
			if _, err := s.model.Net.Layer(n); err != nil {
				return err
			}
			if slices.Contains(names[:i], n) || (i > 0 && n == s.model.Layer && names[0] == "") {
				return errors.New("layer \"" + n + "\" is chosen twice")
			}
		}
		sel.Layer, sel.ExtraLayers = names[0], strings.Join(names[1:], ",")
		return nil
	})
}
