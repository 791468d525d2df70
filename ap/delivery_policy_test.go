package ap

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// testClock is a clock the test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// capturedLog collects every record logged, as JSON objects.
type capturedLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *capturedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// records returns the logged records whose message is msg.
func (l *capturedLog) records(t *testing.T, msg string) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if r["msg"] == msg {
			out = append(out, r)
		}
	}
	return out
}

// queueStore is the part of Store the policy tests reach; the rest panics
// (nil embedded interface), so a test touching anything else fails loudly.
type queueStore struct {
	Store
	mu      sync.Mutex
	nextDue time.Time
	queued  bool
}

func (q *queueStore) NextDeliveryDue(context.Context) (time.Time, bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.nextDue, q.queued, nil
}

// policyWorker is a delivery worker over a controllable clock, a captured
// log and a real HTTP client.
func policyWorker(t *testing.T, cfg DeliveryConfig) (*deliveryWorker, *testClock, *capturedLog, *queueStore) {
	t.Helper()
	clock := &testClock{t: time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)}
	logs := &capturedLog{}
	store := &queueStore{}
	s, err := New(Config{BaseURL: "https://art.example.org", Username: "art", Key: goldenKey(t), Delivery: cfg},
		store, nil, &http.Client{Timeout: 10 * time.Second}, slog.New(slog.NewJSONHandler(logs, nil)), clock.now)
	if err != nil {
		t.Fatal(err)
	}
	return s.delivery, clock, logs, store
}

func TestBackoffGrowsWithJitter(t *testing.T) {
	cfg := DeliveryConfig{BaseBackoff: 30 * time.Second, MaxBackoff: time.Hour, MaxAge: 1000 * time.Hour}
	w, clock, _, _ := policyWorker(t, cfg)
	now := clock.now()
	delayAt := func(attempts int, jitter func(int64) int64) time.Duration {
		w.jitter = jitter
		var o DeliveryOutcome
		w.retry(&o, Delivery{Attempts: attempts, CreatedAt: now}, now, 0)
		if o.State != DeliveryQueued {
			t.Fatalf("attempt %d: state %s, want queued", attempts, o.State)
		}
		return o.NextAttempt.Sub(now)
	}
	lowest := func(int64) int64 { return 0 }
	highest := func(n int64) int64 { return n - 1 }
	near := func(got, want time.Duration) bool { return got >= want && got <= want+2*time.Millisecond }
	prev := time.Duration(0)
	for a := 0; a <= 10; a++ {
		nominal := min(cfg.BaseBackoff<<a, cfg.MaxBackoff)
		lo, hi := delayAt(a, lowest), delayAt(a, highest)
		// ±20% around the nominal delay: base × 2^attempts, capped.
		if !near(lo, nominal-nominal/5) || !near(hi, nominal+nominal/5) {
			t.Fatalf("attempt %d: delay %v…%v, want %v…%v", a, lo, hi, nominal-nominal/5, nominal+nominal/5)
		}
		if nominal < cfg.MaxBackoff && lo <= prev {
			t.Fatalf("attempt %d: backoff stopped growing (%v after %v)", a, lo, prev)
		}
		prev = lo
	}
	// With the real random source the delays spread over the window.
	w.jitter = newDeliveryWorker(w.s, cfg).jitter
	seen := map[time.Duration]bool{}
	for range 50 {
		d := delayAt(3, w.jitter)
		if d < 192*time.Second || d > 288*time.Second+2*time.Millisecond {
			t.Fatalf("attempt 3: delay %v outside 240 s ± 20%%", d)
		}
		seen[d] = true
	}
	if len(seen) < 10 {
		t.Fatalf("50 retries got only %d distinct delays: no jitter", len(seen))
	}
}

func TestDeliveryGivesUpAfterMaxAge(t *testing.T) {
	cfg := DeliveryConfig{BaseBackoff: time.Minute, MaxBackoff: time.Hour, MaxAge: 6 * time.Hour}
	w, clock, _, _ := policyWorker(t, cfg)
	w.jitter = func(int64) int64 { return 0 }
	created := clock.now()
	d := Delivery{ID: 1, CreatedAt: created}
	gaveUp := false
	for i := 0; i < 100 && !gaveUp; i++ {
		o := DeliveryOutcome{Error: "inbox answered 500"}
		w.retry(&o, d, clock.now(), 0)
		switch o.State {
		case DeliveryQueued:
			if o.NextAttempt.Sub(created) > cfg.MaxAge {
				t.Fatalf("retry %d scheduled %v after queueing, past the %v maximum age", i, o.NextAttempt.Sub(created), cfg.MaxAge)
			}
			clock.advance(o.NextAttempt.Sub(clock.now()))
			d.Attempts++
		case DeliveryFailed:
			if !strings.Contains(o.Error, "gave up") || !strings.Contains(o.Error, "500") {
				t.Fatalf("give-up error %q", o.Error)
			}
			gaveUp = true
		}
	}
	if !gaveUp {
		t.Fatal("never gave up")
	}
	if age := clock.now().Sub(created); age > cfg.MaxAge || age < cfg.MaxAge-cfg.MaxBackoff-cfg.MaxBackoff/5 {
		t.Fatalf("gave up %v after queueing, want within one backoff of %v", age, cfg.MaxAge)
	}
}

