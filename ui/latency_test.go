package ui

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
)

// BenchmarkInputDuringScoreCAM measures how long the UI goroutine is
// busy answering one user input while ScoreCAM's forward passes run on
// every core: the input's handler, then the redraw work it and the job's
// progress reports post to the UI goroutine. Each iteration is one input
// (opacity, colour map, overlay toggle, hover, another class — which
// restarts ScoreCAM for that class). Reported: the median, 95th percentile
// and worst busy time in ms. The model is the tiny golden VGG16, or the
// file in CAMVIZ_VGG16:
//
//	CAMVIZ_VGG16=/tmp/vgg16.onnx go test -run x -bench InputDuringScoreCAM -benchtime 200x ./ui/
func BenchmarkInputDuringScoreCAM(b *testing.B) {
	model := tinyModel
	if p := os.Getenv("CAMVIZ_VGG16"); p != "" {
		model = p
	}
	h := newHarness(b, Options{Model: model})
	u := h.u
	h.until("the model", func() bool { return u.st.Model != nil })
	u.dropped(fyne.NewPos(10, 10), []fyne.URI{fileURI(b, chelsea)})
	h.until("the first overlay", h.current)
	u.chooseMethod("scorecam")
	h.q.drain()
	inputs := []func(i int){
		func(i int) { u.w.alpha.SetValue(0.3 + 0.05*float64(i%8)) },
		func(i int) { u.w.cmap.SetSelectedIndex(1 + i%3) },
		func(int) { u.w.overlay.SetChecked(!u.w.overlay.Checked) },
		func(i int) { u.w.view.MouseMoved(mouseAt(float32(20+i%200), float32(20+i%150))) },
		func(i int) { u.w.topList.Select(i % 2) },
	}
	var busy []time.Duration
	worst := make([]time.Duration, len(inputs))
	running := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		time.Sleep(20 * time.Millisecond) // a person's pace, and time for progress reports
		h.q.drain()                       // work that arrived meanwhile is not this input's
		if !u.s.Idle() {
			running++
		}
		t0 := time.Now()
		inputs[i%len(inputs)](i)
		h.q.drain()
		d := time.Since(t0)
		busy = append(busy, d)
		worst[i%len(inputs)] = max(worst[i%len(inputs)], d)
	}
	b.StopTimer()
	slices.Sort(busy)
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	b.ReportMetric(ms(busy[len(busy)/2]), "median-ms")
	b.ReportMetric(ms(busy[len(busy)*95/100]), "p95-ms")
	b.ReportMetric(ms(busy[len(busy)-1]), "max-ms")
	b.ReportMetric(float64(running)/float64(b.N), "busy-fraction")
	if testing.Verbose() {
		fmt.Printf("inputs %d, ScoreCAM running at %d of them; worst per input (opacity, colour map, overlay, hover, class): %v\n", b.N, running, worst)
	}
}
