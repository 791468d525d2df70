package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap/aptest"
)

// followers fetches the first page of our followers collection.
func followersOf(t *testing.T, s *server) []string {
	t.Helper()
	_, body := get(t, s.BaseURL+"/users/art/followers?page=1", "application/activity+json")
	var page struct {
		Items []string `json:"orderedItems"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatalf("followers page: %v\n%s", err, body)
	}
	return page.Items
}

func waitUntil(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestFollowAcceptUndoWithEachImplementation(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	host := strings.TrimPrefix(s.BaseURL, "http://")
	styles := []aptest.Style{aptest.Mastodon, aptest.GoToSocial, aptest.Akkoma, aptest.Fedify}
	for _, style := range styles {
		t.Run(style.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			remote := aptest.NewServer(t, aptest.WithStyle(style))
			bob := remote.AddActor("bob")

			follow, err := bob.Follow(ctx, "art@"+host)
			if err != nil {
				t.Fatalf("follow: %v", err)
			}
			accept := remote.MustWaitFor(t, aptest.OfType("Accept"), 15*time.Second)
			if accept.Actor != s.BaseURL+"/users/art" || accept.KeyID != s.BaseURL+"/users/art#main-key" {
				t.Fatalf("Accept from %s signed by %s", accept.Actor, accept.KeyID)
			}
			obj, _ := accept.Activity["object"].(map[string]any)
			if obj["id"] != follow["id"] {
				t.Fatalf("Accept object %v, want the Follow %v", obj, follow["id"])
			}
			if got := followersOf(t, s); len(got) != 1 || got[0] != bob.IRI() {
				t.Fatalf("followers = %v", got)
			}
			// A repeated Follow is idempotent.
			if _, err := bob.Follow(ctx, "art@"+host); err != nil {
				t.Fatalf("second follow: %v", err)
			}
			if _, err := remote.WaitForN(ctx, 2, aptest.OfType("Accept"), 15*time.Second); err != nil {
				t.Fatalf("second Accept: %v", err)
			}
			if got := followersOf(t, s); len(got) != 1 {
				t.Fatalf("followers after a repeated Follow = %v", got)
			}
			if _, err := bob.Undo(ctx, follow); err != nil {
				t.Fatalf("undo: %v", err)
			}
			waitUntil(t, "Undo to remove the follower", 10*time.Second, func() bool { return len(followersOf(t, s)) == 0 })
			if len(remote.Rejected()) != 0 {
				t.Fatalf("the remote refused our requests: %+v", remote.Rejected())
			}
		})
	}
}

func TestInboxRefusesBadSignaturesAndStoresNothing(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	remote := aptest.NewServer(t)
	bob := remote.AddActor("bob")
	eve := remote.AddActor("eve")
	inbox := s.BaseURL + "/inbox"
	activity := func() map[string]any {
		return map[string]any{
			"@context": "https://www.w3.org/ns/activitystreams",
			"id":       remote.URL() + "/activities/" + time.Now().Format("150405.000000000"),
			"type":     "Follow",
			"actor":    bob.IRI(),
			"object":   s.BaseURL + "/users/art",
		}
	}
	cases := []struct {
		name string
		opts []aptest.SignOption
	}{
		{"bad signature", []aptest.SignOption{aptest.WithWrongKey()}},
		{"key owner is not the actor", []aptest.SignOption{aptest.WithKeyOf(eve)}},
		{"Date 13 h old", []aptest.SignOption{aptest.WithDateOffset(-13 * time.Hour)}},
		{"Date 2 h ahead", []aptest.SignOption{aptest.WithDateOffset(2 * time.Hour)}},
		{"Digest not signed", []aptest.SignOption{aptest.WithDigestUnsigned()}},
		{"no Digest", []aptest.SignOption{aptest.WithoutDigest()}},
		{"wrong Digest", []aptest.SignOption{aptest.WithWrongDigest()}},
		{"unsigned", []aptest.SignOption{aptest.Unsigned()}},
		{"RFC 9421 only", []aptest.SignOption{aptest.WithScheme(aptest.SchemeRFC9421)}},
	}
	for _, c := range cases {
		resp, err := bob.Post(ctx, inbox, activity(), c.opts...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", c.name, resp.StatusCode)
		}
	}
	// hs2019 (GoToSocial's label) and a correct signature are accepted.
	resp, err := bob.Post(ctx, inbox, activity(), aptest.WithAlgorithm("hs2019"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("hs2019 signature: %d, want 202", resp.StatusCode)
	}
	s.Stop()
	if n := countRows(t, s.DataDir, "inbound"); n != 1 {
		t.Fatalf("%d inbound rows, want only the accepted one", n)
	}
}

func TestUnknownActivityTypesAreAcceptedAndIgnored(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	remote := aptest.NewServer(t)
	bob := remote.AddActor("bob")
	act := map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       remote.URL() + "/activities/x1",
		"type":     "Wobble",
		"actor":    bob.IRI(),
		"object":   s.BaseURL + "/users/art",
	}
	for range 2 { // the second is a duplicate: accepted, not stored twice
		resp, err := bob.Post(ctx, s.BaseURL+"/users/art/inbox", act)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("unknown type: %d, want 202", resp.StatusCode)
		}
	}
	waitUntil(t, "the activity to be processed", 10*time.Second, func() bool {
		return queryInt(t, s.DataDir, "SELECT COUNT(*) FROM inbound WHERE processed_at IS NOT NULL") == 1
	})
	if n := countRows(t, s.DataDir, "inbound"); n != 1 {
		t.Fatalf("%d inbound rows, want 1 (deduplicated by id)", n)
	}
}