// flakyInbox answers each request with the next status of its script (the
// last one repeats) and the given Retry-After.
type flakyInbox struct {
	mu         sync.Mutex
	statuses   []int
	retryAfter string
	requests   int
}

func (f *flakyInbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	st := f.statuses[min(f.requests, len(f.statuses)-1)]
	f.requests++
	f.mu.Unlock()
	if r.Header.Get("Signature") == "" {
		st = http.StatusUnauthorized
	}
	if f.retryAfter != "" {
		w.Header().Set("Retry-After", f.retryAfter)
	}
	w.WriteHeader(st)
}

func inboxDelivery(t *testing.T, srv *httptest.Server, id int64, created time.Time) Delivery {
	t.Helper()
	u, _ := url.Parse(srv.URL)
	return Delivery{ID: id, Inbox: srv.URL + "/inbox", Host: u.Host, CreatedAt: created, Payload: []byte(`{"type":"Create"}`)}
}

func TestRetryAfterHonoured(t *testing.T) {
	w, clock, _, _ := policyWorker(t, DeliveryConfig{BaseBackoff: time.Second})
	for _, c := range []struct {
		name   string
		status int
		header string
		want   time.Duration
	}{
		{"503 seconds", http.StatusServiceUnavailable, "120", 120 * time.Second},
		{"429 seconds", http.StatusTooManyRequests, "3600", time.Hour},
		{"429 date", http.StatusTooManyRequests, clock.now().Add(10 * time.Minute).Format(http.TimeFormat), 10 * time.Minute},
		{"capped at 12 h", http.StatusTooManyRequests, "999999", 12 * time.Hour},
	} {
		t.Run(c.name, func(t *testing.T) {
			inbox := &flakyInbox{statuses: []int{c.status}, retryAfter: c.header}
			srv := httptest.NewServer(inbox)
			defer srv.Close()
			o := w.attempt(context.Background(), inboxDelivery(t, srv, 1, clock.now()))
			if o.State != DeliveryQueued || o.Status != c.status {
				t.Fatalf("outcome %+v", o)
			}
			if got := o.NextAttempt.Sub(clock.now()); got < c.want || got > c.want+2*time.Millisecond {
				t.Fatalf("next attempt in %v, want %v (Retry-After %q)", got, c.want, c.header)
			}
		})
	}
}

func TestBreakerOpensProbesAndCloses(t *testing.T) {
	cfg := DeliveryConfig{BreakerFailures: 3, BreakerCooldown: time.Minute, MaxBackoff: time.Hour, BaseBackoff: time.Second}
	w, clock, logs, _ := policyWorker(t, cfg)
	// Three failures open the breaker, the first probe fails, the second succeeds.
	inbox := &flakyInbox{statuses: []int{500, 500, 500, 502, 200}}
	srv := httptest.NewServer(inbox)
	defer srv.Close()
	d := inboxDelivery(t, srv, 1, clock.now())
	ctx := context.Background()
	for i := range cfg.BreakerFailures {
		if _, open := w.breakerOpen(d.Host, clock.now()); open {
			t.Fatalf("breaker open after %d failures", i)
		}
		if o := w.attempt(ctx, d); o.State != DeliveryQueued {
			t.Fatalf("failure %d: %+v", i, o)
		}
	}
	probeAt, open := w.breakerOpen(d.Host, clock.now())
	if !open || probeAt.Sub(clock.now()) != cfg.BreakerCooldown {
		t.Fatalf("after %d failures: open=%v probe in %v, want open, probe in %v", cfg.BreakerFailures, open, probeAt.Sub(clock.now()), cfg.BreakerCooldown)
	}
	if len(logs.records(t, "delivery: host paused after consecutive failures")) != 1 {
		t.Fatal("breaker opening not logged once")
	}
	// Requests already in flight when it opened fail too: no new line each.
	w.recordFailure(d.Host, clock.now())
	if len(logs.records(t, "delivery: host paused after consecutive failures")) != 1 {
		t.Fatal("breaker logged again for a request in flight when it opened")
	}
	clock.advance(cfg.BreakerCooldown - time.Second)
	if _, open := w.breakerOpen(d.Host, clock.now()); !open {
		t.Fatal("breaker closed before its cooldown ended")
	}
	clock.advance(time.Second)
	if _, open := w.breakerOpen(d.Host, clock.now()); open {
		t.Fatal("no probe let through after the cooldown")
	}
	if _, open := w.breakerOpen(d.Host, clock.now()); !open {
		t.Fatal("a second request let through while the probe is out")
	}
	if o := w.attempt(ctx, d); o.State != DeliveryQueued { // the probe fails: 502
		t.Fatalf("probe: %+v", o)
	}
	probeAt, open = w.breakerOpen(d.Host, clock.now())
	if !open || probeAt.Sub(clock.now()) != 2*cfg.BreakerCooldown {
		t.Fatalf("after a failed probe: open=%v, next probe in %v, want %v", open, probeAt.Sub(clock.now()), 2*cfg.BreakerCooldown)
	}
	clock.advance(2 * cfg.BreakerCooldown)
	if _, open := w.breakerOpen(d.Host, clock.now()); open {
		t.Fatal("no second probe")
	}
	if o := w.attempt(ctx, d); o.State != DeliveryDelivered {
		t.Fatalf("second probe: %+v", o)
	}
	for range 3 {
		if _, open := w.breakerOpen(d.Host, clock.now()); open {
			t.Fatal("breaker still open after a successful probe")
		}
	}
	if got := logs.records(t, "delivery: host reachable again, resuming"); len(got) != 1 || got[0]["host"] != d.Host {
		t.Fatalf("closing logged %v", got)
	}
	if inbox.requests != 5 {
		t.Fatalf("inbox got %d requests, want 5", inbox.requests)
	}
}

