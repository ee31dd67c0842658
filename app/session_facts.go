package app

import (
	"errors"

	"camviz/compose"
)

// What a saved picture shows, for its JSON sidecar and the clipboard.

// Facts describes the picture on screen; an error while it is still
// being computed.
func (s *Session) Facts() (compose.Facts, error) {
	st := s.State()
	if st.View == nil || st.Analysis == nil {
		return compose.Facts{}, errNoView
	}
	if !st.Current() {
		return compose.Facts{}, errors.New("the map is still being computed")
	}
	v := st.View
	f := compose.NewFacts(v.Analysis, v.Photo, v.Sel, v.Method, v.Layer, v.Scale, v.Flags)
	if r := st.Faith.Report; r != nil && !v.Sel.Compare.On {
		f.Faithfulness = compose.NewFaithFacts(r, st.Faith.Config)
	}
	if !v.Sel.Compare.On {
		f.ROAD, f.Sanity = st.Trust.ROAD, st.Trust.Sanity
	}
	return f, nil
}
