package relay

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
)

// hashSecret returns HMAC-SHA-256(salt, secret).
func hashSecret(salt []byte, secret string) []byte {
	m := hmac.New(sha256.New, salt)
	m.Write([]byte(secret))
	return m.Sum(nil)
}

// newSecretHash draws a fresh salt and hashes secret with it.
func newSecretHash(secret string) (salt, hash []byte, err error) {
	salt = make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return nil, nil, fmt.Errorf("relay: salt: %w", err)
	}
	return salt, hashSecret(salt, secret), nil
}

// secretMatches compares secret with a stored hash in constant time.
func secretMatches(salt, hash []byte, secret string) bool {
	return subtle.ConstantTimeCompare(hashSecret(salt, secret), hash) == 1
}

// equalConstantTime compares two strings in time independent of where they
// differ and of their lengths (it compares their SHA-256 digests).
func equalConstantTime(a, b string) bool {
	da, db := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(da[:], db[:]) == 1
}

// basicAuthHeader is the Authorization header DCC uses: "Basic " and the
// base64 of the raw client secret (which often is "user:password" itself).
func basicAuthHeader(secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(secret))
}

// basicCredentials returns the decoded Basic credentials of r as one raw
// string (DCC's clientSecret), ok false without Basic credentials.
func basicCredentials(r *http.Request) (string, bool) {
	v, ok := cutPrefixFold(r.Header.Get("Authorization"), "Basic ")
	if !ok {
		return "", false
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
	if err != nil {
		return "", false
	}
	return string(b), true
}

// dummySalt and dummyHash stand in for a relay that does not exist, so an
// unknown alias costs the same HMAC as a wrong secret.
var dummySalt, dummyHash = make([]byte, 16), make([]byte, sha256.Size)

// operatorUser is the Basic user name that carries the registration key.
const operatorUser = "operator"

// isOperator reports whether r carries the registration key, as
// "Authorization: Bearer KEY" or Basic credentials operator:KEY. An empty key
// admits nobody.
func isOperator(r *http.Request, key string) bool {
	if key == "" {
		return false
	}
	h := r.Header.Get("Authorization")
	if tok, ok := cutPrefixFold(h, "Bearer "); ok {
		return equalConstantTime(strings.TrimSpace(tok), key)
	}
	if user, pass, ok := r.BasicAuth(); ok && user == operatorUser {
		return equalConstantTime(pass, key)
	}
	return false
}

// cutPrefixFold is strings.CutPrefix with ASCII case folding of the prefix.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}
