package ap

import (
	"context"
	"log/slog"
	"time"
)

// deliveryLogState is what the worker's operator log needs: when each
// failing host was last logged and how many failures went unlogged since, and
// the counts of the summary line. It is guarded by deliveryWorker.mu.
type deliveryLogState struct {
	hosts       map[string]*hostLog
	lastSummary time.Time
	delivered   int
	retried     int
	failed      int
}

type hostLog struct {
	at         time.Time // last logged
	suppressed int       // failures since, not logged
}

func newDeliveryLogState() deliveryLogState {
	return deliveryLogState{hosts: map[string]*hostLog{}}
}

// noteOutcome counts the outcome for the summary and logs a failure at most
// once per host per LogInterval, with the reason, the next retry (or that it
// gave up) and how many failures to that host were not logged since.
func (w *deliveryWorker) noteOutcome(ctx context.Context, d Delivery, o DeliveryOutcome) {
	now := w.s.now()
	w.mu.Lock()
	switch {
	case o.State == DeliveryDelivered:
		w.logs.delivered++
		w.mu.Unlock()
		return
	case o.State == DeliveryQueued:
		w.logs.retried++
	default:
		w.logs.failed++
	}
	h := w.logs.hosts[d.Host]
	if h != nil && now.Sub(h.at) < w.cfg.LogInterval {
		h.suppressed++
		w.mu.Unlock()
		return
	}
	suppressed := 0
	if h != nil {
		suppressed = h.suppressed
	}
	w.logs.hosts[d.Host] = &hostLog{at: now}
	w.mu.Unlock()
	attrs := []any{"host", d.Host, "inbox", d.Inbox, "reason", o.Error, "attempts", d.Attempts + 1}
	if o.Status != 0 {
		attrs = append(attrs, "status", o.Status)
	}
	if o.State == DeliveryQueued {
		attrs = append(attrs, "next_retry", o.NextAttempt.UTC().Format(time.RFC3339),
			"retry_in", o.NextAttempt.Sub(now).Round(time.Second).String())
	} else {
		attrs = append(attrs, "gave_up", true)
	}
	if suppressed > 0 {
		attrs = append(attrs, "more_failures_not_logged", suppressed)
	}
	w.s.log.Log(ctx, slog.LevelWarn, "delivery failed", attrs...)
}

// maybeSummarize logs one line per SummaryInterval while work is in flight
// or queued: what happened since the last line, what is in flight, which
// hosts are paused and when the next delivery is due.
func (w *deliveryWorker) maybeSummarize(ctx context.Context) {
	now := w.s.now()
	w.mu.Lock()
	if w.logs.lastSummary.IsZero() {
		w.logs.lastSummary = now
	}
	if now.Sub(w.logs.lastSummary) < w.cfg.SummaryInterval {
		w.mu.Unlock()
		return
	}
	since := now.Sub(w.logs.lastSummary)
	delivered, retried, failed := w.logs.delivered, w.logs.retried, w.logs.failed
	inflight := len(w.inflight)
	paused := 0
	for _, b := range w.breakers {
		if b.failures >= w.cfg.BreakerFailures {
			paused++
		}
	}
	for host, h := range w.logs.hosts {
		if now.Sub(h.at) >= w.cfg.LogInterval && h.suppressed == 0 {
			delete(w.logs.hosts, host) // bounded: only hosts that failed lately stay
		}
	}
	w.logs.lastSummary = now
	w.logs.delivered, w.logs.retried, w.logs.failed = 0, 0, 0
	w.mu.Unlock()
	next, queued, err := w.s.store.NextDeliveryDue(ctx)
	if err != nil || (!queued && inflight == 0 && delivered+retried+failed == 0) {
		return // idle: nothing to say
	}
	attrs := []any{"period", since.Round(time.Second).String(), "delivered", delivered, "retried", retried,
		"failed", failed, "in_flight", inflight, "paused_hosts", paused}
	if queued {
		attrs = append(attrs, "next_due", next.UTC().Format(time.RFC3339))
	}
	w.s.log.Log(ctx, slog.LevelInfo, "delivery summary", attrs...)
}
