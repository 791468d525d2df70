package aptest

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// sigParams are the parameters of a draft-cavage Signature header.
type sigParams struct {
	keyID                  string
	algorithm              string
	headers                []string
	signature              string
	created                int64
	expires                int64
	hasCreated, hasExpires bool
}

// knownParams are the parameter names of draft-cavage-12 §2.1, spelt as the
// draft spells them. A name that differs only in case is refused rather than
// ignored: a verifier that ignored "HEADERS" would fall back to the draft's
// default of signing date only.
var knownParams = map[string]string{
	"keyid": "keyId", "algorithm": "algorithm", "headers": "headers",
	"signature": "signature", "created": "created", "expires": "expires",
}

// parseSignature parses `keyId="…",algorithm="…",headers="…",signature="…"`
// (draft-cavage-12 §2.1, §4.1): comma-separated name="value" pairs (created
// and expires may be bare integers); a repeated parameter is refused.
func parseSignature(h string) (sigParams, error) {
	var p sigParams
	if len(h) > 8192 {
		return p, errors.New("signature header too long")
	}
	seen := map[string]bool{}
	rest := strings.TrimSpace(h)
	for rest != "" {
		name, after, ok := strings.Cut(rest, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return p, fmt.Errorf("parameter without '=' near %q", rest)
		}
		var val string
		if strings.HasPrefix(after, `"`) {
			end := strings.IndexByte(after[1:], '"')
			if end < 0 {
				return p, fmt.Errorf("unterminated value of %q", name)
			}
			val, rest = after[1:1+end], after[2+end:]
		} else {
			end := strings.IndexByte(after, ',')
			if end < 0 {
				end = len(after)
			}
			val, rest = strings.TrimSpace(after[:end]), after[end:]
		}
		rest = strings.TrimSpace(rest)
		if rest != "" {
			if rest[0] != ',' {
				return p, fmt.Errorf("expected ',' after %q", name)
			}
			rest = strings.TrimSpace(rest[1:])
		}
		if spelt, known := knownParams[strings.ToLower(name)]; known && spelt != name {
			return p, fmt.Errorf("parameter %q must be written %q", name, spelt)
		}
		if seen[name] {
			return p, fmt.Errorf("parameter %q given twice", name)
		}
		seen[name] = true
		switch name {
		case "keyId":
			p.keyID = val
		case "algorithm":
			p.algorithm = val
		case "headers":
			p.headers = strings.Fields(strings.ToLower(val))
		case "signature":
			p.signature = val
		case "created", "expires":
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil {
				return p, fmt.Errorf("%s %q is not an integer", name, val)
			}
			if name == "created" {
				p.created, p.hasCreated = n, true
			} else {
				p.expires, p.hasExpires = n, true
			}
		}
	}
	switch {
	case p.keyID == "":
		return p, errors.New("no keyId")
	case p.signature == "":
		return p, errors.New("no signature")
	case !seen["headers"]:
		p.headers = []string{"date"} // the draft's default
	case len(p.headers) == 0:
		return p, errors.New("empty headers")
	}
	return p, nil
}

// verifyResult is the outcome of verifyRequest.
type verifyResult struct {
	reason    Reason
	err       string
	keyID     string
	algorithm string
	actor     string
	activity  map[string]any
}

func reject(res verifyResult, reason Reason, format string, args ...any) verifyResult {
	res.reason = reason
	res.err = fmt.Sprintf(format, args...)
	return res
}

