package moderation

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func TestDecideActions(t *testing.T) {
	for _, a := range []Action{ActionNone, ActionNotify, ActionSensitive, ActionSilence, ActionSuspend} {
		t.Run(a.String(), func(t *testing.T) {
			e := mustEngine(t, "[[rulesets]]\nname=\"r\"\naction=\""+a.String()+"\"\nthresholds={posts=1}\nkeywords=[\"bad\"]\n")
			p := Post{ID: "p1", Actor: "https://x/a", Content: "bad"}
			v, err := e.Moderate(&p, NewTracker(time.Hour, 0), t0)
			if err != nil {
				t.Fatal(err)
			}
			if v.Action != a || v.Ruleset != "r" || v.AppliesToActor != a.AppliesToActor() {
				t.Errorf("verdict %+v", v)
			}
			if v.PostID != "p1" || v.Actor != "https://x/a" || len(v.Hits) != 1 || len(v.Outcomes) != 1 || !v.Outcomes[0].Triggered {
				t.Errorf("explanation %+v", v)
			}
			clean := Post{ID: "p2", Actor: "https://x/a", Content: "good"}
			v, _ = e.Moderate(&clean, NewTracker(time.Hour, 0), t0)
			if v.Action != ActionNone || v.Ruleset != "" || v.Hits != nil || v.AppliesToActor {
				t.Errorf("clean post: %+v", v)
			}
		})
	}
}

func TestDecideThresholds(t *testing.T) {
	type step struct {
		content string
		want    Action
	}
	tests := []struct {
		name       string
		thresholds string
		steps      []step
	}{
		{"posts", "posts = 3", []step{{"spam spam spam", ActionNone}, {"spam", ActionNone}, {"clean", ActionNone}, {"spam", ActionSilence}, {"spam", ActionSilence}}},
		{"hits", "hits = 4", []step{{"spam spam", ActionNone}, {"spam", ActionNone}, {"spam", ActionSilence}}},
		{"hits in one post", "hits = 4", []step{{"spam spam spam spam", ActionSilence}}},
		{"distinct", "distinct = 2", []step{{"spam spam", ActionNone}, {"spam", ActionNone}, {"scam", ActionSilence}}},
		{"distinct in one post", "distinct = 2", []step{{"spam scam", ActionSilence}}},
		{"all three", "posts = 2, hits = 3, distinct = 2", []step{{"spam spam spam", ActionNone}, {"spam", ActionNone}, {"scam", ActionSilence}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := mustEngine(t, "[[rulesets]]\nname=\"s\"\naction=\"silence\"\nthresholds={"+tc.thresholds+"}\nkeywords=[\"spam\",\"scam\"]\n")
			tr := NewTracker(e.Rules().MaxWindow(), 0)
			for i, s := range tc.steps {
				p := Post{ID: "id" + string(rune('a'+i)), Actor: "A", Content: s.content}
				v, err := e.Moderate(&p, tr, t0.Add(time.Duration(i)*time.Minute))
				if err != nil {
					t.Fatal(err)
				}
				if v.Action != s.want {
					t.Fatalf("step %d %q: %v, want %v (%+v)", i, s.content, v.Action, s.want, v.Outcomes)
				}
			}
		})
	}
}

func TestDecidePerActor(t *testing.T) {
	e := mustEngine(t, "[[rulesets]]\nname=\"s\"\naction=\"silence\"\nthresholds={posts=2}\nkeywords=[\"spam\"]\n")
	tr := NewTracker(time.Hour, 0)
	for i, actor := range []string{"A", "B"} {
		v, _ := e.Moderate(&Post{ID: actor, Actor: actor, Content: "spam"}, tr, t0.Add(time.Duration(i)*time.Second))
		if v.Action != ActionNone {
			t.Fatalf("%s: counted across actors: %v", actor, v.Action)
		}
	}
}

func TestDecideWindowExpires(t *testing.T) {
	e := mustEngine(t, "[[rulesets]]\nname=\"s\"\naction=\"silence\"\nwindow=\"1h\"\nthresholds={posts=2}\nkeywords=[\"spam\"]\n")
	tr := NewTracker(e.Rules().MaxWindow(), 0)
	at := func(id string, d time.Duration) Action {
		v, err := e.Moderate(&Post{ID: id, Actor: "A", Content: "spam"}, tr, t0.Add(d))
		if err != nil {
			t.Fatal(err)
		}
		return v.Action
	}
	if a := at("1", 0); a != ActionNone {
		t.Fatal(a)
	}
	if a := at("2", 61*time.Minute); a != ActionNone {
		t.Fatalf("first hit should have expired: %v", a)
	}
	if a := at("3", 90*time.Minute); a != ActionSilence {
		t.Fatalf("two posts within the hour: %v", a)
	}
	if a := at("4", 60*time.Minute+90*time.Minute); a != ActionSilence {
		t.Fatalf("post 3 at exactly the window edge still counts: %v", a)
	}
}

