package aptest

import (
	"strings"
	"testing"
)

func TestParseSignature(t *testing.T) {
	p, err := parseSignature(`keyId="http://h/users/a#main-key",algorithm="hs2019",headers="(request-target) Host date digest",signature="c2ln"`)
	if err != nil {
		t.Fatal(err)
	}
	if p.keyID != "http://h/users/a#main-key" || p.algorithm != "hs2019" || p.signature != "c2ln" ||
		strings.Join(p.headers, " ") != "(request-target) host date digest" {
		t.Errorf("parsed %+v", p)
	}
	for _, bad := range []string{"", `keyId="k"`, `signature="s"`, `keyId`,
		`keyId="k",keyId="j",signature="s"`, `KEYID="k",signature="s"`, `keyId="k",HEADERS="date",signature="s"`,
		`keyId="k",headers="",signature="s"`, `keyId="k",created=x,signature="s"`} {
		if _, err := parseSignature(bad); err == nil {
			t.Errorf("%q parsed without error", bad)
		}
	}
	if p, err := parseSignature(`keyId="k",signature="s"`); err != nil || strings.Join(p.headers, " ") != "date" {
		t.Errorf("default headers: %+v %v", p, err)
	}
}

func FuzzParseSignature(f *testing.F) {
	f.Add(`keyId="http://h/users/a#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="c2ln"`)
	f.Add(`keyId="k",signature="s"`)
	f.Add(`sig1=:abc:`)
	f.Add(`,,,=`)
	f.Fuzz(func(t *testing.T, h string) {
		p, err := parseSignature(h)
		if err != nil {
			return
		}
		if p.keyID == "" || p.signature == "" || len(p.headers) == 0 {
			t.Fatalf("accepted %q as %+v", h, p)
		}
		for _, hd := range p.headers {
			if hd != strings.ToLower(hd) || strings.TrimSpace(hd) != hd || hd == "" {
				t.Fatalf("header %q not normalised", hd)
			}
		}
	})
}

func TestCheckDigestAndContentType(t *testing.T) {
	body := []byte(`{"a":1}`)
	if err := checkDigest([]string{"SHA-512=x, " + digestOf(body)}, body); err != nil {
		t.Errorf("multi-valued digest: %v", err)
	}
	if err := checkDigest([]string{digestOf([]byte("other"))}, body); err == nil {
		t.Error("wrong digest accepted")
	}
	if err := checkDigest([]string{"MD5=abc"}, body); err == nil {
		t.Error("digest without SHA-256 accepted")
	}
	for ct, ok := range map[string]bool{
		"application/activity+json":                                            true,
		"application/activity+json; charset=utf-8":                             true,
		`application/ld+json; profile="https://www.w3.org/ns/activitystreams"`: true,
		"application/ld+json":                                                  false,
		"application/json":                                                     false,
		"":                                                                     false,
	} {
		if r, _ := checkContentType(ct); (r == ReasonNone) != ok {
			t.Errorf("%q: reason %q, want ok=%v", ct, r, ok)
		}
	}
}
