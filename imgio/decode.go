package imgio

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"os"

	"camviz/internal/files"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"
)

// Default limits. A 100-megapixel photo is larger than any common camera
// or phone produces in its default mode, yet it still fits in memory on a
// laptop: see Limits for what it costs.
const (
	DefaultMaxPixels    = 100_000_000
	DefaultMaxSide      = 30_000
	DefaultMaxFileBytes = 1 << 30
)

// Limits bounds what Decode is willing to allocate. The header is read and
// checked against these limits before any pixel buffer exists, so a tiny
// file that claims to be 50000×50000 costs nothing.
//
// Memory: decoding needs the file bytes, the decoder's own buffer (1.5
// bytes/pixel for a 4:2:0 JPEG, up to 15-16 bytes/pixel for a progressive
// 4:4:4 JPEG whose coefficients Go keeps, 4-8 bytes/pixel for PNG/TIFF) plus
// the 4 bytes/pixel result. At the default 100 MP a baseline JPEG peaks near
// 550 MB and a worst-case progressive JPEG near 2 GB; lower MaxPixels on
// small machines.
//
// Zero fields mean the defaults.
type Limits struct {
	MaxPixels    int64 // width×height
	MaxSide      int   // max(width, height)
	MaxFileBytes int64 // size of the encoded file
}

func (l Limits) withDefaults() Limits {
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	if l.MaxSide <= 0 {
		l.MaxSide = DefaultMaxSide
	}
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = DefaultMaxFileBytes
	}
	return l
}

// Meta describes the decoded file.
type Meta struct {
	// Format is the codec that decoded the file: "png", "jpeg", "gif",
	// "bmp", "webp" or "tiff".
	Format string
	// Width and Height are the stored size, before orientation. The returned
	// image is Height×Width when Orientation is 5..8.
	Width, Height int
	// Orientation is the EXIF orientation that was applied (1..8); 1 when
	// the file has none or it is invalid.
	Orientation int
	// Composited reports that some pixels were not fully opaque and were
	// composited over black (see Decode).
	Composited bool
}

// codec is one row of the decoder table.
type codec struct {
	name    string // Meta.Format
	display string // how error messages name the format
	magic   []string
	config  func(io.Reader) (image.Config, error)
	decode  func(io.Reader) (image.Image, error)
	// trailer, when set, is the format's end marker. Files cut right
	// after the image data (a camera or download that never wrote the
	// final marker) are common; Pillow and browsers show them, Go's
	// decoders fail at EOF. We append the marker when it is missing.
	trailer string
}

// codecs is our own dispatch table rather than image.Decode's global
// registry: whatever else the binary links in (Fyne registers nothing today,
// but might), the set of formats that can reach the budget checks below stays
// exactly this one. '?' in a magic string matches any byte.
var codecs = [...]codec{
	{"png", "PNG", []string{"\x89PNG\r\n\x1a\n"}, png.DecodeConfig, png.Decode, "\x00\x00\x00\x00IEND\xaeB`\x82"},
	{"jpeg", "JPEG", []string{"\xff\xd8"}, jpeg.DecodeConfig, jpeg.Decode, "\xff\xd9"},
	// gif.Decode stops after the first frame of an animation, which is
	// what we want: only that frame's pixels are ever allocated.
	{"gif", "GIF", []string{"GIF87a", "GIF89a"}, gif.DecodeConfig, gif.Decode, ""},
	{"bmp", "BMP", []string{"BM????\x00\x00\x00\x00"}, bmp.DecodeConfig, bmp.Decode, ""},
	{"webp", "WebP", []string{"RIFF????WEBPVP8"}, webp.DecodeConfig, webp.Decode, ""},
	{"tiff", "TIFF", []string{"II*\x00", "MM\x00*"}, tiff.DecodeConfig, tiff.Decode, ""},
}

// knownUnsupported names formats users commonly drop that no decoder here
// reads, so the message can say what the file is instead of "not an image".
// Offsets are into the file; '?' matches any byte.
var knownUnsupported = [...]struct {
	offset int
	magic  string
	name   string
}{
	{4, "ftypheic", "HEIC"}, {4, "ftypheix", "HEIC"}, {4, "ftyphevc", "HEIC"},
	{4, "ftypmif1", "HEIF"}, {4, "ftypmsf1", "HEIF"},
	{4, "ftypavif", "AVIF"}, {4, "ftypavis", "AVIF"},
	{0, "\xff\x0a", "JPEG XL"}, {0, "\x00\x00\x00\x0cJXL \x0d\x0a\x87\x0a", "JPEG XL"},
	{0, "\x00\x00\x00\x0cjP  \x0d\x0a\x87\x0a", "JPEG 2000"},
	{0, "8BPS", "Photoshop PSD"},
	{0, "\x00\x00\x01\x00", "ICO"},
	{0, "%PDF", "PDF"},
}

