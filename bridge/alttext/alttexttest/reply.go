package alttexttest

import (
	"strconv"
	"time"
)

// Reply scripts one answer of the fake server.
type Reply struct {
	// Status is the HTTP status; 0 means 200.
	Status int
	// Text is the assistant message content (200 only).
	Text string
	// FinishReason is the choice's finish_reason; "" means "stop".
	FinishReason string
	// Refusal fills the message's refusal field.
	Refusal string
	// RetryAfter, when not empty, is sent as the Retry-After header.
	RetryAfter string
	// Delay holds the answer back; the handler returns early when the
	// request's context ends (the client gave up) or the server closes.
	Delay time.Duration
	// ErrorMessage is the message of an OpenAI-style error body, for
	// statuses ≥ 400.
	ErrorMessage string
}

// Draft answers 200 with text and finish_reason "stop".
func Draft(text string) Reply { return Reply{Text: text} }

// Truncated answers 200 with text and finish_reason "length".
func Truncated(text string) Reply { return Reply{Text: text, FinishReason: "length"} }

// ContentFilter answers 200 with empty content and finish_reason
// "content_filter".
func ContentFilter() Reply { return Reply{FinishReason: "content_filter"} }

// Refusal answers 200 with the message's refusal field set and no content.
func Refusal(reason string) Reply { return Reply{Refusal: reason} }

// ServerError answers 500 with an OpenAI-style error body.
func ServerError() Reply {
	return Reply{Status: 500, ErrorMessage: "The server had an error while processing your request."}
}

// TooManyRequests answers 429 with Retry-After in whole seconds.
func TooManyRequests(retryAfter time.Duration) Reply {
	return Reply{
		Status:       429,
		RetryAfter:   strconv.Itoa(int(retryAfter / time.Second)),
		ErrorMessage: "Rate limit reached for requests.",
	}
}

// Slow answers with a draft after delay, or not at all if the client gives
// up first.
func Slow(delay time.Duration, text string) Reply { return Reply{Text: text, Delay: delay} }
