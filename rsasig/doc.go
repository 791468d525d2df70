// Package rsasig signs and verifies RSA PKCS#1 v1.5 signatures over SHA-256
// (and verifies over SHA-512), the primitive of draft-cavage HTTP signatures.
//
// Two backends exist, chosen at build time:
//
//   - OpenSSL 3's libcrypto through a small cgo binding of the EVP API
//     (EVP_DigestSign / EVP_DigestVerify), the default where cgo is on;
//   - Go's crypto/rsa, with the build tag nolibcrypto or purego, or where cgo
//     is off. Prefer nolibcrypto: purego is also the standard library's tag
//     for "no assembly", which halves crypto/rsa's speed.
//
// PKCS#1 v1.5 is deterministic: both backends give the same bytes for the same
// key and message. Keys are converted once, in NewSigner and NewVerifier; a
// Signer or Verifier is safe for use by many goroutines at once. Backend names
// the one compiled in.
//
// The package is a leaf: it imports nothing of artbridge.
package rsasig

import (
	"crypto/rsa"
	"errors"
	"fmt"
)

// Hash names the digest a signature was made over.
type Hash int

// Digests of PKCS#1 v1.5 signatures.
const (
	SHA256 Hash = iota + 1
	SHA512
)

func (h Hash) String() string {
	switch h {
	case SHA256:
		return "SHA-256"
	case SHA512:
		return "SHA-512"
	}
	return fmt.Sprintf("Hash(%d)", int(h))
}

// ErrVerification is returned (wrapped) by Verify for every signature that
// does not verify, whatever the reason: wrong length, value above the modulus,
// wrong padding or wrong digest.
var ErrVerification = errors.New("rsasig: signature does not verify")

// Key sizes accepted: below 1024 bits is forgeable, above 8192 bits a remote
// could make us spend seconds per verification (both backends refuse the same).
const (
	MinBits = 1024
	MaxBits = 8192
)

func checkPublic(pub *rsa.PublicKey) error {
	if pub == nil || pub.N == nil {
		return errors.New("rsasig: no public key")
	}
	if bits := pub.N.BitLen(); bits < MinBits || bits > MaxBits {
		return fmt.Errorf("rsasig: RSA key of %d bits (accepted: %d to %d)", bits, MinBits, MaxBits)
	}
	if pub.E < 3 || pub.E&1 == 0 {
		return fmt.Errorf("rsasig: bad public exponent %d", pub.E)
	}
	return nil
}

func checkPrivate(key *rsa.PrivateKey) error {
	if key == nil {
		return errors.New("rsasig: no private key")
	}
	if err := checkPublic(&key.PublicKey); err != nil {
		return err
	}
	if len(key.Primes) != 2 {
		return fmt.Errorf("rsasig: RSA key with %d primes (only two-prime keys are supported)", len(key.Primes))
	}
	if err := key.Validate(); err != nil {
		return fmt.Errorf("rsasig: invalid RSA key: %w", err)
	}
	return nil
}
