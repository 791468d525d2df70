package bridge_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap"
	"github.com/artbridge/artbridge/bridge"
	"github.com/artbridge/artbridge/moderation"
	"github.com/artbridge/artbridge/storage"
)

const testRules = `
[[rulesets]]
name = "harassment"
action = "suspend"
window = "1h"
thresholds = { posts = 2, hits = 3, distinct = 2 }
keywords = ["ugly", "worthless", "talentless hack"]

[[rulesets]]
name = "spam wave"
action = "silence"
window = "2h"
thresholds = { posts = 2, hits = 2, distinct = 1 }
keywords = ["cheap followers"]

[[rulesets]]
name = "slurs"
action = "notify"
keywords = ["slurword"]

[[rulesets]]
name = "adult"
action = "sensitive"
only_if_not_sensitive = true
hashtags = ["nsfw"]
`

type fakeNotifier struct {
	mu    sync.Mutex
	texts []string
}

func (f *fakeNotifier) NotifyModerators(ctx context.Context, text string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.texts = append(f.texts, text)
	return nil
}

func (f *fakeNotifier) all() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.texts...)
}

type fixture struct {
	db    *storage.DB
	mod   *bridge.Moderator
	notes *fakeNotifier
	now   time.Time
	seq   int
}

func newFixture(t *testing.T, rulesText string) *fixture {
	t.Helper()
	db, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var rules *moderation.Rules
	if rulesText != "" {
		var err error
		rules, _, err = moderation.ParseRules("rules.toml", []byte(rulesText))
		if err != nil {
			t.Fatal(err)
		}
	}
	f := &fixture{db: db, notes: &fakeNotifier{}, now: time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC)}
	f.mod = bridge.NewModerator(db, rules, f.notes, nil, func() time.Time { return f.now })
	return f
}

// reply sends a Create of a Note by actor through Inspect and returns its activity id.
func (f *fixture) reply(t *testing.T, actor, html string, extra map[string]any) string {
	t.Helper()
	f.seq++
	f.now = f.now.Add(time.Minute)
	note := map[string]any{
		"id": fmt.Sprintf("%s/statuses/%d", actor, f.seq), "type": "Note", "attributedTo": actor,
		"content": html, "published": f.now.Format(time.RFC3339),
	}
	for k, v := range extra {
		note[k] = v
	}
	act := map[string]any{"id": fmt.Sprintf("%s/activities/%d", actor, f.seq), "type": "Create", "actor": actor, "object": note}
	raw, err := json.Marshal(act)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	in := ap.InboundActivity{ID: act["id"].(string), Actor: actor, Type: "Create", Raw: raw, ReceivedAt: f.now}
	if err := f.mod.Inspect(context.Background(), in, doc); err != nil {
		t.Fatalf("inspect: %v", err)
	}
	return in.ID
}

func (f *fixture) decision(t *testing.T, activityID string) bridge.InboundDecision {
	t.Helper()
	d, err := f.mod.Decision(context.Background(), activityID)
	if err != nil {
		t.Fatalf("decision of %s: %v", activityID, err)
	}
	return d
}

