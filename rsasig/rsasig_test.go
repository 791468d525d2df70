package rsasig

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"math/big"
	mrand "math/rand/v2"
	"sync"
	"testing"
)

// randomKeys generates fresh keys of the sizes remote servers use.
func randomKeys(t testing.TB) []*rsa.PrivateKey {
	t.Helper()
	var keys []*rsa.PrivateKey
	for _, bits := range []int{2048, 2048, 3072, 4096} {
		key, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, key)
	}
	return keys
}

// referenceSign is the signature crypto/rsa makes, computed independently
// of this package: PKCS#1 v1.5 is deterministic, so every backend must give
// exactly these bytes.
func referenceSign(t testing.TB, key *rsa.PrivateKey, msg []byte) []byte {
	t.Helper()
	sum := sha256.Sum256(msg)
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func referenceVerify(pub *rsa.PublicKey, h Hash, msg, sig []byte) bool {
	switch h {
	case SHA512:
		sum := sha512.Sum512(msg)
		return rsa.VerifyPKCS1v15(pub, crypto.SHA512, sum[:], sig) == nil
	default:
		sum := sha256.Sum256(msg)
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) == nil
	}
}

// malformed returns signatures that must all fail: wrong lengths, flipped
// bits, zero, the modulus itself and values above it, all ones, and a
// signature over another message.
func malformed(key *rsa.PrivateKey, good, otherMsgSig []byte, r *mrand.Rand) map[string][]byte {
	size := len(good)
	out := map[string][]byte{
		"empty":       {},
		"one byte":    {1},
		"short":       good[:size-1],
		"long":        append(append([]byte{}, good...), 0),
		"leading 0":   append([]byte{0}, good...),
		"zero":        make([]byte, size),
		"all ones":    bytes.Repeat([]byte{0xff}, size),
		"modulus":     key.N.FillBytes(make([]byte, size)),
		"other msg":   otherMsgSig,
		"double size": append(append([]byte{}, good...), good...),
	}
	above := new(big.Int).Add(key.N, big.NewInt(1))
	out["modulus+1"] = above.FillBytes(make([]byte, size))
	for i := range 8 {
		flipped := append([]byte{}, good...)
		bit := r.IntN(size * 8)
		flipped[bit/8] ^= 1 << (bit % 8)
		out["flip "+string(rune('a'+i))] = flipped
	}
	return out
}

func TestBackendsAgree(t *testing.T) {
	t.Logf("backend: %s", Backend())
	keys := randomKeys(t)
	r := mrand.New(mrand.NewPCG(mrand.Uint64(), mrand.Uint64()))
	for _, key := range keys {
		s, err := NewSigner(key)
		if err != nil {
			t.Fatal(err)
		}
		v, err := NewVerifier(&key.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		if s.Size() != key.Size() {
			t.Errorf("%d bits: Size %d, want %d", key.N.BitLen(), s.Size(), key.Size())
		}
		for i := range 12 {
			msg := make([]byte, r.IntN(4096))
			for j := range msg {
				msg[j] = byte(r.Uint32())
			}
			if i == 0 {
				msg = nil
			}
			got, err := s.Sign(msg)
			if err != nil {
				t.Fatal(err)
			}
			want := referenceSign(t, key, msg)
			if !bytes.Equal(got, want) {
				t.Fatalf("%d bits, %d-byte message: signature differs from crypto/rsa", key.N.BitLen(), len(msg))
			}
			if err := v.Verify(msg, got); err != nil {
				t.Fatalf("%d bits: own signature does not verify: %v", key.N.BitLen(), err)
			}
			other := referenceSign(t, key, append(msg, 'x'))
			for name, bad := range malformed(key, got, other, r) {
				err := v.Verify(msg, bad)
				if referenceVerify(&key.PublicKey, SHA256, msg, bad) {
					t.Fatalf("%s: crypto/rsa accepts it; the case is wrong", name)
				}
				if !errors.Is(err, ErrVerification) {
					t.Fatalf("%d bits, %s signature: Verify = %v, want ErrVerification", key.N.BitLen(), name, err)
				}
			}
		}
		s.Close()
		v.Close()
	}
}

func TestVerifySHA512(t *testing.T) {
	key := fixedKey(t)
	v, err := NewVerifier(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	msg := []byte("(request-target): post /inbox\nhost: art.example\ndate: Wed, 02 Dec 2026 15:00:00 GMT")
	sum := sha512.Sum512(msg)
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA512, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	if err := v.VerifyHash(SHA512, msg, sig); err != nil {
		t.Fatalf("SHA-512 signature: %v", err)
	}
	if err := v.Verify(msg, sig); !errors.Is(err, ErrVerification) {
		t.Fatalf("SHA-512 signature checked as SHA-256: %v, want ErrVerification", err)
	}
	sig256 := referenceSign(t, key, msg)
	if err := v.VerifyHash(SHA512, msg, sig256); !errors.Is(err, ErrVerification) {
		t.Fatalf("SHA-256 signature checked as SHA-512: %v, want ErrVerification", err)
	}
	if err := v.VerifyHash(Hash(9), msg, sig); err == nil || errors.Is(err, ErrVerification) {
		t.Fatalf("unknown hash: %v", err)
	}
}

func TestRefusesBadKeys(t *testing.T) {
	key := fixedKey(t)
	small := &rsa.PublicKey{N: new(big.Int).Rsh(key.N, 1600), E: 65537}
	if _, err := NewVerifier(small); err == nil {
		t.Error("448-bit public key accepted")
	}
	if _, err := NewSigner(&rsa.PrivateKey{PublicKey: *small, D: big.NewInt(3)}); err == nil {
		t.Error("448-bit private key accepted")
	}
	huge := &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), MaxBits+8), E: 65537}
	huge.N.Add(huge.N, big.NewInt(1))
	if _, err := NewVerifier(huge); err == nil {
		t.Error("oversized public key accepted")
	}
	if _, err := NewVerifier(&rsa.PublicKey{N: key.N, E: 2}); err == nil {
		t.Error("even exponent accepted")
	}
	if _, err := NewVerifier(nil); err == nil {
		t.Error("nil public key accepted")
	}
	if _, err := NewSigner(nil); err == nil {
		t.Error("nil private key accepted")
	}
	broken := *key
	broken.D = new(big.Int).Add(key.D, big.NewInt(2))
	broken.Precomputed = rsa.PrecomputedValues{}
	if _, err := NewSigner(&broken); err == nil {
		t.Error("inconsistent private key accepted")
	}
}

// TestConcurrentUse signs and verifies with one Signer and Verifier from many
// goroutines (run with -race; OpenSSL allows sharing a key read-only).
func TestConcurrentUse(t *testing.T) {
	key := fixedKey(t)
	s, err := NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v, err := NewVerifier(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				msg := []byte{byte(g), byte(i)}
				sig, err := s.Sign(msg)
				if err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(sig, referenceSign(t, key, msg)) {
					errs <- errors.New("concurrent signature differs")
					return
				}
				if err := v.Verify(msg, sig); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestClose(t *testing.T) {
	key := fixedKey(t)
	s, err := NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s.Close()
	if _, err := s.Sign([]byte("x")); err == nil {
		t.Error("closed signer signed")
	}
	v, err := NewVerifier(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	v.Close()
	if err := v.Verify([]byte("x"), make([]byte, key.Size())); err == nil {
		t.Error("closed verifier verified")
	}
}
