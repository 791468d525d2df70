package moderation

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

const testerRules = `
[[rulesets]]
name = "adult content without a content warning"
action = "sensitive"
only_if_not_sensitive = true
hashtags = ["nsfw"]

[[rulesets]]
name = "spam wave"
action = "silence"
window = "1h"
thresholds = { posts = 2 }
keywords = ["cheap followers"]
`

func TestRunTester(t *testing.T) {
	r, _, err := ParseRules("rules.toml", []byte(testerRules))
	if err != nil {
		t.Fatal(err)
	}
	in := strings.Join([]string{
		`{"type":"Create","actor":"https://s.example/u/spam","object":{"id":"https://s.example/1","type":"Note","published":"2025-03-01T10:00:00Z","content":"<p>Cheap   followers!</p>"}}`,
		`{"id":"https://m.example/2","type":"Note","attributedTo":"https://m.example/u/a","published":"2025-03-01T10:10:00Z","content":"<p>hello <a href=\"x\" rel=\"tag\">#<span>NSFW</span></a></p>","tag":[{"type":"Hashtag","name":"#nsfw"}]}`,
		``,
		`{"id":"https://m.example/3","type":"Note","attributedTo":"https://m.example/u/a","sensitive":true,"content":"#nsfw"}`,
		`not json`,
		`{"type":"Like","actor":"https://x","object":"https://y"}`,
		`{"type":"Note","id":"https://s.example/4","attributedTo":"https://s.example/u/spam","published":"2025-03-01T10:30:00Z","summary":"cheap followers"}`,
		`{"type":"Note","id":"https://s.example/5","attributedTo":"https://s.example/u/spam","published":"2025-03-01T12:00:00Z","content":"cheap followers"}`,
	}, "\n") // no newline at the end: the last line still counts
	var out bytes.Buffer
	if err := RunTester(r, strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"id":"https://s.example/1","actor":"https://s.example/u/spam","action":"none","ruleset":"","hits":[{"term":"cheap followers","field":"content"}]}`,
		`{"id":"https://m.example/2","actor":"https://m.example/u/a","action":"sensitive","ruleset":"adult content without a content warning","hits":[{"term":"#nsfw","field":"content"}]}`,
		`{"id":"https://m.example/3","actor":"https://m.example/u/a","action":"none","ruleset":"","hits":[]}`,
		`{"line":5,"error":`,
		`{"line":6,"error":"moderation: not a post: Like activity"}`,
		`{"id":"https://s.example/4","actor":"https://s.example/u/spam","action":"silence","ruleset":"spam wave","hits":[{"term":"cheap followers","field":"summary"}]}`,
		`{"id":"https://s.example/5","actor":"https://s.example/u/spam","action":"none","ruleset":"","hits":[{"term":"cheap followers","field":"content"}]}`,
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(got) != len(want) {
		t.Fatalf("got %d lines:\n%s", len(got), out.String())
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("line %d:\n got %s\nwant %s", i+1, got[i], want[i])
		}
		if !json.Valid([]byte(got[i])) {
			t.Errorf("line %d is not JSON: %s", i+1, got[i])
		}
	}
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("closed") }

// failReader fails after its data.
type failReader struct{ data *strings.Reader }

func (f failReader) Read(p []byte) (int, error) {
	if f.data.Len() == 0 {
		return 0, errors.New("broken pipe")
	}
	return f.data.Read(p)
}

func TestRunTesterIOErrors(t *testing.T) {
	r, _, _ := ParseRules("rules.toml", []byte(testerRules))
	if err := RunTester(r, strings.NewReader(`{"type":"Note"}`+"\n"), failWriter{}); err == nil {
		t.Error("write error not returned")
	}
	err := RunTester(r, failReader{strings.NewReader(`{"type":"Note"}` + "\n")}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "broken pipe") {
		t.Errorf("read error: %v", err)
	}
}
