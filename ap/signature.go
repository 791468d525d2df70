package ap

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/superseriousbusiness/httpsig"
)

// SignatureParams is a parsed draft-cavage Signature header.
type SignatureParams struct {
	KeyID     string
	Algorithm string
	Headers   []string // lower-cased, in order; defaults to ["date"] when absent
	Signature []byte
}

// ErrSignature is wrapped by every signature verification failure.
var ErrSignature = errors.New("signature")

func sigErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrSignature}, args...)...)
}

// ParseSignatureHeader parses the value of a draft-cavage Signature header (or
// of an Authorization header after its "Signature " scheme).
func ParseSignatureHeader(v string) (SignatureParams, error) {
	var p SignatureParams
	if len(v) > 8192 {
		return p, sigErr("header too long")
	}
	seen := map[string]bool{}
	rest := strings.TrimSpace(v)
	for rest != "" {
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 {
			return p, sigErr("malformed parameter near %q", clip(rest))
		}
		name := strings.ToLower(strings.TrimSpace(rest[:eq]))
		rest = strings.TrimLeft(rest[eq+1:], " ")
		var val string
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return p, sigErr("unterminated value of %q", name)
			}
			val = rest[1 : 1+end]
			rest = rest[2+end:]
		} else {
			end := strings.IndexByte(rest, ',')
			if end < 0 {
				end = len(rest)
			}
			val = strings.TrimSpace(rest[:end])
			rest = rest[end:]
		}
		rest = strings.TrimLeft(rest, " ")
		if rest != "" {
			if rest[0] != ',' {
				return p, sigErr("expected ',' after %q", name)
			}
			rest = strings.TrimLeft(rest[1:], " ")
		}
		if seen[name] {
			return p, sigErr("duplicate parameter %q", name)
		}
		seen[name] = true
		switch name {
		case "keyid":
			p.KeyID = val
		case "algorithm":
			p.Algorithm = strings.ToLower(val)
		case "headers":
			p.Headers = strings.Fields(strings.ToLower(val))
		case "signature":
			sig, err := base64.StdEncoding.DecodeString(val)
			if err != nil {
				return p, sigErr("signature is not base64")
			}
			p.Signature = sig
		}
	}
	if p.KeyID == "" {
		return p, sigErr("no keyId")
	}
	if len(p.Signature) == 0 {
		return p, sigErr("no signature value")
	}
	if !seen["headers"] {
		p.Headers = []string{"date"}
	}
	return p, nil
}

func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}

// Has reports whether the signature covers header h.
func (p SignatureParams) Has(h string) bool {
	for _, x := range p.Headers {
		if x == h {
			return true
		}
	}
	return false
}

// Date window of accepted signatures (design §3).
const (
	maxSignatureAge    = 12 * time.Hour
	maxSignatureFuture = time.Hour
)

// checkSignaturePolicy applies our rules to a request before any key is fetched:
// scheme, algorithm, covered headers, Date window and Digest. It returns the
// parsed parameters.
func (s *Service) checkSignaturePolicy(req *http.Request, body []byte) (SignatureParams, error) {
	if req.Header.Get("Signature-Input") != "" {
		// RFC 9421. Fedify tries it first and falls back to draft-cavage on 401.
		return SignatureParams{}, sigErr("RFC 9421 signatures are not supported; sign with draft-cavage")
	}
	raw := req.Header.Get("Signature")
	if raw == "" {
		if auth := req.Header.Get("Authorization"); strings.HasPrefix(auth, "Signature ") {
			raw = strings.TrimPrefix(auth, "Signature ")
		}
	}
	if raw == "" {
		return SignatureParams{}, sigErr("missing")
	}
	p, err := ParseSignatureHeader(raw)
	if err != nil {
		return p, err
	}
	switch p.Algorithm {
	case "", "rsa-sha256", "hs2019":
	default:
		return p, sigErr("algorithm %q not supported", p.Algorithm)
	}
	if !p.Has(httpsig.RequestTarget) {
		return p, sigErr("(request-target) not signed")
	}
	if !p.Has("host") {
		return p, sigErr("host not signed")
	}
	if !p.Has("date") && !p.Has("(created)") {
		return p, sigErr("date not signed")
	}
	if d := req.Header.Get("Date"); d != "" || p.Has("date") {
		t, err := http.ParseTime(d)
		if err != nil {
			return p, sigErr("bad Date header")
		}
		now := s.now()
		if t.Before(now.Add(-maxSignatureAge)) {
			return p, sigErr("Date too old")
		}
		if t.After(now.Add(maxSignatureFuture)) {
			return p, sigErr("Date in the future")
		}
	}
	if req.Method == http.MethodPost {
		if !p.Has("digest") {
			return p, sigErr("digest not signed")
		}
		if err := checkDigest(req.Header.Get("Digest"), body); err != nil {
			return p, err
		}
	}
	return p, nil
}

// checkDigest verifies a Digest header (RFC 3230) carrying SHA-256 of body.
func checkDigest(header string, body []byte) error {
	if header == "" {
		return sigErr("missing Digest")
	}
	sum := sha256.Sum256(body)
	for _, part := range strings.Split(header, ",") {
		alg, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || !strings.EqualFold(alg, "SHA-256") {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(val)
		if err != nil || !bytes.Equal(got, sum[:]) {
			return sigErr("Digest does not match body")
		}
		return nil
	}
	return sigErr("Digest has no SHA-256")
}

// verifyRSA checks the request's signature with pub (rsa-sha256; hs2019 with an
// RSA key means RSA-SHA256 in practice, with RSA-SHA512 tried as well).
func verifyRSA(req *http.Request, p SignatureParams, pub *rsa.PublicKey) error {
	v, err := httpsig.NewVerifier(req)
	if err != nil {
		return sigErr("%v", err)
	}
	algs := []httpsig.Algorithm{httpsig.RSA_SHA256}
	if p.Algorithm == "hs2019" {
		algs = append(algs, httpsig.RSA_SHA512)
	}
	var last error
	for _, alg := range algs {
		if last = v.Verify(pub, alg); last == nil {
			return nil
		}
	}
	return sigErr("does not verify: %v", last)
}

// verifiedRequest is the outcome of a successful signature check.
type verifiedRequest struct {
	KeyID string
	Owner string
}

// verifyRequest checks policy, fetches the key (cached; refetched at most once an
// hour per key, on failure) and verifies the signature.
func (s *Service) verifyRequest(ctx context.Context, req *http.Request, body []byte) (verifiedRequest, error) {
	p, err := s.checkSignaturePolicy(req, body)
	if err != nil {
		return verifiedRequest{}, err
	}
	key, fresh, err := s.keys.get(ctx, p.KeyID, false)
	if err != nil {
		return verifiedRequest{}, err
	}
	if verr := verifyRSA(req, p, key.pub); verr != nil {
		if fresh {
			return verifiedRequest{}, verr
		}
		// The remote may have rotated its key: refetch once (rate-limited per key).
		refetched, isFresh, ferr := s.keys.get(ctx, p.KeyID, true)
		if ferr != nil || !isFresh {
			return verifiedRequest{}, verr
		}
		if err := verifyRSA(req, p, refetched.pub); err != nil {
			return verifiedRequest{}, err
		}
		key = refetched
	}
	return verifiedRequest{KeyID: p.KeyID, Owner: key.owner}, nil
}
