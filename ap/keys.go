package ap

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

// keyRefetchInterval is the shortest time between two fetches of one key.
const keyRefetchInterval = time.Hour

type cachedKey struct {
	pub       *rsa.PublicKey
	owner     string
	fetchedAt time.Time
}

// keyFetcher resolves keyIds to public keys: memory, then the store, then a
// signed GET to the remote server. Concurrent lookups of one key share one fetch.
type keyFetcher struct {
	s        *Service
	mu       sync.Mutex
	mem      map[string]cachedKey
	inflight map[string]*keyCall
}

type keyCall struct {
	done chan struct{}
	key  cachedKey
	err  error
}

func newKeyFetcher(s *Service) *keyFetcher {
	return &keyFetcher{s: s, mem: map[string]cachedKey{}, inflight: map[string]*keyCall{}}
}

// get returns the key for keyID. With refresh it refetches unless the key was
// fetched less than keyRefetchInterval ago. fresh reports a fetch just happened.
func (k *keyFetcher) get(ctx context.Context, keyID string, refresh bool) (cachedKey, bool, error) {
	now := k.s.now()
	k.mu.Lock()
	if c, ok := k.mem[keyID]; ok && (!refresh || now.Sub(c.fetchedAt) < keyRefetchInterval) {
		k.mu.Unlock()
		return c, false, nil
	}
	k.mu.Unlock()
	if !refresh {
		if rk, err := k.s.store.RemoteKey(ctx, keyID); err == nil {
			if c, err := parseCachedKey(rk); err == nil {
				k.remember(keyID, c)
				return c, false, nil
			}
		} else if !errors.Is(err, ErrNotFound) {
			return cachedKey{}, false, fmt.Errorf("key lookup: %w", err)
		}
	} else if rk, err := k.s.store.RemoteKey(ctx, keyID); err == nil && now.Sub(rk.FetchedAt) < keyRefetchInterval {
		c, err := parseCachedKey(rk)
		return c, false, err
	}

	k.mu.Lock()
	call, ok := k.inflight[keyID]
	if !ok {
		call = &keyCall{done: make(chan struct{})}
		k.inflight[keyID] = call
		k.mu.Unlock()
		call.key, call.err = k.fetch(ctx, keyID)
		k.mu.Lock()
		delete(k.inflight, keyID)
		if call.err == nil {
			k.mem[keyID] = call.key
		}
		close(call.done)
		k.mu.Unlock()
	} else {
		k.mu.Unlock()
		select {
		case <-call.done:
		case <-ctx.Done():
			return cachedKey{}, false, ctx.Err()
		}
	}
	return call.key, call.err == nil, call.err
}

func (k *keyFetcher) remember(keyID string, c cachedKey) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.mem) > 50_000 { // a rebuildable cache: drop it rather than grow forever
		clear(k.mem)
	}
	k.mem[keyID] = c
}

func parseCachedKey(rk RemoteKey) (cachedKey, error) {
	pub, err := parsePublicKeyPEM(rk.PEM)
	if err != nil {
		return cachedKey{}, err
	}
	return cachedKey{pub: pub, owner: rk.Owner, fetchedAt: rk.FetchedAt}, nil
}

// parsePublicKeyPEM reads an RSA public key in PKIX or PKCS#1 PEM.
func parsePublicKeyPEM(s string) (*rsa.PublicKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, sigErr("key is not PEM")
	}
	if pub, err := x509.ParsePKIXPublicKey(block.Bytes); err == nil {
		if rsaPub, ok := pub.(*rsa.PublicKey); ok {
			return rsaPub, nil
		}
		return nil, sigErr("key is not RSA")
	}
	pub, err := x509.ParsePKCS1PublicKey(block.Bytes)
	if err != nil {
		return nil, sigErr("key does not parse")
	}
	return pub, nil
}

