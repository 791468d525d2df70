package bridge

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/artbridge/artbridge/moderation"
)

func replyRaw(t *testing.T, note map[string]any) []byte {
	t.Helper()
	note["type"] = "Note"
	if note["id"] == nil {
		note["id"] = "https://remote.example/users/bob/statuses/1"
	}
	raw, err := json.Marshal(map[string]any{"type": "Create", "actor": "https://remote.example/users/bob", "object": note})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestReplyMessage(t *testing.T) {
	tests := []struct {
		name    string
		note    map[string]any
		action  moderation.Action
		want    []string
		notWant []string
	}{
		{"quoted, formatting escaped", map[string]any{"content": `<p>Nice **work** _really_ ||x|| &lt;3 @here</p><p></p><p>bye</p>`},
			moderation.ActionNone,
			[]string{"💬 **Reply from bob@remote.example** · <https://remote.example/users/bob/statuses/1>",
				"> Nice \\*\\*work\\*\\* \\_really\\_ \\|\\|x\\|\\| \\<3 @\u200bhere\n> \n> bye"},
			[]string{"||x||"}},
		{"url preferred to id", map[string]any{"content": "hi", "url": []any{map[string]any{"type": "Link", "href": "https://remote.example/@bob/1"}}},
			moderation.ActionNone, []string{"<https://remote.example/@bob/1>"}, nil},
		{"content warning", map[string]any{"content": "<p>spoiler</p>", "summary": "plot", "sensitive": true},
			moderation.ActionNone, []string{"⚠️ Content warning: plot\n||spoiler||"}, []string{"> spoiler"}},
		{"sensitive without a warning", map[string]any{"content": "x", "sensitive": true},
			moderation.ActionNone, []string{"Content warning: sensitive content\n||x||"}, nil},
		{"moderation marked it sensitive", map[string]any{"content": "x"},
			moderation.ActionSensitive, []string{"||x||"}, []string{"> x"}},
		{"attachments counted, not embedded", map[string]any{"content": "look", "attachment": []any{
			map[string]any{"type": "Document", "url": "https://remote.example/a.png", "name": "a cat"}}},
			moderation.ActionNone, []string{"> look\n📎 1 attachment: open the link to see it."}, []string{"a.png", "a cat"}},
		{"attachments counted behind a spoiler too", map[string]any{"content": "x", "sensitive": true, "attachment": []any{
			map[string]any{"type": "Document"}, map[string]any{"type": "Document"}}},
			moderation.ActionNone, []string{"||x||\n📎 2 attachments: open the link to see them."}, nil},
		{"no text", map[string]any{}, moderation.ActionNone, []string{"Reply from bob@remote.example"}, []string{"\n"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := replyMessage(ReplyToForward{Actor: "https://remote.example/users/bob", Action: tc.action, Raw: replyRaw(t, tc.note)})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in:\n%s", w, got)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(got, w) {
					t.Errorf("unexpected %q in:\n%s", w, got)
				}
			}
		})
	}
}

func TestReplyMessageFitsDiscord(t *testing.T) {
	long := strings.Repeat("ünïcödé <b>x</b> ", 2000) + "\xff\xfe"
	got, err := replyMessage(ReplyToForward{Actor: "https://remote.example/users/bob", Raw: replyRaw(t, map[string]any{"content": long, "summary": strings.Repeat("w", 500)})})
	if err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(got); n > 2000 || !utf8.ValidString(got) {
		t.Fatalf("%d characters, valid UTF-8 %v", n, utf8.ValidString(got))
	}
	if _, err := replyMessage(ReplyToForward{Raw: []byte(`{"type":"Create"`)}); err == nil {
		t.Fatal("bad JSON rendered")
	}
}

func TestHandleOf(t *testing.T) {
	for in, want := range map[string]string{
		"https://mastodon.example/users/bob":      "bob@mastodon.example",
		"https://gts.example/users/ann/":          "ann@gts.example",
		"https://misskey.example/@carol":          "carol@misskey.example",
		"https://pleroma.example/users/dé jà":     "pleroma.example/users/dé jà",
		"https://akkoma.example/":                 "akkoma.example",
		"https://peertube.example/accounts/x_y.z": "x_y.z@peertube.example",
		"not a url": "not a url",
	} {
		if got := handleOf(in); got != want {
			t.Errorf("handleOf(%q) = %q, want %q", in, got, want)
		}
	}
}

// unescapedSpoilerMarkers counts the "||" that Discord's markdown reads as
// spoiler markers: a backslash escapes the character after it (so `\\||` is an
// escaped backslash and then a marker, and `\||` is not one).
func unescapedSpoilerMarkers(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\':
			i++ // the escaped character
		case s[i] == '|' && i+1 < len(s) && s[i+1] == '|':
			n++
			i++
		}
	}
	return n
}

// FuzzReplyMessage renders hostile replies: the message stays within
// Discord's 2,000 characters, is valid UTF-8, and the reply's text can
// neither close the spoiler early nor ping anyone.
func FuzzReplyMessage(f *testing.F) {
	f.Add("<p>hello</p>", "", false)
	f.Add("||escape|| @everyone <@123> `code` ***", "cw ||", true)
	f.Add("\xff\xfe<script>alert(1)</script>"+strings.Repeat("a", 3000), strings.Repeat("w", 300), true)
	f.Fuzz(func(t *testing.T, content, summary string, sensitive bool) {
		note := map[string]any{"content": content, "sensitive": sensitive}
		if summary != "" {
			note["summary"] = summary
		}
		got, err := replyMessage(ReplyToForward{Actor: "https://remote.example/users/bob", Raw: replyRaw(t, note)})
		if err != nil {
			t.Fatal(err)
		}
		if !utf8.ValidString(got) || utf8.RuneCountInString(got) > 2000 {
			t.Fatalf("%d characters, valid %v", utf8.RuneCountInString(got), utf8.ValidString(got))
		}
		if strings.Contains(got, "@everyone") || strings.Contains(got, "@here") {
			t.Fatalf("a mention survived:\n%s", got)
		}
		// Only the spoiler's own two markers are unescaped "||".
		unescaped := unescapedSpoilerMarkers(got)
		if unescaped != 0 && unescaped != 2 {
			t.Fatalf("%d unescaped spoiler markers:\n%s", unescaped, got)
		}
	})
}
