package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap/aptest"
)

// trustTables are the tables a refused activity must leave as they were.
var trustTables = []string{"inbound", "followers", "remote_actors", "remote_keys", "interactions", "inbound_moderation"}

func tableCounts(t *testing.T, s *server) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, tbl := range trustTables {
		out[tbl] = countRows(t, s.DataDir, tbl)
	}
	return out
}

// forgedActivity builds an activity of typ by actor, its id on idBase.
func forgedActivity(idBase, actor, typ string, object any) map[string]any {
	return map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       idBase + "/activities/forged-" + fmt.Sprint(time.Now().UnixNano()),
		"type":     typ,
		"actor":    actor,
		"object":   object,
	}
}

// postForged posts act signed by signer with opts and returns status and body.
func postForged(t *testing.T, ctx context.Context, signer *aptest.Actor, inbox string, act map[string]any, opts ...aptest.SignOption) (int, string) {
	t.Helper()
	resp, err := signer.Post(ctx, inbox, act, opts...)
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// TestForgedActivitiesAreRefusedAndNothingIsWritten plays a hostile server:
// each forgery gets its status and leaves every table as it was.
func TestForgedActivitiesAreRefusedAndNothingIsWritten(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{extraTOML: `blocked_domains = ["EVIL.Example.", "bücher.example"]` + "\n"})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	noteIRI := publishOne(t, s, "A harbour at dusk")
	ourActor := s.BaseURL + "/users/art"
	inbox := s.BaseURL + "/inbox"

	pool := aptest.NewKeyPool()
	if err := pool.Warm(3); err != nil {
		t.Fatal(err)
	}
	victim := aptest.NewServer(t, aptest.WithKeyPool(pool), aptest.WithStyle(aptest.Mastodon))
	bob := victim.AddActor("bob")
	evil := aptest.NewServer(t, aptest.WithKeyPool(pool), aptest.WithStyle(aptest.Mastodon))
	mallory, alice := evil.AddActor("mallory"), evil.AddActor("alice")

	// Key documents a hostile server serves.
	keyForBob := evil.URL() + "/keys/bob"
	evil.Serve("/keys/bob", map[string]any{"id": keyForBob, "owner": bob.IRI(), "publicKeyPem": mallory.PublicKeyPEM()})
	bobStub := evil.URL() + "/stub/bob"
	evil.Serve("/stub/bob", map[string]any{
		"id": bob.IRI(), "type": "Person", "inbox": evil.URL() + "/inbox",
		"publicKey": map[string]any{"id": bobStub, "owner": bob.IRI(), "publicKeyPem": mallory.PublicKeyPEM()},
	})
	keyForUs := evil.URL() + "/keys/art"
	evil.Serve("/keys/art", map[string]any{"id": keyForUs, "owner": ourActor, "publicKeyPem": mallory.PublicKeyPEM()})
	keyForAlice := evil.URL() + "/keys/alice"
	evil.Serve("/keys/alice", map[string]any{"id": keyForAlice, "owner": alice.IRI(), "publicKeyPem": mallory.PublicKeyPEM()})

	// An actor on the victim's host listing a key on the hostile host.
	eve := victim.URL() + "/users/eve"
	keyForEve := evil.URL() + "/keys/eve"
	victim.Serve("/users/eve", map[string]any{"id": eve, "type": "Person", "inbox": eve + "/inbox",
		"publicKey": map[string]any{"id": keyForEve, "owner": eve, "publicKeyPem": mallory.PublicKeyPEM()}})
	evil.Serve("/keys/eve", map[string]any{"id": keyForEve, "owner": eve, "publicKeyPem": mallory.PublicKeyPEM()})
	// An actor whose document lists the key id of the key document with another PEM.
	carol := evil.URL() + "/users/carol"
	keyForCarol := evil.URL() + "/keys/carol"
	evil.Serve("/users/carol", map[string]any{"id": carol, "type": "Person", "inbox": carol + "/inbox",
		"publicKey": map[string]any{"id": keyForCarol, "owner": carol, "publicKeyPem": alice.PublicKeyPEM()}})
	evil.Serve("/keys/carol", map[string]any{"id": keyForCarol, "owner": carol, "publicKeyPem": mallory.PublicKeyPEM()})
	// A stub on alice's host saying it is alice, with mallory's key.
	aliceStub := evil.URL() + "/stub/alice"
	evil.Serve("/stub/alice", map[string]any{"id": alice.IRI(), "type": "Person", "inbox": evil.URL() + "/inbox",
		"publicKey": map[string]any{"id": aliceStub, "owner": alice.IRI(), "publicKeyPem": mallory.PublicKeyPEM()}})
	// Actors whose inbox or shared inbox is on another host.
	dave, dave2 := evil.URL()+"/users/dave", evil.URL()+"/users/dave2"
	evil.Serve("/users/dave", map[string]any{"id": dave, "type": "Person", "inbox": bob.Inbox(),
		"publicKey": map[string]any{"id": dave + "#main-key", "owner": dave, "publicKeyPem": mallory.PublicKeyPEM()}})
	evil.Serve("/users/dave2", map[string]any{"id": dave2, "type": "Person", "inbox": dave2 + "/inbox",
		"endpoints": map[string]any{"sharedInbox": victim.URL() + "/inbox"},
		"publicKey": map[string]any{"id": dave2 + "#main-key", "owner": dave2, "publicKeyPem": mallory.PublicKeyPEM()}})

	// An actor document that says it is someone else.
	frank := evil.URL() + "/users/frank"
	evil.Serve("/users/frank", map[string]any{"id": alice.IRI(), "type": "Person", "inbox": frank + "/inbox",
		"publicKey": map[string]any{"id": frank + "#main-key", "owner": frank, "publicKeyPem": mallory.PublicKeyPEM()}})

	like := func(base, actor string) map[string]any { return forgedActivity(base, actor, "Like", noteIRI) }
	createNote := func(noteID, author string) map[string]any {
		return forgedActivity(evil.URL(), mallory.IRI(), "Create", map[string]any{
			"id": noteID, "type": "Note", "attributedTo": author, "inReplyTo": noteIRI,
			"content": "<p>forged</p>", "to": []any{"https://www.w3.org/ns/activitystreams#Public"},
		})
	}
	yearAgo := -365 * 24 * time.Hour
	createdHeaders := aptest.WithSignedHeaders("(request-target)", "host", "(created)", "digest")
	cases := []struct {
		name   string
		signer *aptest.Actor
		act    map[string]any
		opts   []aptest.SignOption
		status int
		body   string
	}{
		{"key on host A claiming an actor on host B", mallory, like(victim.URL(), bob.IRI()),
			[]aptest.SignOption{aptest.WithKeyID(keyForBob, mallory.Key())}, 401, "key not owned by actor"},
		{"key document whose id is B's actor with A's inbox", mallory, like(victim.URL(), bob.IRI()),
			[]aptest.SignOption{aptest.WithKeyID(bobStub, mallory.Key())}, 401, "key not owned by actor"},
		{"our own actor claimed", mallory, like(s.BaseURL, ourActor),
			[]aptest.SignOption{aptest.WithKeyID(keyForUs, mallory.Key())}, 401, "actor is local"},
		{"a key its owner's actor document does not list", mallory, like(evil.URL(), alice.IRI()),
			[]aptest.SignOption{aptest.WithKeyID(keyForAlice, mallory.Key())}, 401, "key not owned by actor"},
		{"key on another host than its owner, even listed by the owner", mallory, like(victim.URL(), eve),
			[]aptest.SignOption{aptest.WithKeyID(keyForEve, mallory.Key())}, 401, "key not owned by actor"},
		{"key listed by its owner with another PEM", mallory, like(evil.URL(), carol),
			[]aptest.SignOption{aptest.WithKeyID(keyForCarol, mallory.Key())}, 401, "key not owned by actor"},
		{"stub on the owner's host saying it is the owner", mallory, like(evil.URL(), alice.IRI()),
			[]aptest.SignOption{aptest.WithKeyID(aliceStub, mallory.Key())}, 401, "key not owned by actor"},
		{"actor whose inbox is on another host", mallory, like(evil.URL(), dave),
			[]aptest.SignOption{aptest.WithKeyID(dave+"#main-key", mallory.Key())}, 401, "key not owned by actor"},
		{"actor whose shared inbox is on another host", mallory, like(evil.URL(), dave2),
			[]aptest.SignOption{aptest.WithKeyID(dave2+"#main-key", mallory.Key())}, 401, "key not owned by actor"},
		{"actor document with another id", mallory, like(evil.URL(), frank),
			[]aptest.SignOption{aptest.WithKeyID(frank+"#main-key", mallory.Key())}, 401, "key not owned by actor"},
		{"our own key claimed by a remote actor", mallory, like(victim.URL(), bob.IRI()),
			[]aptest.SignOption{aptest.WithKeyID(ourActor+"#main-key", mallory.Key())}, 401, "key is ours"},
		{"host not signed", bob, like(victim.URL(), bob.IRI()),
			[]aptest.SignOption{aptest.WithSignedHeaders("(request-target)", "date", "digest")}, 401, "host not signed"},
		{"neither date nor (created) signed", bob, like(victim.URL(), bob.IRI()),
			[]aptest.SignOption{aptest.WithSignedHeaders("(request-target)", "host", "digest")}, 401, "date not signed"},
		{"activity id on another host", bob, like(evil.URL(), bob.IRI()), nil, 400, "activity id is not on the actor's host"},
		{"HEADERS= with a signature over date only", bob, like(victim.URL(), bob.IRI()),
			[]aptest.SignOption{aptest.WithUpperCaseParams(), aptest.WithSignedHeaders("date")}, 401, "(request-target) not signed"},
		{"headers= date only", bob, like(victim.URL(), bob.IRI()),
			[]aptest.SignOption{aptest.WithSignedHeaders("date")}, 401, "(request-target) not signed"},
		{"(created) a year old with a fresh unsigned Date", bob, like(victim.URL(), bob.IRI()),
			[]aptest.SignOption{createdHeaders, aptest.WithCreatedOffset(yearAgo)}, 401, "created too old"},
		{"(created) a year old without a Date", bob, like(victim.URL(), bob.IRI()),
			[]aptest.SignOption{createdHeaders, aptest.WithCreatedOffset(yearAgo), aptest.WithoutDateHeader()}, 401, "created too old"},
		{"(expires) a minute past", bob, like(victim.URL(), bob.IRI()),
			[]aptest.SignOption{aptest.WithSignedHeaders("(request-target)", "host", "date", "(expires)", "digest"),
				aptest.WithExpiresOffset(-time.Minute)}, 401, "signature expired"},
		{"signed host of another server", bob, like(victim.URL(), bob.IRI()),
			[]aptest.SignOption{aptest.WithSignedHost("other.example")}, 401, "signed for another host"},
		{"duplicate keyId", bob, like(victim.URL(), bob.IRI()),
			[]aptest.SignOption{aptest.WithDuplicateKeyID(mallory.KeyID())}, 401, "duplicate parameter"},
		{"created object id on another host", mallory, createNote(victim.URL()+"/notes/1", mallory.IRI()), nil, 403, "object is not on the actor's host"},
		{"created object attributed to another actor", mallory, createNote(evil.URL()+"/notes/2", alice.IRI()), nil, 403, "object is not the actor's"},
		{"update of an object on another host", mallory, forgedActivity(evil.URL(), mallory.IRI(), "Update",
			map[string]any{"id": bob.IRI(), "type": "Person", "inbox": evil.URL() + "/inbox"}), nil, 403, "object is not on the actor's host"},
		{"delete of our Note", bob, forgedActivity(victim.URL(), bob.IRI(), "Delete", noteIRI), nil, 403, "object is not on the actor's host"},
		{"delete of another actor's object", mallory, forgedActivity(evil.URL(), mallory.IRI(), "Delete",
			map[string]any{"id": evil.URL() + "/notes/3", "type": "Tombstone", "attributedTo": alice.IRI()}), nil, 403, "object is not the actor's"},
		{"undo of an activity on another host", mallory, forgedActivity(evil.URL(), mallory.IRI(), "Undo", victim.URL()+"/activities/1"),
			nil, 403, "object is not on the actor's host"},
		{"undo of another actor's activity", mallory, forgedActivity(evil.URL(), mallory.IRI(), "Undo",
			map[string]any{"id": evil.URL() + "/activities/9", "type": "Like", "actor": alice.IRI(), "object": noteIRI}), nil, 403, "undo of another actor's activity"},
		{"like of a Note of ours that does not exist", bob, forgedActivity(victim.URL(), bob.IRI(), "Like", s.BaseURL+"/notes/nonexistent"), nil, 202, ""},
		{"blocked domain written with a trailing dot and capitals", mallory, like("http://evil.example", "http://evil.example/users/x"), nil, 403, "domain blocked"},
		{"blocked domain's subdomain with a port", mallory, like("http://sub.EVIL.example:8443", "http://sub.EVIL.example:8443/users/x"), nil, 403, "domain blocked"},
		{"blocked IDN domain in punycode", mallory, like("http://xn--bcher-kva.example", "http://xn--bcher-kva.example/users/x"), nil, 403, "domain blocked"},
	}
	before := tableCounts(t, s)
	for _, c := range cases {
		status, body := postForged(t, ctx, c.signer, inbox, c.act, c.opts...)
		if status != c.status || !strings.Contains(body, c.body) {
			t.Errorf("%s: %d %q, want %d %q", c.name, status, body, c.status, c.body)
		}
		if strings.Contains(body, "127.0.0.1") || len(body) > 80 {
			t.Errorf("%s: the answer tells too much: %q", c.name, body)
		}
	}

	// Controls: the same sender, signing properly, is heard, with Date or (created) alone.
	if status, body := postForged(t, ctx, bob, inbox, like(victim.URL(), bob.IRI())); status != 202 {
		t.Fatalf("a proper Like: %d %q", status, body)
	}
	if status, body := postForged(t, ctx, bob, inbox, forgedActivity(victim.URL(), bob.IRI(), "Announce", noteIRI),
		createdHeaders, aptest.WithoutDateHeader()); status != 202 {
		t.Fatalf("an Announce signed with (created): %d %q", status, body)
	}
	waitUntil(t, "the proper Like and Announce recorded", 20*time.Second, func() bool {
		return countRows(t, s.DataDir, "interactions") == before["interactions"]+2
	})
	after := tableCounts(t, s)
	want := map[string]int{"inbound": 2, "remote_actors": 1, "remote_keys": 1, "interactions": 2}
	for _, tbl := range trustTables {
		if after[tbl]-before[tbl] != want[tbl] {
			t.Errorf("%s: %d rows written, want %d (only the controls')", tbl, after[tbl]-before[tbl], want[tbl])
		}
	}
	if n := queryInt(t, s.DataDir, "SELECT COUNT(*) FROM remote_actors WHERE iri = ? AND inbox = ?", bob.IRI(), bob.Inbox()); n != 1 {
		t.Errorf("bob's stored inbox is not his own (%d rows)", n)
	}

	// A block imported from a Mastodon CSV, written as a careless export would.
	csvPath := filepath.Join(t.TempDir(), "blocks.csv")
	if err := os.WriteFile(csvPath, []byte("#domain,#severity\nBad.Example.,suspend\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, code := runCLI(t, "moderation", "import-blocks", "--config", s.Config, csvPath); code != 0 {
		t.Fatalf("import-blocks exit %d: %s", code, out)
	}
	// The running server sees the new block within its cache's recheck.
	waitUntil(t, "the imported block refusing bad.example", 20*time.Second, func() bool {
		status, _ := postForged(t, ctx, mallory, inbox, like("http://bad.example", "http://bad.example/users/x"))
		return status == http.StatusForbidden
	})

	// A reply to a Note of ours that does not exist is not recorded.
	ghost := forgedActivity(victim.URL(), bob.IRI(), "Create", map[string]any{
		"id": bob.IRI() + "/statuses/ghost", "type": "Note", "attributedTo": bob.IRI(),
		"inReplyTo": s.BaseURL + "/notes/nonexistent", "content": "<p>hello?</p>",
		"to": []any{"https://www.w3.org/ns/activitystreams#Public"},
	})
	if status, body := postForged(t, ctx, bob, inbox, ghost); status != 202 {
		t.Fatalf("reply to a missing Note: %d %q", status, body)
	}
	waitUntil(t, "the reply to a missing Note handled", 20*time.Second, func() bool { return processed(t, s, ghost["id"].(string)) })
	if n := queryInt(t, s.DataDir, "SELECT COUNT(*) FROM interactions WHERE note_iri = ?", s.BaseURL+"/notes/nonexistent"); n != 0 {
		t.Errorf("a reply to a Note that does not exist was recorded")
	}

	// A rotated key works within one request; the old one stops working.
	rot := evil.URL() + "/users/rot"
	rotDoc := func(pemText string) map[string]any {
		return map[string]any{"id": rot, "type": "Person", "inbox": rot + "/inbox",
			"publicKey": map[string]any{"id": rot + "#main-key", "owner": rot, "publicKeyPem": pemText}}
	}
	evil.Serve("/users/rot", rotDoc(alice.PublicKeyPEM()))
	if status, body := postForged(t, ctx, mallory, inbox, like(evil.URL(), rot), aptest.WithKeyID(rot+"#main-key", alice.Key())); status != 202 {
		t.Fatalf("first key: %d %q", status, body)
	}
	evil.Serve("/users/rot", rotDoc(mallory.PublicKeyPEM()))
	if status, body := postForged(t, ctx, mallory, inbox, like(evil.URL(), rot), aptest.WithKeyID(rot+"#main-key", mallory.Key())); status != 202 {
		t.Fatalf("rotated key: %d %q", status, body)
	}
	if status, _ := postForged(t, ctx, mallory, inbox, like(evil.URL(), rot), aptest.WithKeyID(rot+"#main-key", alice.Key())); status != 401 {
		t.Fatalf("the old key still works: %d", status)
	}

	// An Update of bob by bob is taken from bob's own document, not the body.
	upd := forgedActivity(victim.URL(), bob.IRI(), "Update", map[string]any{"id": bob.IRI(), "type": "Person", "inbox": victim.URL() + "/evil-inbox"})
	if status, body := postForged(t, ctx, bob, inbox, upd); status != 202 {
		t.Fatalf("bob's Update: %d %q", status, body)
	}
	waitUntil(t, "the Update handled", 20*time.Second, func() bool { return processed(t, s, upd["id"].(string)) })
	if n := queryInt(t, s.DataDir, "SELECT COUNT(*) FROM remote_actors WHERE iri = ? AND inbox = ?", bob.IRI(), bob.Inbox()); n != 1 {
		t.Errorf("an Update body rewrote bob's inbox")
	}
}

// TestFollowFloodFromOneHostIsRateLimited sends 200 Follows from one host:
// past the burst they get 429 with Retry-After and nothing is stored.
func TestFollowFloodFromOneHostIsRateLimited(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{extraTOML: "follows_burst = 10\nfollows_per_minute = 1\n"})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	remote := aptest.NewServer(t)
	flood := remote.AddActor("flood")
	other := aptest.NewServer(t).AddActor("other")
	inbox := s.BaseURL + "/inbox"
	accepted, limited := 0, 0
	for range 200 {
		resp, err := flood.Post(ctx, inbox, forgedActivity(remote.URL(), flood.IRI(), "Follow", s.BaseURL+"/users/art"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusAccepted:
			accepted++
		case http.StatusTooManyRequests:
			limited++
			if resp.Header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		default:
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	if accepted > 12 || limited < 188 {
		t.Fatalf("%d accepted, %d rate-limited; want about 10 accepted", accepted, limited)
	}
	// Another host is not held back by the flood.
	follow(t, ctx, s, other)
	if n := countRows(t, s.DataDir, "inbound"); n != accepted+1 {
		t.Errorf("%d inbound rows, want %d", n, accepted+1)
	}
}

// TestOnlyPublicRepliesReachDiscord: direct and followers-only replies to one
// of our posts are recorded (they widen a takedown's reach) but never shown
// in the Discord thread; public and unlisted ones are.
func TestOnlyPublicRepliesReachDiscord(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	rulesPath := filepath.Join(t.TempDir(), "moderation.toml")
	if err := os.WriteFile(rulesPath, []byte(replyRules), 0o600); err != nil {
		t.Fatal(err)
	}
	w := newDiscordWorld(t)
	s := startServer(t, serverOptions{extraTOML: fmt.Sprintf("\n[moderation]\nrules = %q\n", rulesPath) + w.toml("")})
	w.waitReady(t, ctx)
	remote := aptest.NewServer(t, aptest.WithStyle(aptest.Mastodon))
	fan, whisperer, circle := remote.AddActor("fan"), remote.AddActor("whisperer"), remote.AddActor("circle")
	follow(t, ctx, s, fan)
	thread := postArt(t, w, "Lighthouse in fog")
	confirmTwice(t, ctx, w, thread)
	create := remote.MustWaitFor(t, aptest.OfType("Create"), 20*time.Second)
	noteIRI := create.Activity["object"].(map[string]any)["id"].(string)
	ourActor := s.BaseURL + "/users/art"
	const public = "https://www.w3.org/ns/activitystreams#Public"

	reply := func(by *aptest.Actor, n int, text string, to, cc []any) string {
		noteID := by.IRI() + "/statuses/vis-" + fmt.Sprint(n)
		act := forgedActivity(remote.URL(), by.IRI(), "Create", map[string]any{
			"id": noteID, "type": "Note", "attributedTo": by.IRI(), "inReplyTo": noteIRI,
			"content": "<p>" + text + "</p>", "to": to, "cc": cc,
		})
		act["to"], act["cc"] = to, cc
		if status, body := postForged(t, ctx, by, s.BaseURL+"/inbox", act); status != http.StatusAccepted {
			t.Fatalf("%s: %d %q", text, status, body)
		}
		return act["id"].(string)
	}
	direct := reply(whisperer, 1, "a direct word", []any{ourActor}, []any{})
	private := reply(circle, 2, "for followers only", []any{circle.Followers()}, []any{ourActor})
	reply(fan, 3, "an unlisted hello", []any{fan.Followers()}, []any{public, ourActor})
	reply(fan, 4, "a public hello", []any{public}, []any{fan.Followers(), ourActor})
	threadMessage(t, ctx, w, thread, "an unlisted hello")
	threadMessage(t, ctx, w, thread, "a public hello")
	waitUntil(t, "the replies handled", 20*time.Second, func() bool { return processed(t, s, direct) && processed(t, s, private) })
	if dump := threadDump(w, thread); strings.Contains(dump, "direct word") || strings.Contains(dump, "followers only") {
		t.Fatalf("a direct or followers-only reply reached Discord:\n%s", dump)
	}
	for _, by := range []*aptest.Actor{whisperer, circle} {
		if n := queryInt(t, s.DataDir, "SELECT COUNT(*) FROM interactions WHERE note_iri = ? AND actor_iri = ? AND kind = 'reply'", noteIRI, by.IRI()); n != 1 {
			t.Errorf("the reply of %s is not recorded as an interaction", by.Name())
		}
	}
	for _, id := range []string{direct, private} {
		if n := queryInt(t, s.DataDir, "SELECT COUNT(*) FROM inbound_moderation WHERE activity_id = ? AND in_reply_to = ''", id); n != 1 {
			t.Errorf("reply %s is queued for forwarding", id)
		}
	}
}
