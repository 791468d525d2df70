package rsasig

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"syscall"
	"testing"
	"time"
)

// cpuClock reports, when stopped, the process CPU time per operation: on a
// machine shared with other work the wall-clock ns/op grows with the load,
// the CPU time per operation much less.
func cpuClock(b *testing.B) func() {
	b.Helper()
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() {
		b.ReportMetric(float64((cpu()-start).Microseconds())/float64(b.N), "cpu-µs/op")
	}
}

// benchMsg is the size of a draft-cavage signing string of a POST.
var benchMsg = []byte("(request-target): post /users/someone/inbox\nhost: mastodon.example\n" +
	"date: Wed, 02 Dec 2026 15:00:00 GMT\ndigest: SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")

// BenchmarkSign is one RSA-2048 signature with the compiled-in backend
// (see Backend); BenchmarkSignGo is crypto/rsa in the same run.
func BenchmarkSign(b *testing.B) {
	s, err := NewSigner(fixedKey(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	defer cpuClock(b)()
	for b.Loop() {
		if _, err := s.Sign(benchMsg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignParallel signs on every core: ns/op is the time per
// signature with all cores busy, so 1,000 × ns/op is a fan-out's floor.
func BenchmarkSignParallel(b *testing.B) {
	s, err := NewSigner(fixedKey(b))
	if err != nil {
		b.Fatal(err)
	}
	defer cpuClock(b)()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Sign(benchMsg); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	key := fixedKey(b)
	v, err := NewVerifier(&key.PublicKey)
	if err != nil {
		b.Fatal(err)
	}
	sig := referenceSign(b, key, benchMsg)
	b.ReportAllocs()
	defer cpuClock(b)()
	for b.Loop() {
		if err := v.Verify(benchMsg, sig); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyParallel(b *testing.B) {
	key := fixedKey(b)
	v, err := NewVerifier(&key.PublicKey)
	if err != nil {
		b.Fatal(err)
	}
	sig := referenceSign(b, key, benchMsg)
	defer cpuClock(b)()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := v.Verify(benchMsg, sig); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkSignGo and BenchmarkVerifyGo are crypto/rsa, whatever the backend,
// for comparison in the same run.
func BenchmarkSignGo(b *testing.B) {
	key := fixedKey(b)
	key.Precompute()
	defer cpuClock(b)()
	for b.Loop() {
		sum := sha256.Sum256(benchMsg)
		if _, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignGoParallel(b *testing.B) {
	key := fixedKey(b)
	key.Precompute()
	defer cpuClock(b)()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			sum := sha256.Sum256(benchMsg)
			if _, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:]); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkVerifyGo(b *testing.B) {
	key := fixedKey(b)
	sig := referenceSign(b, key, benchMsg)
	defer cpuClock(b)()
	for b.Loop() {
		sum := sha256.Sum256(benchMsg)
		if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewVerifier is the one-time cost of loading a remote key.
func BenchmarkNewVerifier(b *testing.B) {
	key := fixedKey(b)
	for b.Loop() {
		v, err := NewVerifier(&key.PublicKey)
		if err != nil {
			b.Fatal(err)
		}
		v.Close()
	}
}
