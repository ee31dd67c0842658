// Package metrics measures how faithful a saliency map is to the network it
// explains, with the perturbation metrics of the CAM literature:
//
//   - Deletion and Insertion (Petsiuk et al., RISE, 2018): pixels are
//     removed from the image (deletion) or revealed on a blank canvas
//     (insertion) in order of decreasing map value, and the target class's
//     probability is recorded after each step. A faithful map makes the
//     deletion curve fall fast (low area under the curve) and the insertion
//     curve rise fast (high area).
//   - Average Drop and Increase in Confidence (Chattopadhyay et al.,
//     Grad-CAM++, 2018): the image is multiplied by the map, and the drop of
//     the class probability, max(0, Y−O)/Y·100, and whether it increased,
//     O > Y, are reported.
//   - ROAD (Rong et al., 2022) and CAM-mult confidence change, as
//     pytorch-grad-cam computes them ([ROAD], [Imputer],
//     [CamMultConfidenceChange]): changes of the raw logit when the most or
//     least relevant pixels are imputed from their neighbours, or when the
//     input is multiplied by the map.
//   - For sanity checks (Adebayo et al., 2018), [Spearman] and [SSIM]
//     compare a map with the map of a randomised network; for the pointing
//     game, [PointingHit] tests a map's peak against boxes.
//
// Like package cam it works on plain float32 slices and never calls a
// network itself: every forward pass goes through a [Forward] callback,
// which has the shape of cam.BatchFunc. A [Map] has the fields of cam.Map
// and an [Input] those of cam.Maps, so both convert directly.
//
// # Conventions
//
// Everything happens in the network's normalised input space, x =
// (pixel − mean)/std. The input's 0 is therefore the dataset's mean colour,
// and:
//
//   - the "mean" baseline ([BaselineMean]) is the all-zero tensor: a removed
//     pixel takes the mean colour (RISE's deletion substrate, and the
//     default for deletion);
//   - the "blur" baseline ([BaselineBlur]) is a Gaussian blur of x with
//     σ = 5 px for a 224-pixel side, scaled with the shorter side (RISE's
//     insertion substrate, and the default for insertion). Blurring is
//     linear with weights summing to one, so blurring the normalised tensor
//     equals normalising the blurred picture: no round trip to pixels is
//     needed. RISE truncates its kernel to 11×11; we truncate at 3σ, a
//     proper Gaussian. Edges are mirrored (scipy's "reflect");
//   - the explanation image of Average Drop is x ⊙ map, the normalised
//     tensor times the map (in [0,1]): each pixel is pulled towards the mean
//     colour in proportion to 1 − map, rather than towards black as when
//     the 0–1 picture is multiplied (the paper's wording). We follow
//     pytorch-grad-cam's metrics (cam_mult_image multiplies the normalised
//     tensor), which also matches the deletion baseline and ScoreCAM's
//     masking; a black picture is far out of distribution for an ImageNet
//     model and would score every map's "drop" mostly on that.
//
// Y and O are class probabilities (softmax of the logits), as are the
// points of the curves.
//
// Pixels are ordered by decreasing map value; equal values (a flat map, a
// saturated plateau, the zeros of a ReLU'd map) are ordered by a random
// permutation seeded with [Config.Seed]. A stable sort would keep the
// row-major order of ties and sweep them from the top of the image down,
// which measures how much the network cares about the top rows, not the
// map; with random ties a constant map gives exactly a random deletion.
// NaN map values sort last.
//
// Curves have Steps+1 points at the fractions k_i/(H·W), with
// k_i = ⌊i·H·W/Steps⌋ pixels removed or revealed, i = 0…Steps: the first
// point of deletion is the unmodified input, its last the baseline (and the
// other way round for insertion). The AUC is the trapezoid rule over the
// fraction axis [0,1].
//
// [Random] and [CenterGaussian] are baseline maps: a method that does not
// beat them on an image explains nothing there.
package metrics
