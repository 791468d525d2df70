package netguard

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

func TestIsPublic(t *testing.T) {
	cases := map[string]bool{
		"127.0.0.1":        false,
		"10.1.2.3":         false,
		"172.16.0.1":       false,
		"192.168.1.1":      false,
		"169.254.169.254":  false,
		"100.64.0.1":       false,
		"0.0.0.0":          false,
		"224.0.0.1":        false,
		"255.255.255.255":  false,
		"::1":              false,
		"fe80::1":          false,
		"fd00::1":          false,
		"::ffff:127.0.0.1": false,
		"2001:db8::1":      false,
		"93.184.216.34":    true,
		"1.1.1.1":          true,
		"2606:4700::1111":  true,
	}
	for s, want := range cases {
		if got := IsPublic(netip.MustParseAddr(s)); got != want {
			t.Errorf("IsPublic(%s) = %v, want %v", s, got, want)
		}
	}
}

func TestClientRefusesLoopbackUnlessAllowed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	guarded := Policy{}.Client(time.Second, 5*time.Second)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	_, err := guarded.Do(req)
	if !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("guarded client reached loopback: err = %v", err)
	}

	// "localhost" resolves to loopback: refused on the resolved IP, not the name.
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, "http://localhost:"+srv.URL[len("http://127.0.0.1:"):], nil)
	if _, err := guarded.Do(req); !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("guarded client reached localhost: err = %v", err)
	}

	open := Policy{AllowPrivate: true}.Client(time.Second, 5*time.Second)
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	resp, err := open.Do(req)
	if err != nil {
		t.Fatalf("allowed client: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("status %d", resp.StatusCode)
	}
}