func TestSuspendRemovesFollowerRefusesActorAndUndoLiftsIt(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, testRules)
	bob := "https://remote.example/users/bob"
	if err := f.db.AddFollower(ctx, ap.Follower{ActorIRI: bob, Inbox: bob + "/inbox", FollowID: bob + "#f", CreatedAt: f.now}); err != nil {
		t.Fatal(err)
	}
	first := f.reply(t, bob, "<p>this is <b>ugly</b></p>", nil)
	if d := f.decision(t, first); d.State != bridge.DecisionPassed || d.Action != moderation.ActionNone || d.ReportID != 0 {
		t.Fatalf("first reply: %+v", d)
	}
	if ok, _ := f.mod.Admit(ctx, bob); !ok {
		t.Fatal("refused before any threshold was reached")
	}
	second := f.reply(t, bob, "<p>ugly and worthless, you talentless hack</p>", nil)
	d := f.decision(t, second)
	if d.State != bridge.DecisionDropped || d.Action != moderation.ActionSuspend || d.Ruleset != "harassment" || d.ReportID == 0 {
		t.Fatalf("second reply: %+v", d)
	}
	if ok, err := f.mod.Admit(ctx, bob); ok || err != nil {
		t.Fatalf("suspended actor admitted: %v %v", ok, err)
	}
	if _, err := f.db.Follower(ctx, bob); !errors.Is(err, ap.ErrNotFound) {
		t.Fatalf("suspended actor is still a follower: %v", err)
	}
	reports, err := f.mod.Reports(ctx, true, 0)
	if err != nil || len(reports) != 1 {
		t.Fatalf("reports %+v %v", reports, err)
	}
	r := reports[0]
	if r.ID != d.ReportID || r.Actor != bob || r.Action != moderation.ActionSuspend || r.PostID != bob+"/statuses/2" || len(r.Hits) != 3 {
		t.Fatalf("report %+v", r)
	}
	notes := f.notes.all()
	if len(notes) != 1 || !strings.Contains(notes[0], bob) || !strings.Contains(notes[0], bob+"/statuses/1") ||
		!strings.Contains(notes[0], bob+"/statuses/2") || !strings.Contains(notes[0], fmt.Sprintf("undo %d", r.ID)) {
		t.Fatalf("notices %q", notes)
	}
	// An activity admitted before the suspension but processed after it is dropped.
	late := f.reply(t, bob, "<p>hello</p>", nil)
	if _, err := f.mod.Decision(ctx, late); !errors.Is(err, ap.ErrNotFound) {
		t.Fatalf("activity of a suspended actor was moderated: %v", err)
	}

	lifted, _, err := f.mod.Undo(ctx, r.ID)
	if err != nil || lifted.State != bridge.ReportLifted {
		t.Fatalf("undo: %+v %v", lifted, err)
	}
	if ok, _ := f.mod.Admit(ctx, bob); !ok {
		t.Fatal("still refused after undo")
	}
	if _, err := f.db.Follower(ctx, bob); !errors.Is(err, ap.ErrNotFound) {
		t.Fatal("undo must not make the actor a follower again")
	}
	if _, _, err := f.mod.Undo(ctx, r.ID); !errors.Is(err, bridge.ErrAlreadyLifted) {
		t.Fatalf("second undo: %v", err)
	}
	// Counts were forgotten: one more ugly word does not suspend again.
	again := f.reply(t, bob, "<p>still ugly</p>", nil)
	if d := f.decision(t, again); d.State != bridge.DecisionPassed {
		t.Fatalf("after undo: %+v", d)
	}
	if actors, _ := f.mod.Actors(ctx); len(actors) != 0 {
		t.Fatalf("restricted actors after undo: %+v", actors)
	}
}

func TestSilenceHoldsLaterPostsUntilReleased(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, testRules)
	spam := "https://spam.example/users/promo"
	a1 := f.reply(t, spam, "<p>cheap followers here</p>", nil)
	a2 := f.reply(t, spam, "<p>cheap followers, really</p>", nil)
	a3 := f.reply(t, spam, "<p>nice drawing</p>", nil) // no hit, but the actor is silenced
	if d := f.decision(t, a1); d.State != bridge.DecisionPassed {
		t.Fatalf("first: %+v", d)
	}
	d2 := f.decision(t, a2)
	if d2.State != bridge.DecisionHeld || d2.Action != moderation.ActionSilence || d2.ReportID == 0 {
		t.Fatalf("second: %+v", d2)
	}
	if d := f.decision(t, a3); d.State != bridge.DecisionHeld || d.ReportID != d2.ReportID {
		t.Fatalf("third: %+v", d)
	}
	if ok, _ := f.mod.Admit(ctx, spam); !ok {
		t.Fatal("a silenced actor is admitted (its posts are held)")
	}
	actors, err := f.mod.Actors(ctx)
	if err != nil || len(actors) != 1 || actors[0].Action != moderation.ActionSilence {
		t.Fatalf("actors %+v %v", actors, err)
	}
	_, released, err := f.mod.Undo(ctx, d2.ReportID)
	if err != nil || released != 2 {
		t.Fatalf("undo released %d (%v), want 2", released, err)
	}
	if d := f.decision(t, a3); d.State != bridge.DecisionReleased {
		t.Fatalf("after release: %+v", d)
	}
}

