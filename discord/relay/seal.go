package relay

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeyFileName is the relay key's file name inside the data directory.
const KeyFileName = "relay.key"

// sealVersion prefixes every sealed value so the format can change later.
const sealVersion byte = 1

// Sealer encrypts tokens and client secrets at rest with AES-256-GCM. What
// the value is (its Purpose) and the relay alias are bound to every sealed
// value as additional data, so a sealed token cannot be moved to another
// relay's row, nor swapped with the client secret of its own row.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a Sealer for a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("relay: key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("relay: key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("relay: key: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// LoadOrCreateKey reads the hex-encoded 32-byte key at path, creating it
// (mode 0600, random) when it does not exist. It reports whether it created it.
func LoadOrCreateKey(path string) (*Sealer, bool, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		key, derr := hex.DecodeString(strings.TrimSpace(string(data)))
		if derr != nil {
			return nil, false, fmt.Errorf("relay: key file %s: %w", path, derr)
		}
		s, serr := NewSealer(key)
		if serr != nil {
			return nil, false, fmt.Errorf("relay: key file %s: %w", path, serr)
		}
		return s, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("relay: key file: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, false, fmt.Errorf("relay: generate key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("relay: key directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("relay: create key file: %w", err)
	}
	_, werr := f.WriteString(hex.EncodeToString(key) + "\n")
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(path)
		return nil, false, fmt.Errorf("relay: write key file: %w", werr)
	}
	s, err := NewSealer(key)
	return s, true, err
}

// Purpose says what a sealed value is; it is part of the associated data.
type Purpose string

// The two kinds of sealed values.
const (
	PurposeToken        Purpose = "bot-token"
	PurposeClientSecret Purpose = "client-secret"
)

// associatedData binds a sealed value to its purpose and relay.
func associatedData(p Purpose, alias string) []byte {
	return []byte("artbridge relay " + string(p) + "\x00" + alias)
}

// Seal encrypts plaintext for the relay alias and purpose p.
func (s *Sealer) Seal(p Purpose, alias string, plaintext []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("relay: nonce: %w", err)
	}
	out := make([]byte, 0, 1+len(nonce)+len(plaintext)+s.aead.Overhead())
	out = append(out, sealVersion)
	out = append(out, nonce...)
	return s.aead.Seal(out, nonce, plaintext, associatedData(p, alias)), nil
}

// errSealed is returned for sealed values that do not open.
var errSealed = errors.New("relay: sealed value does not open (wrong key, alias or purpose, or damaged)")

// Open decrypts a value sealed for alias and purpose p.
func (s *Sealer) Open(p Purpose, alias string, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n+s.aead.Overhead() || sealed[0] != sealVersion {
		return nil, errSealed
	}
	out, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], associatedData(p, alias))
	if err != nil {
		return nil, errSealed
	}
	return out, nil
}
