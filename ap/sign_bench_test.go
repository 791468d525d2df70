package ap

import (
	"bytes"
	"net/http"
	"testing"
)

// BenchmarkSignRequest is the floor of a fan-out: one RSA-2048 draft-cavage
// signature (with its Digest) per delivery.
func BenchmarkSignRequest(b *testing.B) {
	s := benchService(b)
	body := bytes.Repeat([]byte("x"), 2048)
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, "https://remote.example/inbox", bytes.NewReader(body))
		if err := s.signRequest(req, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignRequestParallel signs on every core at once, as a fan-out
// does: ns/op is the time per signature with all cores signing, so 1,000 of
// them are the fan-out's floor on this machine.
func BenchmarkSignRequestParallel(b *testing.B) {
	s := benchService(b)
	body := bytes.Repeat([]byte("x"), 2048)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, "https://remote.example/inbox", bytes.NewReader(body))
			if err := s.signRequest(req, body); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func benchService(b *testing.B) *Service {
	b.Helper()
	key := goldenKey(b)
	s, err := New(Config{BaseURL: "https://art.example.org", Username: "art", Key: key}, nil, nil, nil, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	return s
}
