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
	"strings"
	"sync"
	"time"
)

// remoteKey is a fetched public key and its declared owner.
type remoteKey struct {
	pub     *rsa.PublicKey
	owner   string
	fetched time.Time
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
// style signs GETs) if it is absent, failed, or older than the TTL.
func (c *keyCache) get(ctx context.Context, s *Server, keyID string, fetcher *Actor) (*remoteKey, error) {
	c.mu.Lock()
	e, ok := c.keys[keyID]
	if ok {
		select {
		case <-e.done:
			if e.err != nil || s.cfg.now().Sub(e.key.fetched) > s.cfg.keyTTL {
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
		e.key, e.err = s.fetchKey(ctx, keyID, fetcher)
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

// fetchKey dereferences keyID (without its fragment) and extracts the key
// whose id is keyID, from a key document or an actor's publicKey.
func (s *Server) fetchKey(ctx context.Context, keyID string, fetcher *Actor) (*remoteKey, error) {
	u, _, _ := strings.Cut(keyID, "#")
	var signer *Actor
	if s.cfg.style.signsGET() {
		signer = fetcher
	}
	doc, err := s.getJSON(ctx, u, signer)
	if err != nil {
		return nil, fmt.Errorf("fetch key %s: %w", keyID, err)
	}
	kd := findKey(doc, keyID)
	if kd == nil {
		return nil, fmt.Errorf("document at %s holds no key %s", u, keyID)
	}
	blk, _ := pem.Decode([]byte(str(kd["publicKeyPem"])))
	if blk == nil {
		return nil, fmt.Errorf("key %s: no PEM block", keyID)
	}
	var pub any
	switch blk.Type {
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(blk.Bytes)
	default:
		pub, err = x509.ParsePKIXPublicKey(blk.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", keyID, err)
	}
	rk, ok := pub.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("key %s is %T, not RSA", keyID, pub)
	}
	owner := str(kd["owner"])
	if owner == "" {
		return nil, fmt.Errorf("key %s has no owner", keyID)
	}
	return &remoteKey{pub: rk, owner: owner, fetched: s.cfg.now()}, nil
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
