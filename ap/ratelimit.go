package ap

import (
	"math"
	"sync"
	"time"
)

// RateLimit is a token bucket: Burst activities at once, refilled at
// PerMinute. A zero value takes the default; a negative PerMinute turns the
// limit off.
type RateLimit struct {
	PerMinute float64
	Burst     int
}

// Default per-host limits of the inbox. Follows are stricter: each one makes
// us resolve an actor and send an Accept, and every follower widens each
// fan-out.
var (
	defaultInboundLimit = RateLimit{PerMinute: 600, Burst: 300}
	defaultFollowLimit  = RateLimit{PerMinute: 20, Burst: 20}
)

// maxLimitedHosts bounds the buckets kept in memory.
const maxLimitedHosts = 20_000

// hostLimiter holds one token bucket per remote host.
type hostLimiter struct {
	perSecond float64
	burst     float64
	off       bool

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newHostLimiter(l RateLimit, def RateLimit) *hostLimiter {
	if l.PerMinute == 0 {
		l.PerMinute = def.PerMinute
	}
	if l.Burst <= 0 {
		l.Burst = def.Burst
	}
	return &hostLimiter{
		perSecond: l.PerMinute / 60,
		burst:     float64(l.Burst),
		off:       l.PerMinute < 0,
		buckets:   map[string]*bucket{},
	}
}

// take spends one token of host's bucket. When the bucket is empty it reports
// false and how long until a token is back.
func (l *hostLimiter) take(host string, now time.Time) (bool, time.Duration) {
	if l.off {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[host]
	if !ok {
		if len(l.buckets) >= maxLimitedHosts {
			l.prune(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[host] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = math.Min(l.burst, b.tokens+elapsed*l.perSecond)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.perSecond * float64(time.Second))
	return false, wait
}

// prune drops the buckets that have refilled (they hold no information), or
// all of them when none has.
func (l *hostLimiter) prune(now time.Time) {
	for h, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.perSecond >= l.burst {
			delete(l.buckets, h)
		}
	}
	if len(l.buckets) >= maxLimitedHosts {
		clear(l.buckets)
	}
}
