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
	"strings"
	"sync"
	"time"

	"github.com/artbridge/artbridge/rsasig"
)

// keyRefetchInterval is how long a fetched key (and the proof of its owner)
// is used before it is fetched again.
const keyRefetchInterval = time.Hour

// keyQuietAfterUnchanged is how long a key that was refetched after a failed
// signature and came back unchanged is not refetched for another failure, so
// bad signatures cannot make us fetch a key on every request.
const keyQuietAfterUnchanged = time.Minute

type cachedKey struct {
	pub        *rsa.PublicKey
	verifier   *rsasig.Verifier // pub, loaded into the signature backend once
	owner      string
	fetchedAt  time.Time
	quietUntil time.Time
}

// keyFetcher resolves keyIds to proven public keys: memory, then the store,
// then signed GETs of the key and of its owner. Concurrent lookups of one key
// share one fetch.
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

// get returns the key for keyID: the cached one while younger than
// keyRefetchInterval, else a fresh fetch. With refresh (a signature failed
// with the cached key) it fetches at once, so a rotated key works within one
// request, unless the last such refetch found the key unchanged less than
// keyQuietAfterUnchanged ago. fresh reports a fetch just happened.
func (k *keyFetcher) get(ctx context.Context, keyID string, refresh bool) (cachedKey, bool, error) {
	now := k.s.now()
	k.mu.Lock()
	c, ok := k.mem[keyID]
	k.mu.Unlock()
	if !ok {
		rk, err := k.s.store.RemoteKey(ctx, keyID)
		switch {
		case err == nil:
			if sc, perr := parseCachedKey(rk); perr == nil {
				c, ok = sc, true
				k.remember(keyID, c)
			}
		case !errors.Is(err, ErrNotFound):
			return cachedKey{}, false, fmt.Errorf("key lookup: %w", err)
		}
	}
	if ok && !refresh && now.Sub(c.fetchedAt) < keyRefetchInterval {
		return c, false, nil
	}
	if ok && refresh && now.Before(c.quietUntil) {
		return c, false, nil
	}

	k.mu.Lock()
	call, inflight := k.inflight[keyID]
	if !inflight {
		call = &keyCall{done: make(chan struct{})}
		k.inflight[keyID] = call
		k.mu.Unlock()
		call.key, call.err = k.fetch(ctx, keyID)
		if call.err == nil && ok && refresh && call.key.pub.Equal(c.pub) {
			call.key.quietUntil = now.Add(keyQuietAfterUnchanged)
		}
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
	return newCachedKey(pub, rk.Owner, rk.FetchedAt)
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

// fetch dereferences keyID and proves who owns it, as Mastodon and GoToSocial
// do: the key document names an owner on the key's own origin, and the
// owner's actor document, fetched at the owner's id, lists the same key id
// with the same public key. Only then are the key and the actor stored.
func (k *keyFetcher) fetch(ctx context.Context, keyID string) (cachedKey, error) {
	keyOrigin := origin(keyID)
	if keyOrigin == "" {
		return cachedKey{}, sigErr("keyId is not an http(s) URL")
	}
	if keyOrigin == origin(k.s.base.String()) {
		return cachedKey{}, sigErr("key is ours")
	}
	if k.s.isBlocked(ctx, hostOf(keyID)) {
		return cachedKey{}, sigErr("keyId host is blocked")
	}
	docURL, _, _ := strings.Cut(keyID, "#")
	doc, _, err := k.s.fetchDocument(ctx, docURL)
	if err != nil {
		return cachedKey{}, sigErrDetail("key could not be fetched", err)
	}
	pemText, owner, err := findPublicKey(doc, keyID)
	if err != nil {
		return cachedKey{}, err
	}
	pub, err := parsePublicKeyPEM(pemText)
	if err != nil {
		return cachedKey{}, err
	}
	if !sameOrigin(owner, keyID) {
		return cachedKey{}, sigErrDetail("key not owned by actor", fmt.Errorf("key %s claims owner %s", clip(keyID), clip(owner)))
	}
	// The owner's document is trusted only when fetched at its own id: the key
	// document counts when it is the actor document itself (Mastodon's
	// "#main-key"), never when it only says it is (GoToSocial's stub).
	actorDoc := doc
	if id, _ := doc["id"].(string); id != owner || docURL != owner {
		if actorDoc, _, err = k.s.fetchDocument(ctx, owner); err != nil {
			return cachedKey{}, sigErrDetail("key owner could not be fetched", err)
		}
	}
	ra, err := actorFromDocument(actorDoc, owner, k.s.now())
	if err != nil {
		return cachedKey{}, sigErrDetail("key not owned by actor", err)
	}
	listedPEM, listedOwner, err := findPublicKey(actorDoc, keyID)
	if err != nil || (listedOwner != owner && listedOwner != "") {
		return cachedKey{}, sigErrDetail("key not owned by actor", fmt.Errorf("actor %s does not list key %s", clip(owner), clip(keyID)))
	}
	listed, err := parsePublicKeyPEM(listedPEM)
	if err != nil || !listed.Equal(pub) {
		return cachedKey{}, sigErrDetail("key not owned by actor", fmt.Errorf("actor %s lists another key as %s", clip(owner), clip(keyID)))
	}
	now := k.s.now()
	if err := k.s.store.PutRemoteActor(ctx, ra); err != nil {
		return cachedKey{}, err
	}
	if err := k.s.store.PutRemoteKey(ctx, RemoteKey{KeyID: keyID, Owner: owner, PEM: pemText, FetchedAt: now}); err != nil {
		return cachedKey{}, err
	}
	return newCachedKey(pub, owner, now)
}

// findPublicKey finds keyID in a fetched document: an actor with a publicKey
// (object or array) or the key object itself. A key object inside an actor
// without an owner of its own belongs to that actor.
func findPublicKey(doc map[string]any, keyID string) (pemText, owner string, err error) {
	try := func(m map[string]any, defaultOwner string) bool {
		id, _ := m["id"].(string)
		p, _ := m["publicKeyPem"].(string)
		o, _ := m["owner"].(string)
		if o == "" {
			o = defaultOwner
		}
		if p == "" || o == "" || id != keyID {
			return false
		}
		pemText, owner = p, o
		return true
	}
	if try(doc, "") {
		return pemText, owner, nil
	}
	docID, _ := doc["id"].(string)
	switch pk := doc["publicKey"].(type) {
	case map[string]any:
		if try(pk, docID) {
			return pemText, owner, nil
		}
	case []any:
		for _, item := range pk {
			if m, ok := item.(map[string]any); ok && try(m, docID) {
				return pemText, owner, nil
			}
		}
	}
	return "", "", sigErrDetail("key not found in its document", fmt.Errorf("keyId %s", clip(keyID)))
}

// actorFromDocument reads the inboxes of an actor document fetched at id. The
// document must say it is id, and its inbox and shared inbox must be on its
// origin, so nobody can point our deliveries at a server of their choice.
func actorFromDocument(doc map[string]any, id string, now time.Time) (RemoteActor, error) {
	if docID, _ := doc["id"].(string); docID != id {
		return RemoteActor{}, fmt.Errorf("document at %s has id %q", clip(id), clip(docID))
	}
	inbox, _ := doc["inbox"].(string)
	if inbox == "" {
		return RemoteActor{}, fmt.Errorf("actor %s has no inbox", clip(id))
	}
	if !sameOrigin(inbox, id) {
		return RemoteActor{}, fmt.Errorf("actor %s has its inbox on another host", clip(id))
	}
	ra := RemoteActor{IRI: id, Inbox: inbox, UpdatedAt: now}
	if ep, ok := doc["endpoints"].(map[string]any); ok {
		ra.SharedInbox, _ = ep["sharedInbox"].(string)
	}
	if ra.SharedInbox != "" && !sameOrigin(ra.SharedInbox, id) {
		return RemoteActor{}, fmt.Errorf("actor %s has its shared inbox on another host", clip(id))
	}
	return ra, nil
}

// maxFetchedDocument caps documents we fetch from remote servers.
const maxFetchedDocument = 1 << 20

// fetchDocument GETs an ActivityStreams document with a signed request. It
// returns the URL the document finally came from; a redirect to another
// origin is refused, so a document is always one its own host served.
func (s *Service) fetchDocument(ctx context.Context, iri string) (map[string]any, string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, iri, nil)
	if err != nil {
		return nil, "", fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`)
	if err := s.signRequest(req, nil); err != nil {
		return nil, "", err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("GET %s: %w", iri, err)
	}
	defer resp.Body.Close()
	final := iri
	if resp.Request != nil && resp.Request.URL != nil {
		final = resp.Request.URL.String()
	}
	if !sameOrigin(final, iri) {
		return nil, "", fmt.Errorf("GET %s: redirected to another host", iri)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("GET %s: status %d", iri, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxFetchedDocument+1))
	if err != nil {
		return nil, "", fmt.Errorf("read %s: %w", iri, err)
	}
	if len(body) > maxFetchedDocument {
		return nil, "", fmt.Errorf("GET %s: document larger than %d bytes", iri, maxFetchedDocument)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, "", fmt.Errorf("GET %s: not a JSON object: %w", iri, err)
	}
	return doc, final, nil
}

// ResolveActor returns a remote actor's inboxes from the store, fetching its
// document at its id when unknown.
func (s *Service) ResolveActor(ctx context.Context, iri string) (RemoteActor, error) {
	if ra, err := s.store.RemoteActor(ctx, iri); err == nil {
		return ra, nil
	}
	return s.refreshActor(ctx, iri)
}

// refreshActor fetches an actor document at its id and stores its inboxes.
func (s *Service) refreshActor(ctx context.Context, iri string) (RemoteActor, error) {
	o := origin(iri)
	if o == "" {
		return RemoteActor{}, fmt.Errorf("ap: actor %q is not an http(s) IRI", clip(iri))
	}
	if o == origin(s.base.String()) {
		return RemoteActor{}, fmt.Errorf("ap: actor %q is local", clip(iri))
	}
	if s.isBlocked(ctx, hostOf(iri)) {
		return RemoteActor{}, fmt.Errorf("ap: actor %q is on a blocked domain", clip(iri))
	}
	doc, _, err := s.fetchDocument(ctx, iri)
	if err != nil {
		return RemoteActor{}, fmt.Errorf("ap: resolve actor: %w", err)
	}
	ra, err := actorFromDocument(doc, iri, s.now())
	if err != nil {
		return RemoteActor{}, fmt.Errorf("ap: resolve actor: %w", err)
	}
	if err := s.store.PutRemoteActor(ctx, ra); err != nil {
		return RemoteActor{}, err
	}
	return ra, nil
}
