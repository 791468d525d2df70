package aptest_test

import (
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap/aptest"
)

// TestFakeRefusesForgeries proves the fake's verifier refuses the forgeries
// artbridge's inbox must refuse (cmd/artbridge's trust e2e test sends the
// same ones to the real server), so a test that passes against the fake does
// not pass because the fake shares a mistake.
func TestFakeRefusesForgeries(t *testing.T) {
	pool := newPool(t, 3)
	recv := aptest.NewServer(t, aptest.WithKeyPool(pool))
	recv.AddActor("inboxowner")
	victim := aptest.NewServer(t, aptest.WithKeyPool(pool))
	bob := victim.AddActor("bob")
	evil := aptest.NewServer(t, aptest.WithKeyPool(pool))
	mallory, alice := evil.AddActor("mallory"), evil.AddActor("alice")
	keyForBob := evil.URL() + "/keys/bob"
	evil.Serve("/keys/bob", map[string]any{"id": keyForBob, "owner": bob.IRI(), "publicKeyPem": mallory.PublicKeyPEM()})
	bobStub := evil.URL() + "/stub/bob"
	evil.Serve("/stub/bob", map[string]any{
		"id": bob.IRI(), "type": "Person", "inbox": evil.URL() + "/inbox",
		"publicKey": map[string]any{"id": bobStub, "owner": bob.IRI(), "publicKeyPem": mallory.PublicKeyPEM()},
	})
	keyForAlice := evil.URL() + "/keys/alice"
	evil.Serve("/keys/alice", map[string]any{"id": keyForAlice, "owner": alice.IRI(), "publicKeyPem": mallory.PublicKeyPEM()})
	eve := victim.URL() + "/users/eve"
	keyForEve := evil.URL() + "/keys/eve"
	victim.Serve("/users/eve", map[string]any{"id": eve, "type": "Person", "inbox": eve + "/inbox",
		"publicKey": map[string]any{"id": keyForEve, "owner": eve, "publicKeyPem": mallory.PublicKeyPEM()}})
	evil.Serve("/keys/eve", map[string]any{"id": keyForEve, "owner": eve, "publicKeyPem": mallory.PublicKeyPEM()})
	created := aptest.WithSignedHeaders("(request-target)", "host", "(created)", "digest")
	yearAgo := -365 * 24 * time.Hour
	cases := []struct {
		name   string
		signer *aptest.Actor
		as     string
		opts   []aptest.SignOption
		want   aptest.Reason
	}{
		{"key on another host than its owner, even listed by the owner", mallory, eve, []aptest.SignOption{aptest.WithKeyID(keyForEve, mallory.Key())}, aptest.ReasonKeyOwner},
		{"key on host A claiming an actor on host B", mallory, bob.IRI(), []aptest.SignOption{aptest.WithKeyID(keyForBob, mallory.Key())}, aptest.ReasonKeyOwner},
		{"key document whose id is B's actor", mallory, bob.IRI(), []aptest.SignOption{aptest.WithKeyID(bobStub, mallory.Key())}, aptest.ReasonKeyOwner},
		{"a key the owner does not list", mallory, alice.IRI(), []aptest.SignOption{aptest.WithKeyID(keyForAlice, mallory.Key())}, aptest.ReasonKeyOwner},
		{"HEADERS= over date only", bob, bob.IRI(), []aptest.SignOption{aptest.WithUpperCaseParams(), aptest.WithSignedHeaders("date")}, aptest.ReasonMalformed},
		{"HEADERS= over the full list", bob, bob.IRI(), []aptest.SignOption{aptest.WithUpperCaseParams()}, aptest.ReasonMalformed},
		{"headers= date only", bob, bob.IRI(), []aptest.SignOption{aptest.WithSignedHeaders("date")}, aptest.ReasonDigestNotSigned},
		{"(created) a year old, fresh unsigned Date", bob, bob.IRI(), []aptest.SignOption{created, aptest.WithCreatedOffset(yearAgo)}, aptest.ReasonDate},
		{"(created) a year old, no Date", bob, bob.IRI(), []aptest.SignOption{created, aptest.WithCreatedOffset(yearAgo), aptest.WithoutDateHeader()}, aptest.ReasonDate},
		{"signed host of another server", bob, bob.IRI(), []aptest.SignOption{aptest.WithSignedHost("other.example")}, aptest.ReasonHost},
		{"duplicate keyId", bob, bob.IRI(), []aptest.SignOption{aptest.WithDuplicateKeyID(mallory.KeyID())}, aptest.ReasonMalformed},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			recv.Reset()
			act := map[string]any{"id": c.as + "/likes/f" + string(rune('a'+i)), "type": "Like", "actor": c.as, "object": "http://x.invalid/1"}
			status, _ := postStatus(t, c.signer, recv.SharedInbox(), act, c.opts...)
			rej := recv.Rejected()
			if status != 401 || len(rej) != 1 || rej[0].Reason != c.want {
				t.Fatalf("status %d, rejected %+v; want 401 for %s", status, rej, c.want)
			}
			if len(recv.Deliveries()) != 0 {
				t.Error("a forgery became a delivery")
			}
		})
	}
	t.Run("(created) alone is enough", func(t *testing.T) {
		recv.Reset()
		if status, _ := postStatus(t, bob, recv.SharedInbox(), like(bob, "created-ok", "http://x.invalid/1"), created, aptest.WithoutDateHeader()); status != 202 {
			t.Fatalf("status %d, rejected %+v", status, recv.Rejected())
		}
	})
}
