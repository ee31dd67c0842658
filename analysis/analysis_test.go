package analysis

import (
	"context"
	"errors"
	"slices"
	"testing"

	"camviz/cam"
)

// TestCloseWaitsForUsers: closing an analysis while a map is being
// computed keeps the pass until that map is done (ScoreCAM's own forward
// passes would otherwise reuse the freed activations and spoil it), and
// later calls fail with ErrClosed.
func TestCloseWaitsForUsers(t *testing.T) {
	ctx := context.Background()
	want, err := goldenAnalysis(t).Map(ctx, MapRequest{Method: "scorecam", Class: 7, Layer: goldenLayers[29]})
	if err != nil {
		t.Fatal(err)
	}
	a := goldenAnalysis(t)
	started, proceed, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var got *LayerMap
	go func() {
		defer close(done)
		req := MapRequest{Method: "scorecam", Class: 7, Layer: goldenLayers[29], Progress: func(d, _ int, _ *cam.Map) {
			if d == 1 {
				close(started)
				<-proceed
			}
		}}
		got, err = a.Map(ctx, req)
	}()
	<-started
	a.Close()
	close(proceed)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Map.Data, want.Map.Data) {
		t.Fatal("the map computed across Close differs: the pass was released while in use")
	}
	if _, err := a.Map(ctx, MapRequest{Method: "gradcam", Class: 2, Layer: goldenLayers[29]}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Map after Close: %v, want ErrClosed", err)
	}
	if _, err := a.Grad(ctx, goldenLayers[29], 3); !errors.Is(err, ErrClosed) {
		t.Fatalf("Grad after Close: %v, want ErrClosed", err)
	}
	a.Close() // twice is harmless
}
