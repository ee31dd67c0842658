package imgio

import "strings"

// ErrorKind says what went wrong, so callers (the UI, the CLI's exit code)
// can branch with errors.As without parsing messages.
type ErrorKind int

const (
	// KindEmpty: the file has no bytes at all.
	KindEmpty ErrorKind = iota + 1
	// KindNotImage: no decoder recognises the first bytes.
	KindNotImage
	// KindUnsupported: a recognised image format (or variant of one) that we
	// cannot decode, e.g. HEIC or arithmetic-coded JPEG.
	KindUnsupported
	// KindCorrupt: the format is recognised but the data is truncated or
	// malformed.
	KindCorrupt
	// KindTooLarge: the header declares more pixels than the budget allows;
	// refused before any pixel memory is allocated.
	KindTooLarge
	// KindIO: the file could not be read (missing, permissions, ...).
	KindIO
	// KindBadTensor: a .npy file that is not a float32 array of a usable shape.
	KindBadTensor
)

// Error is every error this package returns for bad input. Its message is a
// single line meant to be shown to the user verbatim.
type Error struct {
	Kind ErrorKind
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// newErr builds an *Error, squashing the message onto one line: decoder
// messages occasionally carry newlines or very long quoted data, and the UI
// shows this text in a one-line status bar.
func newErr(kind ErrorKind, msg string) *Error {
	msg = strings.Join(strings.Fields(msg), " ")
	const maxLen = 300
	if len(msg) > maxLen {
		// Cut on a byte boundary, then drop a possibly split UTF-8 sequence.
		msg = strings.ToValidUTF8(msg[:maxLen], "") + "…"
	}
	return &Error{Kind: kind, Msg: msg}
}

// displayName is what messages call an input that did not come from a path.
func displayName(name string) string {
	if name == "" {
		return "input"
	}
	return name
}
