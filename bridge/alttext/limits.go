package alttext

import (
	"sync"
	"time"
)

// limiter holds the daily request budget and the per-artist sliding-hour
// limit. It counts in memory; RememberUsage seeds it with the requests a
// UsageStore remembers, so a restart does not start both from zero.
type limiter struct {
	daily     int // < 0: no limit
	perArtist int // < 0: no limit

	mu        sync.Mutex
	day       time.Time              // start of the UTC day being counted
	usedToday int                    // requests sent (or reserved) today
	artists   map[string][]time.Time // send times within the last hour, oldest first
	nextSweep time.Time
}

// reservation is a slot taken before a request is sent; release gives it
// back when the request never reached the wire.
type reservation struct {
	day    time.Time
	artist string
	at     time.Time
}

func newLimiter(daily, perArtist int) *limiter {
	return &limiter{daily: daily, perArtist: perArtist, artists: make(map[string][]time.Time)}
}

func utcDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// reserve takes one slot for artist at now, or fails with
// ErrBudgetExhausted or ErrArtistRateLimited (with RetryAfter set).
func (l *limiter) reserve(artist string, now time.Time) (reservation, error) {
	l.mu.Lock()
	defer l.mu.Unlock()

	day := utcDay(now)
	if !day.Equal(l.day) {
		l.day, l.usedToday = day, 0
	}
	if l.daily >= 0 && l.usedToday >= l.daily {
		e := newError(ErrBudgetExhausted, "", nil)
		e.RetryAfter = day.Add(24 * time.Hour).Sub(now)
		return reservation{}, e
	}

	cutoff := now.Add(-time.Hour)
	l.sweep(now, cutoff)
	times := dropBefore(l.artists[artist], cutoff)
	if l.perArtist >= 0 && len(times) >= l.perArtist {
		l.store(artist, times)
		e := newError(ErrArtistRateLimited, "", nil)
		if len(times) > 0 {
			e.RetryAfter = times[len(times)-l.perArtist].Add(time.Hour).Sub(now)
		} else {
			e.RetryAfter = time.Hour // a limit of zero-or-less per hour never frees
		}
		return reservation{}, e
	}
	l.usedToday++
	l.store(artist, append(times, now))
	return reservation{day: day, artist: artist, at: now}, nil
}

// release returns a slot whose request was never sent.
func (l *limiter) release(r reservation) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r.day.Equal(l.day) && l.usedToday > 0 {
		l.usedToday--
	}
	times := l.artists[r.artist]
	for i := len(times) - 1; i >= 0; i-- {
		if times[i].Equal(r.at) {
			times = append(times[:i], times[i+1:]...)
			break
		}
	}
	l.store(r.artist, times)
}

// usage reports requests counted today (as of now) and the daily budget
// (negative: none).
func (l *limiter) usage(now time.Time) (used, budget int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !utcDay(now).Equal(l.day) {
		return 0, l.daily
	}
	return l.usedToday, l.daily
}

func (l *limiter) store(artist string, times []time.Time) {
	if len(times) == 0 {
		delete(l.artists, artist)
		return
	}
	l.artists[artist] = times
}

// sweep forgets artists with no request in the last hour, at most every ten
// minutes, so the map stays as small as the set of recently active artists.
func (l *limiter) sweep(now, cutoff time.Time) {
	if now.Before(l.nextSweep) {
		return
	}
	l.nextSweep = now.Add(10 * time.Minute)
	for a, times := range l.artists {
		l.store(a, dropBefore(times, cutoff))
	}
}

// dropBefore removes the leading times that are not after cutoff.
func dropBefore(times []time.Time, cutoff time.Time) []time.Time {
	i := 0
	for i < len(times) && !times[i].After(cutoff) {
		i++
	}
	if i == 0 {
		return times
	}
	return append(times[:0:0], times[i:]...)
}
