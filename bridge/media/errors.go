package media

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// The errors Process returns wrap exactly one of these, so callers can tell
// what went wrong with errors.Is. Every error Process returns because of the
// file (not because its context was cancelled) is an *Error, whose text an
// artist can read.
var (
	// ErrUnsupportedType means the bytes are not a PNG, JPEG, GIF or WebP image,
	// or are one whose type the limits do not allow, or use a variant of the
	// format that cannot be decoded (arithmetic-coded JPEG, animated WebP).
	ErrUnsupportedType = errors.New("media: unsupported image type")
	// ErrTooLarge means the file is bigger than Limits.MaxBytes.
	ErrTooLarge = errors.New("media: file too large")
	// ErrTooManyPixels means the header declares more pixels than
	// Limits.MaxPixels (or a GIF's frames together more than its budget); the
	// image was not decoded.
	ErrTooManyPixels = errors.New("media: image has too many pixels")
	// ErrTooComplex means the file's structure would make checking it cost far
	// more than its size suggests: too many progressive JPEG scans, GIF frames
	// or PNG/WebP chunks, or a check that ran past its time budget (the
	// context's deadline). The image was not decoded, or its decoding was
	// abandoned.
	ErrTooComplex = errors.New("media: image too complex to check")
	// ErrCorrupt means the file is truncated, malformed or fails to decode.
	ErrCorrupt = errors.New("media: corrupt image")
)

// Error is an image refused by Process. Its text is written for the artist
// who sent the file: what is wrong and what to do, then the technical detail
// in parentheses.
type Error struct {
	// Kind is the sentinel the error wraps: ErrUnsupportedType, ErrTooLarge,
	// ErrTooManyPixels, ErrTooComplex or ErrCorrupt.
	Kind error
	// Advice is the sentence for the artist, such as "this image has too many
	// progressive passes — export it again as a normal JPEG".
	Advice string
	// Detail is the technical reason, with the numbers and the limit.
	Detail string
}

// Error returns the advice followed by the detail in parentheses.
func (e *Error) Error() string {
	if e.Detail == "" {
		return e.Advice
	}
	return e.Advice + " (" + e.Detail + ")"
}

// ArtistMessage is the same text as Error: it is meant to be shown as is.
func (e *Error) ArtistMessage() string { return e.Error() }

// Unwrap returns Kind.
func (e *Error) Unwrap() error { return e.Kind }

// refuse builds an *Error with a specific piece of advice.
func refuse(kind error, advice, format string, args ...any) *Error {
	return &Error{Kind: kind, Advice: advice, Detail: fmt.Sprintf(format, args...)}
}

// Advice for the kinds of error that have no more specific one.
const (
	adviceUnsupported = "this file is not an image artbridge can publish: send a PNG, JPEG, GIF or still WebP image"
	adviceTooLarge    = "this image file is too big: export it again at a smaller size or higher compression"
	adviceTooMany     = "this image has too many pixels: export it again at a smaller size"
	adviceTooComplex  = "this image is built in an unusual way that makes it too costly to check: export it again with your app's usual settings"
	adviceCorrupt     = "this image file looks damaged or incomplete: export it again and send the new file"
	adviceTooSlow     = "checking this image took too long: export it again with your app's usual settings, or at a smaller size"
)

// forArtist turns any error of the package into an *Error, keeping a specific
// advice when there is one. A cancelled context is returned as it is: that is
// not the file's fault. A context deadline means the time budget ran out.
func forArtist(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Kind: ErrTooComplex, Advice: adviceTooSlow, Detail: "the check ran out of its time budget"}
	}
	if errors.Is(err, context.Canceled) || ctx.Err() != nil {
		return err
	}
	kind, advice := ErrCorrupt, adviceCorrupt
	switch {
	case errors.Is(err, ErrUnsupportedType):
		kind, advice = ErrUnsupportedType, adviceUnsupported
	case errors.Is(err, ErrTooLarge):
		kind, advice = ErrTooLarge, adviceTooLarge
	case errors.Is(err, ErrTooManyPixels):
		kind, advice = ErrTooManyPixels, adviceTooMany
	case errors.Is(err, ErrTooComplex):
		kind, advice = ErrTooComplex, adviceTooComplex
	}
	detail := strings.TrimPrefix(err.Error(), kind.Error())
	detail = strings.TrimPrefix(detail, ": ")
	return &Error{Kind: kind, Advice: advice, Detail: detail}
}
