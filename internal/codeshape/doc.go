// Package codeshape holds only a test: it walks the module's Go files and
// fails on a non-test file over MaxFileLines lines or a non-test function
// over MaxFuncLines lines (issue #13: small files by responsibility,
// short functions), so the tree keeps that shape.
package codeshape

// The limits: 400 lines per file and 80 per function.
const (
	MaxFileLines = 400
	MaxFuncLines = 80
)
