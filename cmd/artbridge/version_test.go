package main

import (
	"strings"
	"testing"

	"github.com/artbridge/artbridge/rsasig"
)

// TestVersionNamesSignatureBackend runs the built binary: `artbridge version`
// says which RSA implementation signs and verifies (OpenSSL's libcrypto by
// default, Go's crypto/rsa with -tags purego or without cgo).
func TestVersionNamesSignatureBackend(t *testing.T) {
	res := runBinary(t, "", nil, "version")
	if res.Code != 0 {
		t.Fatalf("version exited %d: %s", res.Code, res.Stderr)
	}
	lines := strings.Split(strings.TrimSpace(res.Stdout), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "artbridge ") {
		t.Fatalf("version printed %q", res.Stdout)
	}
	if want := "signatures: " + rsasig.Backend(); lines[1] != want {
		t.Fatalf("second line %q, want %q", lines[1], want)
	}
	if !strings.Contains(lines[1], "OpenSSL 3") && !strings.Contains(lines[1], "Go crypto/rsa") {
		t.Fatalf("unknown backend %q", lines[1])
	}
}
