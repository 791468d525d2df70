package moderation

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const exampleRules = `
[[rulesets]]
name = "adult content without a content warning"
action = "sensitive"
only_if_not_sensitive = true
window = "720h"
thresholds = { posts = 1, hits = 1, distinct = 1 }
hashtags = ["nsfw", "#lewd"]
keywords = ["lewd art"]

[[rulesets.keyword]]
term = "retard"
languages = ["en"]

[[rulesets]]
name = "spam wave"
action = "silence"
window = "1d12h"
thresholds = { posts = 3, distinct = 2 }
keywords = ["cheap followers", "crypto giveaway"]
`

func TestParseRulesExample(t *testing.T) {
	r, warns, err := ParseRules("rules.toml", []byte(exampleRules))
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	rs := r.Rulesets()
	if len(rs) != 2 {
		t.Fatalf("got %d rulesets", len(rs))
	}
	a := rs[0]
	if a.Action != ActionSensitive || !a.OnlyIfNotSensitive || a.Window != 720*time.Hour {
		t.Errorf("ruleset 1: %+v", a)
	}
	if strings.Join(a.Hashtags, ",") != "nsfw,lewd" {
		t.Errorf("hashtags %q", a.Hashtags)
	}
	if len(a.Keywords) != 2 || a.Keywords[1].Term != "retard" || a.Keywords[1].Languages[0] != "en" || len(a.Keywords[0].Languages) != 0 {
		t.Errorf("keywords %+v", a.Keywords)
	}
	b := rs[1]
	if b.Window != 36*time.Hour || b.Thresholds != (Thresholds{Posts: 3, Hits: 1, Distinct: 2}) || b.Action != ActionSilence {
		t.Errorf("ruleset 2: %+v", b)
	}
	if r.MaxWindow() != 720*time.Hour {
		t.Errorf("MaxWindow %s", r.MaxWindow())
	}
	if r.File() != "rules.toml" {
		t.Errorf("File %q", r.File())
	}
}

func TestParseRulesDefaults(t *testing.T) {
	r, _, err := ParseRules("r.toml", []byte("[[rulesets]]\nname=\"a\"\naction=\"notify\"\nkeywords=[\"x\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	rs := r.Rulesets()[0]
	if rs.Window != DefaultWindow || rs.Thresholds != (Thresholds{1, 1, 1}) {
		t.Errorf("defaults: %+v", rs)
	}
	if _, _, err := ParseRules("empty.toml", nil); err != nil {
		t.Errorf("empty file: %v", err)
	}
}

func TestParseRulesErrors(t *testing.T) {
	const head = "[[rulesets]]\nname = \"first\"\naction = \"notify\"\nkeywords = [\"ok\"]\n\n[[rulesets]]\n"
	tests := []struct {
		name, body string
		index      int
		ruleset    string
		reason     string
	}{
		{"unknown action", `name = "r"
action = "ban"
keywords = ["x"]`, 2, "r", `unknown action "ban"`},
		{"missing action", `name = "r"
keywords = ["x"]`, 2, "r", "missing action"},
		{"empty term", `name = "r"
action = "notify"
keywords = ["x", "  "]`, 2, "r", "empty term"},
		{"empty keyword table term", `name = "r"
action = "notify"
[[rulesets.keyword]]
term = ""`, 2, "r", "keyword 1: empty term"},
		{"punctuation only", `name = "r"
action = "notify"
keywords = ["!!!"]`, 2, "r", "no letters or digits"},
		{"duplicate name", `name = "first"
action = "notify"
keywords = ["x"]`, 2, "first", "duplicate ruleset name"},
		{"missing name", `action = "notify"
keywords = ["x"]`, 2, "", "missing name"},
		{"zero threshold", `name = "r"
action = "notify"
thresholds = { posts = 0 }
keywords = ["x"]`, 2, "r", "thresholds.posts must be at least 1"},
		{"negative hits", `name = "r"
action = "notify"
thresholds = { hits = -2 }
keywords = ["x"]`, 2, "r", "thresholds.hits must be at least 1"},
		{"unknown threshold", `name = "r"
action = "notify"
thresholds = { post = 2 }
keywords = ["x"]`, 2, "r", `unknown key "post" in thresholds`},
		{"bad window", `name = "r"
action = "notify"
window = "forever"
keywords = ["x"]`, 2, "r", `bad window "forever"`},
		{"zero window", `name = "r"
action = "notify"
window = "0s"
keywords = ["x"]`, 2, "r", "must be positive"},
		{"unknown key", `name = "r"
action = "notify"
treshold = 3
keywords = ["x"]`, 2, "r", `unknown key "treshold"`},
		{"unknown keyword key", `name = "r"
action = "notify"
[[rulesets.keyword]]
term = "x"
langs = ["en"]`, 2, "r", `unknown key "langs"`},
		{"bad language", `name = "r"
action = "notify"
[[rulesets.keyword]]
term = "x"
languages = ["e1"]`, 2, "r", `bad language "e1"`},
		{"bad hashtag", `name = "r"
action = "notify"
hashtags = ["two words"]`, 2, "r", `hashtag "two words"`},
		{"hashtag as keyword", `name = "r"
action = "notify"
keywords = ["＃nsfw"]`, 2, "r", "starts with '#'"},
		{"no terms", `name = "r"
action = "notify"`, 2, "r", "no hashtags or keywords"},
		{"wrong type", `name = "r"
action = "notify"
keywords = "x"`, 2, "r", "keywords must be a list of strings"},
		{"too many words", `name = "r"
action = "notify"
keywords = ["` + strings.Repeat("a ", MaxKeywordWords+1) + `"]`, 2, "r", "more than 64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ParseRules("mod.toml", []byte(head+tc.body+"\n"))
			var re *RulesError
			if !errors.As(err, &re) {
				t.Fatalf("want *RulesError, got %v", err)
			}
			if re.Index != tc.index || re.Ruleset != tc.ruleset {
				t.Errorf("index %d ruleset %q, want %d %q (%v)", re.Index, re.Ruleset, tc.index, tc.ruleset, err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "mod.toml: ruleset 2") || !strings.Contains(msg, tc.reason) {
				t.Errorf("message %q: want file, ruleset 2 and %q", msg, tc.reason)
			}
			if tc.ruleset != "" && !strings.Contains(msg, `"`+tc.ruleset+`"`) {
				t.Errorf("message %q does not name ruleset %q", msg, tc.ruleset)
			}
		})
	}
}

func TestParseRulesFileLevelErrors(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"[[rulesets]\nname=1", "mod.toml: bad TOML: line 1"},
		{"version = 2\n", `mod.toml: unknown key "version"`},
		{"rulesets = 3\n", "mod.toml: rulesets must be written as [[rulesets]] tables"},
	} {
		_, _, err := ParseRules("mod.toml", []byte(tc.body))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want prefix %q", tc.body, err, tc.want)
		}
	}
}

