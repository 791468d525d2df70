package ap

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// DeliveryConfig tunes the delivery worker. Zero values take the defaults.
type DeliveryConfig struct {
	Concurrency  int           // requests in flight at once (default 64)
	PerHost      int           // requests in flight to one host (default 8)
	Timeout      time.Duration // whole request (default 30 s); connect is bounded by the client's dialer
	BaseBackoff  time.Duration // first retry delay (default 30 s)
	MaxBackoff   time.Duration // longest retry delay (default 12 h)
	MaxAge       time.Duration // give up this long after queueing (default 72 h)
	PollInterval time.Duration // how often the queue is checked for work from other processes (default 1 s)
	// Breaker: after BreakerFailures consecutive failures a host is paused for
	// BreakerCooldown (doubling up to MaxBackoff), then probed with one request.
	BreakerFailures int           // default 5
	BreakerCooldown time.Duration // default 1 min
	// LogInterval: failures to one host are logged at most once per interval
	// (with the reason, the next retry and how many were not logged); default 5 min.
	LogInterval time.Duration
	// SummaryInterval: while deliveries are queued or in flight, one summary
	// line per interval (default 5 min).
	SummaryInterval time.Duration
}

func (c DeliveryConfig) withDefaults() DeliveryConfig {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 64
	}
	if c.PerHost <= 0 {
		c.PerHost = 8
	}
	if c.BreakerFailures <= 0 {
		c.BreakerFailures = 5
	}
	def(&c.Timeout, 30*time.Second)
	def(&c.BaseBackoff, 30*time.Second)
	def(&c.MaxBackoff, 12*time.Hour)
	def(&c.MaxAge, 72*time.Hour)
	def(&c.PollInterval, time.Second)
	def(&c.BreakerCooldown, time.Minute)
	def(&c.LogInterval, 5*time.Minute)
	def(&c.SummaryInterval, 5*time.Minute)
	return c
}

// deliveryWorker sends queued deliveries: bounded concurrency overall and per
// host, a fresh Date and signature on every attempt, backoff with jitter,
// Retry-After, permanent failures for 404/410 and other non-retryable 4xx, and a
// per-host circuit breaker. All state that matters is in the store; the breaker
// and in-flight set are rebuildable caches.
type deliveryWorker struct {
	s   *Service
	cfg DeliveryConfig

	wakeCh chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
	wg     sync.WaitGroup // in-flight attempts

	// jitter returns a uniform value in [0, n); rand.Int64N outside tests.
	jitter func(n int64) int64

	mu       sync.Mutex
	inflight map[int64]bool
	perHost  map[string]int
	breakers map[string]*breaker
	logs     deliveryLogState
}

type breaker struct {
	failures  int
	openUntil time.Time
	cooldown  time.Duration
	probing   bool
}

func newDeliveryWorker(s *Service, cfg DeliveryConfig) *deliveryWorker {
	return &deliveryWorker{
		s:        s,
		cfg:      cfg.withDefaults(),
		wakeCh:   make(chan struct{}, 1),
		inflight: map[int64]bool{},
		perHost:  map[string]int{},
		breakers: map[string]*breaker{},
		jitter:   rand.Int64N,
		logs:     newDeliveryLogState(),
	}
}

func (w *deliveryWorker) wake() {
	select {
	case w.wakeCh <- struct{}{}:
	default:
	}
}

func (w *deliveryWorker) start(ctx context.Context) {
	ctx, w.cancel = context.WithCancel(context.WithoutCancel(ctx))
	w.done = make(chan struct{})
	go func() {
		defer close(w.done)
		w.loop(ctx)
	}()
}

// stop ends the loop and waits for in-flight attempts (each bounded by the
// request timeout, and cancelled by the context): what did not finish stays queued.
func (w *deliveryWorker) stop(ctx context.Context) error {
	if w.cancel == nil {
		return nil
	}
	w.cancel()
	all := make(chan struct{})
	go func() { <-w.done; w.wg.Wait(); close(all) }()
	select {
	case <-all:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("ap: delivery worker did not stop: %w", ctx.Err())
	}
}

