package relay

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// oneRelayStore holds one registration; every other alias is unknown.
type oneRelayStore struct {
	Store
	reg Registration
}

func (s oneRelayStore) RelayRegistration(_ context.Context, alias string) (Registration, error) {
	if alias == s.reg.Alias {
		return s.reg, nil
	}
	return Registration{}, ErrNotFound
}

// TestUnknownAliasCostsAnHMAC: an unknown alias is answered after the same
// work as a wrong secret (one HMAC with a stand-in salt), so the answer's
// timing does not tell which aliases exist. The work is compared by
// allocations (deterministic), not by a clock.
func TestUnknownAliasCostsAnHMAC(t *testing.T) {
	salt, hash, err := newSecretHash("admin:0a1b2c3d4e5f60718293a4b5c6d7e8f9")
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(Config{RegistrationKey: "k", FailuresPerAlias: 1 << 30, FailuresPerAddress: 1 << 30,
		FailureWindow: time.Hour}, oneRelayStore{reg: Registration{Alias: "known", SecretSalt: salt, SecretHash: hash}}, sealer, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/relays/x", nil)
	r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("admin:wrong")))
	cost := func(alias string) float64 {
		return testing.AllocsPerRun(200, func() {
			w := httptest.NewRecorder()
			if _, ok := svc.authenticate(w, r, alias); ok || w.Code != http.StatusUnauthorized {
				t.Fatalf("%s: admitted or %d", alias, w.Code)
			}
		})
	}
	known, unknown := cost("known"), cost("unknown")
	if known != unknown {
		t.Fatalf("a wrong secret costs %.0f allocations, an unknown alias %.0f: the unknown alias skips work", known, unknown)
	}
}
