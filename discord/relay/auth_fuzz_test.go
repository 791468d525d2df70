package relay

import (
	"math"
	"net/http"
	"testing"
	"unicode/utf8"
)

// FuzzBasicCredentials: whatever the Authorization header holds, reading the
// credentials neither panics nor invents them, and a header the relay writes
// (basicAuthHeader, DCC's form) reads back as the exact secret.
func FuzzBasicCredentials(f *testing.F) {
	for _, s := range []string{"", "x", "admin:0a1b2c3d4e5f60718293a4b5c6d7e8f9", "a:b:c", "\x00\xff", "Basic", "Basic !!!", "basic YWRtaW46eA=="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", s)
		if got, ok := basicCredentials(r); !ok && got != "" {
			t.Fatalf("no credentials but %q", got)
		}
		r.Header.Set("Authorization", basicAuthHeader(s))
		if got, ok := basicCredentials(r); !ok || got != s {
			t.Fatalf("round trip of %q gave %q, %v", s, got, ok)
		}
	})
}

// FuzzSecretBits: the entropy estimate is a finite number between 0 and 10
// bits per character, and repeating one character never makes a secret strong.
func FuzzSecretBits(f *testing.F) {
	for _, s := range []string{"", "x", "aaaaaaaa", "admin:0a1b2c3d4e5f60718293a4b5c6d7e8f9", "ünïcødé", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := secretBits(s)
		n := float64(utf8.RuneCountInString(s))
		if math.IsNaN(b) || math.IsInf(b, 0) || b < 0 || b > 10*n+1e-9 {
			t.Fatalf("secretBits(%q) = %v", s, b)
		}
		if r, size := utf8.DecodeRuneInString(s); size > 0 {
			rep := make([]rune, 200)
			for i := range rep {
				rep[i] = r
			}
			if strongSecret(string(rep)) {
				t.Fatalf("200 times %q counts as strong", r)
			}
		}
	})
}