func (w *deliveryWorker) loop(ctx context.Context) {
	for ctx.Err() == nil {
		w.maybeSummarize(ctx)
		dispatched, err := w.fill(ctx)
		if err != nil && ctx.Err() == nil {
			w.s.log.ErrorContext(ctx, "delivery queue", "err", err)
		}
		wait := w.cfg.PollInterval
		if dispatched > 0 {
			continue // more may be due right away
		}
		if next, ok, err := w.s.store.NextDeliveryDue(ctx); err == nil && ok {
			if d := next.Sub(w.s.now()); d < wait {
				wait = max(d, 20*time.Millisecond)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-w.wakeCh:
		case <-t.C:
		}
		t.Stop()
	}
}

// fill claims due deliveries into free slots; it returns how many it started.
func (w *deliveryWorker) fill(ctx context.Context) (int, error) {
	w.mu.Lock()
	free := w.cfg.Concurrency - len(w.inflight)
	busy := len(w.inflight)
	exclude := make([]int64, 0, len(w.inflight))
	for id := range w.inflight {
		exclude = append(exclude, id)
	}
	w.mu.Unlock()
	// Refill in batches: a query per freed slot would cost more than the sends.
	if free <= 0 || (busy > 0 && free < max(1, w.cfg.Concurrency/8)) {
		return 0, nil
	}
	now := w.s.now()
	batch, err := w.s.store.ClaimDeliveries(ctx, now, free+free/2, exclude)
	if err != nil {
		return 0, err
	}
	started := 0
	for _, d := range batch {
		if started >= free {
			break
		}
		if probeAt, open := w.breakerOpen(d.Host, now); open {
			err := w.s.store.FinishDelivery(ctx, DeliveryOutcome{ID: d.ID, State: DeliveryQueued, NextAttempt: probeAt, NotAttempted: true, At: now})
			if err != nil {
				return started, err
			}
			continue
		}
		w.mu.Lock()
		if w.perHost[d.Host] >= w.cfg.PerHost || w.inflight[d.ID] {
			w.mu.Unlock()
			continue
		}
		w.perHost[d.Host]++
		w.inflight[d.ID] = true
		w.wg.Add(1)
		w.mu.Unlock()
		started++
		go w.run(ctx, d)
	}
	return started, nil
}

func (w *deliveryWorker) run(ctx context.Context, d Delivery) {
	defer func() {
		w.mu.Lock()
		delete(w.inflight, d.ID)
		w.perHost[d.Host]--
		if w.perHost[d.Host] <= 0 {
			delete(w.perHost, d.Host)
		}
		w.mu.Unlock()
		w.wg.Done()
		w.wake()
	}()
	// A takedown may have cancelled this delivery since it was claimed.
	if st, err := w.s.store.DeliveryState(ctx, d.ID); err != nil || st != DeliveryQueued {
		return
	}
	var o DeliveryOutcome
	if w.s.isBlocked(ctx, d.Host) {
		// Blocked after it was queued: never sent.
		o = DeliveryOutcome{ID: d.ID, State: DeliveryFailed, Error: "domain blocked", At: w.s.now()}
	} else {
		o = w.attempt(ctx, d)
	}
	if ctx.Err() != nil && o.State != DeliveryDelivered {
		return // shutting down: leave it queued as it was
	}
	// Write the outcome even if shutdown began, so a 2xx is never sent twice.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := w.s.store.FinishDelivery(wctx, o); err != nil {
		w.s.log.ErrorContext(ctx, "record delivery outcome", "id", d.ID, "err", err)
	}
	w.noteOutcome(ctx, d, o)
	if o.State == DeliveryFailed && o.Status == http.StatusGone {
		if n, err := w.s.store.RemoveFollowersByInbox(wctx, d.Inbox); err == nil && n > 0 {
			w.s.log.InfoContext(ctx, "removed followers whose inbox is gone", "inbox", d.Inbox, "count", n)
		}
	}
}

