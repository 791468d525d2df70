package storage

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap"
	"github.com/artbridge/artbridge/bridge"
	"github.com/artbridge/artbridge/moderation"
)

func openModerationTestDB(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "mod.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestHistoryMatchesTracker drives the SQLite History and the in-memory
// Tracker with the same random sequence of records and compares every tally.
func TestHistoryMatchesTracker(t *testing.T) {
	ctx := context.Background()
	db := openModerationTestDB(t)
	retention := 48 * time.Hour
	h := db.ModerationHistory(ctx, retention)
	tr := moderation.NewTracker(retention, 0)
	rng := rand.New(rand.NewPCG(7, 11))
	actors := []string{"https://a.example/u/1", "https://a.example/u/2", "https://b.example/u/x"}
	rulesets := []string{"spam", "slurs"}
	terms := []string{"cheap followers", "free nft", "#nsfw", "crypto"}
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	now := start
	for i := range 300 {
		now = now.Add(time.Duration(rng.IntN(90)) * time.Minute)
		actor, rs := actors[rng.IntN(len(actors))], rulesets[rng.IntN(len(rulesets))]
		post := fmt.Sprintf("https://a.example/p/%d", rng.IntN(40)) // repeats: edits replace
		var tc []moderation.TermCount
		for _, term := range terms {
			if rng.IntN(3) == 0 {
				tc = append(tc, moderation.TermCount{Term: term, Count: 1 + rng.IntN(3)})
			}
		}
		if len(tc) == 0 {
			tc = append(tc, moderation.TermCount{Term: terms[0], Count: 1})
		}
		if err := h.Record(actor, rs, post, now, tc); err != nil {
			t.Fatal(err)
		}
		if err := tr.Record(actor, rs, post, now, tc); err != nil {
			t.Fatal(err)
		}
		for _, window := range []time.Duration{time.Hour, 6 * time.Hour, 24 * time.Hour, 48 * time.Hour} {
			got, err := h.Tally(actor, rs, now.Add(-window))
			if err != nil {
				t.Fatal(err)
			}
			want, _ := tr.Tally(actor, rs, now.Add(-window))
			if got != want {
				t.Fatalf("step %d, %s %s window %v: sqlite %+v, tracker %+v", i, actor, rs, window, got, want)
			}
		}
	}
	// Old rows are pruned as time advances: nothing older than the retention
	// before the last record of its actor and ruleset remains.
	var old int
	if err := db.sql.QueryRow(`SELECT COUNT(*) FROM moderation_hits WHERE at < ?`, ms(now.Add(-retention-90*time.Hour))).Scan(&old); err != nil {
		t.Fatal(err)
	}
	if old != 0 {
		t.Fatalf("%d rows far older than the retention remain", old)
	}
	// Anonymous posts are never replaced.
	for range 2 {
		if err := h.Record("anon", "spam", "", now, []moderation.TermCount{{Term: "crypto", Count: 1}}); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := h.Tally("anon", "spam", now.Add(-time.Hour)); got != (moderation.Tally{Posts: 2, Hits: 2, Distinct: 1}) {
		t.Fatalf("anonymous posts tally %+v", got)
	}
}

func TestApplyModerationSuspendAndLift(t *testing.T) {
	ctx := context.Background()
	db := openModerationTestDB(t)
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	bob := "https://remote.example/users/bob"
	if err := db.AddFollower(ctx, ap.Follower{ActorIRI: bob, Inbox: bob + "/inbox", FollowID: bob + "#f", CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	h := db.ModerationHistory(ctx, 0)
	if err := h.Record(bob, "abuse", bob+"/s/1", at, []moderation.TermCount{{Term: "jerk", Count: 2}}); err != nil {
		t.Fatal(err)
	}
	hits := []moderation.Hit{{Ruleset: "abuse", Term: "jerk", Field: moderation.FieldContent, Count: 2}}

	// A silence first: held, restricted, still a follower.
	res, err := db.ApplyModeration(ctx, bridge.ModerationRecord{
		Report: &bridge.ModerationReport{At: at, Actor: bob, PostID: bob + "/s/1", ActivityID: bob + "/a/1",
			Ruleset: "abuse", Action: moderation.ActionSilence, Hits: hits},
		Decision: bridge.InboundDecision{ActivityID: bob + "/a/1", PostID: bob + "/s/1", Actor: bob,
			Action: moderation.ActionSilence, Ruleset: "abuse", State: bridge.DecisionHeld, At: at},
		Restrict: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.ReportID == 0 || res.FollowerRemoved {
		t.Fatalf("silence result %+v", res)
	}
	r, ok, err := db.ActorRestriction(ctx, bob)
	if err != nil || !ok || r.Action != moderation.ActionSilence || r.ReportID != res.ReportID || !r.Since.Equal(at) {
		t.Fatalf("restriction %+v %v %v", r, ok, err)
	}
	if _, err := db.Follower(ctx, bob); err != nil {
		t.Fatalf("a silenced actor stays a follower: %v", err)
	}
	silenceID := res.ReportID

	// Then a suspension: the follower goes.
	res, err = db.ApplyModeration(ctx, bridge.ModerationRecord{
		Report: &bridge.ModerationReport{At: at.Add(time.Minute), Actor: bob, PostID: bob + "/s/2", ActivityID: bob + "/a/2",
			Ruleset: "threats", Action: moderation.ActionSuspend, Hits: hits},
		Decision: bridge.InboundDecision{ActivityID: bob + "/a/2", PostID: bob + "/s/2", Actor: bob,
			Action: moderation.ActionSuspend, Ruleset: "threats", State: bridge.DecisionDropped, At: at.Add(time.Minute)},
		Restrict: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.FollowerRemoved {
		t.Fatal("suspension did not remove the follower")
	}
	if _, err := db.Follower(ctx, bob); !errors.Is(err, ap.ErrNotFound) {
		t.Fatalf("follower after suspension: %v", err)
	}
	// A later silence does not downgrade the suspension.
	_, err = db.ApplyModeration(ctx, bridge.ModerationRecord{
		Report: &bridge.ModerationReport{At: at.Add(2 * time.Minute), Actor: bob, Ruleset: "abuse",
			Action: moderation.ActionSilence, Hits: hits},
		Decision: bridge.InboundDecision{ActivityID: bob + "/a/3", Actor: bob, Action: moderation.ActionSilence,
			State: bridge.DecisionHeld, At: at.Add(2 * time.Minute)},
		Restrict: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if r, _, _ := db.ActorRestriction(ctx, bob); r.Action != moderation.ActionSuspend {
		t.Fatalf("suspension downgraded to %v", r.Action)
	}
	actors, err := db.RestrictedActors(ctx)
	if err != nil || len(actors) != 1 || actors[0].Actor != bob {
		t.Fatalf("restricted actors %+v %v", actors, err)
	}

	rep, err := db.ModerationReport(ctx, silenceID)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Actor != bob || rep.Action != moderation.ActionSilence || rep.State != bridge.ReportOpen ||
		len(rep.Hits) != 1 || rep.Hits[0] != hits[0] || !rep.At.Equal(at) {
		t.Fatalf("report read back %+v", rep)
	}
	if _, err := db.ModerationReport(ctx, 999); !errors.Is(err, ap.ErrNotFound) {
		t.Fatalf("missing report: %v", err)
	}
	dec, err := db.InboundDecision(ctx, bob+"/a/2")
	if err != nil || dec.State != bridge.DecisionDropped || dec.ReportID != res.ReportID || dec.Action != moderation.ActionSuspend {
		t.Fatalf("decision %+v %v", dec, err)
	}
	if _, err := db.InboundDecision(ctx, "nope"); !errors.Is(err, ap.ErrNotFound) {
		t.Fatalf("missing decision: %v", err)
	}

	// Lifting: no restriction, reports lifted, held posts released, hits forgotten.
	n, err := db.LiftRestriction(ctx, bob, at.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("released %d posts, want the 2 held", n)
	}
	if _, ok, _ := db.ActorRestriction(ctx, bob); ok {
		t.Fatal("still restricted after the lift")
	}
	open, err := db.ModerationReports(ctx, true, 0)
	if err != nil || len(open) != 0 {
		t.Fatalf("open reports after lift: %+v %v", open, err)
	}
	all, err := db.ModerationReports(ctx, false, 0)
	if err != nil || len(all) != 3 || all[0].State != bridge.ReportLifted || all[2].ID != silenceID || all[2].LiftedAt.IsZero() {
		t.Fatalf("all reports after lift: %+v %v", all, err)
	}
	if tally, _ := h.Tally(bob, "abuse", at.Add(-time.Hour)); tally != (moderation.Tally{}) {
		t.Fatalf("hits not forgotten: %+v", tally)
	}
	if dec, _ := db.InboundDecision(ctx, bob+"/a/1"); dec.State != bridge.DecisionReleased {
		t.Fatalf("held post now %q", dec.State)
	}
	if _, err := db.Follower(ctx, bob); !errors.Is(err, ap.ErrNotFound) {
		t.Fatal("a lift must not make the actor a follower again")
	}
}

func TestModerationPostsOldestFirst(t *testing.T) {
	ctx := context.Background()
	db := openModerationTestDB(t)
	h := db.ModerationHistory(ctx, 0)
	at := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5 {
		tc := []moderation.TermCount{{Term: "a", Count: 1}, {Term: "b", Count: 1}}
		if err := h.Record("x", "r", fmt.Sprintf("p%d", i), at.Add(time.Duration(i)*time.Minute), tc); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.ModerationPosts(ctx, "x", "r", at.Add(time.Minute), 3)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[p1 p2 p3]" {
		t.Fatalf("posts %v", got)
	}
}

func TestImportDomainBlocks(t *testing.T) {
	ctx := context.Background()
	db := openModerationTestDB(t)
	at := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	n, err := db.ImportDomainBlocks(ctx, []DomainBlock{{Domain: "Spam.Example", Comment: "spam"}, {Domain: "evil.example"}}, "blocks.csv", at)
	if err != nil || n != 2 {
		t.Fatalf("import: %d %v", n, err)
	}
	n, err = db.ImportDomainBlocks(ctx, []DomainBlock{{Domain: "spam.example"}, {Domain: "new.example"}}, "again.csv", at)
	if err != nil || n != 1 {
		t.Fatalf("second import added %d (%v), want 1", n, err)
	}
	for host, want := range map[string]bool{"spam.example": true, "a.b.spam.example:8443": true, "notspam.example": false, "new.example": true} {
		got, err := db.IsDomainBlocked(ctx, host)
		if err != nil || got != want {
			t.Errorf("IsDomainBlocked(%s) = %v, %v", host, got, err)
		}
	}
	list, err := db.DomainBlocks(ctx)
	if err != nil || len(list) != 3 || list[2].Domain != "spam.example" || list[2].Comment != "spam" || list[2].Severity != "suspend" {
		t.Fatalf("blocks %+v %v", list, err)
	}
}

func BenchmarkModerationHistory(b *testing.B) {
	ctx := context.Background()
	db := openModerationTestDB(b)
	h := db.ModerationHistory(ctx, 720*time.Hour)
	at := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	tc := []moderation.TermCount{{Term: "cheap followers", Count: 1}, {Term: "free nft", Count: 2}}
	// A realistic background: 200 actors with 20 posts each.
	for a := range 200 {
		for p := range 20 {
			if err := h.Record(fmt.Sprintf("https://r.example/u/%d", a), "spam", fmt.Sprintf("https://r.example/p/%d/%d", a, p), at, tc); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		actor := fmt.Sprintf("https://r.example/u/%d", i%200)
		if err := h.Record(actor, "spam", fmt.Sprintf("https://r.example/q/%d", i), at.Add(time.Duration(i)*time.Second), tc); err != nil {
			b.Fatal(err)
		}
		if _, err := h.Tally(actor, "spam", at); err != nil {
			b.Fatal(err)
		}
	}
}
