package ap

import (
	"strings"
	"testing"
	"time"
)

func TestNormalizeHost(t *testing.T) {
	for in, want := range map[string]string{
		"Example.ORG":           "example.org",
		"example.org.":          "example.org",
		"example.org:8443":      "example.org",
		"EXAMPLE.org.:443":      "example.org",
		"bücher.example":        "xn--bcher-kva.example",
		"BÜCHER.example.":       "xn--bcher-kva.example",
		"xn--bcher-kva.example": "xn--bcher-kva.example",
		"[::1]:8080":            "::1",
		"127.0.0.1:80":          "127.0.0.1",
		"under_score.example":   "under_score.example",
		"":                      "",
		".":                     "",
		"a..":                   "",
		"[::1":                  "",
		"a b.example":           "",
	} {
		if got := NormalizeHost(in); got != want {
			t.Errorf("NormalizeHost(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOrigin(t *testing.T) {
	if !sameOrigin("https://A.example./users/x", "https://a.example:443/inbox") {
		t.Error("one origin written two ways is two")
	}
	for _, pair := range [][2]string{
		{"https://a.example/x", "http://a.example/x"},    // default ports differ
		{"http://a.example:1/x", "http://a.example:2/x"}, // two servers on one address
		{"https://a.example/x", "https://b.a.example/x"},
		{"https://u@a.example/x", "https://a.example/x"},
		{"ftp://a.example/x", "ftp://a.example/x"},
		{"", ""},
	} {
		if sameOrigin(pair[0], pair[1]) {
			t.Errorf("%q and %q taken for one origin", pair[0], pair[1])
		}
	}
}

func FuzzNormalizeHost(f *testing.F) {
	for _, s := range []string{"Example.org.", "bücher.example:443", "[::1]:80", "a..b", "127.0.0.1", "xn--", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		n := NormalizeHost(h)
		if n == "" {
			return
		}
		if n != strings.ToLower(n) || strings.HasSuffix(n, ".") {
			t.Fatalf("NormalizeHost(%q) = %q is not normal", h, n)
		}
		if again := NormalizeHost(n); again != n && !strings.Contains(n, ":") {
			t.Fatalf("NormalizeHost is not idempotent: %q → %q → %q", h, n, again)
		}
	})
}

func TestHostLimiter(t *testing.T) {
	l := newHostLimiter(RateLimit{PerMinute: 60, Burst: 3}, defaultInboundLimit)
	now := time.Unix(1_000_000, 0)
	for i := range 3 {
		if ok, _ := l.take("a:443", now); !ok {
			t.Fatalf("take %d refused within the burst", i)
		}
	}
	ok, wait := l.take("a:443", now)
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("over the burst: ok=%v wait=%v", ok, wait)
	}
	if ok, _ := l.take("b:443", now); !ok {
		t.Fatal("another host was held back")
	}
	if ok, _ := l.take("a:443", now.Add(time.Second)); !ok {
		t.Fatal("no token back after a second at 60/min")
	}
	off := newHostLimiter(RateLimit{PerMinute: -1}, defaultInboundLimit)
	for range 1000 {
		if ok, _ := off.take("a:443", now); !ok {
			t.Fatal("a limit turned off refused")
		}
	}
}