// fetch dereferences keyID with a signed GET and stores the key.
func (k *keyFetcher) fetch(ctx context.Context, keyID string) (cachedKey, error) {
	u, err := url.Parse(keyID)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return cachedKey{}, sigErr("keyId %q is not an http(s) URL", clip(keyID))
	}
	if k.s.isBlocked(ctx, u.Host) {
		return cachedKey{}, sigErr("keyId host is blocked")
	}
	docURL := *u
	docURL.Fragment = ""
	doc, err := k.s.fetchDocument(ctx, docURL.String())
	if err != nil {
		return cachedKey{}, fmt.Errorf("%w: fetch key: %v", ErrSignature, err)
	}
	pemText, owner, err := findPublicKey(doc, keyID)
	if err != nil {
		return cachedKey{}, err
	}
	pub, err := parsePublicKeyPEM(pemText)
	if err != nil {
		return cachedKey{}, err
	}
	now := k.s.now()
	if err := k.s.store.PutRemoteKey(ctx, RemoteKey{KeyID: keyID, Owner: owner, PEM: pemText, FetchedAt: now}); err != nil {
		return cachedKey{}, err
	}
	if id, _ := doc["id"].(string); id == owner {
		if ra, ok := remoteActorFrom(doc, now); ok {
			if err := k.s.store.PutRemoteActor(ctx, ra); err != nil {
				k.s.log.WarnContext(ctx, "store remote actor", "actor", owner, "err", err)
			}
		}
	}
	return cachedKey{pub: pub, owner: owner, fetchedAt: now}, nil
}

// findPublicKey finds keyID in a fetched document: an actor with a publicKey
// (object or array) or the key object itself.
func findPublicKey(doc map[string]any, keyID string) (pemText, owner string, err error) {
	try := func(m map[string]any) bool {
		id, _ := m["id"].(string)
		p, _ := m["publicKeyPem"].(string)
		o, _ := m["owner"].(string)
		if p == "" || o == "" || (id != "" && id != keyID) {
			return false
		}
		pemText, owner = p, o
		return true
	}
	if try(doc) {
		return pemText, owner, nil
	}
	switch pk := doc["publicKey"].(type) {
	case map[string]any:
		if try(pk) {
			return pemText, owner, nil
		}
	case []any:
		for _, item := range pk {
			if m, ok := item.(map[string]any); ok && try(m) {
				return pemText, owner, nil
			}
		}
	}
	return "", "", sigErr("key %q not found in its document", clip(keyID))
}

// remoteActorFrom reads an actor document's inboxes.
func remoteActorFrom(doc map[string]any, now time.Time) (RemoteActor, bool) {
	id, _ := doc["id"].(string)
	inbox, _ := doc["inbox"].(string)
	if id == "" || inbox == "" {
		return RemoteActor{}, false
	}
	ra := RemoteActor{IRI: id, Inbox: inbox, UpdatedAt: now}
	if ep, ok := doc["endpoints"].(map[string]any); ok {
		ra.SharedInbox, _ = ep["sharedInbox"].(string)
	}
	return ra, true
}

// maxFetchedDocument caps documents we fetch from remote servers.
const maxFetchedDocument = 1 << 20

// fetchDocument GETs an ActivityStreams document with a signed request.
func (s *Service) fetchDocument(ctx context.Context, iri string) (map[string]any, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, iri, nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`)
	if err := s.signRequest(req, nil); err != nil {
		return nil, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", iri, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", iri, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxFetchedDocument+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", iri, err)
	}
	if len(body) > maxFetchedDocument {
		return nil, fmt.Errorf("GET %s: document larger than %d bytes", iri, maxFetchedDocument)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("GET %s: not a JSON object: %w", iri, err)
	}
	return doc, nil
}

// ResolveActor returns a remote actor's inboxes from the store, fetching its
// document when unknown.
func (s *Service) ResolveActor(ctx context.Context, iri string) (RemoteActor, error) {
	if ra, err := s.store.RemoteActor(ctx, iri); err == nil {
		return ra, nil
	}
	u, err := url.Parse(iri)
	if err != nil || u.Host == "" || !strings.HasPrefix(u.Scheme, "http") {
		return RemoteActor{}, fmt.Errorf("ap: actor %q is not an http(s) IRI", iri)
	}
	if s.isBlocked(ctx, u.Host) {
		return RemoteActor{}, fmt.Errorf("ap: actor %q is on a blocked domain", iri)
	}
	doc, err := s.fetchDocument(ctx, iri)
	if err != nil {
		return RemoteActor{}, fmt.Errorf("ap: resolve actor: %w", err)
	}
	ra, ok := remoteActorFrom(doc, s.now())
	if !ok || ra.IRI != iri {
		return RemoteActor{}, fmt.Errorf("ap: %s is not an actor document", iri)
	}
	if err := s.store.PutRemoteActor(ctx, ra); err != nil {
		return RemoteActor{}, err
	}
	return ra, nil
}
