package aptest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/superseriousbusiness/httpsig"
)

// sigParams are the parameters of a draft-cavage Signature header.
type sigParams struct {
	keyID     string
	algorithm string
	headers   []string
	signature string
}

// parseSignature parses `keyId="…",algorithm="…",headers="…",signature="…"`.
func parseSignature(h string) (sigParams, error) {
	var p sigParams
	for part := range strings.SplitSeq(h, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return p, fmt.Errorf("parameter %q without '='", part)
		}
		v = strings.Trim(v, `"`)
		switch k {
		case "keyId":
			p.keyID = v
		case "algorithm":
			p.algorithm = v
		case "headers":
			p.headers = strings.Fields(strings.ToLower(v))
		case "signature":
			p.signature = v
		}
	}
	switch {
	case p.keyID == "":
		return p, errors.New("no keyId")
	case p.signature == "":
		return p, errors.New("no signature")
	case len(p.headers) == 0:
		p.headers = []string{"date"} // the draft's default
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
	for _, need := range []string{"(request-target)", "host", "date"} {
		if !slices.Contains(p.headers, need) {
			return reject(res, ReasonHeadersNotSigned, "signed headers %q lack %s", p.headers, need)
		}
	}
	if post {
		if err := checkDigest(r.Header.Values("Digest"), body); err != nil {
			return reject(res, ReasonDigestMismatch, "%v", err)
		}
	}
	if err := s.checkDate(r.Header.Get("Date")); err != nil {
		return reject(res, ReasonDate, "%v", err)
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
	key, err := s.keys.get(ctx, s, p.keyID, fetcher)
	if err != nil {
		return reject(res, ReasonKeyFetch, "%v", err)
	}
	if post && key.owner != res.actor {
		return reject(res, ReasonOwnerMismatch, "key owner %q is not the actor %q", key.owner, res.actor)
	}
	v, err := httpsig.NewVerifier(r)
	if err != nil {
		return reject(res, ReasonMalformed, "%v", err)
	}
	if err := v.Verify(key.pub, httpsig.RSA_SHA256); err != nil {
		return reject(res, ReasonBadSignature, "%v", err)
	}
	return res
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
	d := s.cfg.now().Sub(t)
	if d > s.cfg.dateSkew || d < -s.cfg.dateSkew {
		return fmt.Errorf("date %s is %v from now (limit %v)", t.Format(time.RFC3339), d.Round(time.Second), s.cfg.dateSkew)
	}
	return nil
}