func TestDeliveryFailuresLoggedOncePerHostPerInterval(t *testing.T) {
	w, clock, logs, _ := policyWorker(t, DeliveryConfig{LogInterval: 5 * time.Minute})
	ctx := context.Background()
	fail := func(host string, i int) {
		d := Delivery{ID: int64(i), Host: host, Inbox: "https://" + host + "/inbox", Attempts: 2}
		w.noteOutcome(ctx, d, DeliveryOutcome{ID: d.ID, State: DeliveryQueued, Status: 503,
			Error: "inbox answered 503", NextAttempt: clock.now().Add(2 * time.Minute)})
	}
	for i := range 100 {
		fail("down.example", i)
	}
	fail("other.example", 0)
	got := logs.records(t, "delivery failed")
	if len(got) != 2 {
		t.Fatalf("%d failure lines for 101 failures on 2 hosts, want 2", len(got))
	}
	first := got[0]
	if first["host"] != "down.example" || first["reason"] != "inbox answered 503" || first["retry_in"] != "2m0s" ||
		first["next_retry"] != clock.now().Add(2*time.Minute).Format(time.RFC3339) {
		t.Fatalf("failure line %v", first)
	}
	clock.advance(4 * time.Minute)
	fail("down.example", 200)
	if n := len(logs.records(t, "delivery failed")); n != 2 {
		t.Fatalf("logged again within the interval (%d lines)", n)
	}
	clock.advance(time.Minute)
	fail("down.example", 201)
	got = logs.records(t, "delivery failed")
	if len(got) != 3 || got[2]["more_failures_not_logged"] != float64(100) {
		t.Fatalf("after the interval: %v", got)
	}
	w.noteOutcome(ctx, Delivery{Host: "gone.example"}, DeliveryOutcome{State: DeliveryFailed, Status: 410, Error: "inbox answered 410"})
	got = logs.records(t, "delivery failed")
	if len(got) != 4 || got[3]["gave_up"] != true {
		t.Fatalf("permanent failure: %v", got)
	}
}

func TestDeliverySummaryWhileWorkIsQueued(t *testing.T) {
	w, clock, logs, store := policyWorker(t, DeliveryConfig{SummaryInterval: 5 * time.Minute})
	ctx := context.Background()
	w.maybeSummarize(ctx) // starts the period
	store.queued, store.nextDue = true, clock.now().Add(time.Minute)
	w.noteOutcome(ctx, Delivery{Host: "a.example"}, DeliveryOutcome{State: DeliveryDelivered})
	w.noteOutcome(ctx, Delivery{Host: "b.example"}, DeliveryOutcome{State: DeliveryQueued, NextAttempt: clock.now()})
	clock.advance(4 * time.Minute)
	w.maybeSummarize(ctx)
	if n := len(logs.records(t, "delivery summary")); n != 0 {
		t.Fatalf("summary before the interval (%d)", n)
	}
	clock.advance(time.Minute)
	w.maybeSummarize(ctx)
	w.maybeSummarize(ctx)
	got := logs.records(t, "delivery summary")
	if len(got) != 1 {
		t.Fatalf("%d summary lines, want 1", len(got))
	}
	if got[0]["delivered"] != float64(1) || got[0]["retried"] != float64(1) || got[0]["next_due"] == nil {
		t.Fatalf("summary %v", got[0])
	}
	// Idle: nothing queued, nothing happened: no line.
	store.queued = false
	clock.advance(10 * time.Minute)
	w.maybeSummarize(ctx)
	if n := len(logs.records(t, "delivery summary")); n != 1 {
		t.Fatalf("summary while idle (%d lines)", n)
	}
}
