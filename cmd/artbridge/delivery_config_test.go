package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap"
)

func TestDeliverySettingsReachTheWorker(t *testing.T) {
	path := filepath.Join(t.TempDir(), "artbridge.toml")
	toml := `[federation]
delivery_concurrency = 10
[delivery]
per_host = 2
timeout = "15s"
backoff_base = "10s"
backoff_max = "1h"
give_up_after = "48h"
breaker_failures = 7
breaker_pause = "2m"
poll_interval = "500ms"
log_interval = "10m"
summary_interval = "1m"
`
	if err := os.WriteFile(path, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(path, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	want := ap.DeliveryConfig{Concurrency: 10, PerHost: 2, Timeout: 15 * time.Second, BaseBackoff: 10 * time.Second,
		MaxBackoff: time.Hour, MaxAge: 48 * time.Hour, BreakerFailures: 7, BreakerCooldown: 2 * time.Minute,
		PollInterval: 500 * time.Millisecond, LogInterval: 10 * time.Minute, SummaryInterval: time.Minute}
	if got := cfg.apDelivery(); got != want {
		t.Fatalf("worker config\n got %+v\nwant %+v", got, want)
	}
	if got := defaultConfig().apDelivery(); got != (ap.DeliveryConfig{}) {
		t.Fatalf("no [delivery] section should leave the worker's defaults, got %+v", got)
	}
}

// TestDeliverySettingsRefused runs the built binary: each mistake in
// [delivery] stops serve with a message naming the key.
func TestDeliverySettingsRefused(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ toml, want string }{
		{"timeout = \"30\"", `delivery.timeout = "30": expected a duration`},
		{"backoff_base = \"0s\"", "delivery.backoff_base"},
		{"give_up_after = \"9000h\"", "delivery.give_up_after"},
		{"concurrency = -1", "delivery.concurrency = -1"},
		{"per_host = 100000", "delivery.per_host"},
		{"backoff_base = \"2h\"\nbackoff_max = \"1h\"", "delivery.backoff_base (2h0m0s) is longer than delivery.backoff_max"},
		{"concurrency = 4\nper_host = 8", "delivery.per_host (8) is more than delivery.concurrency (4)"},
		{"breaker_pause = \"soon\"", "delivery.breaker_pause"},
		{"retries = 3", "unknown key delivery.retries"},
		{"idle_connections = -5", "delivery.idle_connections = -5"},
	} {
		path := filepath.Join(dir, "artbridge.toml")
		cfg := "listen = \"127.0.0.1:0\"\ndata_dir = " + `"` + filepath.Join(dir, "data") + `"` + "\n[delivery]\n" + c.toml + "\n"
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		res := runBinary(t, dir, nil, "serve", "--config", path)
		if res.Code == 0 || !strings.Contains(res.Stderr, c.want) {
			t.Errorf("%q: exit %d, stderr %q; want a failure saying %q", c.toml, res.Code, res.Stderr, c.want)
		}
	}
}

func TestOutgoingPoolKeepsEveryFollowerHost(t *testing.T) {
	cfg := defaultConfig()
	cfg.Delivery.PerHost = 3
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 4}}
	tuneOutgoing(client, cfg, cfg.apDelivery())
	tr := client.Transport.(*http.Transport)
	if tr.MaxIdleConns != defaultIdleConnections || tr.MaxIdleConnsPerHost != 3 || tr.TLSClientConfig.ClientSessionCache == nil {
		t.Fatalf("idle %d, per host %d, session cache %v", tr.MaxIdleConns, tr.MaxIdleConnsPerHost, tr.TLSClientConfig.ClientSessionCache)
	}
	cfg.Delivery.IdleConnections = 2
	tuneOutgoing(client, cfg, cfg.apDelivery())
	if tr.MaxIdleConns != 2 || tr.MaxIdleConnsPerHost != 2 {
		t.Fatalf("idle %d, per host %d", tr.MaxIdleConns, tr.MaxIdleConnsPerHost)
	}
}
