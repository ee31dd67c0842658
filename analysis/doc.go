// Package analysis is one image through one model: loading a model
// (LoadModel, its sidecar and labels), preparing an input (OpenInput,
// ImageInput), the kept forward pass (Model.Analyze), every method's
// layer map (Analysis.Map, through cam's registry and cam.Source), where a
// map lands on the picture (Place), the shared top-5 scale, Deep Feature
// Factorization and the faithfulness metrics of a map.
//
// Caches. Each has one owner, the Analysis, and one invalidation rule:
// it lives exactly as long as its Analysis, which is one image through one
// model — a new picture, input mode or model is a new Analysis, and the
// caches go with the old one. Nothing is ever evicted for being stale,
// because nothing the caches depend on changes within an Analysis.
//
//   - gradients per (layer, class) and input gradients per seed (Grad,
//     Prefetch, cam.Source's gradients);
//   - finished layer maps per (method, layers, class, options), at most
//     mapCacheSize, the oldest going first, and fcconv's all-class dense
//     scores per scale (Map); a map cancelled half-way is never put;
//   - Score-CAM runs per (layer, options), every masked pass's logits, so
//     that one run serves every class (ScoreChannelLogits);
//   - faithfulness reports per (method, layer, class, map values,
//     configuration without the batch size), the baselines per (class,
//     configuration) (Faithfulness).
//
// Close gives the forward pass's buffers back once the calls using it have
// returned; later calls fail with ErrClosed. The package knows nothing of
// sessions, windows or files written: package app drives it for the
// window, cli for the command line.
package analysis
