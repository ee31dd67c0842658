package inference

// MaskBatch is how many masked images a perturbation method (Score-CAM
// and its kin) should put through this net in one pass, at its declared
// input size. A batch pays where one image uses a weight only once: a
// fully connected layer's product with one image is a matrix-vector
// product that streams all its weights from memory (VGG16's fc6: 411 MB,
// 16–20 ms a pass on the session-6 VM), which a batch of b images does
// once for all b. Convolutions reuse each weight over the whole plane, so
// they gain little (measured: VGG16's convolutions cost the same per image
// at 1 and 4, up to 14×14 planes; ResNet-50 no faster per image at 2, 4 or
// 8), while a batch's buffers grow with it (VGG16: the arena holds 123 MB
// at 1, 250 MB at 4).
//
// So b is the smallest power of two, at most maxMaskBatch, for which the
// once-used weights cost at most maskStreamBytes per image: VGG16 (494 MB
// of fully connected weights) gets 4, ResNet-50 (8 MB) and networks like
// it get 1.
func (n *Net) MaskBatch() int { return maskBatchFor(4 * n.onceUsedWeights()) }

// maskBatchFor is MaskBatch for a net whose once-used weights are
// streamed bytes.
func maskBatchFor(streamed int) int {
	b := 1
	for b < maxMaskBatch && streamed > b*maskStreamBytes {
		b *= 2
	}
	return b
}

const (
	// maskStreamBytes is the weight traffic per image a batch is made to
	// amortise: 128 MB is about 7 ms at this VM's memory speed, under 5%
	// of a VGG16 pass (batch 8 against 4 measured within noise).
	maskStreamBytes = 128 << 20
	maxMaskBatch    = 8
)

// onceUsedWeights counts the constant weight values of the products that
// use each weight once per image: Gemm and MatMul on one row per image,
// and convolutions with a 1×1 output plane (a fully connected layer
// written as a convolution).
func (n *Net) onceUsedWeights() int {
	total := 0
	for _, s := range n.steps {
		out := n.shapes[s.out]
		if len(s.in) < 2 || s.in[1] < 0 || len(out) == 0 {
			continue
		}
		w := n.values[s.in[1]].konst
		if w == nil {
			continue
		}
		switch s.op {
		case "Gemm", "MatMul":
			if len(out) == 2 {
				total += numel(w.shape)
			}
		case "Conv":
			if len(out) == 4 && out[2]*out[3] == 1 {
				total += numel(w.shape)
			}
		}
	}
	return total
}
