package alttext_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/artbridge/artbridge/bridge/alttext"
)

// memoryUsage is a UsageStore in memory, standing for the database.
type memoryUsage struct {
	mu   sync.Mutex
	reqs map[string][]time.Time
	fail error
}

func (m *memoryUsage) RecordAltTextRequest(_ context.Context, artist string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.reqs[artist] = append(m.reqs[artist], at)
	return nil
}

func (m *memoryUsage) AltTextRequests(_ context.Context, since time.Time) (map[string][]time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return nil, m.fail
	}
	out := map[string][]time.Time{}
	for a, times := range m.reqs {
		for _, t := range times {
			if !t.Before(since) {
				out[a] = append(out[a], t)
			}
		}
	}
	return out, nil
}

// A restarted client counts what the store remembers: today's requests
// against the daily budget, the last hour's against each artist's limit,
// and yesterday's against nothing.
func TestUsageSurvivesARestart(t *testing.T) {
	edit := func(cfg *alttext.Config) { cfg.DailyBudget = 3; cfg.PerArtistPerHour = 2 }
	srv, c, clock := setup(t, edit)
	now := clock.Now() // 12:00 UTC
	store := &memoryUsage{reqs: map[string][]time.Time{
		"old":   {now.Add(-13 * time.Hour)},                          // yesterday: counts for nothing
		"alice": {now.Add(-90 * time.Minute), now.Add(-time.Minute)}, // today; one in the last hour
	}}
	if err := c.RememberUsage(context.Background(), store); err != nil {
		t.Fatal(err)
	}
	if used, budget := c.Usage(); used != 2 || budget != 3 {
		t.Fatalf("usage %d/%d, want 2/3 (yesterday's request does not count)", used, budget)
	}
	// Alice has one request left this hour; the day has one left.
	if _, err := c.Describe(context.Background(), "alice", smallPNG(t), "image/png"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Describe(context.Background(), "alice", smallPNG(t), "image/png"); !errors.Is(err, alttext.ErrBudgetExhausted) {
		t.Fatalf("after the budget: %v", err)
	}
	if srv.Count() != 1 {
		t.Fatalf("%d requests reached the endpoint, want 1", srv.Count())
	}
	if n := len(store.reqs["alice"]); n != 3 {
		t.Fatalf("the request sent was not recorded: %d", n)
	}

	// Another restart, an hour later: the day is spent for everyone; alice's
	// hour is not.
	clock.Advance(time.Hour)
	c3, err := alttext.New(c.Config(), nil, clock.Now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c3.RememberUsage(context.Background(), store); err != nil {
		t.Fatal(err)
	}
	if _, err := c3.Describe(context.Background(), "bob", smallPNG(t), "image/png"); !errors.Is(err, alttext.ErrBudgetExhausted) {
		t.Fatalf("budget after the second restart: %v", err)
	}
}

// The per-artist limit is remembered too, and a store that fails is an
// error at start, not a silent reset.
func TestUsageArtistLimitAndStoreFailure(t *testing.T) {
	_, c, clock := setup(t, func(cfg *alttext.Config) { cfg.PerArtistPerHour = 2 })
	now := clock.Now()
	store := &memoryUsage{reqs: map[string][]time.Time{"alice": {now.Add(-50 * time.Minute), now.Add(-10 * time.Minute)}}}
	if err := c.RememberUsage(context.Background(), store); err != nil {
		t.Fatal(err)
	}
	_, err := c.Describe(context.Background(), "alice", smallPNG(t), "image/png")
	if !errors.Is(err, alttext.ErrArtistRateLimited) {
		t.Fatalf("alice after a restart: %v", err)
	}
	if d, _ := alttext.RetryAfter(err); d != 10*time.Minute {
		t.Fatalf("retry after %v, want 10m (the older request leaves the hour)", d)
	}
	if _, err := c.Describe(context.Background(), "bob", smallPNG(t), "image/png"); err != nil {
		t.Fatalf("bob is not limited: %v", err)
	}
	broken := &memoryUsage{fail: errors.New("disk gone")}
	if err := c.RememberUsage(context.Background(), broken); err == nil {
		t.Fatal("a failing store was accepted")
	}
}
