// Package compose is camviz's one composer: a pure function from an
// analysis, a selection and drawing options to a picture, its caption and
// its facts. Compose draws what a Selection asks for (one class's map on
// its scale, or two classes' blend or signed contrast) over a base
// picture and returns the View; Cell draws one map of a grid, a report or
// a layer strip; Sheet lays captioned cells out; ExportCaption adds the
// caption and colour bar of a saved picture, NewFacts its JSON facts.
//
// Where the maps come from and how they are placed are the caller's: the
// session passes maps with progress and a display field cache, the export
// and the tests Analysis.Map and Analysis.Place. The package runs no jobs,
// keeps no state and writes no files.
package compose
