package aptest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SignOption changes how an actor signs one request, mostly to produce the
// bad requests of negative tests.
type SignOption func(*signOptions)

type signOptions struct {
	key            *rsa.PrivateKey // sign with this key instead of the actor's
	keyID          string          // claim this keyId
	wrongKey       bool
	dateOffset     time.Duration
	digestUnsigned bool
	noDigest       bool
	wrongDigest    bool
	algorithm      string
	unsigned       bool
	scheme         Scheme
	contentType    string
	headers        []string      // the signed header list, instead of the default
	createdOffset  time.Duration // shifts (created) from now
	signedHost     string        // the Host header sent and signed
	upperNames     bool          // HEADERS= instead of headers=
	duplicateKeyID string        // a second keyId parameter
	noDate         bool          // send no Date header
	expiresOffset  time.Duration // (expires) is now plus this, when (expires) is signed
}

// WithWrongKey signs with a key other than the one the actor publishes.
func WithWrongKey() SignOption { return func(o *signOptions) { o.wrongKey = true } }

// WithKeyOf signs with other's key and keyId while the activity still names
// the posting actor: the signature is valid but publicKey.owner is not the actor.
func WithKeyOf(other *Actor) SignOption {
	return func(o *signOptions) { o.key, o.keyID = other.key, other.KeyID() }
}

// WithKeyID signs with key while claiming keyID, e.g. a key document a
// hostile server serves (see Server.Serve).
func WithKeyID(keyID string, key *rsa.PrivateKey) SignOption {
	return func(o *signOptions) { o.key, o.keyID = key, keyID }
}

// WithSignedHeaders signs exactly these headers, in order, e.g.
// "(request-target)", "host", "(created)", "digest"; a body still gets its
// Digest header.
func WithSignedHeaders(h ...string) SignOption {
	return func(o *signOptions) { o.headers = append([]string(nil), h...) }
}

// WithCreatedOffset shifts the (created) parameter from now (it is sent only
// when (created) is among the signed headers).
func WithCreatedOffset(d time.Duration) SignOption {
	return func(o *signOptions) { o.createdOffset = d }
}

// WithExpiresOffset sets the expires parameter to now plus d (it is sent only
// when (expires) is among the signed headers; a negative d has expired).
func WithExpiresOffset(d time.Duration) SignOption {
	return func(o *signOptions) { o.expiresOffset = d }
}

// WithSignedHost sends and signs this Host instead of the target's, as a
// delivery meant for another server replayed to the target would.
func WithSignedHost(h string) SignOption { return func(o *signOptions) { o.signedHost = h } }

// WithUpperCaseParams writes the headers parameter of the Signature as
// HEADERS=, which a verifier that ignores it reads as "date only".
func WithUpperCaseParams() SignOption { return func(o *signOptions) { o.upperNames = true } }

// WithDuplicateKeyID appends a second keyId parameter naming keyID.
func WithDuplicateKeyID(keyID string) SignOption {
	return func(o *signOptions) { o.duplicateKeyID = keyID }
}

// WithoutDateHeader sends no Date header (sign with (created) instead, see
// WithSignedHeaders).
func WithoutDateHeader() SignOption { return func(o *signOptions) { o.noDate = true } }

// WithDateOffset shifts the Date header (e.g. -13*time.Hour for a stale date).
func WithDateOffset(d time.Duration) SignOption { return func(o *signOptions) { o.dateOffset = d } }

// WithDigestUnsigned sends a correct Digest but leaves it out of the signed headers.
func WithDigestUnsigned() SignOption { return func(o *signOptions) { o.digestUnsigned = true } }

// WithoutDigest sends no Digest header (and does not sign one).
func WithoutDigest() SignOption { return func(o *signOptions) { o.noDigest = true } }

// WithWrongDigest signs a Digest that is not the body's.
func WithWrongDigest() SignOption { return func(o *signOptions) { o.wrongDigest = true } }

// WithAlgorithm sets the algorithm parameter of the Signature header (e.g. "hs2019").
func WithAlgorithm(alg string) SignOption { return func(o *signOptions) { o.algorithm = alg } }

// Unsigned sends the request without any signature.
func Unsigned() SignOption { return func(o *signOptions) { o.unsigned = true } }

// WithScheme forces one signature scheme (no Fedify-style fallback).
func WithScheme(sc Scheme) SignOption { return func(o *signOptions) { o.scheme = sc } }

// WithContentType overrides the Content-Type of a POST.
func WithContentType(ct string) SignOption { return func(o *signOptions) { o.contentType = ct } }

// signingKey resolves which key and keyId sign.
func (a *Actor) signingKey(o signOptions) (*rsa.PrivateKey, string, error) {
	key, keyID := a.key, a.KeyID()
	if o.key != nil {
		key = o.key
	}
	if o.keyID != "" {
		keyID = o.keyID
	}
	if o.wrongKey {
		k, err := a.s.otherKey(a.key)
		if err != nil {
			return nil, "", err
		}
		key = k
	}
	return key, keyID, nil
}

// otherKey returns a pool key different from k.
func (s *Server) otherKey(k *rsa.PrivateKey) (*rsa.PrivateKey, error) {
	for i := range 3 {
		c, err := s.cfg.pool.Key(i)
		if err != nil {
			return nil, err
		}
		if !c.PublicKey.Equal(&k.PublicKey) {
			return c, nil
		}
	}
	return nil, fmt.Errorf("aptest: key pool holds no second key")
}

// digestOf returns the Digest header value of body.
func digestOf(body []byte) string {
	sum := sha256.Sum256(body)
	return "SHA-256=" + base64.StdEncoding.EncodeToString(sum[:])
}

