package alttext

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync"
	"time"
)

// maxResponseBytes bounds what we read from the endpoint; a chat completion
// with a 1,500-character answer is a few kilobytes.
const maxResponseBytes = 1 << 20

// errResponseTooLarge is returned when the endpoint sends more than
// maxResponseBytes.
var errResponseTooLarge = errors.New("response body larger than 1 MiB")

// exchange records what happened to the one HTTP request of a Describe call,
// for the budget (was it sent?) and for error classification (status and
// Retry-After are not kept by go-openai's errors).
type exchange struct {
	mu         sync.Mutex
	wrote      bool
	status     int
	retryAfter time.Duration
}

func (x *exchange) markWrote() {
	x.mu.Lock()
	x.wrote = true
	x.mu.Unlock()
}

func (x *exchange) sent() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.wrote || x.status != 0
}

func (x *exchange) result() (status int, retryAfter time.Duration) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.status, x.retryAfter
}

type exchangeKey struct{}

// withExchange returns ctx carrying x, with an httptrace hook that marks x
// once the request has been written to the connection.
func withExchange(ctx context.Context, x *exchange) context.Context {
	ctx = context.WithValue(ctx, exchangeKey{}, x)
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				x.markWrote()
			}
		},
	})
}

// doer is the go-openai HTTPDoer: the injected client plus bookkeeping in the
// request's exchange and a cap on the response body.
type doer struct {
	client *http.Client
	clock  func() time.Time
}

// Do implements openai.HTTPDoer.
func (d doer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.client.Do(req)
	if err != nil {
		return nil, err
	}
	if x, ok := req.Context().Value(exchangeKey{}).(*exchange); ok {
		x.mu.Lock()
		x.status = resp.StatusCode
		x.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), d.clock())
		x.mu.Unlock()
	}
	resp.Body = &limitedBody{rc: resp.Body, left: maxResponseBytes}
	return resp, nil
}

// limitedBody fails once more than its limit has been read.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly the limit from a longer one.
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, errResponseTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// parseRetryAfter reads delay-seconds or an HTTP date; 0 when absent, bad or
// in the past. It is capped at a day.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if s, err := strconv.Atoi(v); err == nil {
		d = time.Duration(min(s, 86400)) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	if d <= 0 {
		return 0
	}
	return min(d, 24*time.Hour)
}

// statusText renders an HTTP status for error details.
func statusText(code int) string {
	return fmt.Sprintf("HTTP %d", code)
}