func TestParseRulesWarnings(t *testing.T) {
	_, warns, err := ParseRules("w.toml", []byte(`
[[rulesets]]
name = "ban"
action = "suspend"
keywords = ["spam", "SPAM"]

[[rulesets]]
name = "careful ban"
action = "suspend"
thresholds = { posts = 3 }
keywords = ["spam"]
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 2 {
		t.Fatalf("want 2 warnings, got %v", warns)
	}
	if w := warns[0]; w.Index != 1 || w.Ruleset != "ban" || !strings.Contains(w.Message, "suspend") {
		t.Errorf("warning 0: %v", w)
	}
	if w := warns[1].String(); !strings.Contains(w, `w.toml: ruleset 1 "ban"`) || !strings.Contains(w, `"SPAM"`) {
		t.Errorf("warning 1: %s", w)
	}
}

func TestParseWindow(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"720h": 720 * time.Hour, "30d": 30 * 24 * time.Hour, "1d12h": 36 * time.Hour, "90m": 90 * time.Minute,
	} {
		got, err := parseWindow(in)
		if err != nil || got != want {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "-1h", "3 days", "1.5d", "-2d", "0d"} {
		if _, err := parseWindow(in); err == nil {
			t.Errorf("%q: want error", in)
		}
	}
}

func TestParseAction(t *testing.T) {
	for a := ActionNone; a <= ActionSuspend; a++ {
		got, err := ParseAction(a.String())
		if err != nil || got != a {
			t.Errorf("%v: %v %v", a, got, err)
		}
		b, _ := a.MarshalText()
		var back Action
		if err := back.UnmarshalText(b); err != nil || back != a {
			t.Errorf("text round trip %v: %v %v", a, back, err)
		}
	}
	if _, err := ParseAction("Suspend"); err == nil {
		t.Error("actions are lowercase")
	}
	if ActionNotify.AppliesToActor() || ActionSensitive.AppliesToActor() || !ActionSilence.AppliesToActor() || !ActionSuspend.AppliesToActor() {
		t.Error("AppliesToActor")
	}
}
