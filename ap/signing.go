package ap

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
)

// signedHeaderList is the headers parameter of our signatures: a POST covers
// its Digest as well (design §3).
const (
	postSignedHeaderList = "(request-target) host date digest"
	getSignedHeaderList  = "(request-target) host date"
)

// signRequest signs req (draft-cavage, RSA-SHA256) with our key; for a body it
// also sets a SHA-256 Digest and signs it. It always sets a fresh Date.
//
// The signing string is built here and signed by the Service's rsasig.Signer
// (loaded once): the header it writes is the one remote servers have always
// accepted from us, keyId, algorithm="rsa-sha256", headers and signature in
// that order, and the signing string is the draft's: "name: value" lines
// joined by "\n", (request-target) as the lower-case method, a space, the
// path and "?query" when there is one.
func (s *Service) signRequest(req *http.Request, body []byte) error {
	date := s.now().UTC().Format(http.TimeFormat)
	req.Header.Set("Date", date)
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", s.UserAgent())
	}
	if req.Host == "" {
		req.Host = req.URL.Host
	}
	headers := getSignedHeaderList
	var digest string
	if body != nil {
		sum := sha256.Sum256(body)
		digest = "SHA-256=" + base64.StdEncoding.EncodeToString(sum[:])
		req.Header.Set("Digest", digest)
		headers = postSignedHeaderList
	}
	var b strings.Builder
	b.Grow(160 + len(req.URL.Path) + len(req.URL.RawQuery) + len(req.Host))
	b.WriteString("(request-target): ")
	b.WriteString(strings.ToLower(req.Method))
	b.WriteByte(' ')
	b.WriteString(req.URL.Path)
	if req.URL.RawQuery != "" {
		b.WriteByte('?')
		b.WriteString(req.URL.RawQuery)
	}
	b.WriteString("\nhost: ")
	b.WriteString(strings.TrimSpace(req.Host))
	b.WriteString("\ndate: ")
	b.WriteString(date)
	if digest != "" {
		b.WriteString("\ndigest: ")
		b.WriteString(digest)
	}
	sig, err := s.signer.Sign([]byte(b.String()))
	if err != nil {
		return fmt.Errorf("ap: sign request: %w", err)
	}
	req.Header.Set("Signature", `keyId="`+s.KeyID()+`",algorithm="rsa-sha256",headers="`+headers+
		`",signature="`+base64.StdEncoding.EncodeToString(sig)+`"`)
	return nil
}
