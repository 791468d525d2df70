package main

import (
	"crypto/tls"
	"net/http"

	"github.com/artbridge/artbridge/ap"
)

// defaultIdleConnections is how many idle keep-alive connections the
// outgoing client keeps over all hosts: a fan-out to 1,000 follower hosts
// then reuses its connections on the next post (netguard's default of 256
// re-dialled three hosts in four, about a tenth of a fan-out's CPU).
const defaultIdleConnections = 2048

// tuneOutgoing sizes the outgoing client's connection pool for delivery:
// idle connections over all hosts, per_host of them kept per host, and a TLS
// session cache so a reconnect to a known host resumes instead of a full
// handshake.
func tuneOutgoing(client *http.Client, cfg Config, d ap.DeliveryConfig) {
	t, ok := client.Transport.(*http.Transport)
	if !ok {
		return
	}
	idle := cfg.Delivery.IdleConnections
	if idle == 0 {
		idle = defaultIdleConnections
	}
	perHost := d.PerHost
	if perHost == 0 {
		perHost = 8 // the worker's default
	}
	t.MaxIdleConns = idle
	t.MaxIdleConnsPerHost = min(perHost, idle)
	if t.TLSClientConfig == nil {
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if t.TLSClientConfig.ClientSessionCache == nil {
		t.TLSClientConfig.ClientSessionCache = tls.NewLRUClientSessionCache(idle)
	}
}
