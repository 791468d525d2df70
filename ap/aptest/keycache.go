package aptest

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// remoteKey is a fetched public key and its declared owner.
type remoteKey struct {
	pub     *rsa.PublicKey
	owner   string
	fetched time.Time
	proven  bool // the owner's actor document was fetched and lists the key
}

// keyCache caches public keys by keyId; concurrent misses for one keyId share
// one fetch. A Fleet shares one cache across its hosts.
type keyCache struct {
	mu       sync.Mutex
	keys     map[string]*keyEntry
	fetches  int
	perKeyID map[string]int
}

type keyEntry struct {
	done chan struct{} // closed when the fetch ends
	key  *remoteKey
	err  error
}

func newKeyCache() *keyCache {
	return &keyCache{keys: map[string]*keyEntry{}, perKeyID: map[string]int{}}
}

// get returns the key for keyID, fetching it (signed by fetcher when the
// style signs GETs) if it is absent, failed, older than the TTL, or not
// proven when prove asks for the owner's confirmation.
func (c *keyCache) get(ctx context.Context, s *Server, keyID string, fetcher *Actor, prove bool) (*remoteKey, error) {
	c.mu.Lock()
	e, ok := c.keys[keyID]
	if ok {
		select {
		case <-e.done:
			if e.err != nil || s.cfg.now().Sub(e.key.fetched) > s.cfg.keyTTL || (prove && !e.key.proven) {
				ok = false
			}
		default:
		}
	}
	if !ok {
		e = &keyEntry{done: make(chan struct{})}
		c.keys[keyID] = e
		c.fetches++
		c.perKeyID[keyID]++
		c.mu.Unlock()
		e.key, e.err = s.fetchKey(ctx, keyID, fetcher, prove)
		close(e.done)
		return e.key, e.err
	}
	c.mu.Unlock()
	select {
	case <-e.done:
		return e.key, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// KeyFetches returns how many key fetches the host has made in total and for one keyId
// (a Fleet's hosts share these counts).
func (s *Server) KeyFetches(keyID string) (total, forKeyID int) {
	s.keys.mu.Lock()
	defer s.keys.mu.Unlock()
	return s.keys.fetches, s.keys.perKeyID[keyID]
}

// errKeyOwner marks a key whose owner does not vouch for it.
var errKeyOwner = errors.New("key not owned by actor")

// fetchKey dereferences keyID (without its fragment), extracts the key whose
// id is keyID, and proves its owner the way Mastodon does: the owner is on the
// key's origin and the owner's actor document, fetched at the owner's id,
// lists the same key id with the same public key. Without prove (a signed
// GET) the owner's document is not fetched, as GoToSocial does: two hosts
// that sign their GETs would otherwise fetch each other's actors forever.
func (s *Server) fetchKey(ctx context.Context, keyID string, fetcher *Actor, prove bool) (*remoteKey, error) {
	docURL, _, _ := strings.Cut(keyID, "#")
	var signer *Actor
	if s.cfg.style.signsGET() {
		signer = fetcher
	}
	doc, err := s.getJSON(ctx, docURL, signer)
	if err != nil {
		return nil, fmt.Errorf("fetch key %s: %w", keyID, err)
	}
	kd := findKey(doc, keyID)
	if kd == nil {
		return nil, fmt.Errorf("document at %s holds no key %s", docURL, keyID)
	}
	pub, err := parseKeyPEM(str(kd["publicKeyPem"]))
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", keyID, err)
	}
	owner := str(kd["owner"])
	if owner == "" {
		return nil, fmt.Errorf("key %s has no owner", keyID)
	}
	if o := originOf(owner); o == "" || o != originOf(keyID) {
		return nil, fmt.Errorf("%w: key %s is not on its owner %s's host", errKeyOwner, keyID, owner)
	}
	if !prove {
		return &remoteKey{pub: pub, owner: owner, fetched: s.cfg.now()}, nil
	}
	actorDoc := doc
	if str(doc["id"]) != owner || docURL != owner {
		if actorDoc, err = s.getJSON(ctx, owner, signer); err != nil {
			return nil, fmt.Errorf("fetch key owner %s: %w", owner, err)
		}
	}
	if str(actorDoc["id"]) != owner {
		return nil, fmt.Errorf("%w: %s serves a document with id %q", errKeyOwner, owner, str(actorDoc["id"]))
	}
	listed := findKey(actorDoc, keyID)
	if listed == nil {
		return nil, fmt.Errorf("%w: actor %s does not list key %s", errKeyOwner, owner, keyID)
	}
	if lp, err := parseKeyPEM(str(listed["publicKeyPem"])); err != nil || !lp.Equal(pub) {
		return nil, fmt.Errorf("%w: actor %s lists another key as %s", errKeyOwner, owner, keyID)
	}
	return &remoteKey{pub: pub, owner: owner, fetched: s.cfg.now(), proven: true}, nil
}

// parseKeyPEM reads an RSA public key in PKIX or PKCS#1 PEM.
func parseKeyPEM(text string) (*rsa.PublicKey, error) {
	blk, _ := pem.Decode([]byte(text))
	if blk == nil {
		return nil, errors.New("no PEM block")
	}
	var pub any
	var err error
	switch blk.Type {
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(blk.Bytes)
	default:
		pub, err = x509.ParsePKIXPublicKey(blk.Bytes)
	}
	if err != nil {
		return nil, err
	}
	rk, ok := pub.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("key is %T, not RSA", pub)
	}
	return rk, nil
}

// originOf is "host:port" of an http(s) URL, lower-cased, the port made
// explicit; "" for anything else.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return strings.ToLower(strings.TrimSuffix(u.Hostname(), ".")) + ":" + port
}

// findKey returns the key object with id keyID: the document itself, or one in
// its publicKey (object or array).
func findKey(doc map[string]any, keyID string) map[string]any {
	if str(doc["id"]) == keyID && doc["publicKeyPem"] != nil {
		return doc
	}
	switch pk := doc["publicKey"].(type) {
	case map[string]any:
		if str(pk["id"]) == keyID {
			return pk
		}
	case []any:
		for _, k := range pk {
			if m, ok := k.(map[string]any); ok && str(m["id"]) == keyID {
				return m
			}
		}
	}
	return nil
}

// errNotJSON reports an answer that is not an ActivityStreams document.
var errNotJSON = errors.New("answer is not a JSON object")

// getJSON GETs an ActivityStreams document, signed by signer when not nil.
func (s *Server) getJSON(ctx context.Context, u string, signer *Actor) (map[string]any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("request %s: %w", u, err)
	}
	req.Header.Set("Accept", `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`)
	req.Header.Set("User-Agent", s.cfg.style.userAgent(s.host))
	if signer != nil {
		if err := signer.signCavage(req, nil, signOptions{}); err != nil {
			return nil, err
		}
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", u, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &StatusError{URL: u, Status: resp.StatusCode, Body: string(b)}
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil || doc == nil {
		return nil, fmt.Errorf("%s: %w", u, errNotJSON)
	}
	return doc, nil
}

// StatusError is a non-2xx answer to a request made by an aptest actor.
type StatusError struct {
	URL    string
	Status int
	Body   string
}

// Error describes the answer.
func (e *StatusError) Error() string {
	b := e.Body
	if len(b) > 200 {
		b = b[:200]
	}
	return fmt.Sprintf("aptest: %s answered %d: %s", e.URL, e.Status, strings.TrimSpace(b))
}
