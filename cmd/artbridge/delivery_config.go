package main

import (
	"fmt"
	"time"

	"github.com/artbridge/artbridge/ap"
)

// DeliverySettings is the [delivery] section: how the delivery worker sends,
// retries and gives up. Durations are Go durations ("30s", "12h"); an absent
// key takes the default in docs/configuration.md.
type DeliverySettings struct {
	Concurrency     int    `toml:"concurrency"`      // requests in flight at once
	PerHost         int    `toml:"per_host"`         // requests in flight to one host
	Timeout         string `toml:"timeout"`          // one whole request
	BackoffBase     string `toml:"backoff_base"`     // first retry delay
	BackoffMax      string `toml:"backoff_max"`      // longest retry delay
	GiveUpAfter     string `toml:"give_up_after"`    // age of a delivery at which it fails for good
	BreakerFailures int    `toml:"breaker_failures"` // consecutive failures that pause a host
	BreakerPause    string `toml:"breaker_pause"`    // first pause (doubles per failed probe)
	PollInterval    string `toml:"poll_interval"`    // queue check for work queued by other processes
	LogInterval     string `toml:"log_interval"`     // failures to one host logged at most once per interval
	SummaryInterval string `toml:"summary_interval"` // one summary line per interval while work is queued
	IdleConnections int    `toml:"idle_connections"` // keep-alive connections kept over all hosts
}

// Bounds of the [delivery] keys: wide enough for any deployment, narrow
// enough that a typo ("30" for "30s" is refused; "3000h" too) is caught.
const (
	maxDeliveryConcurrency = 4096
	maxDeliveryDuration    = 90 * 24 * time.Hour
)

// apDelivery is the worker's configuration: [delivery] keys, then the older
// federation.delivery_concurrency and federation.delivery_per_host, then the
// worker's defaults. It assumes validate passed.
func (c Config) apDelivery() ap.DeliveryConfig {
	d := c.Delivery
	out := ap.DeliveryConfig{
		Concurrency:     d.Concurrency,
		PerHost:         d.PerHost,
		BreakerFailures: d.BreakerFailures,
	}
	if out.Concurrency == 0 {
		out.Concurrency = c.Federation.DeliveryConcurrency
	}
	if out.PerHost == 0 {
		out.PerHost = c.Federation.DeliveryPerHost
	}
	for _, f := range []struct {
		v   string
		dst *time.Duration
	}{
		{d.Timeout, &out.Timeout}, {d.BackoffBase, &out.BaseBackoff}, {d.BackoffMax, &out.MaxBackoff},
		{d.GiveUpAfter, &out.MaxAge}, {d.BreakerPause, &out.BreakerCooldown}, {d.PollInterval, &out.PollInterval},
		{d.LogInterval, &out.LogInterval}, {d.SummaryInterval, &out.SummaryInterval},
	} {
		if f.v != "" {
			*f.dst, _ = time.ParseDuration(f.v)
		}
	}
	return out
}

// validateDelivery checks every [delivery] key and names the one at fault.
func (c Config) validateDelivery() error {
	d := c.Delivery
	ints := []struct {
		key    string
		v, max int
	}{
		{"delivery.concurrency", d.Concurrency, maxDeliveryConcurrency},
		{"delivery.per_host", d.PerHost, maxDeliveryConcurrency},
		{"delivery.breaker_failures", d.BreakerFailures, 1000},
		{"delivery.idle_connections", d.IdleConnections, 65536},
		{"federation.delivery_concurrency", c.Federation.DeliveryConcurrency, maxDeliveryConcurrency},
		{"federation.delivery_per_host", c.Federation.DeliveryPerHost, maxDeliveryConcurrency},
	}
	for _, k := range ints {
		if k.v < 0 || k.v > k.max {
			return fmt.Errorf("config: %s = %d: expected 1 to %d (or absent for the default)", k.key, k.v, k.max)
		}
	}
	durs := []struct {
		key, v   string
		min, max time.Duration
	}{
		{"delivery.timeout", d.Timeout, time.Second, 10 * time.Minute},
		{"delivery.backoff_base", d.BackoffBase, time.Second, maxDeliveryDuration},
		{"delivery.backoff_max", d.BackoffMax, time.Second, maxDeliveryDuration},
		{"delivery.give_up_after", d.GiveUpAfter, time.Minute, maxDeliveryDuration},
		{"delivery.breaker_pause", d.BreakerPause, time.Second, maxDeliveryDuration},
		{"delivery.poll_interval", d.PollInterval, 10 * time.Millisecond, time.Hour},
		{"delivery.log_interval", d.LogInterval, time.Second, 24 * time.Hour},
		{"delivery.summary_interval", d.SummaryInterval, time.Second, 24 * time.Hour},
	}
	for _, k := range durs {
		if k.v == "" {
			continue
		}
		v, err := time.ParseDuration(k.v)
		if err != nil {
			return fmt.Errorf("config: %s = %q: expected a duration like \"30s\", \"5m\" or \"12h\"", k.key, k.v)
		}
		if v < k.min || v > k.max {
			return fmt.Errorf("config: %s = %q: expected between %v and %v", k.key, k.v, k.min, k.max)
		}
	}
	a := c.apDelivery()
	if a.BaseBackoff > 0 && a.MaxBackoff > 0 && a.BaseBackoff > a.MaxBackoff {
		return fmt.Errorf("config: delivery.backoff_base (%v) is longer than delivery.backoff_max (%v)", a.BaseBackoff, a.MaxBackoff)
	}
	if a.PerHost > 0 && a.Concurrency > 0 && a.PerHost > a.Concurrency {
		return fmt.Errorf("config: delivery.per_host (%d) is more than delivery.concurrency (%d)", a.PerHost, a.Concurrency)
	}
	return nil
}
