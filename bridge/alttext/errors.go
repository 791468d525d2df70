package alttext

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors, one per outcome the artist should hear about. Describe
// wraps exactly one of them (test with errors.Is); errors.As with *Error
// gives the detail, e.g. when to try again.
var (
	// ErrDisabled: no model is configured.
	ErrDisabled = errors.New("alttext: AI descriptions are disabled")
	// ErrBudgetExhausted: the daily request budget is used up.
	ErrBudgetExhausted = errors.New("alttext: daily request budget exhausted")
	// ErrArtistRateLimited: this artist reached the per-hour limit.
	ErrArtistRateLimited = errors.New("alttext: artist rate limit reached")
	// ErrUpstreamRateLimited: the endpoint answered 429.
	ErrUpstreamRateLimited = errors.New("alttext: endpoint rate limited the request")
	// ErrTimeout: no complete answer within the timeout.
	ErrTimeout = errors.New("alttext: request timed out")
	// ErrUpstream: the endpoint failed (network, HTTP error, malformed reply).
	ErrUpstream = errors.New("alttext: endpoint error")
	// ErrTruncated: the answer was cut off (finish_reason "length").
	ErrTruncated = errors.New("alttext: draft truncated by the token limit")
	// ErrRefused: the model declined (refusal field, finish_reason
	// "content_filter", or an answer that opens like a refusal).
	ErrRefused = errors.New("alttext: model declined to describe the image")
	// ErrEmptyReply: the answer had no text.
	ErrEmptyReply = errors.New("alttext: empty draft")
	// ErrUnsupportedImage: the image could not be decoded or is too large.
	ErrUnsupportedImage = errors.New("alttext: unsupported image")
)

// Error is the error type Describe returns. Kind is one of the sentinel
// errors above; Err, when set, is the underlying cause.
type Error struct {
	// Kind is one of the Err* sentinels.
	Kind error
	// RetryAfter, when positive, is how long to wait before asking again
	// (per-artist limit, daily budget, or the endpoint's Retry-After).
	RetryAfter time.Duration
	// Detail is a short technical explanation for logs, never shown to the
	// artist.
	Detail string
	// Err is the underlying cause, if any.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.Error())
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter.Round(time.Second))
	}
	return b.String()
}

// Unwrap lets errors.Is match both the kind and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

func newError(kind error, detail string, cause error) *Error {
	return &Error{Kind: kind, Detail: detail, Err: cause}
}

// RetryAfter reports how long to wait before asking again, if err says so.
func RetryAfter(err error) (time.Duration, bool) {
	var e *Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		return e.RetryAfter, true
	}
	return 0, false
}

// Message returns a short sentence for the artist explaining why no draft was
// made. It never contains technical detail. For a nil error it returns "".
func Message(err error) string {
	if err == nil {
		return ""
	}
	const tail = " Your post is not held up: its description stays empty until you write one."
	wait := ""
	if d, ok := RetryAfter(err); ok {
		wait = " Try again in about " + humanDuration(d) + "."
	}
	switch {
	case errors.Is(err, ErrDisabled):
		return "AI descriptions are not enabled on this server." + tail
	case errors.Is(err, ErrBudgetExhausted):
		return "The server's AI description budget for today is used up." + wait + tail
	case errors.Is(err, ErrArtistRateLimited):
		return "You have asked for many AI descriptions in the last hour." + wait + tail
	case errors.Is(err, ErrUpstreamRateLimited):
		return "The AI service is busy right now." + wait + tail
	case errors.Is(err, ErrTimeout):
		return "The AI service took too long to answer." + tail
	case errors.Is(err, ErrTruncated):
		return "The AI draft was cut off before it was finished, so it was not used." + tail
	case errors.Is(err, ErrRefused):
		return "The AI service declined to describe this image." + tail
	case errors.Is(err, ErrEmptyReply):
		return "The AI service answered with an empty description." + tail
	case errors.Is(err, ErrUnsupportedImage):
		return "This image could not be prepared for an AI description (PNG, JPEG, GIF and WebP work)." + tail
	default:
		return "The AI service could not make a description this time." + tail
	}
}

// humanDuration renders d for people: seconds under a minute, minutes under
// two hours, else hours; always rounded up.
func humanDuration(d time.Duration) string {
	switch {
	case d <= time.Minute:
		s := int((d + time.Second - 1) / time.Second)
		if s <= 1 {
			return "1 second"
		}
		return fmt.Sprintf("%d seconds", s)
	case d <= 2*time.Hour:
		m := int((d + time.Minute - 1) / time.Minute)
		return fmt.Sprintf("%d minutes", m)
	default:
		h := int((d + time.Hour - 1) / time.Hour)
		return fmt.Sprintf("%d hours", h)
	}
}
