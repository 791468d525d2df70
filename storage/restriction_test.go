package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap"
	"github.com/artbridge/artbridge/bridge"
	"github.com/artbridge/artbridge/moderation"
)

// restrict gives actor a restriction through a report of its own.
func restrict(t *testing.T, db *DB, actor string, action moderation.Action, at time.Time) int64 {
	t.Helper()
	state := bridge.DecisionHeld
	if action == moderation.ActionSuspend {
		state = bridge.DecisionDropped
	}
	res, err := db.ApplyModeration(context.Background(), bridge.ModerationRecord{
		Report: &bridge.ModerationReport{At: at, Actor: actor, Ruleset: "r", Action: action,
			Hits: []moderation.Hit{{Ruleset: "r", Term: "x", Field: moderation.FieldContent, Count: 1}}},
		Decision: bridge.InboundDecision{ActivityID: actor + "/a/0", Actor: actor, Action: action, Ruleset: "r",
			State: state, At: at},
		Restrict: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res.ReportID
}

func TestApplyModerationAppliesRestrictionInItsTransaction(t *testing.T) {
	ctx := context.Background()
	db := openModerationTestDB(t)
	at := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	sue, sid, ann := "https://r.example/users/sue", "https://r.example/users/sid", "https://r.example/users/ann"
	restrict(t, db, sue, moderation.ActionSuspend, at)
	silenceID := restrict(t, db, sid, moderation.ActionSilence, at)
	passed := func(actor, id string) bridge.ModerationRecord {
		return bridge.ModerationRecord{ApplyRestriction: true, Decision: bridge.InboundDecision{
			ActivityID: id, PostID: id + "/post", Actor: actor, State: bridge.DecisionPassed, At: at.Add(time.Minute)}}
	}

	// Suspended: nothing written.
	res, err := db.ApplyModeration(ctx, passed(sue, sue+"/a/1"))
	if err != nil || !res.Dropped {
		t.Fatalf("suspended actor: %+v %v", res, err)
	}
	if _, err := db.InboundDecision(ctx, sue+"/a/1"); !errors.Is(err, ap.ErrNotFound) {
		t.Fatalf("decision stored for a suspended actor: %v", err)
	}
	// Silenced: held, under the silence's report.
	res, err = db.ApplyModeration(ctx, passed(sid, sid+"/a/1"))
	if err != nil || res.Dropped || !res.Silenced || res.State != bridge.DecisionHeld {
		t.Fatalf("silenced actor: %+v %v", res, err)
	}
	d, err := db.InboundDecision(ctx, sid+"/a/1")
	if err != nil || d.State != bridge.DecisionHeld || d.Action != moderation.ActionSilence || d.ReportID != silenceID || d.Ruleset != "" {
		t.Fatalf("silenced decision %+v %v", d, err)
	}
	// Unrestricted: passed as given.
	res, err = db.ApplyModeration(ctx, passed(ann, ann+"/a/1"))
	if err != nil || res.Dropped || res.Silenced || res.State != bridge.DecisionPassed {
		t.Fatalf("free actor: %+v %v", res, err)
	}
	if d, err := db.InboundDecision(ctx, ann+"/a/1"); err != nil || d.State != bridge.DecisionPassed || d.Action != moderation.ActionNone {
		t.Fatalf("free decision %+v %v", d, err)
	}
	// Without ApplyRestriction the record is written as given (the caller
	// read the restriction itself).
	rec := passed(sue, sue+"/a/2")
	rec.ApplyRestriction = false
	if res, err := db.ApplyModeration(ctx, rec); err != nil || res.Dropped {
		t.Fatalf("plain record: %+v %v", res, err)
	}
	if _, err := db.InboundDecision(ctx, sue+"/a/2"); err != nil {
		t.Fatalf("plain record not stored: %v", err)
	}
}

// TestModeratorWithoutRulesAppliesRestrictions drives the moderation pipeline
// with no rules (nothing read before the write) against the real store.
func TestModeratorWithoutRulesAppliesRestrictions(t *testing.T) {
	ctx := context.Background()
	db := openModerationTestDB(t)
	at := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	mod := bridge.NewModerator(db, nil, nil, nil, func() time.Time { return at })
	sue, sid, ann := "https://r.example/users/sue", "https://r.example/users/sid", "https://r.example/users/ann"
	restrict(t, db, sue, moderation.ActionSuspend, at)
	silenceID := restrict(t, db, sid, moderation.ActionSilence, at)
	seq := 0
	inspect := func(actor, published string) (string, error) {
		seq++
		id := fmt.Sprintf("%s/a/%d", actor, seq)
		act := map[string]any{"id": id, "type": "Create", "actor": actor, "object": map[string]any{
			"id": fmt.Sprintf("%s/s/%d", actor, seq), "type": "Note", "attributedTo": actor,
			"content": "<p>hello</p>", "published": published}}
		raw, err := json.Marshal(act)
		if err != nil {
			t.Fatal(err)
		}
		doc, _, _, _, err := ap.ParseActivity(raw)
		if err != nil {
			t.Fatal(err)
		}
		return id, mod.Inspect(ctx, ap.InboundActivity{ID: id, Actor: actor, Type: "Create", Raw: raw, ReceivedAt: at}, doc)
	}
	good := at.Format(time.RFC3339)

	id, err := inspect(ann, good)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := db.InboundDecision(ctx, id); err != nil || d.State != bridge.DecisionPassed || d.PostID != ann+"/s/1" {
		t.Fatalf("free actor: %+v %v", d, err)
	}
	id, err = inspect(sid, good)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := db.InboundDecision(ctx, id); err != nil || d.State != bridge.DecisionHeld || d.ReportID != silenceID {
		t.Fatalf("silenced actor: %+v %v", d, err)
	}
	id, err = inspect(sue, good)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.InboundDecision(ctx, id); !errors.Is(err, ap.ErrNotFound) {
		t.Fatalf("suspended actor's activity was moderated: %v", err)
	}
	// A post the moderation cannot read fails, unless its actor is
	// suspended: then it is dropped like the others.
	if _, err := inspect(ann, "yesterday"); err == nil {
		t.Fatal("unreadable post passed")
	}
	if _, err := inspect(sue, "yesterday"); err != nil {
		t.Fatalf("unreadable post of a suspended actor: %v", err)
	}
}

// TestCheckpointsRunInTheBackground checks that the log is copied into the
// database file by the background checkpointer, long before the writer's own
// backstop would do it.
func TestCheckpointsRunInTheBackground(t *testing.T) {
	ctx := context.Background()
	db := openModerationTestDB(t)
	info, err := os.Stat(db.Path())
	if err != nil {
		t.Fatal(err)
	}
	before := info.Size()
	raw := make([]byte, 2000)
	for i := range checkpointEvery + 1 { // one commit each: no concurrency
		if _, err := db.RecordInbound(ctx, ap.InboundActivity{ID: fmt.Sprintf("https://r.example/a/%d", i),
			Actor: "https://r.example/users/ann", Type: "Like", Raw: raw, ReceivedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	// Each row takes a page of its own; the backstop is 8,000 pages away.
	want := before + int64(checkpointEvery)*2000
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, err := os.Stat(db.Path())
		if err != nil {
			t.Fatal(err)
		}
		if info.Size() >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("database file is %d bytes after %d commits (was %d): no checkpoint", info.Size(), checkpointEvery+1, before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
