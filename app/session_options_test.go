package app

import (
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// TestSessionOptions: a method option is a map-changing request, refused
// with the reason when the method cannot take the value; several layers
// fuse into one final map.
func TestSessionOptions(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, _ := ready(t)
	first := s.State().View
	if err := s.SetOption("eigen-smooth", "true"); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	st := s.State()
	if st.Sel.Options != "eigen-smooth=true" || st.View == first || slices.Equal(st.View.Field.Data, first.Field.Data) {
		t.Fatalf("eigen-smooth: options %q, the map changed: %v", st.Sel.Options, !slices.Equal(st.View.Field.Data, first.Field.Data))
	}
	for _, c := range []struct{ name, value, want string }{
		{"eigen-smooth", "maybe", "want true or false"},
		{"samples", "3", "gradcam does not take -samples"},
		{"target", "softmax", "want one of logit, prob, rest, neg"},
	} {
		if err := s.SetOption(c.name, c.value); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("-%s %s: %v, want %q", c.name, c.value, err, c.want)
		}
	}
	if got := s.State().Sel.Options; got != "eigen-smooth=true" {
		t.Errorf("a refused value changed the options to %q", got)
	}
	// Back to the default: the first map again (from the cache).
	if err := s.SetOption("eigen-smooth", ""); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	if v := s.State().View; !slices.Equal(v.Field.Data, first.Field.Data) {
		t.Error("eigen-smooth off did not give the plain map back")
	}
	// Switching method keeps the value for the methods that take it.
	if err := s.SetMethod("randomcam"); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	r0 := s.State().View
	if err := s.SetOption("seed", "5"); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	if v := s.State().View; slices.Equal(v.Field.Data, r0.Field.Data) {
		t.Error("seed 5 drew seed 0's map")
	}

	l22, l29 := goldenLayers[22], goldenLayers[29]
	if err := s.SetMethod("gradcam"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetLayers([]string{l29, l22}); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	st = s.State()
	if st.Sel.Layer != l29 || st.Sel.ExtraLayers != l22 || st.View.Layer != l29+"+"+l22 {
		t.Fatalf("layers: selection %q + %q, view at %q", st.Sel.Layer, st.Sel.ExtraLayers, st.View.Layer)
	}
	for _, bad := range [][]string{{l29, l29}, {l29, "nosuch"}, {"", l29}} {
		if err := s.SetLayers(bad); err == nil {
			t.Errorf("layers %q accepted", bad)
		}
	}
	if err := s.SetLayers([]string{l22}); err != nil {
		t.Fatal(err)
	}
	wait(t, s)
	if st := s.State(); st.Sel.ExtraLayers != "" || st.View.Layer != l22 {
		t.Errorf("one layer again: extras %q, view at %q", st.Sel.ExtraLayers, st.View.Layer)
	}
}
