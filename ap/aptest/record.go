package aptest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// Reason says why a request was rejected (or, for a GET, why its signature did
// not verify). The empty Reason means accepted.
type Reason string

// Rejection reasons.
const (
	ReasonNone             Reason = ""
	ReasonContentType      Reason = "content-type"        // not activity+json / ld+json with the AS profile
	ReasonBadBody          Reason = "bad-body"            // body could not be read
	ReasonTooLarge         Reason = "too-large"           // body over the size cap
	ReasonRFC9421          Reason = "rfc9421-unsupported" // an RFC 9421 signature, which this host does not verify
	ReasonNoSignature      Reason = "no-signature"        // no Signature header
	ReasonMalformed        Reason = "malformed-signature" // Signature header unparsable
	ReasonAlgorithm        Reason = "algorithm"           // algorithm other than rsa-sha256 / hs2019
	ReasonNoDigest         Reason = "no-digest"           // POST without a Digest header
	ReasonDigestNotSigned  Reason = "digest-not-signed"   // Digest present but not in the signed headers
	ReasonHeadersNotSigned Reason = "headers-not-signed"  // (request-target), host or date not signed
	ReasonDigestMismatch   Reason = "digest-mismatch"     // Digest is not SHA-256 of the body
	ReasonDate             Reason = "date"                // Date missing, unparsable or outside the window
	ReasonBadJSON          Reason = "bad-json"            // body not a JSON object
	ReasonNoActor          Reason = "no-actor"            // activity without an actor
	ReasonKeyFetch         Reason = "key-fetch"           // the keyId could not be dereferenced to a key
	ReasonOwnerMismatch    Reason = "owner-mismatch"      // publicKey.owner differs from the activity's actor
	ReasonBadSignature     Reason = "bad-signature"       // the RSA signature does not verify
	ReasonUnsignedFetch    Reason = "unsigned-fetch"      // unsigned GET under RequireSignedFetch
	ReasonHost             Reason = "host"                // the signed Host is not this host
	ReasonKeyOwner         Reason = "key-owner"           // the key's owner does not list it, or lives on another host
)

// Request is one recorded HTTP request, whatever its path.
type Request struct {
	Method string
	Path   string
	Query  string
	Host   string
	Header http.Header // as received, plus Host
	Body   []byte
	Time   time.Time // host clock at arrival
	Status int       // status answered, or StatusDropped

	Signed   bool   // a Signature (or Signature-Input) header was present
	KeyID    string // keyId of a draft-cavage signature, if parsable
	Verified bool   // the signature was checked and is valid
	Reason   Reason // why it was rejected / did not verify; "" otherwise
	Err      string // detail of Reason
	Scripted bool   // answered by a script, not by the host's logic
}

// Rejected reports whether the host refused the request for a Reason.
func (r Request) Rejected() bool { return r.Reason != ReasonNone && r.Status >= 400 }

// Delivery is one verified inbox POST.
type Delivery struct {
	Inbox     string         // full URL of the inbox that received it
	Path      string         // its path
	Activity  map[string]any // the decoded activity
	Raw       []byte         // the body as received
	ID        string         // activity id
	Type      string         // activity type
	Actor     string         // activity actor IRI
	KeyID     string         // keyId that signed it
	Algorithm string         // algorithm parameter as sent
	Header    http.Header
	Time      time.Time
	Duplicate bool // the same id had already reached this inbox
}

// Object returns the activity's object as a map (nil when it is an IRI).
func (d Delivery) Object() map[string]any {
	m, _ := d.Activity["object"].(map[string]any)
	return m
}

// ObjectID returns the object's IRI, whether the object is embedded or bare.
func (d Delivery) ObjectID() string { return idOf(d.Activity["object"]) }

// Requests returns every request received so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Rejected returns the requests refused for a Reason.
func (s *Server) Rejected() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if r.Rejected() {
			out = append(out, r)
		}
	}
	return out
}

// Deliveries returns every verified inbox POST, duplicates included.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// DeliveriesOfType returns the verified deliveries of one activity type.
func (s *Server) DeliveriesOfType(typ string) []Delivery {
	var out []Delivery
	for _, d := range s.Deliveries() {
		if d.Type == typ {
			out = append(out, d)
		}
	}
	return out
}

// Duplicates returns how many deliveries repeated an activity id already
// received at the same inbox.
func (s *Server) Duplicates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dups
}

// Reset forgets every recorded request and delivery (scripts stay).
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
	s.deliveries = nil
	clear(s.seen)
	s.dups = 0
}

// ErrWaitTimeout is returned (wrapped) by the Wait helpers when time runs out.
var ErrWaitTimeout = errors.New("aptest: wait timed out")

// WaitFor waits until a delivery matching pred (nil matches any) has been
// recorded, for at most timeout or until ctx ends, and returns the first match.
func (s *Server) WaitFor(ctx context.Context, pred func(Delivery) bool, timeout time.Duration) (Delivery, error) {
	ds, err := s.WaitForN(ctx, 1, pred, timeout)
	if err != nil {
		return Delivery{}, err
	}
	return ds[0], nil
}

// WaitForN waits until n deliveries match pred (nil matches any), for at most
// timeout or until ctx ends, and returns the matches.
func (s *Server) WaitForN(ctx context.Context, n int, pred func(Delivery) bool, timeout time.Duration) ([]Delivery, error) {
	return waitUntil(ctx, timeout, s.changedChan, func() ([]Delivery, bool) {
		var out []Delivery
		for _, d := range s.Deliveries() {
			if pred == nil || pred(d) {
				out = append(out, d)
			}
		}
		return out, len(out) >= n
	})
}

// WaitForRequest waits until a recorded request matches pred and returns it.
func (s *Server) WaitForRequest(ctx context.Context, pred func(Request) bool, timeout time.Duration) (Request, error) {
	return waitUntil(ctx, timeout, s.changedChan, func() (Request, bool) {
		for _, r := range s.Requests() {
			if pred(r) {
				return r, true
			}
		}
		return Request{}, false
	})
}

// MustWaitFor is WaitFor that fails the test on timeout.
func (s *Server) MustWaitFor(t testing.TB, pred func(Delivery) bool, timeout time.Duration) Delivery {
	t.Helper()
	d, err := s.WaitFor(t.Context(), pred, timeout)
	if err != nil {
		t.Fatalf("aptest: %s: %v (got %d deliveries, %d rejected)", s.host, err,
			len(s.Deliveries()), len(s.Rejected()))
	}
	return d
}

// OfType is a WaitFor predicate matching an activity type.
func OfType(typ string) func(Delivery) bool {
	return func(d Delivery) bool { return d.Type == typ }
}

func (s *Server) changedChan() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// waitUntil re-checks cond each time changed fires, until it holds, timeout
// passes or ctx ends. It takes the change channel before checking, so no
// change between the check and the wait can be missed.
func waitUntil[T any](ctx context.Context, timeout time.Duration, changed func() <-chan struct{}, cond func() (T, bool)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		ch := changed()
		v, ok := cond()
		if ok {
			return v, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return v, fmt.Errorf("%w after %v: %w", ErrWaitTimeout, timeout, ctx.Err())
		}
	}
}

// String returns the raw body.
func (d Delivery) String() string { return string(d.Raw) }
