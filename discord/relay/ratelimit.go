package relay

import (
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// Defaults of the failed-authentication limits.
const (
	// DefaultFailuresPerAlias is how many failed authentications one alias
	// may see per FailureWindow before the API refuses it with 429.
	DefaultFailuresPerAlias = 10
	// DefaultFailuresPerAddress is the same limit per remote address (an
	// IPv6 address counts by its /64).
	DefaultFailuresPerAddress = 30
	// DefaultFailureWindow is the window of both limits.
	DefaultFailureWindow = time.Minute
	// maxFailureKeys bounds each limiter's memory; keys beyond it share one
	// overflow counter until the window ends.
	maxFailureKeys = 4096
)

// failureLimiter counts failed authentications per key in fixed windows.
type failureLimiter struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu     sync.Mutex
	start  time.Time
	counts map[string]int
}

func newFailureLimiter(limit int, window time.Duration, now func() time.Time) *failureLimiter {
	return &failureLimiter{limit: limit, window: window, now: now, counts: map[string]int{}}
}

const overflowKey = "\x00overflow"

// roll starts a new window when the current one is over; l.mu is held.
func (l *failureLimiter) roll() time.Time {
	now := l.now()
	if now.Sub(l.start) >= l.window {
		l.start = now
		clear(l.counts)
	}
	return now
}

func (l *failureLimiter) keyLocked(k string) string {
	if _, ok := l.counts[k]; ok || len(l.counts) < maxFailureKeys {
		return k
	}
	return overflowKey
}

// blocked reports whether k used up its failures; retry is when the window ends.
func (l *failureLimiter) blocked(k string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.roll()
	if l.counts[l.keyLocked(k)] >= l.limit {
		return true, l.start.Add(l.window).Sub(now)
	}
	return false, 0
}

// fail counts one failure of k.
func (l *failureLimiter) fail(k string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.roll()
	l.counts[l.keyLocked(k)]++
}

// remoteKey is the rate-limit key of a request's peer: its IP address, or
// the /64 of an IPv6 address. The relay trusts no forwarding header: behind
// a reverse proxy every client shares the proxy's address (docs/relay.md).
func remoteKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
