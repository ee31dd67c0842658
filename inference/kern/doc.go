// Package kern holds camviz's own compute kernels in C, for loops where
// Go's compiler leaves much of the machine unused: MaxPool's 3×3 windows
// (a branch per comparison in Go, a MAXSS in C) and a packed
// single-precision matrix product with the convolution's epilogue fused
// into its last store.
//
// Every kernel has a plain Go twin with the same results; the purego
// build tag, or a CPU without the instructions a C kernel was compiled
// for, selects it. The C code is compiled for baseline x86-64 (SSE2)
// except where a function says otherwise and is called only after
// golang.org/x/sys/cpu reports the features it needs.
package kern