func matchMagic(data []byte, offset int, magic string) bool {
	if len(data) < offset+len(magic) {
		return false
	}
	for i := 0; i < len(magic); i++ {
		if magic[i] != '?' && data[offset+i] != magic[i] {
			return false
		}
	}
	return true
}

func sniff(data []byte) *codec {
	for i := range codecs {
		for _, m := range codecs[i].magic {
			if matchMagic(data, 0, m) {
				return &codecs[i]
			}
		}
	}
	return nil
}

// DecodeFile reads and decodes the image at path; see DecodeBytes. Messages
// name the file by path as given.
func DecodeFile(path string, lim Limits) (*image.NRGBA, Meta, error) {
	lim = lim.withDefaults()
	data, err := readFile(path, lim.MaxFileBytes, "an image file")
	if err != nil {
		return nil, Meta{}, err
	}
	return DecodeBytes(path, data, lim)
}

// DecodeReader reads r to the end (at most lim.MaxFileBytes) and decodes it;
// see DecodeBytes. name is only used in messages.
func DecodeReader(name string, r io.Reader, lim Limits) (*image.NRGBA, Meta, error) {
	lim = lim.withDefaults()
	data, err := io.ReadAll(io.LimitReader(r, lim.MaxFileBytes+1))
	if err != nil {
		return nil, Meta{}, ioErr(displayName(name), err)
	}
	if int64(len(data)) > lim.MaxFileBytes {
		return nil, Meta{}, fileTooBig(displayName(name), lim)
	}
	return DecodeBytes(name, data, lim)
}

// DecodeBytes decodes a PNG, JPEG, GIF (first frame), BMP, WebP or TIFF file
// into an opaque, EXIF-oriented 8-bit sRGB image with bounds starting at
// (0,0). name is only used in messages ("" reads as "input").
//
// Every pixel of the result has alpha 255. Transparent and translucent
// pixels are composited over black, i.e. the colour kept is the
// alpha-premultiplied one. Why black: the usual PyTorch pipeline,
// PIL's Image.convert("RGB"), simply drops alpha and keeps the stored
// colour; for fully transparent pixels that colour is commonly black
// (0,0,0,0), since many encoders and PNG optimisers zero it because it
// compresses best, so black agrees with that pipeline on the usual cut-out
// image. Where the two differ — translucent edges (PIL keeps the full
// colour, we darken it) and files that leave arbitrary colour under alpha
// 0 (PIL shows it, we show black) — compositing gives a defined, visible
// result instead of hidden data. White would match how viewers show such
// images but no training pipeline. The same opaque image is what camviz
// draws the CAM on, so the user sees exactly what the network saw.
//
// Other conversions: 16-bit samples keep their high byte (as Pillow does for
// 16-bit RGB; for 16-bit grey Pillow's "I;16" mode has clipped to 255 in
// some versions, whitening the image — we do not copy that), grey is
// replicated into R, G and B, paletted images
// are expanded, CMYK/YCCK JPEGs are converted with Go's naive CMYK→RGB
// formula (no ICC colour management; files with an embedded ICC profile
// that is not sRGB are not colour-converted). EXIF orientation (1..8) is
// honoured for JPEG and TIFF.
//
// Errors are *Error values with a one-line message for the user.
func DecodeBytes(name string, data []byte, lim Limits) (*image.NRGBA, Meta, error) {
	lim = lim.withDefaults()
	dn := displayName(name)
	if len(data) == 0 {
		return nil, Meta{}, newErr(KindEmpty, "empty file: "+dn)
	}
	if int64(len(data)) > lim.MaxFileBytes {
		return nil, Meta{}, fileTooBig(dn, lim)
	}
	c := sniff(data)
	if c == nil {
		for _, u := range knownUnsupported {
			if matchMagic(data, u.offset, u.magic) {
				return nil, Meta{}, newErr(KindUnsupported,
					fmt.Sprintf("%s images are not supported (convert it to PNG or JPEG first): %s", u.name, dn))
			}
		}
		return nil, Meta{}, newErr(KindNotImage, "not an image (or an unsupported format): "+dn)
	}

	// Header first: the size check must happen before the decoder
	// allocates the pixel buffer the header asks for.
	cfg, err := c.config(bytes.NewReader(data))
	if err != nil {
		return nil, Meta{}, decodeErr(dn, c, err)
	}
	if err := checkSize(dn, cfg.Width, cfg.Height, lim); err != nil {
		return nil, Meta{}, err
	}

	// x/image/webp reports an animation as "invalid format"; say what it is.
	if c.name == "webp" && matchMagic(data, 0, "RIFF????WEBPVP8X") && len(data) > 20 && data[20]&0x02 != 0 {
		return nil, Meta{}, newErr(KindUnsupported, "animated WebP images are not supported (convert it to PNG or JPEG first): "+dn)
	}

	input := data
	missingEnd := c.trailer != "" && !bytes.HasSuffix(data, []byte(c.trailer))
	if missingEnd {
		// Append the end marker up front rather than retry after a
		// failure: one decode attempt, so memory stays within one pixel
		// buffer even for a truncated file whose header claims the full
		// budget. Decoders stop at the first end marker, so files with
		// trailing bytes after a real one are unaffected.
		input = append(data[:len(data):len(data)], c.trailer...)
	}
	src, err := c.decode(bytes.NewReader(input))
	if err != nil {
		if missingEnd && !isUnsupported(err) {
			// With its end marker missing and the data not decodable,
			// the file was cut short; the decoder's own complaint (it
			// tripped over the marker we appended) would mislead.
			err = io.ErrUnexpectedEOF
		}
		return nil, Meta{}, decodeErr(dn, c, err)
	}
	b := src.Bounds()
	// The decoders size their buffers from the same header fields that
	// DecodeConfig reports, so this only trips if a decoder disagrees with
	// itself; it keeps the guarantee that no image over budget is returned.
	if err := checkSize(dn, b.Dx(), b.Dy(), lim); err != nil {
		return nil, Meta{}, err
	}

	meta := Meta{Format: c.name, Width: b.Dx(), Height: b.Dy(), Orientation: 1}
	switch c.name {
	case "jpeg":
		meta.Orientation = orientationJPEG(data)
	case "tiff":
		meta.Orientation = orientationTIFF(data)
	}
	img, composited := flatten(src, meta.Orientation)
	meta.Composited = composited
	return img, meta, nil
}

