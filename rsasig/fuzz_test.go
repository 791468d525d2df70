package rsasig

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"testing"
)

// fixedKey is a fixed 2048-bit key (testdata), so the fuzz corpus stays
// meaningful from run to run.
func fixedKey(f testing.TB) *rsa.PrivateKey {
	f.Helper()
	raw, err := os.ReadFile("testdata/fuzz-key.pem")
	if err != nil {
		f.Fatal(err)
	}
	blk, _ := pem.Decode(raw)
	if blk == nil {
		f.Fatal("testdata/fuzz-key.pem: no PEM block")
		return nil
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		f.Fatal(err)
	}
	return k.(*rsa.PrivateKey)
}

// FuzzVerify feeds arbitrary messages and signatures to the backend and
// checks it agrees with crypto/rsa (accepts exactly what crypto/rsa accepts,
// for both digests), and that signing any message round-trips byte-identically.
func FuzzVerify(f *testing.F) {
	key := fixedKey(f)
	s, err := NewSigner(key)
	if err != nil {
		f.Fatal(err)
	}
	v, err := NewVerifier(&key.PublicKey)
	if err != nil {
		f.Fatal(err)
	}
	good, _ := s.Sign([]byte("hello"))
	f.Add([]byte("hello"), good, false)
	f.Add([]byte("hello"), good[:len(good)-1], false)
	f.Add([]byte(""), []byte{}, true)
	f.Add([]byte("x"), make([]byte, len(good)), false)
	f.Add([]byte("x"), key.N.Bytes(), true)
	f.Add([]byte("(request-target): post /inbox"), append(good, 0), false)
	f.Fuzz(func(t *testing.T, msg, sig []byte, sha512 bool) {
		h := SHA256
		if sha512 {
			h = SHA512
		}
		err := v.VerifyHash(h, msg, sig)
		want := referenceVerify(&key.PublicKey, h, msg, sig)
		if (err == nil) != want {
			t.Fatalf("backend says %v, crypto/rsa says ok=%v", err, want)
		}
		own, err := s.Sign(msg)
		if err != nil {
			t.Fatal(err)
		}
		if string(own) != string(referenceSign(t, key, msg)) {
			t.Fatal("signature differs from crypto/rsa")
		}
		if err := v.Verify(msg, own); err != nil {
			t.Fatalf("own signature: %v", err)
		}
	})
}
