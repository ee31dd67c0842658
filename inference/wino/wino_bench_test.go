package wino

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkF4Transforms runs F(4×4)'s input and output transforms alone,
// one thread, on a batch of four images of VGG16's planes (channels,
// side; one chunk of V and M as inference's winograd makes it, capped at
// 8 MB) at each block width the CPU runs, so the widths compare within
// one binary.
func BenchmarkF4Transforms(b *testing.B) {
	layers := []struct{ c, hw int }{{64, 224}, {128, 112}, {256, 56}, {512, 28}, {512, 14}}
	r := rand.New(rand.NewPCG(1, 2))
	old := blocks4
	defer func() { blocks4 = old }()
	for _, l := range layers {
		tw := (l.hw + 3) / 4
		rows := min(4*tw, max(1, (1<<21)/(36*l.c)/tw)) // tile rows of one chunk
		rows = min(rows, tw)                           // at most one image
		nt := rows * tw
		x := randSlice(r, l.c*l.hw*l.hw)
		v := make([]float32, 36*l.c*nt)
		out := make([]float32, l.c*l.hw*l.hw)
		for blocks := range old + 1 {
			blocks4 = blocks
			b.Run(fmt.Sprintf("%d@%d/blocks=%d", l.c, l.hw, blocks), func(b *testing.B) {
				for b.Loop() {
					Input4(x, l.hw, l.hw, 1, 1, 0, rows, tw, 0, l.c, l.c, v, nt, 0)
					Output4(v, l.hw, l.hw, 0, rows, tw, 0, l.c, l.c, nil, out, nt, 0)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(nt*l.c), "ns/tile")
			})
		}
	}
}