// checkSize applies the pixel budget to a declared size.
func checkSize(name string, w, h int, lim Limits) error {
	if w <= 0 || h <= 0 {
		return newErr(KindCorrupt, fmt.Sprintf("image has no pixels (%d×%d): %s", w, h, name))
	}
	if int64(w)*int64(h) > lim.MaxPixels {
		return newErr(KindTooLarge, fmt.Sprintf("image is %d×%d pixels, larger than the %s limit: %s",
			w, h, pixelsLabel(lim.MaxPixels), name))
	}
	if w > lim.MaxSide || h > lim.MaxSide {
		return newErr(KindTooLarge, fmt.Sprintf("image is %d×%d pixels, wider or taller than the %d-pixel limit: %s",
			w, h, lim.MaxSide, name))
	}
	return nil
}

func pixelsLabel(n int64) string {
	if n >= 1_000_000 && n%1_000_000 == 0 {
		return fmt.Sprintf("%d-megapixel", n/1_000_000)
	}
	return fmt.Sprintf("%d-pixel", n)
}

// readFile reads a regular file of at most limit bytes; the size is
// checked before reading, and a folder, pipe, device or socket is refused
// without blocking. what is "an image file" or "a tensor file".
func readFile(path string, limit int64, what string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, ioErr(path, err)
	}
	if k := files.Kind(fi.Mode()); k != "" {
		return nil, newErr(KindIO, fmt.Sprintf("is %s, not %s: %s", k, what, path))
	}
	if fi.Size() > limit {
		return nil, newErr(KindTooLarge, fmt.Sprintf("file is larger than the %d MB limit: %s", limit>>20, path))
	}
	data, err := files.ReadRegular(path, "file", limit)
	switch {
	case errors.Is(err, files.ErrTooLarge):
		return nil, newErr(KindTooLarge, fmt.Sprintf("file is larger than the %d MB limit: %s", limit>>20, path))
	case err != nil:
		return nil, ioErr(path, err)
	}
	return data, nil
}

func fileTooBig(name string, lim Limits) error {
	return newErr(KindTooLarge, fmt.Sprintf("file is larger than the %d MB limit: %s", lim.MaxFileBytes>>20, name))
}

func ioErr(name string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return newErr(KindIO, "file not found: "+name)
	case errors.Is(err, fs.ErrPermission):
		return newErr(KindIO, "permission denied: "+name)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // the path is already in our message
	}
	return newErr(KindIO, fmt.Sprintf("cannot read %s: %v", name, err))
}

// decodeErr turns a codec's error into a user message. Codecs report
// truncation as io.ErrUnexpectedEOF (or io.EOF inside a header) and
// everything else as a FormatError/UnsupportedError string.
func decodeErr(name string, c *codec, err error) error {
	switch {
	case isUnsupported(err):
		return newErr(KindUnsupported, fmt.Sprintf("unsupported kind of %s: %s (%v)", c.display, name, err))
	case isEOF(err):
		return newErr(KindCorrupt, fmt.Sprintf("truncated or corrupt %s: %s (the file ends too early)", c.display, name))
	}
	return newErr(KindCorrupt, fmt.Sprintf("truncated or corrupt %s: %s (%v)", c.display, name, err))
}

// isUnsupported reports a codec's "valid but not implemented" error.
func isUnsupported(err error) bool {
	var (
		jpegUnsup jpeg.UnsupportedError
		pngUnsup  png.UnsupportedError
		tiffUnsup tiff.UnsupportedError
	)
	return errors.As(err, &jpegUnsup) || errors.As(err, &pngUnsup) || errors.As(err, &tiffUnsup) ||
		errors.Is(err, bmp.ErrUnsupported)
}

func isEOF(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}
