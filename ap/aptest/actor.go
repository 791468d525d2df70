package aptest

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"sync"
	"time"
)

// Actor is one account of a fake host. It publishes an actor document and a
// key, receives at its inbox, and can act towards other servers (Follow, Like,
// Reply, …), signing as its style does.
type Actor struct {
	s        *Server
	name     string
	key      *rsa.PrivateKey
	keyIndex int // index in the server's pool, -1 when given
	pubPEM   string
	cfg      actorConfig
	created  time.Time

	mu      sync.Mutex
	sent    []Sent
	inboxOf map[string]string // activity id → inbox it was delivered to
	deleted bool
}

// Sent records one activity the actor posted.
type Sent struct {
	ID       string
	Type     string
	Inbox    string
	Status   int    // final status (0 on a transport error)
	Scheme   Scheme // the signature scheme of the final attempt
	Attempts int    // 2 when a Fedify-style RFC 9421 attempt was refused and retried
	Time     time.Time
}

// Scheme is an HTTP signature scheme.
type Scheme string

// Signature schemes.
const (
	SchemeNone    Scheme = "none"
	SchemeCavage  Scheme = "draft-cavage"
	SchemeRFC9421 Scheme = "rfc9421"
)

func newActor(s *Server, name string, key *rsa.PrivateKey, keyIndex int, cfg actorConfig) (*Actor, error) {
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("marshal public key: %w", err)
	}
	return &Actor{
		s:        s,
		name:     name,
		key:      key,
		keyIndex: keyIndex,
		pubPEM:   string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
		cfg:      cfg,
		created:  s.cfg.now().UTC(),
		inboxOf:  map[string]string{},
	}, nil
}

// Name returns the preferredUsername.
func (a *Actor) Name() string { return a.name }

// Server returns the host of the actor.
func (a *Actor) Server() *Server { return a.s }

// Acct returns "name@127.0.0.1:PORT".
func (a *Actor) Acct() string { return a.name + "@" + a.s.host }

// IRI returns the actor's id, ".../users/NAME".
func (a *Actor) IRI() string { return a.s.base + "/users/" + a.name }

// KeyID returns the key id: "IRI#main-key", or "IRI/main-key" for GoToSocial.
func (a *Actor) KeyID() string {
	if a.s.cfg.style.keyIDHasFragment() {
		return a.IRI() + "#main-key"
	}
	return a.IRI() + "/main-key"
}

// Inbox returns the actor's own inbox URL.
func (a *Actor) Inbox() string { return a.IRI() + "/inbox" }

// SharedInbox returns the host's shared inbox, or "" for styles without one.
func (a *Actor) SharedInbox() string { return a.s.SharedInbox() }

// DeliveryInbox is where a peer delivers to this actor: the shared inbox when
// the style has one, else the actor's inbox.
func (a *Actor) DeliveryInbox() string {
	if si := a.SharedInbox(); si != "" {
		return si
	}
	return a.Inbox()
}

// Outbox returns the outbox URL.
func (a *Actor) Outbox() string { return a.IRI() + "/outbox" }

// Followers returns the followers collection URL.
func (a *Actor) Followers() string { return a.IRI() + "/followers" }

// Key returns the actor's private key.
func (a *Actor) Key() *rsa.PrivateKey { return a.key }

// PublicKeyPEM returns the PEM of the actor's public key.
func (a *Actor) PublicKeyPEM() string { return a.pubPEM }

// Sent returns what the actor has posted, in order.
func (a *Actor) Sent() []Sent {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Sent(nil), a.sent...)
}

// LastScheme returns the signature scheme of the last post that got a 2xx, or "".
func (a *Actor) LastScheme() Scheme {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := len(a.sent) - 1; i >= 0; i-- {
		if a.sent[i].Status >= 200 && a.sent[i].Status < 300 {
			return a.sent[i].Scheme
		}
	}
	return ""
}

// Deleted reports whether DeleteSelf has run.
func (a *Actor) Deleted() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.deleted
}

// publicKeyDoc is the publicKey object of the actor.
func (a *Actor) publicKeyDoc() map[string]any {
	return map[string]any{
		"id":           a.KeyID(),
		"owner":        a.IRI(),
		"publicKeyPem": a.pubPEM,
	}
}

// document renders the actor document.
func (a *Actor) document() map[string]any {
	st := a.s.cfg.style
	name := a.cfg.displayName
	if name == "" {
		name = a.name
	}
	doc := map[string]any{
		"@context":                  st.context(a.s.host, false),
		"id":                        a.IRI(),
		"type":                      "Person",
		"preferredUsername":         a.name,
		"name":                      name,
		"summary":                   a.cfg.summary,
		"url":                       a.s.base + "/@" + a.name,
		"inbox":                     a.Inbox(),
		"outbox":                    a.Outbox(),
		"followers":                 a.Followers(),
		"following":                 a.IRI() + "/following",
		"manuallyApprovesFollowers": false,
		"published":                 a.created.Format(time.RFC3339),
		"publicKey":                 a.publicKeyDoc(),
	}
	if si := a.SharedInbox(); si != "" {
		doc["endpoints"] = map[string]any{"sharedInbox": si}
	}
	if st == Mastodon {
		doc["discoverable"] = true
		doc["indexable"] = false
	}
	return doc
}

// keyDocument is what GoToSocial serves at ".../main-key": a stub actor that
// carries only the public key.
func (a *Actor) keyDocument() map[string]any {
	return map[string]any{
		"@context":          a.s.cfg.style.context(a.s.host, false),
		"id":                a.IRI(),
		"type":              "Person",
		"preferredUsername": a.name,
		"publicKey":         a.publicKeyDoc(),
	}
}

// tombstone is what a deleted actor or object answers, with 410.
func tombstone(s *Server, iri string) map[string]any {
	return map[string]any{
		"@context": contextAS,
		"id":       iri,
		"type":     "Tombstone",
	}
}
