// Package app is camviz's session without a screen: the state machine the
// window drives. A Session takes requests (open a model or a picture, pick
// a class, method, layer, scale, colour map, …), classifies what each
// changes (session_request.go), runs the work in typed lanes of background
// jobs where the latest request wins (jobs.go), and publishes immutable
// snapshots (State) and the labels derived from them (session_labels.go).
// It wires the packages below it — analysis for models, analyses, their
// caches and the checks, compose for the pictures, export for the files
// — and leaves the computing, drawing and writing to them; it knows
// nothing of Fyne.
package app
