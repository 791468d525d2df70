package aptest

import (
	"crypto/rsa"
	"log/slog"
	"net/http"
	"time"
)

// Option configures a Server (and each host of a Fleet).
type Option func(*config)

// config is the immutable configuration of one Server.
type config struct {
	style              Style
	requireSignedFetch bool
	pool               *KeyPool
	sharedKey          *rsa.PrivateKey
	logger             *slog.Logger
	now                func() time.Time
	client             *http.Client
	dateSkew           time.Duration
	acceptStatus       int
	maxBody            int64
	keyTTL             time.Duration
	keys               *keyCache
	sink               *fleetSink
}

func defaultConfig() config {
	return config{
		style:        Mastodon,
		logger:       slog.New(slog.DiscardHandler),
		now:          time.Now,
		dateSkew:     12 * time.Hour,
		acceptStatus: http.StatusAccepted,
		maxBody:      1 << 20,
		keyTTL:       time.Hour,
	}
}

// WithStyle selects the real server the host imitates (default Mastodon).
func WithStyle(s Style) Option { return func(c *config) { c.style = s } }

// RequireSignedFetch makes the host answer 401 to unsigned GETs of its actors
// and objects, and verify signed ones, as GoToSocial does. Documents that hold a
// key (the actor document for "#main-key" styles, "/main-key" for GoToSocial),
// WebFinger, host-meta and NodeInfo stay readable without a signature, as on
// the real servers; otherwise two such servers could never verify each other.
func RequireSignedFetch() Option { return func(c *config) { c.requireSignedFetch = true } }

// WithKeyPool takes actor keys from a pool the test owns, so keys are generated
// once per pool rather than once per Server.
func WithKeyPool(p *KeyPool) Option { return func(c *config) { c.pool = p } }

// WithSharedKey gives every actor of the host this one key (as a Fleet does).
func WithSharedKey(k *rsa.PrivateKey) Option { return func(c *config) { c.sharedKey = k } }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithClock sets the clock used for Date headers, Date checks and records.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithHTTPClient sets the client used for key fetches, discovery and posting.
// By default each Server has its own client and transport, closed at cleanup.
func WithHTTPClient(hc *http.Client) Option { return func(c *config) { c.client = hc } }

// WithDateSkew sets how far a signed Date may be from the host's clock, in
// either direction (default 12 h, as Mastodon allows).
func WithDateSkew(d time.Duration) Option { return func(c *config) { c.dateSkew = d } }

// WithAcceptStatus sets the status answered to a verified inbox POST (default 202).
func WithAcceptStatus(code int) Option { return func(c *config) { c.acceptStatus = code } }

// WithMaxBody sets the largest request body read (default 1 MiB); larger → 413.
func WithMaxBody(n int64) Option { return func(c *config) { c.maxBody = n } }

// WithKeyCacheTTL sets how long a fetched public key is trusted before it is
// fetched again (default 1 h).
func WithKeyCacheTTL(d time.Duration) Option { return func(c *config) { c.keyTTL = d } }

// ActorOption configures one Actor.
type ActorOption func(*actorConfig)

type actorConfig struct {
	key         *rsa.PrivateKey
	displayName string
	summary     string
}

// WithKey gives the actor this key instead of one from the server's pool.
func WithKey(k *rsa.PrivateKey) ActorOption { return func(c *actorConfig) { c.key = k } }

// WithDisplayName sets the actor's name.
func WithDisplayName(name string) ActorOption {
	return func(c *actorConfig) { c.displayName = name }
}

// WithSummary sets the actor's bio (HTML).
func WithSummary(html string) ActorOption { return func(c *actorConfig) { c.summary = html } }
