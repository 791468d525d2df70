package ap

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/superseriousbusiness/httpsig"
)

// Header sets of draft-cavage signatures (design §3).
var (
	postSignedHeaders = []string{httpsig.RequestTarget, "host", "date", "digest"}
	getSignedHeaders  = []string{httpsig.RequestTarget, "host", "date"}
)

// signRequest signs req (draft-cavage, RSA-SHA256) with our key; for a body it
// also sets a SHA-256 Digest and signs it. It always sets a fresh Date.
func (s *Service) signRequest(req *http.Request, body []byte) error {
	req.Header.Set("Date", s.now().UTC().Format(http.TimeFormat))
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", s.UserAgent())
	}
	if req.Host == "" {
		req.Host = req.URL.Host
	}
	req.Header.Set("Host", req.Host)
	headers := getSignedHeaders
	digest := httpsig.DigestAlgorithm("")
	if body != nil {
		headers = postSignedHeaders
		digest = httpsig.DigestSha256
	}
	signer, _, err := httpsig.NewSigner([]httpsig.Algorithm{httpsig.RSA_SHA256}, digest, headers, httpsig.Signature, 0)
	if err != nil {
		return fmt.Errorf("ap: new signer: %w", err)
	}
	if err := signer.SignRequest(s.cfg.Key, s.KeyID(), req, body); err != nil {
		return fmt.Errorf("ap: sign request: %w", err)
	}
	// The library labels every signature "hs2019"; the key is RSA and the hash
	// SHA-256, and "rsa-sha256" is the label every implementation accepts.
	sig := req.Header.Get("Signature")
	req.Header.Set("Signature", strings.Replace(sig, `algorithm="hs2019"`, `algorithm="rsa-sha256"`, 1))
	req.Header.Del("Host") // net/http sends req.Host
	return nil
}