// attempt makes one signed POST and classifies the answer.
func (w *deliveryWorker) attempt(ctx context.Context, d Delivery) DeliveryOutcome {
	now := w.s.now()
	o := DeliveryOutcome{ID: d.ID, At: now}
	rctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, d.Inbox, bytes.NewReader(d.Payload))
	if err != nil {
		o.State, o.Error = DeliveryFailed, "bad inbox URL: "+err.Error()
		return o
	}
	req.Header.Set("Content-Type", ActivityContentType)
	req.Header.Set("Accept", ActivityContentType)
	if err := w.s.signRequest(req, d.Payload); err != nil {
		o.State, o.Error = DeliveryFailed, err.Error()
		return o
	}
	resp, err := w.s.client.Do(req)
	if err != nil {
		o.Error = err.Error()
		// A timeout after connecting may mean the remote got it.
		o.Reached = errors.Is(err, context.DeadlineExceeded) && rctx.Err() != nil
		w.retry(&o, d, now, 0)
		w.recordFailure(d.Host, now)
		return o
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	now = w.s.now() // Retry-After counts from the answer
	o.At = now
	o.Status = resp.StatusCode
	o.Reached = true
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		o.State = DeliveryDelivered
		w.recordSuccess(d.Host)
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		o.State, o.Error = DeliveryFailed, "inbox answered "+strconv.Itoa(resp.StatusCode)
		w.recordSuccess(d.Host) // the host is up
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		o.Error = "remote busy: " + strconv.Itoa(resp.StatusCode)
		w.retry(&o, d, now, retryAfter(resp.Header.Get("Retry-After"), now))
		if resp.StatusCode == http.StatusServiceUnavailable {
			w.recordFailure(d.Host, now)
		}
	case resp.StatusCode >= 400 && resp.StatusCode < 500 &&
		resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusRequestTimeout:
		// 401 is retried: it is often the remote failing to fetch our key for a while.
		o.State, o.Error = DeliveryFailed, "inbox refused: "+strconv.Itoa(resp.StatusCode)
		w.recordSuccess(d.Host)
	default:
		o.Error = "inbox answered " + strconv.Itoa(resp.StatusCode)
		w.retry(&o, d, now, 0)
		w.recordFailure(d.Host, now)
	}
	return o
}

// retry schedules the next attempt (exponential backoff with ±20% jitter, or the
// remote's Retry-After), or gives up past MaxAge.
func (w *deliveryWorker) retry(o *DeliveryOutcome, d Delivery, now time.Time, after time.Duration) {
	delay := after
	if delay <= 0 {
		delay = w.cfg.BaseBackoff << min(d.Attempts, 20)
		if delay > w.cfg.MaxBackoff || delay <= 0 {
			delay = w.cfg.MaxBackoff
		}
		jitter := time.Duration(w.jitter(int64(delay)/5+1)) * 2
		delay = delay - delay/5 + jitter
	}
	next := now.Add(delay).Truncate(time.Millisecond).Add(time.Millisecond) // the queue stores milliseconds: round up
	if next.Sub(d.CreatedAt) > w.cfg.MaxAge {
		o.State = DeliveryFailed
		o.Error = "gave up after retries: " + o.Error
		return
	}
	o.State = DeliveryQueued
	o.NextAttempt = next
}

// retryAfter parses a Retry-After header (seconds or HTTP date), capped at 12 h.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.Atoi(v); err == nil {
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	if d < 0 {
		return 0
	}
	return min(d, 12*time.Hour)
}

func (w *deliveryWorker) breakerOpen(host string, now time.Time) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	b := w.breakers[host]
	if b == nil || b.failures < w.cfg.BreakerFailures {
		return time.Time{}, false
	}
	if now.Before(b.openUntil) || b.probing {
		probe := b.openUntil
		if b.probing {
			probe = now.Add(b.cooldown)
		}
		return probe, true
	}
	b.probing = true // half-open: let one request through
	return time.Time{}, false
}

func (w *deliveryWorker) recordSuccess(host string) {
	w.mu.Lock()
	b := w.breakers[host]
	delete(w.breakers, host)
	w.mu.Unlock()
	if b != nil && b.failures >= w.cfg.BreakerFailures {
		w.s.log.Info("delivery: host reachable again, resuming", "host", host, "failures", b.failures)
	}
}

func (w *deliveryWorker) recordFailure(host string, now time.Time) {
	w.mu.Lock()
	b := w.breakers[host]
	if b == nil {
		b = &breaker{cooldown: w.cfg.BreakerCooldown}
		w.breakers[host] = b
	}
	b.failures++
	// Logged when the breaker opens or a probe fails, not for every request
	// that was already in flight when it opened.
	opened := false
	if b.failures >= w.cfg.BreakerFailures {
		opened = b.failures == w.cfg.BreakerFailures || b.probing
		if b.probing {
			b.cooldown = min(b.cooldown*2, w.cfg.MaxBackoff)
		}
		b.probing = false
		b.openUntil = now.Add(b.cooldown)
	}
	failures, probeAt := b.failures, b.openUntil
	w.mu.Unlock()
	if opened {
		w.s.log.Warn("delivery: host paused after consecutive failures", "host", host,
			"failures", failures, "probe_at", probeAt.UTC().Format(time.RFC3339))
	}
}
