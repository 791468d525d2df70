package alttext

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLimiterDaily(t *testing.T) {
	l := newLimiter(2, -1)
	now := time.Date(2025, 3, 1, 23, 0, 0, 0, time.UTC)
	for i := range 2 {
		if _, err := l.reserve("a", now); err != nil {
			t.Fatalf("reserve %d: %v", i, err)
		}
	}
	_, err := l.reserve("b", now)
	if !errors.Is(err, ErrBudgetExhausted) {
		t.Fatalf("got %v", err)
	}
	if d, _ := RetryAfter(err); d != time.Hour {
		t.Fatalf("retry after %v, want 1h (to UTC midnight)", d)
	}
	// A time zone other than UTC does not shift the day.
	local := now.Add(30 * time.Minute).In(time.FixedZone("east", 5*3600)) // 04:30 next day locally
	if _, err := l.reserve("b", local); !errors.Is(err, ErrBudgetExhausted) {
		t.Fatalf("local next day must still be the same UTC day: %v", err)
	}
	if _, err := l.reserve("b", now.Add(time.Hour)); err != nil {
		t.Fatalf("new UTC day: %v", err)
	}
}

func TestLimiterPerArtist(t *testing.T) {
	l := newLimiter(-1, 2)
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	if _, err := l.reserve("a", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := l.reserve("a", t0.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	_, err := l.reserve("a", t0.Add(20*time.Minute))
	if !errors.Is(err, ErrArtistRateLimited) {
		t.Fatalf("got %v", err)
	}
	if d, _ := RetryAfter(err); d != 40*time.Minute {
		t.Fatalf("retry after %v, want 40m", d)
	}
	if _, err := l.reserve("b", t0.Add(20*time.Minute)); err != nil {
		t.Fatalf("other artist: %v", err)
	}
	if _, err := l.reserve("a", t0.Add(61*time.Minute)); err != nil {
		t.Fatalf("after the oldest left the hour: %v", err)
	}
}

func TestLimiterRelease(t *testing.T) {
	l := newLimiter(1, 1)
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	r, err := l.reserve("a", now)
	if err != nil {
		t.Fatal(err)
	}
	l.release(r)
	if used, _ := l.usage(now); used != 0 {
		t.Fatalf("used %d after release", used)
	}
	if _, err := l.reserve("a", now); err != nil {
		t.Fatalf("slot not given back: %v", err)
	}
}

func TestLimiterSweepForgetsIdleArtists(t *testing.T) {
	l := newLimiter(-1, 5)
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range 100 {
		if _, err := l.reserve(string(rune('A'+i%26))+string(rune('a'+i/26)), now); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.reserve("late", now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	l.mu.Lock()
	n := len(l.artists)
	l.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d artists remembered, want 1", n)
	}
}

func TestLimiterConcurrent(t *testing.T) {
	l := newLimiter(50, -1)
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := range 200 {
		wg.Go(func() {
			if _, err := l.reserve(string(rune('a'+i%7)), now); err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if ok != 50 {
		t.Fatalf("%d reservations, want 50", ok)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"7", 7 * time.Second}, {"-3", 0}, {"soon", 0},
		{"99999999999", 24 * time.Hour},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	} {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestMessage(t *testing.T) {
	kinds := []error{ErrDisabled, ErrBudgetExhausted, ErrArtistRateLimited, ErrUpstreamRateLimited, ErrTimeout,
		ErrUpstream, ErrTruncated, ErrRefused, ErrEmptyReply, ErrUnsupportedImage}
	seen := map[string]bool{}
	for _, k := range kinds {
		m := Message(newError(k, "secret detail", errors.New("secret cause")))
		if m == "" || seen[m] {
			t.Errorf("%v: message %q empty or not distinct", k, m)
		}
		seen[m] = true
		if strings.Contains(m, "secret") {
			t.Errorf("%v: message leaks detail: %q", k, m)
		}
	}
	e := newError(ErrArtistRateLimited, "", nil)
	e.RetryAfter = 40 * time.Minute
	if m := Message(e); !strings.Contains(m, "40 minutes") {
		t.Errorf("no wait in %q", m)
	}
	if Message(nil) != "" {
		t.Error("Message(nil) not empty")
	}
}
