package ap

import (
	"crypto/rand"
	"encoding/hex"
)

// newID returns a random 128-bit identifier in hex, for activity IRIs.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// NewID returns a random identifier suitable for the path of an IRI.
func NewID() string { return newID() }
