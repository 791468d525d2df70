// Package ap is artbridge's ActivityPub side: the actor, WebFinger and NodeInfo,
// the inbox with HTTP-signature verification, the outbox and followers
// collections, object pages, and the durable delivery worker. It stores nothing
// itself (see Store) and hands verified activities to a Receiver.
package ap

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/artbridge/artbridge/rsasig"
)

// Config configures the ActivityPub service.
type Config struct {
	// BaseURL is the scheme and host of every IRI, e.g. https://art.example.org.
	BaseURL string
	// Username is the actor's preferred username (WebFinger acct:USERNAME@host).
	Username    string
	DisplayName string
	Summary     string
	// IconURL is an optional avatar.
	IconURL string
	// Key is the actor's RSA private key.
	Key *rsa.PrivateKey
	// Software and Version are announced in NodeInfo and the User-Agent.
	Software string
	Version  string
	// BlockedDomains are refused at the inbox and never delivered to.
	BlockedDomains []string
	// MaxBody caps inbox request bodies (default 1 MiB).
	MaxBody int64
	// Delivery tunes the delivery worker.
	Delivery DeliveryConfig
	// InboundLimit and FollowLimit are the per-remote-host token buckets of
	// the inbox: every activity takes from the first, a Follow from both.
	InboundLimit RateLimit
	FollowLimit  RateLimit
	// Instance is what the public pages say about this instance.
	Instance InstanceInfo
}

// InstanceInfo is what the About page and the AI-training reservation need.
type InstanceInfo struct {
	// Contact is how to reach the operator: an email address or a Fediverse
	// handle (@name@host). Empty: the About page says to ask in the Discord.
	Contact string
	// Rules are the instance rules, one per item, shown on the About page.
	Rules []string
	// DefaultLicense is the license URL of posts whose artist chose none
	// (empty: all rights reserved); the About page names it.
	DefaultLicense string
	// AITrainingAllowed turns the AI-training reservation off. The zero value
	// reserves: headers, meta tag, tdmrep.json and robots.txt.
	AITrainingAllowed bool
	// TDMPolicy is an optional URL of the TDMRep policy (tdm-policy).
	TDMPolicy string
}

// Service is the ActivityPub actor of one domain.
type Service struct {
	cfg      Config
	base     *url.URL
	store    Store
	receiver Receiver
	client   *http.Client
	log      *slog.Logger
	now      func() time.Time
	pubPEM   string
	blocked  []string
	signer   *rsasig.Signer // our key, loaded once for every signature

	keys     *keyFetcher
	inLimit  *hostLimiter
	follows  *hostLimiter
	delivery *deliveryWorker
	inbound  *inboundProcessor
	pages    pageSet

	mu      sync.Mutex
	started bool
}

// New builds the service. client is used for every outgoing request (key fetches
// and deliveries); give it the SSRF guard (see package netguard).
func New(cfg Config, store Store, receiver Receiver, client *http.Client, logger *slog.Logger, clock func() time.Time) (*Service, error) {
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("ap: base_url %q must be an absolute http(s) URL", cfg.BaseURL)
	}
	if base.Path != "" {
		return nil, fmt.Errorf("ap: base_url %q must not have a path", cfg.BaseURL)
	}
	if cfg.Username == "" {
		return nil, errors.New("ap: actor username is empty")
	}
	if cfg.Key == nil {
		return nil, errors.New("ap: actor key is missing")
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 1 << 20
	}
	if cfg.Software == "" {
		cfg.Software = "artbridge"
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if clock == nil {
		clock = time.Now
	}
	der, err := x509.MarshalPKIXPublicKey(&cfg.Key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("ap: encode public key: %w", err)
	}
	signer, err := rsasig.NewSigner(cfg.Key)
	if err != nil {
		return nil, fmt.Errorf("ap: actor key: %w", err)
	}
	s := &Service{
		signer:   signer,
		cfg:      cfg,
		base:     base,
		store:    store,
		receiver: receiver,
		client:   client,
		log:      logger,
		now:      clock,
		pubPEM:   string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
	}
	for _, d := range cfg.BlockedDomains {
		if d = NormalizeHost(d); d != "" {
			s.blocked = append(s.blocked, d)
		}
	}
	s.inLimit = newHostLimiter(cfg.InboundLimit, defaultInboundLimit)
	s.follows = newHostLimiter(cfg.FollowLimit, defaultFollowLimit)
	s.pages = parsePages()
	s.keys = newKeyFetcher(s)
	s.delivery = newDeliveryWorker(s, cfg.Delivery)
	s.inbound = newInboundProcessor(s)
	return s, nil
}

// Start starts the delivery worker and the inbound processor.
func (s *Service) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("ap: already started")
	}
	s.started = true
	s.delivery.start(ctx)
	s.inbound.start(ctx)
	return nil
}

