package storage

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/artbridge/artbridge/bridge"
	"github.com/artbridge/artbridge/moderation"
)

// TestCachedTablesSeeOtherProcesses opens the database twice, as the server
// and the artbridge CLI do: a block or a lift made through one handle is seen
// by the other's cached copy within CacheRecheck, and by the writer at once.
func TestCachedTablesSeeOtherProcesses(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.db")
	server, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	cli, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	const actor = "https://bad.example/users/troll"

	// Both copies are loaded and empty.
	for _, db := range []*DB{server, cli} {
		if blocked, err := db.IsDomainBlocked(ctx, "bad.example"); err != nil || blocked {
			t.Fatalf("blocked before any block: %v %v", blocked, err)
		}
		if _, ok, err := db.ActorRestriction(ctx, actor); err != nil || ok {
			t.Fatalf("restricted before any report: %v %v", ok, err)
		}
	}

	if _, err := cli.ImportDomainBlocks(ctx, []DomainBlock{{Domain: "bad.example"}}, "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	if blocked, _ := cli.IsDomainBlocked(ctx, "sub.bad.example"); !blocked {
		t.Fatal("the writing handle does not see its own block at once")
	}
	waitFor(t, "the server to see the CLI's block", func() bool {
		blocked, err := server.IsDomainBlocked(ctx, "sub.bad.example:443")
		return err == nil && blocked
	})

	// The server suspends; the CLI sees it; the CLI lifts; the server sees it.
	at := time.Now()
	_, err = server.ApplyModeration(ctx, bridge.ModerationRecord{
		Report: &bridge.ModerationReport{At: at, Actor: actor, PostID: actor + "/1", ActivityID: actor + "/1/a",
			Ruleset: "spam", Action: moderation.ActionSuspend, State: bridge.ReportOpen},
		Decision: bridge.InboundDecision{ActivityID: actor + "/1/a", PostID: actor + "/1", Actor: actor,
			Action: moderation.ActionSuspend, Ruleset: "spam", State: bridge.DecisionDropped, At: at},
		Restrict: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if r, ok, _ := server.ActorRestriction(ctx, actor); !ok || r.Action != moderation.ActionSuspend {
		t.Fatalf("the server does not see its own suspension at once: %+v %v", r, ok)
	}
	waitFor(t, "the CLI to see the suspension", func() bool {
		r, ok, err := cli.ActorRestriction(ctx, actor)
		return err == nil && ok && r.Action == moderation.ActionSuspend
	})
	if _, err := cli.LiftRestriction(ctx, actor, time.Now()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the server to see the lift", func() bool {
		_, ok, err := server.ActorRestriction(ctx, actor)
		return err == nil && !ok
	})
}

// waitFor polls cond for up to 20 rechecks of the cache.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * CacheRecheck)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(CacheRecheck / 10)
	}
}