// signCavage signs req with a draft-cavage-12 Signature: (request-target)
// host date on every request, plus digest on a request with a body (or the
// header list of WithSignedHeaders). The signing string (draft-cavage-12
// §2.3) and the RSASSA-PKCS1-v1_5 SHA-256 signature are computed here, with
// crypto/rsa, independently of the server under test.
func (a *Actor) signCavage(req *http.Request, body []byte, o signOptions) error {
	key, keyID, err := a.signingKey(o)
	if err != nil {
		return err
	}
	now := a.s.cfg.now()
	req.Header.Set("Date", now.Add(o.dateOffset).UTC().Format(http.TimeFormat))
	req.Host = req.URL.Host
	if o.signedHost != "" {
		req.Host = o.signedHost
	}
	headers := []string{"(request-target)", "host", "date"}
	if body != nil {
		switch {
		case o.noDigest:
		case o.digestUnsigned:
			req.Header.Set("Digest", digestOf(body))
		case o.wrongDigest:
			req.Header.Set("Digest", digestOf(append([]byte("tampered"), body...)))
			headers = append(headers, "digest")
		default:
			req.Header.Set("Digest", digestOf(body))
			headers = append(headers, "digest")
		}
	}
	if o.headers != nil {
		headers = o.headers
		if body != nil && req.Header.Get("Digest") == "" && !o.noDigest {
			req.Header.Set("Digest", digestOf(body))
		}
	}
	created := now.Add(o.createdOffset).Unix()
	expires := now.Add(o.expiresOffset).Unix()
	str, err := cavageSigningString(req, headers, created, expires)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(str))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return fmt.Errorf("aptest: sign %s: %w", req.URL, err)
	}
	alg := o.algorithm
	if alg == "" {
		alg = a.s.cfg.style.algorithmParam()
	}
	names := [4]string{"keyId", "algorithm", "headers", "signature"}
	if o.upperNames {
		names[2] = "HEADERS"
	}
	params := []string{
		names[0] + `="` + keyID + `"`,
		names[1] + `="` + alg + `"`,
	}
	if slices.Contains(headers, "(created)") {
		params = append(params, "created="+strconv.FormatInt(created, 10))
	}
	if slices.Contains(headers, "(expires)") {
		params = append(params, "expires="+strconv.FormatInt(expires, 10))
	}
	params = append(params,
		names[2]+`="`+strings.Join(headers, " ")+`"`,
		names[3]+`="`+base64.StdEncoding.EncodeToString(sig)+`"`)
	if o.duplicateKeyID != "" {
		params = append(params, `keyId="`+o.duplicateKeyID+`"`)
	}
	req.Header.Set("Signature", strings.Join(params, ","))
	if o.noDate {
		req.Header.Del("Date")
	}
	return nil
}

// cavageSigningString is the draft-cavage-12 §2.3 signing string of req over
// headers: one "name: value" line each, lower-case names, (request-target)
// as "method path?query", (created) and (expires) as the Unix times given,
// several values of one header joined with ", ".
func cavageSigningString(req *http.Request, headers []string, created, expires int64) (string, error) {
	lines := make([]string, 0, len(headers))
	for _, h := range headers {
		var v string
		switch h {
		case "(request-target)":
			v = strings.ToLower(req.Method) + " " + req.URL.RequestURI()
		case "host":
			v = req.Host
		case "(created)":
			v = strconv.FormatInt(created, 10)
		case "(expires)":
			v = strconv.FormatInt(expires, 10)
		default:
			vals := req.Header.Values(h)
			if len(vals) == 0 {
				return "", fmt.Errorf("aptest: header %q to sign is not set", h)
			}
			trimmed := make([]string, len(vals))
			for i, x := range vals {
				trimmed[i] = strings.TrimSpace(x)
			}
			v = strings.Join(trimmed, ", ")
		}
		lines = append(lines, h+": "+v)
	}
	return strings.Join(lines, "\n"), nil
}

// signRFC9421 signs req as Fedify does first: RFC 9421 HTTP Message
// Signatures over "@method" "@target-uri" "@authority" and, with a body,
// "content-digest" (RFC 9530), rsa-v1_5-sha256, label sig1. The signature base
// follows RFC 9421 §2.5 for exactly these components; it is a real RSA
// signature, but nothing in aptest verifies it and it has not been checked
// against another RFC 9421 implementation — aptest hosts refuse RFC 9421 with
// 401, as a server that only verifies draft-cavage must.
func (a *Actor) signRFC9421(req *http.Request, body []byte, o signOptions) error {
	key, keyID, err := a.signingKey(o)
	if err != nil {
		return err
	}
	created := a.s.cfg.now().Add(o.dateOffset).Unix()
	req.Header.Set("Date", a.s.cfg.now().Add(o.dateOffset).UTC().Format(http.TimeFormat))
	components := []string{`"@method"`, `"@target-uri"`, `"@authority"`}
	lines := []string{
		`"@method": ` + req.Method,
		`"@target-uri": ` + req.URL.String(),
		`"@authority": ` + strings.ToLower(req.URL.Host),
	}
	if body != nil {
		sum := sha256.Sum256(body)
		cd := "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"
		req.Header.Set("Content-Digest", cd)
		components = append(components, `"content-digest"`)
		lines = append(lines, `"content-digest": `+cd)
	}
	params := "(" + strings.Join(components, " ") + ");alg=\"rsa-v1_5-sha256\";keyid=\"" + keyID +
		"\";created=" + strconv.FormatInt(created, 10)
	lines = append(lines, `"@signature-params": `+params)
	digest := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		return fmt.Errorf("aptest: RFC 9421 sign: %w", err)
	}
	req.Header.Set("Signature-Input", "sig1="+params)
	req.Header.Set("Signature", "sig1=:"+base64.StdEncoding.EncodeToString(sig)+":")
	return nil
}
