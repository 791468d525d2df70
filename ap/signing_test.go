package ap

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/superseriousbusiness/httpsig"
)

// TestSignRequestMatchesHTTPSig checks our hand-built draft-cavage signature
// against an independent implementation (the httpsig library, which remote Go
// servers use): for the same request and Date the headers are the same bytes
// (but for the algorithm label, see below), and the library's verifier accepts
// them.
func TestSignRequestMatchesHTTPSig(t *testing.T) {
	key := goldenKey(t)
	at := time.Date(2026, 12, 2, 15, 4, 5, 0, time.UTC)
	s, err := New(Config{BaseURL: "https://art.example.org", Username: "art", Key: key}, nil, nil, nil, nil,
		func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, method, url string
		body              []byte
	}{
		{"post", http.MethodPost, "https://remote.example/users/bob/inbox", []byte(`{"type":"Create"}`)},
		{"post empty body", http.MethodPost, "https://remote.example/inbox", []byte{}},
		{"get with query", http.MethodGet, "https://remote.example/users/bob?page=2&x=%2F", nil},
		{"port", http.MethodGet, "http://127.0.0.1:8081/users/bob", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ours, _ := http.NewRequest(c.method, c.url, bytes.NewReader(c.body))
			if err := s.signRequest(ours, c.body); err != nil {
				t.Fatal(err)
			}
			theirs, _ := http.NewRequest(c.method, c.url, bytes.NewReader(c.body))
			theirs.Header.Set("Date", at.Format(http.TimeFormat))
			theirs.Header.Set("Host", theirs.URL.Host)
			headers := []string{httpsig.RequestTarget, "host", "date"}
			digest := httpsig.DigestAlgorithm("")
			if c.body != nil {
				headers = append(headers, "digest")
				digest = httpsig.DigestSha256
			}
			signer, _, err := httpsig.NewSigner([]httpsig.Algorithm{httpsig.RSA_SHA256}, digest, headers, httpsig.Signature, 0)
			if err != nil {
				t.Fatal(err)
			}
			if err := signer.SignRequest(key, s.KeyID(), theirs, c.body); err != nil {
				t.Fatal(err)
			}
			// The library labels every signature hs2019; we say rsa-sha256,
			// the label every implementation accepts for an RSA key.
			want := strings.Replace(theirs.Header.Get("Signature"), `algorithm="hs2019"`, `algorithm="rsa-sha256"`, 1)
			if got := ours.Header.Get("Signature"); got != want {
				t.Errorf("Signature\n got %s\nwant %s", got, want)
			}
			if got, want := ours.Header.Get("Digest"), theirs.Header.Get("Digest"); got != want {
				t.Errorf("Digest %q, want %q", got, want)
			}
			if ours.Header.Get("Host") != "" {
				t.Error("Host left in the header map (net/http sends req.Host)")
			}
			// The library's verifier, on the request as a server receives it.
			ours.Header.Set("Host", ours.Host)
			v, err := httpsig.NewVerifier(ours)
			if err != nil {
				t.Fatal(err)
			}
			if err := v.Verify(&key.PublicKey, httpsig.RSA_SHA256); err != nil {
				t.Errorf("httpsig does not verify our signature: %v", err)
			}
		})
	}
}
