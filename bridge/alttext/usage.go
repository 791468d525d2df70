package alttext

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// UsageStore keeps the requests sent to the model, so that the daily budget
// and the per-artist limit hold across restarts. The storage package
// implements it.
type UsageStore interface {
	// RecordAltTextRequest notes a request sent on behalf of artistID.
	RecordAltTextRequest(ctx context.Context, artistID string, at time.Time) error
	// AltTextRequests returns the times of the requests sent since a time,
	// by artist.
	AltTextRequests(ctx context.Context, since time.Time) (map[string][]time.Time, error)
}

// RememberUsage makes the client count what store remembers and record every
// request it sends from now on: the requests sent earlier in the current UTC
// day count against the daily budget, and each artist's requests of the last
// hour against the per-artist limit, as if the process had never restarted.
// Call it before the client is used. A request whose recording fails still
// counts until the next restart (the failure is logged).
func (c *Client) RememberUsage(ctx context.Context, store UsageStore) error {
	now := c.clock()
	since := utcDay(now)
	if hourAgo := now.Add(-time.Hour); hourAgo.Before(since) {
		since = hourAgo
	}
	reqs, err := store.AltTextRequests(ctx, since)
	if err != nil {
		return fmt.Errorf("alttext: read past requests: %w", err)
	}
	c.limits.seed(reqs, now)
	c.usage = store
	return nil
}

// seed counts requests sent before this process started (see RememberUsage).
func (l *limiter) seed(reqs map[string][]time.Time, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	day := utcDay(now)
	if !day.Equal(l.day) {
		l.day, l.usedToday = day, 0
	}
	cutoff := now.Add(-time.Hour)
	for artist, times := range reqs {
		for _, t := range times {
			if utcDay(t).Equal(day) && !t.After(now) {
				l.usedToday++
			}
		}
		sorted := slices.Clone(times)
		slices.SortFunc(sorted, time.Time.Compare)
		if recent := dropBefore(sorted, cutoff); len(recent) > 0 {
			merged := append(slices.Clone(l.artists[artist]), recent...)
			slices.SortFunc(merged, time.Time.Compare)
			l.store(artist, merged)
		}
	}
}