// verifyRequest checks a signed request the way Mastodon and Fedify do. For a
// POST (body != nil) it also checks the Content-Type, the Digest, the JSON and
// that publicKey.owner equals the activity's actor. fetcher signs the key
// fetch when the style signs GETs.
func (s *Server) verifyRequest(ctx context.Context, r *http.Request, body []byte, fetcher *Actor) verifyResult {
	var res verifyResult
	post := r.Method == http.MethodPost
	if post {
		if reason, err := checkContentType(r.Header.Get("Content-Type")); reason != ReasonNone {
			return reject(res, reason, "%v", err)
		}
	}
	if r.Header.Get("Signature-Input") != "" {
		// We do not verify RFC 9421; refusing with 401 lets a Fedify sender fall back.
		return reject(res, ReasonRFC9421, "RFC 9421 signatures are not verified here")
	}
	sigHeader := r.Header.Get("Signature")
	if sigHeader == "" {
		return reject(res, ReasonNoSignature, "no Signature header")
	}
	p, err := parseSignature(sigHeader)
	if err != nil {
		return reject(res, ReasonMalformed, "%v", err)
	}
	res.keyID, res.algorithm = p.keyID, p.algorithm
	switch strings.ToLower(p.algorithm) {
	case "", "rsa-sha256", "hs2019":
	default:
		return reject(res, ReasonAlgorithm, "algorithm %q", p.algorithm)
	}
	if post {
		if r.Header.Get("Digest") == "" {
			return reject(res, ReasonNoDigest, "no Digest header")
		}
		if !slices.Contains(p.headers, "digest") {
			return reject(res, ReasonDigestNotSigned, "signed headers %q lack digest", p.headers)
		}
	}
	for _, need := range []string{"(request-target)", "host"} {
		if !slices.Contains(p.headers, need) {
			return reject(res, ReasonHeadersNotSigned, "signed headers %q lack %s", p.headers, need)
		}
	}
	// Mastodon: date or (created) must be signed; an unsigned Date proves nothing.
	if !slices.Contains(p.headers, "date") && !slices.Contains(p.headers, "(created)") {
		return reject(res, ReasonHeadersNotSigned, "signed headers %q lack date and (created)", p.headers)
	}
	if !strings.EqualFold(r.Host, s.host) {
		return reject(res, ReasonHost, "signed host %q is not this host %q", r.Host, s.host)
	}
	if post {
		if err := checkDigest(r.Header.Values("Digest"), body); err != nil {
			return reject(res, ReasonDigestMismatch, "%v", err)
		}
	}
	if slices.Contains(p.headers, "date") {
		if err := s.checkDate(r.Header.Get("Date")); err != nil {
			return reject(res, ReasonDate, "%v", err)
		}
	}
	if slices.Contains(p.headers, "(created)") || p.hasCreated {
		if !p.hasCreated {
			return reject(res, ReasonDate, "(created) signed without a created parameter")
		}
		if err := s.checkTime(time.Unix(p.created, 0)); err != nil {
			return reject(res, ReasonDate, "created: %v", err)
		}
	}
	if slices.Contains(p.headers, "(expires)") || p.hasExpires {
		if !p.hasExpires || s.cfg.now().After(time.Unix(p.expires, 0)) {
			return reject(res, ReasonDate, "signature expired or expires missing")
		}
	}
	if post {
		// Unmarshal refuses trailing data after the object, as Mastodon does.
		var act map[string]any
		if err := json.Unmarshal(body, &act); err != nil || act == nil {
			return reject(res, ReasonBadJSON, "body is not a JSON object: %v", err)
		}
		res.activity = act
		res.actor = idOf(act["actor"])
		if res.actor == "" {
			return reject(res, ReasonNoActor, "activity has no actor")
		}
	}
	key, err := s.keys.get(ctx, s, p.keyID, fetcher, post)
	if errors.Is(err, errKeyOwner) {
		return reject(res, ReasonKeyOwner, "%v", err)
	}
	if err != nil {
		return reject(res, ReasonKeyFetch, "%v", err)
	}
	if post && key.owner != res.actor {
		return reject(res, ReasonOwnerMismatch, "key owner %q is not the actor %q", key.owner, res.actor)
	}
	sig, err := base64.StdEncoding.DecodeString(p.signature)
	if err != nil {
		return reject(res, ReasonMalformed, "signature is not base64")
	}
	str, err := verifySigningString(r, p)
	if err != nil {
		return reject(res, ReasonMalformed, "%v", err)
	}
	sum := sha256.Sum256([]byte(str))
	if err := rsa.VerifyPKCS1v15(key.pub, crypto.SHA256, sum[:], sig); err != nil {
		return reject(res, ReasonBadSignature, "%v", err)
	}
	return res
}

// verifySigningString rebuilds the signing string from the header list that
// was checked (draft-cavage-12 §2.3).
func verifySigningString(r *http.Request, p sigParams) (string, error) {
	lines := make([]string, 0, len(p.headers))
	for _, h := range p.headers {
		var v string
		switch h {
		case "(request-target)":
			v = strings.ToLower(r.Method) + " " + r.URL.RequestURI()
		case "host":
			v = r.Host
		case "(created)":
			v = strconv.FormatInt(p.created, 10)
		case "(expires)":
			v = strconv.FormatInt(p.expires, 10)
		default:
			vals := r.Header.Values(h)
			if len(vals) == 0 {
				return "", fmt.Errorf("signed header %q is absent", h)
			}
			for i := range vals {
				vals[i] = strings.TrimSpace(vals[i])
			}
			v = strings.Join(vals, ", ")
		}
		lines = append(lines, h+": "+v)
	}
	return strings.Join(lines, "\n"), nil
}

// checkContentType accepts application/activity+json and
// application/ld+json with the ActivityStreams profile.
func checkContentType(ct string) (Reason, error) {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return ReasonContentType, fmt.Errorf("content type %q: %w", ct, err)
	}
	switch mt {
	case "application/activity+json":
		return ReasonNone, nil
	case "application/ld+json":
		if strings.Contains(params["profile"], contextAS) {
			return ReasonNone, nil
		}
	}
	return ReasonContentType, fmt.Errorf("content type %q not accepted", ct)
}

// checkDigest requires a SHA-256 Digest equal to the body's.
func checkDigest(values []string, body []byte) error {
	sum := sha256.Sum256(body)
	want := base64.StdEncoding.EncodeToString(sum[:])
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			alg, val, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok || !strings.EqualFold(alg, "SHA-256") {
				continue
			}
			if val == want {
				return nil
			}
			return fmt.Errorf("digest %q is not the body's %q", val, want)
		}
	}
	return errors.New("no SHA-256 digest")
}

// checkDate requires a Date within the configured skew of the host's clock.
func (s *Server) checkDate(h string) error {
	if h == "" {
		return errors.New("no Date header")
	}
	t, err := http.ParseTime(h)
	if err != nil {
		return fmt.Errorf("date %q: %w", h, err)
	}
	return s.checkTime(t)
}

// checkTime requires t within the configured skew of the host's clock.
func (s *Server) checkTime(t time.Time) error {
	d := s.cfg.now().Sub(t)
	if d > s.cfg.dateSkew || d < -s.cfg.dateSkew {
		return fmt.Errorf("date %s is %v from now (limit %v)", t.Format(time.RFC3339), d.Round(time.Second), s.cfg.dateSkew)
	}
	return nil
}
