package wino

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkF4Transforms runs F(4×4)'s input and output transforms alone,
// one thread, on VGG16's planes (channels, side) in one chunk of V and M
// as inference's winograd makes it (8 MB: the rows of one image, or up to
// four whole images side by side), at each block width the CPU runs, so
// the widths compare within one binary.
func BenchmarkF4Transforms(b *testing.B) {
	layers := []struct{ c, hw int }{{64, 224}, {128, 112}, {256, 56}, {512, 28}, {512, 14}}
	r := rand.New(rand.NewPCG(1, 2))
	old := blocks4
	defer func() { blocks4 = old }()
	for _, l := range layers {
		tw := (l.hw + 3) / 4
		budget := (1 << 21) / (36 * l.c)         // tiles of one chunk
		rows := min(tw, budget/tw)               // of one image
		images := max(1, min(4, budget/(tw*tw))) // side by side, when whole ones fit
		nt := rows * tw
		x := randSlice(r, images*l.c*l.hw*l.hw)
		v := make([]float32, 36*l.c*nt*images)
		out := make([]float32, images*l.c*l.hw*l.hw)
		plane := l.c * l.hw * l.hw
		for blocks := range old + 1 {
			blocks4 = blocks
			b.Run(fmt.Sprintf("%d@%d/blocks=%d", l.c, l.hw, blocks), func(b *testing.B) {
				ld := nt * images
				for b.Loop() {
					for i := range images {
						Input4(x[i*plane:], l.hw, l.hw, 1, 1, 0, rows, tw, 0, l.c, l.c, v, ld, i*nt)
					}
					for i := range images {
						Output4(v, l.hw, l.hw, 0, rows, tw, 0, l.c, l.c, nil, out[i*plane:], ld, i*nt)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(ld*l.c), "ns/tile")
			})
		}
	}
}
