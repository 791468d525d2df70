package ap

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
)

func TestParseSignatureHeader(t *testing.T) {
	p, err := ParseSignatureHeader(`keyId="https://a.example/users/bob#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="c2lnbmF0dXJl"`)
	if err != nil {
		t.Fatal(err)
	}
	if p.KeyID != "https://a.example/users/bob#main-key" || p.Algorithm != "rsa-sha256" || string(p.Signature) != "signature" {
		t.Fatalf("parsed %+v", p)
	}
	if !p.Has("digest") || !p.Has("(request-target)") || p.Has("content-type") {
		t.Fatalf("headers %v", p.Headers)
	}
	// Absent headers parameter means only date is signed (draft-cavage §2.1.6).
	p, err = ParseSignatureHeader(`keyId="k",signature="c2ln"`)
	if err != nil || len(p.Headers) != 1 || p.Headers[0] != "date" {
		t.Fatalf("default headers: %+v %v", p, err)
	}
	bad := []string{
		``,
		`keyId="k"`,
		`signature="c2ln"`,
		`keyId="k",signature="not base64!"`,
		`keyId="k,signature="c2ln"`,
		`keyId="k" signature="c2ln"`,
		`keyId="k",keyId="j",signature="c2ln"`,
		`=x`,
		strings.Repeat("a", 9000),
	}
	for _, h := range bad {
		if _, err := ParseSignatureHeader(h); err == nil {
			t.Errorf("ParseSignatureHeader(%q) accepted", h)
		}
	}
}

func FuzzParseSignatureHeader(f *testing.F) {
	f.Add(`keyId="https://a.example/users/bob#main-key",algorithm="hs2019",headers="(request-target) host date",signature="c2ln"`)
	f.Add(`keyId="k",signature="c2ln"`)
	f.Add(`keyId=k, signature=c2ln, headers="date"`)
	f.Add(`,,,=`)
	f.Fuzz(func(t *testing.T, h string) {
		p, err := ParseSignatureHeader(h)
		if err != nil {
			return
		}
		if p.KeyID == "" || len(p.Signature) == 0 || len(p.Headers) == 0 {
			t.Fatalf("accepted incomplete signature %q: %+v", h, p)
		}
	})
}

func TestParseActivity(t *testing.T) {
	doc, id, typ, actor, err := ParseActivity([]byte(`{"id":"https://a.example/1","type":"Like","actor":{"id":"https://a.example/users/bob"},"object":"x"}`))
	if err != nil || id != "https://a.example/1" || typ != "Like" || actor != "https://a.example/users/bob" || doc["object"] != "x" {
		t.Fatalf("got %v %q %q %q %v", doc, id, typ, actor, err)
	}
	bad := []string{
		``, `null`, `[]`, `"x"`, `42`, `{`, `{"id":"a","type":"Like"}`, `{"type":"Like","actor":"a"}`,
		`{"id":"a","actor":"b"}`, `{"id":"a","type":"Like","actor":"b"} {}`, `{"id":"a","type":"Like","actor":"b"}x`,
		`{"id":1,"type":"Like","actor":"b"}`,
	}
	for _, b := range bad {
		if _, _, _, _, err := ParseActivity([]byte(b)); err == nil {
			t.Errorf("ParseActivity(%q) accepted", b)
		}
	}
}

func FuzzParseActivity(f *testing.F) {
	f.Add([]byte(`{"@context":"https://www.w3.org/ns/activitystreams","id":"https://a.example/1","type":"Follow","actor":"https://a.example/users/bob","object":"https://b.example/users/art"}`))
	f.Add([]byte(`{"id":"x","type":["Create"],"actor":["https://a"]}`))
	f.Add([]byte(`[1,2]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		doc, id, typ, actor, err := ParseActivity(b)
		if err != nil {
			return
		}
		if doc == nil || id == "" || typ == "" || actor == "" {
			t.Fatalf("accepted incomplete activity %q", b)
		}
	})
}

func TestCheckDigest(t *testing.T) {
	body := []byte(`{"a":1}`)
	sum := sha256.Sum256(body)
	if err := checkDigest([]string{"SHA-256=" + base64.StdEncoding.EncodeToString(sum[:])}, body); err != nil {
		t.Errorf("good digest refused: %v", err)
	}
	if err := checkDigest(nil, body); err == nil {
		t.Error("missing digest accepted")
	}
	if err := checkDigest([]string{"SHA-256=AAAA"}, body); err == nil {
		t.Error("wrong digest accepted")
	}
	if err := checkDigest([]string{"MD5=abc"}, body); err == nil {
		t.Error("digest without SHA-256 accepted")
	}
}
