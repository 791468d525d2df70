package media

import "errors"

// The errors Process returns wrap exactly one of these, so callers can tell the
// artist what went wrong with errors.Is. The wrapped message says which file
// property failed and by how much.
var (
	// ErrUnsupportedType means the bytes are not a PNG, JPEG, GIF or WebP image,
	// or are one whose type the limits do not allow, or use a variant of the
	// format that cannot be decoded (arithmetic-coded JPEG, animated WebP).
	ErrUnsupportedType = errors.New("media: unsupported image type")
	// ErrTooLarge means the file is bigger than Limits.MaxBytes.
	ErrTooLarge = errors.New("media: file too large")
	// ErrTooManyPixels means the header declares more pixels than
	// Limits.MaxPixels; the image was not decoded.
	ErrTooManyPixels = errors.New("media: image has too many pixels")
	// ErrCorrupt means the file is truncated, malformed or fails to decode.
	ErrCorrupt = errors.New("media: corrupt image")
)
