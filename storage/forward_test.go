package storage

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap"
	"github.com/artbridge/artbridge/bridge"
	"github.com/artbridge/artbridge/moderation"
)

// TestReplyForwardingLifecycle walks replies through the forwarding states:
// only let-through replies to our Notes are listed, retries wait for their
// time, a sent reply is not listed again, a withdrawal returns the messages
// to remove, and an attempt that lands after a withdrawal records nothing.
func TestReplyForwardingLifecycle(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	const bob, eve, note = "https://remote.example/users/bob", "https://remote.example/users/eve", "https://art.example/notes/1"
	decide := func(n, actor, inReplyTo string, state bridge.DecisionState, action moderation.Action) string {
		t.Helper()
		id := actor + "/statuses/" + n + "/activity"
		if _, err := db.RecordInbound(ctx, ap.InboundActivity{ID: id, Actor: actor, Type: "Create", Raw: []byte(`{"n":"` + n + `"}`), ReceivedAt: at}); err != nil {
			t.Fatal(err)
		}
		_, err := db.ApplyModeration(ctx, bridge.ModerationRecord{Decision: bridge.InboundDecision{
			ActivityID: id, PostID: actor + "/statuses/" + n, Actor: actor, InReplyTo: inReplyTo, Action: action, State: state, At: at}})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	passed := decide("1", bob, note, bridge.DecisionPassed, moderation.ActionNone)
	sensitive := decide("2", bob, note, bridge.DecisionPassed, moderation.ActionSensitive)
	decide("3", bob, "", bridge.DecisionPassed, moderation.ActionNone) // not a reply to us
	held := decide("4", eve, note, bridge.DecisionHeld, moderation.ActionSilence)

	ids := func(now time.Time) []string {
		t.Helper()
		due, err := db.RepliesToForward(ctx, now, 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range due {
			out = append(out, r.ActivityID)
		}
		return out
	}
	due, err := db.RepliesToForward(ctx, at, 10)
	if err != nil || len(due) != 2 || due[0].ActivityID != passed || due[1].ActivityID != sensitive {
		t.Fatalf("due %+v %v", due, err)
	}
	if r := due[1]; r.Action != moderation.ActionSensitive || r.InReplyTo != note || string(r.Raw) != `{"n":"2"}` || !r.Since.Equal(at) || r.ReplyID != bob+"/statuses/2" {
		t.Fatalf("reply to forward %+v", r)
	}

	// One is sent, one fails and waits a minute.
	if ok, err := db.FinishForward(ctx, bridge.ForwardOutcome{ActivityID: passed, State: bridge.ForwardSent, Channel: "th", Message: "m1"}); !ok || err != nil {
		t.Fatalf("finish sent: %v %v", ok, err)
	}
	if ok, err := db.FinishForward(ctx, bridge.ForwardOutcome{ActivityID: sensitive, State: bridge.ForwardPending, Next: at.Add(time.Minute), Error: "503"}); !ok || err != nil {
		t.Fatalf("finish retry: %v %v", ok, err)
	}
	if got := ids(at.Add(30 * time.Second)); len(got) != 0 {
		t.Fatalf("listed before its retry time: %v", got)
	}
	if got := ids(at.Add(time.Minute)); len(got) != 1 || got[0] != sensitive {
		t.Fatalf("retry due: %v", got)
	}
	if n := queryOne(t, db, "SELECT forward_attempts FROM inbound_moderation WHERE activity_id = ?", sensitive); n != 1 {
		t.Fatalf("attempts %d", n)
	}

	// Released from a silence: listed, as of its release.
	if _, err := db.LiftRestriction(ctx, eve, at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	due, _ = db.RepliesToForward(ctx, at.Add(time.Hour), 10)
	if len(due) != 2 || due[0].ActivityID != held || !due[0].Since.Equal(at.Add(time.Hour)) { // never tried: first
		t.Fatalf("after the release: %+v", due)
	}

	// Bob deletes both replies: the sent one's message comes back to remove,
	// the pending one is no longer listed, and a late attempt records nothing.
	for _, n := range []string{"1", "2"} {
		sent, err := db.WithdrawForwards(ctx, bob, bob+"/statuses/"+n)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]int{"1": 1, "2": 0}[n]; len(sent) != want || (want == 1 && (sent[0].Channel != "th" || sent[0].Message != "m1")) {
			t.Fatalf("withdraw %s: %+v", n, sent)
		}
	}
	if got := ids(at.Add(time.Hour)); len(got) != 1 || got[0] != held {
		t.Fatalf("after the withdrawals: %v", got)
	}
	if ok, err := db.FinishForward(ctx, bridge.ForwardOutcome{ActivityID: sensitive, State: bridge.ForwardSent, Channel: "th", Message: "m2"}); ok || err != nil {
		t.Fatalf("an attempt after the withdrawal was recorded: %v %v", ok, err)
	}
	// Eve's withdrawal does not touch Bob's rows.
	if sent, _ := db.WithdrawForwards(ctx, eve, bob+"/statuses/1"); len(sent) != 0 {
		t.Fatalf("another actor withdrew bob's reply: %+v", sent)
	}
}

func queryOne(t *testing.T, db *DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.sql.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestInteractionUndoAndCounts: an Undo by activity id or by content marks
// the like or boost undone (the row stays for a takedown's reach), a repeated
// like counts again, replies are never undone this way, and another actor's
// Undo changes nothing.
func TestInteractionUndoAndCounts(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	const note = "https://art.example/notes/1"
	record := func(actor, kind, id string) {
		t.Helper()
		if err := db.RecordInteraction(ctx, bridge.Interaction{NoteIRI: note, ActorIRI: actor, Kind: kind, ActivityID: id, At: at}); err != nil {
			t.Fatal(err)
		}
	}
	counts := func() string {
		t.Helper()
		l, b, err := db.InteractionCounts(ctx, note)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%d/%d", l, b)
	}
	record("ann", "like", "ann/like/1")
	record("bob", "like", "bob/like/1")
	record("bob", "announce", "bob/boost/1")
	record("bob", "reply", "bob/reply/1")
	if got := counts(); got != "2/1" {
		t.Fatalf("counts %s", got)
	}
	if notes, err := db.UndoInteraction(ctx, "eve", "ann/like/1", note, "like", at); err != nil || len(notes) != 0 {
		t.Fatalf("another actor's undo: %v %v", notes, err)
	}
	if notes, err := db.UndoInteraction(ctx, "ann", "ann/like/1", "", "", at); err != nil || len(notes) != 1 || notes[0] != note {
		t.Fatalf("undo by id: %v %v", notes, err)
	}
	if notes, _ := db.UndoInteraction(ctx, "bob", "unknown-id", note, "announce", at); len(notes) != 1 {
		t.Fatalf("undo by content: %v", notes)
	}
	if notes, _ := db.UndoInteraction(ctx, "bob", "bob/reply/1", "", "", at); len(notes) != 0 {
		t.Fatalf("a reply was undone: %v", notes)
	}
	if got := counts(); got != "1/0" {
		t.Fatalf("counts after the undos %s", got)
	}
	record("ann", "like", "ann/like/2") // likes again
	if got := counts(); got != "2/0" {
		t.Fatalf("counts after a new like %s", got)
	}
	if n := queryOne(t, db, "SELECT COUNT(*) FROM interactions WHERE note_iri = ?", note); n != 4 {
		t.Fatalf("%d interaction rows, want all 4 kept for the takedown's reach", n)
	}
}
