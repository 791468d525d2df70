//go:build purego || nolibcrypto || !cgo

package rsasig

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
)

// Backend names the implementation compiled in.
func Backend() string { return "Go crypto/rsa" }

// Signer makes RSA PKCS#1 v1.5 SHA-256 signatures with one private key.
type Signer struct {
	key    *rsa.PrivateKey
	closed bool
}

// NewSigner validates key and prepares it for signing.
func NewSigner(key *rsa.PrivateKey) (*Signer, error) {
	if err := checkPrivate(key); err != nil {
		return nil, err
	}
	k := *key
	k.Precompute()
	return &Signer{key: &k}, nil
}

// Sign hashes msg with SHA-256 and signs the digest.
func (s *Signer) Sign(msg []byte) ([]byte, error) {
	if s.closed {
		return nil, errors.New("rsasig: signer is closed")
	}
	sum := sha256.Sum256(msg)
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, sum[:])
	if err != nil {
		return nil, fmt.Errorf("rsasig: sign: %w", err)
	}
	return sig, nil
}

// Size is the length of every signature in bytes.
func (s *Signer) Size() int { return s.key.Size() }

// Close marks the Signer unusable (there is nothing to free in this backend).
func (s *Signer) Close() { s.closed = true }

// Verifier checks RSA PKCS#1 v1.5 signatures with one public key.
type Verifier struct {
	pub    *rsa.PublicKey
	closed bool
}

// NewVerifier validates pub and prepares it for verification.
func NewVerifier(pub *rsa.PublicKey) (*Verifier, error) {
	if err := checkPublic(pub); err != nil {
		return nil, err
	}
	return &Verifier{pub: &rsa.PublicKey{N: pub.N, E: pub.E}}, nil
}

// Verify checks sig over SHA-256 of msg.
func (v *Verifier) Verify(msg, sig []byte) error { return v.VerifyHash(SHA256, msg, sig) }

// VerifyHash checks sig over the digest h of msg.
func (v *Verifier) VerifyHash(h Hash, msg, sig []byte) error {
	if v.closed {
		return errors.New("rsasig: verifier is closed")
	}
	var err error
	switch h {
	case SHA256:
		sum := sha256.Sum256(msg)
		err = rsa.VerifyPKCS1v15(v.pub, crypto.SHA256, sum[:], sig)
	case SHA512:
		sum := sha512.Sum512(msg)
		err = rsa.VerifyPKCS1v15(v.pub, crypto.SHA512, sum[:], sig)
	default:
		return fmt.Errorf("rsasig: unsupported hash %v", h)
	}
	if err != nil {
		return ErrVerification
	}
	return nil
}

// Close marks the Verifier unusable (there is nothing to free in this backend).
func (v *Verifier) Close() { v.closed = true }
