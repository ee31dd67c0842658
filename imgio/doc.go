// Package imgio turns whatever file a user drops on camviz into the two
// things the rest of the app needs: an oriented, opaque 8-bit sRGB picture
// to draw on, and the float32 NCHW tensor a CNN classifier expects,
// together with the geometry that maps the tensor back onto the picture.
//
// Everything here is a pure function of its arguments: no package state, no
// caches, safe to call from any goroutine.
//
// Files:
//   - decode.go: bytes → *image.NRGBA, with size guards and readable errors.
//   - orient.go: EXIF orientation, read with goexif and applied to pixels.
//   - resample.go: a Pillow-compatible antialiased bilinear resampler, and the
//     bounded "working copy" downscale for very large photos.
//   - preprocess.go: torchvision's eval transform (Resize, CenterCrop,
//     ToTensor, Normalize) and the crop geometry.
//   - npy.go: float32 .npy in (pre-made input tensors) and out (maps).
//   - errors.go: the *Error type; every bad-input error is one, with a
//     one-line message for the user and a Kind to branch on.
//   - parallel.go: the row-splitting helper the pixel loops share.
package imgio
