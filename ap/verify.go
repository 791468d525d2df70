package ap

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/artbridge/artbridge/rsasig"
)

// SignatureParams is a parsed draft-cavage Signature header. It is parsed once
// and the same value drives the policy checks and the signing string.
type SignatureParams struct {
	KeyID     string
	Algorithm string
	Headers   []string // lower-cased, in order; defaults to ["date"] when absent
	Signature []byte
	// Created and Expires are the (created) and (expires) parameters, in Unix
	// seconds; HasCreated and HasExpires tell whether they were given.
	Created, Expires       int64
	HasCreated, HasExpires bool
}

// ErrSignature is wrapped by every signature verification failure.
var ErrSignature = errors.New("signature")

// sigError is a refused signature: public is the few words the sender is
// told, detail goes to the debug log only.
type sigError struct {
	public string
	detail string
}

func (e *sigError) Error() string {
	if e.detail == "" {
		return "signature: " + e.public
	}
	return "signature: " + e.public + ": " + e.detail
}

func (e *sigError) Unwrap() error { return ErrSignature }

// sigErr is a refusal whose whole text is safe to show the sender.
func sigErr(format string, args ...any) error {
	return &sigError{public: fmt.Sprintf(format, args...)}
}

// sigErrDetail is a refusal with a public reason and a private detail.
func sigErrDetail(public string, detail error) error {
	return &sigError{public: public, detail: detail.Error()}
}

// publicReason is what an inbox answer may say about err.
func publicReason(err error) string {
	var se *sigError
	if errors.As(err, &se) {
		return "signature: " + se.public
	}
	return "signature not accepted"
}

// maxSignatureHeader bounds the Signature header.
const maxSignatureHeader = 8192