func TestDecideUpdateReplaces(t *testing.T) {
	e := mustEngine(t, "[[rulesets]]\nname=\"s\"\naction=\"silence\"\nthresholds={posts=2}\nkeywords=[\"spam\"]\n")
	tr := NewTracker(time.Hour, 0)
	for i := 0; i < 3; i++ {
		v, _ := e.Moderate(&Post{ID: "same", Actor: "A", Content: "spam"}, tr, t0.Add(time.Duration(i)*time.Second))
		if v.Action != ActionNone || v.Outcomes[0].Tally.Posts != 1 {
			t.Fatalf("edit %d counted as a new post: %+v", i, v.Outcomes)
		}
	}
}

func TestDecideMostSevereWins(t *testing.T) {
	e := mustEngine(t, `
[[rulesets]]
name = "tell"
action = "notify"
keywords = ["spam"]
[[rulesets]]
name = "hide"
action = "silence"
keywords = ["spam"]
[[rulesets]]
name = "cw"
action = "sensitive"
keywords = ["spam"]
[[rulesets]]
name = "hide too"
action = "silence"
keywords = ["spam"]
[[rulesets]]
name = "ban"
action = "suspend"
thresholds = { posts = 2 }
keywords = ["spam", "other"]
`)
	tr := NewTracker(time.Hour, 0)
	v, err := e.Moderate(&Post{ID: "1", Actor: "A", Content: "spam"}, tr, t0)
	if err != nil {
		t.Fatal(err)
	}
	if v.Action != ActionSilence || v.Ruleset != "hide" || !v.AppliesToActor {
		t.Errorf("want silence by the first silence ruleset: %+v", v)
	}
	if len(v.Hits) != 5 || len(v.Outcomes) != 5 || v.Outcomes[4].Triggered {
		t.Errorf("every hit is reported: %+v", v)
	}
	v, _ = e.Moderate(&Post{ID: "2", Actor: "A", Content: "other"}, tr, t0.Add(time.Minute))
	if v.Action != ActionSuspend || v.Ruleset != "ban" || len(v.Outcomes) != 1 {
		t.Errorf("second post: %+v", v)
	}
}

func TestDecideNoneTriggerNamesRuleset(t *testing.T) {
	e := mustEngine(t, "[[rulesets]]\nname=\"log\"\naction=\"none\"\nkeywords=[\"x\"]\n")
	v, _ := e.Moderate(&Post{Content: "x"}, NewTracker(time.Hour, 0), t0)
	if v.Action != ActionNone || v.Ruleset != "log" {
		t.Errorf("%+v", v)
	}
}

func TestDecideReloadKeepsCounts(t *testing.T) {
	const rules = "[[rulesets]]\nname=\"s\"\naction=\"silence\"\nthresholds={posts=2}\nkeywords=[%q]\n"
	old := mustEngine(t, strings.Replace(rules, "%q", `"spam"`, 1))
	tr := NewTracker(time.Hour, 0)
	hits := old.Scan(&Post{ID: "1", Actor: "A", Content: "spam"})
	if _, err := old.Decide(&Post{ID: "1", Actor: "A"}, hits, tr, t0); err != nil {
		t.Fatal(err)
	}
	reloaded := mustEngine(t, strings.Replace(rules, "%q", `"spam", "scam"`, 1)+"[[rulesets]]\nname=\"new\"\naction=\"notify\"\nkeywords=[\"zzz\"]\n")
	v, _ := reloaded.Moderate(&Post{ID: "2", Actor: "A", Content: "scam"}, tr, t0.Add(time.Minute))
	if v.Action != ActionSilence {
		t.Errorf("counts lost on reload: %+v", v)
	}
	// Hits of a ruleset the new rules do not have are ignored.
	v, _ = reloaded.Decide(&Post{ID: "3", Actor: "A"}, []RulesetHits{{Ruleset: "gone", Hits: []Hit{{Ruleset: "gone", Term: "x", Field: FieldContent, Count: 1}}}}, tr, t0)
	if v.Action != ActionNone || v.Hits != nil {
		t.Errorf("unknown ruleset: %+v", v)
	}
}

// failingHistory fails every call.
type failingHistory struct{ recordErr, tallyErr error }

func (f failingHistory) Record(string, string, string, time.Time, []TermCount) error {
	return f.recordErr
}

func (f failingHistory) Tally(string, string, time.Time) (Tally, error) { return Tally{}, f.tallyErr }

func TestDecideHistoryErrors(t *testing.T) {
	e := mustEngine(t, "[[rulesets]]\nname=\"s\"\naction=\"silence\"\nkeywords=[\"spam\"]\n")
	boom := errors.New("disk full")
	p := &Post{Content: "spam"}
	for _, h := range []History{failingHistory{recordErr: boom}, failingHistory{tallyErr: boom}} {
		if _, err := e.Moderate(p, h, t0); !errors.Is(err, boom) {
			t.Errorf("want wrapped error, got %v", err)
		}
	}
}

func TestTermCounts(t *testing.T) {
	got := termCounts([]Hit{{Term: "a", Count: 2}, {Term: "b", Count: 1}, {Term: "a", Count: 3}})
	if len(got) != 2 || got[0] != (TermCount{"a", 5}) || got[1] != (TermCount{"b", 1}) {
		t.Errorf("%+v", got)
	}
}
