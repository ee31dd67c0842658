package kern

// Relu sets each v of x to 0 > v ? 0 : v — MAXPS(0, v), as the packed
// product's epilogue: a NaN stays NaN, −0 stays −0.
func Relu(x []float32) {
	if len(x) > 0 {
		relu(x)
	}
}

// reluGo is Relu in Go.
func reluGo(x []float32) {
	for i, v := range x {
		if 0 > v {
			x[i] = 0
		}
	}
}
