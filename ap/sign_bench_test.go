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

func benchService(b *testing.B) *Service {
	b.Helper()
	key := goldenKey(b)
	s, err := New(Config{BaseURL: "https://art.example.org", Username: "art", Key: key}, nil, nil, nil, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	return s
}
