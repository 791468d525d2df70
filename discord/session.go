package discord

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/artbridge/artbridge/netguard"
)

// discordgoAPIPrefix is the prefix discordgo bakes into every REST endpoint.
const discordgoAPIPrefix = "https://discord.com/api/v9/"

// SessionConfig describes a discordgo session bound to one Discord-compatible server.
type SessionConfig struct {
	// Token is the bot token without the "Bot " prefix.
	Token string
	// APIBaseURL is the REST base; empty means DefaultAPIBaseURL.
	APIBaseURL string
	// AllowPrivateAddresses lets the session reach loopback and private addresses
	// on hosts other than the API host (the API host itself is always trusted:
	// the operator named it).
	AllowPrivateAddresses bool
	// Intents requested at Identify.
	Intents discordgo.Intent
	// StateEnabled keeps discordgo's state cache (off for the relay).
	StateEnabled bool
	// HTTPTimeout bounds each REST request (0 means 20 s).
	HTTPTimeout time.Duration
}

// NewSession returns a discordgo session whose every REST call goes to
// cfg.APIBaseURL and whose gateway connection uses a dialer of its own. It does
// not touch discordgo's package-level variables, so sessions bound to different
// servers can live in one process. Automatic reconnection is off: the caller owns
// reconnecting (Bot does, with backoff).
func NewSession(cfg SessionConfig) (*discordgo.Session, error) {
	base, err := normalizeAPIBase(cfg.APIBaseURL)
	if err != nil {
		return nil, err
	}
	baseURL, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("discord: api base: %w", err)
	}
	if cfg.HTTPTimeout <= 0 {
		cfg.HTTPTimeout = defaultHTTPTimeout
	}
	s, err := discordgo.New("Bot " + cfg.Token)
	if err != nil {
		return nil, fmt.Errorf("discord: new session: %w", err)
	}
	dial := trustedHostDialer(baseURL.Hostname(), netguard.Policy{AllowPrivate: cfg.AllowPrivateAddresses})
	inner := &http.Transport{
		DialContext:           dial,
		ForceAttemptHTTP2:     true,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: cfg.HTTPTimeout,
	}
	s.Client = &http.Client{
		Transport: &baseRewriter{base: base + "/", next: inner},
		Timeout:   cfg.HTTPTimeout,
	}
	s.Dialer = &websocket.Dialer{
		NetDialContext:   dial,
		HandshakeTimeout: 10 * time.Second,
	}
	s.Identify.Intents = cfg.Intents
	s.StateEnabled = cfg.StateEnabled
	s.ShouldReconnectOnError = false
	s.ShouldReconnectVoiceOnSessionError = false
	// The gateway speaks plain JSON text frames; zlib payload compression is a
	// bandwidth optimisation some compatible servers lack.
	s.Compress = false
	s.Identify.Compress = false
	// discordgo logs through the standard logger; errors that matter come back
	// to the caller (Open, REST calls), which logs them with slog.
	s.LogLevel = -1
	return s, nil
}

// baseRewriter sends requests aimed at discordgo's built-in API prefix to the
// configured base instead. Other URLs (webhooks outside the API, CDN) pass as is.
type baseRewriter struct {
	base string // with a trailing slash
	next http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *baseRewriter) RoundTrip(req *http.Request) (*http.Response, error) {
	full := req.URL.String()
	rest, ok := strings.CutPrefix(full, discordgoAPIPrefix)
	if !ok || t.base == discordgoAPIPrefix {
		return t.next.RoundTrip(req)
	}
	u, err := url.Parse(t.base + rest)
	if err != nil {
		return nil, fmt.Errorf("discord: rewrite %s: %w", full, err)
	}
	r := req.Clone(req.Context())
	r.URL = u
	r.Host = u.Host
	return t.next.RoundTrip(r)
}

// trustedHostDialer dials the trusted host freely and every other host under the
// SSRF policy (checked on the resolved address).
func trustedHostDialer(trusted string, policy netguard.Policy) func(ctx context.Context, network, addr string) (net.Conn, error) {
	guarded := policy.Dialer(10 * time.Second)
	open := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err == nil && strings.EqualFold(host, trusted) {
			return open.DialContext(ctx, network, addr)
		}
		return guarded.DialContext(ctx, network, addr)
	}
}
