package relay

import (
	"context"
	"sync"
	"time"
)

// identifyLimiter spaces gateway identifies: at most one per interval for
// one bot (keyed by a digest of its token) and at most one per spacing for
// all bots together. Waiters are served in the order they reserve a slot.
type identifyLimiter struct {
	interval, spacing time.Duration
	now               func() time.Time

	mu     sync.Mutex
	last   map[string]time.Time // per bot: time of its latest reserved slot
	global time.Time            // latest reserved slot of anyone
}

func newIdentifyLimiter(interval, spacing time.Duration, now func() time.Time) *identifyLimiter {
	return &identifyLimiter{interval: interval, spacing: spacing, now: now, last: map[string]time.Time{}}
}

// wait blocks until key may identify, or ctx ends: first until the bot's
// own interval has passed, then for the next free slot of all bots.
func (l *identifyLimiter) wait(ctx context.Context, key string) error {
	l.mu.Lock()
	var own time.Time
	if last, ok := l.last[key]; ok {
		own = last.Add(l.interval)
	}
	l.mu.Unlock()
	if err := sleepUntil(ctx, l.now, own); err != nil {
		return err
	}
	l.mu.Lock()
	slot := l.now()
	if !l.global.IsZero() && l.global.Add(l.spacing).After(slot) {
		slot = l.global.Add(l.spacing)
	}
	l.global = slot
	l.last[key] = slot
	l.mu.Unlock()
	return sleepUntil(ctx, l.now, slot)
}

// sleepUntil waits until t (now if t is zero or past) or ctx ends.
func sleepUntil(ctx context.Context, now func() time.Time, t time.Time) error {
	d := t.Sub(now())
	if t.IsZero() || d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// forget drops a bot's entry (its relay was deleted).
func (l *identifyLimiter) forget(key string) {
	l.mu.Lock()
	delete(l.last, key)
	l.mu.Unlock()
}