func TestNotifySensitiveAndIgnoredActivities(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, testRules)
	eve := "https://x.example/users/eve"
	n := f.reply(t, eve, "<p>a slurword</p>", nil)
	if d := f.decision(t, n); d.State != bridge.DecisionPassed || d.Action != moderation.ActionNotify || d.ReportID == 0 {
		t.Fatalf("notify: %+v", d)
	}
	if notes := f.notes.all(); len(notes) != 1 || !strings.Contains(notes[0], `"slurs"`) || strings.Contains(notes[0], "undo") {
		t.Fatalf("notices %q", notes)
	}
	s := f.reply(t, eve, "<p>look #nsfw</p>", nil)
	if d := f.decision(t, s); d.State != bridge.DecisionPassed || d.Action != moderation.ActionSensitive {
		t.Fatalf("sensitive: %+v", d)
	}
	already := f.reply(t, eve, "<p>look #nsfw</p>", map[string]any{"sensitive": true})
	if d := f.decision(t, already); d.Action != moderation.ActionNone {
		t.Fatalf("already sensitive: %+v", d)
	}
	if len(f.notes.all()) != 1 {
		t.Fatal("sensitive must not notify")
	}
	// Not a Note, Question or Article: not moderated.
	img := f.reply(t, eve, "<p>slurword</p>", map[string]any{"type": "Image"})
	if _, err := f.mod.Decision(ctx, img); !errors.Is(err, ap.ErrNotFound) {
		t.Fatalf("an Image was moderated: %v", err)
	}
	// A Like is ignored.
	if err := f.mod.Inspect(ctx, ap.InboundActivity{ID: "l1", Actor: eve, Type: "Like"}, map[string]any{"object": "x"}); err != nil {
		t.Fatal(err)
	}
	reports, _ := f.mod.Reports(ctx, false, 0)
	if len(reports) != 2 {
		t.Fatalf("%d reports, want notify and sensitive", len(reports))
	}
	if _, _, err := f.mod.Undo(ctx, reports[0].ID); !errors.Is(err, bridge.ErrNotLiftable) {
		t.Fatalf("undo of a sensitive report: %v", err)
	}
	if _, _, err := f.mod.Undo(ctx, 12345); !errors.Is(err, bridge.ErrReportNotFound) {
		t.Fatalf("undo of a missing report: %v", err)
	}
}

func TestReloadKeepsCounts(t *testing.T) {
	f := newFixture(t, `
[[rulesets]]
name = "spam wave"
action = "silence"
thresholds = { posts = 3 }
keywords = ["free nft"]
`)
	spam := "https://spam.example/users/s"
	f.reply(t, spam, "<p>free nft</p>", nil)
	f.reply(t, spam, "<p>free nft</p>", nil)
	rules, _, err := moderation.ParseRules("new.toml", []byte(`
[[rulesets]]
name = "spam wave"
action = "silence"
thresholds = { posts = 3 }
keywords = ["free nft", "crypto giveaway"]
`))
	if err != nil {
		t.Fatal(err)
	}
	f.mod.SetRules(rules)
	if f.mod.Rules().File() != "new.toml" {
		t.Fatal("rules not swapped")
	}
	third := f.reply(t, spam, "<p>crypto giveaway</p>", nil)
	if d := f.decision(t, third); d.Action != moderation.ActionSilence {
		t.Fatalf("counts were lost on reload: %+v", d)
	}
}