// ParseSignatureHeader parses the value of a draft-cavage Signature header (or
// of an Authorization header after its "Signature " scheme). Parameter names
// are case-insensitive; a parameter given twice is refused.
func ParseSignatureHeader(v string) (SignatureParams, error) {
	var p SignatureParams
	if len(v) > maxSignatureHeader {
		return p, sigErr("header too long")
	}
	seen := map[string]bool{}
	rest := strings.TrimSpace(v)
	for rest != "" {
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 {
			return p, sigErr("malformed parameter")
		}
		name := strings.ToLower(strings.TrimSpace(rest[:eq]))
		rest = strings.TrimLeft(rest[eq+1:], " ")
		var val string
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return p, sigErr("unterminated value")
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
				return p, sigErr("expected ',' between parameters")
			}
			rest = strings.TrimLeft(rest[1:], " ")
		}
		if seen[name] {
			return p, sigErr("duplicate parameter %q", clip(name))
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
		case "created", "expires":
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n < 0 {
				return p, sigErr("%s is not a Unix time", name)
			}
			if name == "created" {
				p.Created, p.HasCreated = n, true
			} else {
				p.Expires, p.HasExpires = n, true
			}
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
	if len(p.Headers) == 0 {
		return p, sigErr("empty headers list")
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

// Time window of accepted signatures (design §3), for Date and (created).
const (
	maxSignatureAge    = 12 * time.Hour
	maxSignatureFuture = time.Hour
)

// requestTarget is the pseudo-header of the method and path.
const requestTarget = "(request-target)"

// checkSignaturePolicy applies our rules to a request before any key is fetched:
// scheme, algorithm, covered headers, the signed host, the time window and
// Digest. It returns the parsed parameters.
func (s *Service) checkSignaturePolicy(req *http.Request, body []byte) (SignatureParams, error) {
	if req.Header.Get("Signature-Input") != "" {
		// RFC 9421. Fedify tries it first and falls back to draft-cavage on 401.
		return SignatureParams{}, sigErr("RFC 9421 signatures are not supported; sign with draft-cavage")
	}
	raw := req.Header.Values("Signature")
	if len(raw) > 1 {
		return SignatureParams{}, sigErr("more than one Signature header")
	}
	hdr := ""
	if len(raw) == 1 {
		hdr = raw[0]
	} else if auth := req.Header.Get("Authorization"); strings.HasPrefix(auth, "Signature ") {
		hdr = strings.TrimPrefix(auth, "Signature ")
	}
	if hdr == "" {
		return SignatureParams{}, sigErr("missing")
	}
	p, err := ParseSignatureHeader(hdr)
	if err != nil {
		return p, err
	}
	switch p.Algorithm {
	case "", "rsa-sha256", "hs2019":
	default:
		return p, sigErr("algorithm not supported")
	}
	if !p.Has(requestTarget) {
		return p, sigErr("(request-target) not signed")
	}
	if !p.Has("host") {
		return p, sigErr("host not signed")
	}
	if !p.Has("date") && !p.Has("(created)") {
		return p, sigErr("date not signed")
	}
	if hostOrigin(s.base.Scheme, req.Host) != hostOrigin(s.base.Scheme, s.base.Host) {
		return p, sigErrDetail("signed for another host", fmt.Errorf("host %q", clip(req.Host)))
	}
	now := s.now()
	if p.Has("date") {
		t, err := http.ParseTime(req.Header.Get("Date"))
		if err != nil {
			return p, sigErr("bad Date header")
		}
		if err := inWindow(t, now, "Date"); err != nil {
			return p, err
		}
	}
	if p.Has("(created)") || p.HasCreated {
		if !p.HasCreated {
			return p, sigErr("(created) signed without a created parameter")
		}
		if err := inWindow(time.Unix(p.Created, 0), now, "created"); err != nil {
			return p, err
		}
	}
	if p.Has("(expires)") || p.HasExpires {
		if !p.HasExpires {
			return p, sigErr("(expires) signed without an expires parameter")
		}
		if now.After(time.Unix(p.Expires, 0)) {
			return p, sigErr("signature expired")
		}
	}
	if req.Method == http.MethodPost {
		if !p.Has("digest") {
			return p, sigErr("digest not signed")
		}
		if err := checkDigest(req.Header.Values("Digest"), body); err != nil {
			return p, err
		}
	}
	return p, nil
}

// inWindow holds t to maxSignatureAge in the past and maxSignatureFuture ahead.
func inWindow(t, now time.Time, what string) error {
	if t.Before(now.Add(-maxSignatureAge)) {
		return sigErr("%s too old", what)
	}
	if t.After(now.Add(maxSignatureFuture)) {
		return sigErr("%s in the future", what)
	}
	return nil
}

// checkDigest verifies a Digest header (RFC 3230) carrying SHA-256 of body.
func checkDigest(values []string, body []byte) error {
	if len(values) == 0 {
		return sigErr("missing Digest")
	}
	sum := sha256.Sum256(body)
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
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
	}
	return sigErr("Digest has no SHA-256")
}

// signingString builds the draft-cavage signing string of req from exactly the
// header list in p, the list the policy checked.
func signingString(req *http.Request, p SignatureParams) ([]byte, error) {
	var b bytes.Buffer
	for i, h := range p.Headers {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(h)
		b.WriteString(": ")
		switch h {
		case requestTarget:
			b.WriteString(strings.ToLower(req.Method))
			b.WriteByte(' ')
			b.WriteString(req.URL.RequestURI())
		case "host":
			b.WriteString(req.Host)
		case "(created)":
			b.WriteString(strconv.FormatInt(p.Created, 10))
		case "(expires)":
			b.WriteString(strconv.FormatInt(p.Expires, 10))
		default:
			vals := req.Header.Values(h)
			if len(vals) == 0 {
				return nil, sigErr("signed header %q missing", clip(h))
			}
			for j, v := range vals {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(strings.TrimSpace(v))
			}
		}
	}
	return b.Bytes(), nil
}

// verifyRSA checks the request's signature with pub (rsa-sha256; hs2019 with an
// RSA key means RSA-SHA256 in practice, with RSA-SHA512 tried as well).
func verifyRSA(req *http.Request, p SignatureParams, key cachedKey) error {
	str, err := signingString(req, p)
	if err != nil {
		return err
	}
	err = key.verifier.Verify(str, p.Signature)
	if err != nil && p.Algorithm == "hs2019" {
		err = key.verifier.VerifyHash(rsasig.SHA512, str, p.Signature)
	}
	if err != nil {
		return sigErrDetail("does not verify", err)
	}
	return nil
}

// verifiedRequest is the outcome of a successful signature check.
type verifiedRequest struct {
	KeyID string
	Owner string
}

// verifyRequest checks policy, fetches the key and proves its owner (cached;
// refetched at most once an hour per key, on failure) and verifies the signature.
func (s *Service) verifyRequest(ctx context.Context, req *http.Request, body []byte) (verifiedRequest, error) {
	p, err := s.checkSignaturePolicy(req, body)
	if err != nil {
		return verifiedRequest{}, err
	}
	key, fresh, err := s.keys.get(ctx, p.KeyID, false)
	if err != nil {
		return verifiedRequest{}, err
	}
	if verr := verifyRSA(req, p, key); verr != nil {
		if fresh {
			return verifiedRequest{}, verr
		}
		// The remote may have rotated its key: refetch once (rate-limited per key).
		refetched, isFresh, ferr := s.keys.get(ctx, p.KeyID, true)
		if ferr != nil || !isFresh {
			return verifiedRequest{}, verr
		}
		if err := verifyRSA(req, p, refetched); err != nil {
			return verifiedRequest{}, err
		}
		key = refetched
	}
	return verifiedRequest{KeyID: p.KeyID, Owner: key.owner}, nil
}
