// Package compose is camviz's one composer: a pure function from an
// analysis, a selection and drawing options to a picture, its caption and
// its facts. Compose draws what a Selection asks for (one class's map on
// its scale, or two classes' blend or signed contrast) over a base
// picture and returns the View; Exported is the saved picture, with its
// caption, colour bar and facts (NewFacts); Cell draws one map of a grid,
// a report or a layer strip, Sheet lays captioned cells out, DrawGrid and
// GridExport are the comparison grid on screen and saved, Partial a slow
// method's map so far.
//
// Where the maps come from and how they are placed are the caller's: the
// session passes maps with progress and a display field cache (Compose's
// mapOf and place), Exported and the grids use Analysis.Map and Place.
// The package runs no jobs, keeps no state and writes no files.
package compose