func TestNoRulesStillEnforcesRestrictionsAndLogsNotices(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, testRules)
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), nil))
	rules := f.mod.Rules()
	f.mod = bridge.NewModerator(f.db, rules, nil, logger, func() time.Time { return f.now })
	bob := "https://r.example/users/bob"
	f.reply(t, bob, "<p>ugly worthless</p>", nil)
	f.reply(t, bob, "<p>ugly</p>", nil)
	mu.Lock()
	got := logs.String()
	mu.Unlock()
	if !strings.Contains(got, "level=WARN") || !strings.Contains(got, "Discord not configured") || !strings.Contains(got, bob) {
		t.Fatalf("notice without Discord not logged at warn:\n%s", got)
	}
	f.mod.SetRules(nil)
	if ok, _ := f.mod.Admit(ctx, bob); ok {
		t.Fatal("a suspension must hold without rules")
	}
	clean := f.reply(t, "https://r.example/users/ann", "<p>ugly</p>", nil)
	if d := f.decision(t, clean); d.State != bridge.DecisionPassed || d.Action != moderation.ActionNone {
		t.Fatalf("without rules: %+v", d)
	}
}

type writerFunc func([]byte) (int, error)

func (w writerFunc) Write(p []byte) (int, error) { return w(p) }

func TestNoticeText(t *testing.T) {
	r := bridge.ModerationReport{ID: 7, Actor: "https://r.example/users/bob", Ruleset: "spam wave", Action: moderation.ActionSilence,
		PostID: "https://r.example/s/3",
		Hits: []moderation.Hit{{Ruleset: "spam wave", Term: "free nft", Count: 1}, {Ruleset: "other", Term: "x", Count: 1},
			{Ruleset: "spam wave", Term: "free nft", Field: moderation.FieldSummary, Count: 1}}}
	got := bridge.NoticeText(r, []string{"https://r.example/s/1", "https://r.example/s/2"})
	want := `Moderation report 7: ruleset "spam wave" → silence
Actor: https://r.example/users/bob
Posts:
- https://r.example/s/1
- https://r.example/s/2
Terms: free nft
The actor's posts are held. Release: artbridge moderation undo 7`
	if got != want {
		t.Fatalf("notice:\n%s\nwant:\n%s", got, want)
	}
	if got := bridge.NoticeText(r, nil); !strings.Contains(got, "- https://r.example/s/3") {
		t.Fatalf("without listed posts the report's post is linked:\n%s", got)
	}
}

func BenchmarkInspect(b *testing.B) {
	db, err := storage.Open(context.Background(), filepath.Join(b.TempDir(), "m.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	rules, _, err := moderation.ParseRules("rules.toml", []byte(testRules))
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC)
	mod := bridge.NewModerator(db, rules, nil, nil, func() time.Time { return now })
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		actor := fmt.Sprintf("https://r%d.example/users/u", i%500)
		act := map[string]any{"id": fmt.Sprintf("%s/a/%d", actor, i), "type": "Create", "actor": actor,
			"object": map[string]any{"id": fmt.Sprintf("%s/s/%d", actor, i), "type": "Note", "attributedTo": actor,
				"content": "<p>Lovely colours! This one is a bit ugly though, says <a href=\"x\">@someone</a> #art</p>",
				"tag":     []any{map[string]any{"type": "Hashtag", "name": "#art"}}}}
		raw, _ := json.Marshal(act)
		var doc map[string]any
		_ = json.Unmarshal(raw, &doc)
		in := ap.InboundActivity{ID: act["id"].(string), Actor: actor, Type: "Create", Raw: raw, ReceivedAt: now.Add(time.Duration(i) * time.Second)}
		if err := mod.Inspect(ctx, in, doc); err != nil {
			b.Fatal(err)
		}
	}
}
