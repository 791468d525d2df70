package moderation

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParsePostMastodonCreate(t *testing.T) {
	p, err := ParsePost(readTestdata(t, "mastodon_create.json"))
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "https://mastodon.example/users/alice/statuses/111" || p.Actor != "https://mastodon.example/users/alice" {
		t.Errorf("id/actor: %q %q", p.ID, p.Actor)
	}
	if !p.Published.Equal(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)) || !p.Sensitive {
		t.Errorf("published/sensitive: %v %v", p.Published, p.Sensitive)
	}
	if !reflect.DeepEqual(p.Languages, []string{"en"}) {
		t.Errorf("languages %q", p.Languages)
	}
	if !strings.Contains(p.Content, "Lovely!") || strings.Count(p.Content, "Lovely!") != 1 {
		t.Errorf("content (contentMap duplicate of content must be dropped): %q", p.Content)
	}
	if p.Summary != "Lewd art" || !reflect.DeepEqual(p.AltTexts, []string{"A cat in a hat"}) || !reflect.DeepEqual(p.Hashtags, []string{"#nsfw"}) {
		t.Errorf("fields: %+v", p)
	}
}

func TestParsePostGoToSocial(t *testing.T) {
	p, err := ParsePost(readTestdata(t, "gotosocial_note.json"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Actor != "https://gts.example/users/bob" || p.Sensitive || p.Summary != "" || p.Hashtags != nil {
		t.Errorf("%+v", p)
	}
	if !reflect.DeepEqual(p.AltTexts, []string{"Sketch of a fox"}) || !reflect.DeepEqual(p.Languages, []string{"de"}) {
		t.Errorf("single attachment / language: %+v", p)
	}
	if !p.Published.Equal(time.Date(2025, 3, 2, 7, 30, 0, 0, time.UTC)) {
		t.Errorf("published %v", p.Published)
	}
	e := mustEngine(t, matchRules)
	if got := joined(e.Scan(&p)); got != "w/gift/content×1" {
		t.Errorf("scan: %q", got)
	}
}

func TestParsePostQuestion(t *testing.T) {
	p, err := ParsePost(readTestdata(t, "question.json"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Actor != "https://poll.example/u/carol" {
		t.Errorf("actor of a Person among a Group: %q", p.Actor)
	}
	if !reflect.DeepEqual(p.PollOptions, []string{"Red", "Blue"}) || !reflect.DeepEqual(p.Hashtags, []string{"#Poll"}) {
		t.Errorf("poll/tags: %+v", p)
	}
	if !reflect.DeepEqual(p.Languages, []string{"fr"}) {
		t.Errorf("Lemmy-style language: %q", p.Languages)
	}
}

func TestParsePostShapes(t *testing.T) {
	tests := []struct {
		name, json string
		check      func(Post) bool
	}{
		{"actor from activity", `{"type":"Create","actor":{"id":"https://a/u"},"object":{"type":"Note","content":"hi"}}`,
			func(p Post) bool { return p.Actor == "https://a/u" && p.Content == "hi" }},
		{"attributedTo object", `{"type":"Note","attributedTo":{"type":"Person","id":"https://a/v"}}`,
			func(p Post) bool { return p.Actor == "https://a/v" }},
		{"attributedTo array of strings", `{"type":"Note","attributedTo":["https://a/w","https://a/x"]}`,
			func(p Post) bool { return p.Actor == "https://a/w" }},
		{"type array", `{"type":["Note","Other"],"content":"x"}`, func(p Post) bool { return p.Content == "x" }},
		{"Update", `{"type":"Update","actor":"https://a/u","object":{"type":"Article","name":"Title","summaryMap":{"en":"cw"}}}`,
			func(p Post) bool { return p.Name == "Title" && p.Summary == "cw" && p.Actor == "https://a/u" }},
		{"object in one-element array", `{"type":"Create","object":[{"type":"Note","content":"x"}]}`,
			func(p Post) bool { return p.Content == "x" }},
		{"contentMap only, several languages", `{"type":"Note","contentMap":{"fr":"bonjour","en":"hello","en-US":"hello"}}`,
			func(p Post) bool {
				return p.Content == "hello\nbonjour" && reflect.DeepEqual(p.Languages, []string{"en", "fr"})
			}},
		{"language string", `{"type":"Page","language":"pt-BR"}`, func(p Post) bool { return reflect.DeepEqual(p.Languages, []string{"pt"}) }},
		{"nulls and odd types", `{"type":"Note","content":null,"sensitive":"yes","attachment":["https://x/y.png",null,{"summary":"alt"}],"tag":[null,"#x",{"type":"Hashtag"}]}`,
			func(p Post) bool {
				return p.Content == "" && !p.Sensitive && reflect.DeepEqual(p.AltTexts, []string{"alt"}) && p.Hashtags == nil
			}},
		{"anyOf single", `{"type":"Question","anyOf":{"name":"only"}}`, func(p Post) bool { return reflect.DeepEqual(p.PollOptions, []string{"only"}) }},
		{"wrong member types are ignored", `{"type":"Note","content":5,"summary":[1],"published":7}`,
			func(p Post) bool { return p.Content == "" && p.Summary == "" && p.Published.IsZero() }},
		{"no type", `{"content":"x"}`, func(p Post) bool { return p.Content == "x" }},
		{"language maps of the wrong type are ignored", `{"type":"Note","content":"y","contentMap":"x","nameMap":["a"],"language":5}`,
			func(p Post) bool { return p.Content == "y" && p.Name == "" && p.Languages == nil }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParsePost([]byte(tc.json))
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(p) {
				t.Errorf("%+v", p)
			}
		})
	}
}

func TestParsePostErrors(t *testing.T) {
	for _, tc := range []struct {
		json    string
		notPost bool
	}{
		{``, false},
		{`{"type":"Note"`, false},
		{`[{"type":"Note"}]`, false},
		{`"Note"`, false},
		{`{"type":"Note","published":"yesterday"}`, false},
		{`{"type":"Note"} trailing`, false},
		{`{"type":"Create","object":"https://x/1"}`, true},
		{`{"type":"Create","object":[{"type":"Note"},{"type":"Note"}]}`, true},
		{`{"type":"Create"}`, true},
		{`{"type":"Announce","object":"https://x/1"}`, true},
		{`{"type":"Like","object":{"type":"Note"}}`, true},
		{`{"type":"Create","object":{"type":"Note","content":"x"`, false},
	} {
		_, err := ParsePost([]byte(tc.json))
		if err == nil {
			t.Errorf("%s: want error", tc.json)
			continue
		}
		if errors.Is(err, ErrNotPost) != tc.notPost {
			t.Errorf("%s: ErrNotPost=%v: %v", tc.json, !tc.notPost, err)
		}
	}
}