// Close stops the workers, waiting for in-flight work up to ctx's deadline.
// Unfinished deliveries stay queued in the store.
func (s *Service) Close(ctx context.Context) error {
	s.mu.Lock()
	started := s.started
	s.mu.Unlock()
	if !started {
		return nil
	}
	return errors.Join(s.inbound.stop(ctx), s.delivery.stop(ctx))
}

// UserAgent names artbridge, its version and its URL.
func (s *Service) UserAgent() string {
	v := s.cfg.Version
	if v == "" {
		v = "dev"
	}
	return fmt.Sprintf("%s/%s (+%s)", s.cfg.Software, v, s.base.String())
}

// BaseURL is the scheme and host of our IRIs, without a trailing slash.
func (s *Service) BaseURL() string { return s.base.String() }

// Host is the host (and port) of our IRIs.
func (s *Service) Host() string { return s.base.Host }

// ActorIRI is our actor's id.
func (s *Service) ActorIRI() string { return s.base.String() + "/users/" + s.cfg.Username }

// KeyID is our public key's id.
func (s *Service) KeyID() string { return s.ActorIRI() + "#main-key" }

// InboxIRI is our actor's personal inbox.
func (s *Service) InboxIRI() string { return s.ActorIRI() + "/inbox" }

// SharedInboxIRI is our shared inbox.
func (s *Service) SharedInboxIRI() string { return s.base.String() + "/inbox" }

// OutboxIRI is our outbox.
func (s *Service) OutboxIRI() string { return s.ActorIRI() + "/outbox" }

// FollowersIRI is our followers collection.
func (s *Service) FollowersIRI() string { return s.ActorIRI() + "/followers" }

// NoteIRI is the id of the note with the given local id.
func (s *Service) NoteIRI(id string) string { return s.base.String() + "/notes/" + id }

// ActivityIRI is the id of one of our activities.
func (s *Service) ActivityIRI(id string) string { return s.base.String() + "/activities/" + id }

// MediaURL is the public URL of a stored media file.
func (s *Service) MediaURL(name string) string { return s.base.String() + "/media/" + name }

// TagURL is the page of a hashtag.
func (s *Service) TagURL(tag string) string { return s.base.String() + "/tags/" + url.PathEscape(tag) }

// Wake tells the delivery worker that new deliveries are queued.
func (s *Service) Wake() { s.delivery.wake() }

// isBlocked reports whether host (or a parent domain) is blocked by config or store.
// host is normalised first (NormalizeHost); a host that does not normalise
// counts as blocked.
func (s *Service) isBlocked(ctx context.Context, host string) bool {
	h := NormalizeHost(host)
	if h == "" {
		return true
	}
	for _, d := range s.blocked {
		if h == d || strings.HasSuffix(h, "."+d) {
			return true
		}
	}
	blocked, err := s.store.IsDomainBlocked(ctx, h)
	if err != nil {
		s.log.WarnContext(ctx, "domain block lookup failed", "host", h, "err", err)
		return false
	}
	return blocked
}

// Publish stores an activity and queues it for inboxes, then wakes the worker.
func (s *Service) Publish(ctx context.Context, a Activity, inboxes []string) error {
	if err := s.store.SaveActivity(ctx, a, s.filterInboxes(ctx, inboxes), s.now()); err != nil {
		return err
	}
	s.Wake()
	return nil
}

// filterInboxes drops duplicates, our own host and blocked domains.
func (s *Service) filterInboxes(ctx context.Context, inboxes []string) []string {
	seen := make(map[string]bool, len(inboxes))
	out := make([]string, 0, len(inboxes))
	for _, in := range inboxes {
		if in == "" || seen[in] {
			continue
		}
		seen[in] = true
		u, err := url.Parse(in)
		if err != nil || u.Host == "" || sameOrigin(in, s.base.String()) || s.isBlocked(ctx, u.Host) {
			continue
		}
		out = append(out, in)
	}
	return out
}

// FilterInboxes drops duplicates, our own host and blocked domains (for callers
// that queue deliveries through their own transaction).
func (s *Service) FilterInboxes(ctx context.Context, inboxes []string) []string {
	return s.filterInboxes(ctx, inboxes)
}

// FollowerInboxes returns the distinct delivery inboxes of every follower.
func (s *Service) FollowerInboxes(ctx context.Context) ([]string, error) {
	const page = 1000
	var out []string
	for offset := 0; ; offset += page {
		fs, err := s.store.Followers(ctx, offset, page)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			out = append(out, f.DeliveryInbox())
		}
		if len(fs) < page {
			break
		}
	}
	return s.filterInboxes(ctx, out), nil
}

// SetReceiver sets who gets verified inbound activities (before Start).
func (s *Service) SetReceiver(r Receiver) { s.receiver = r }
