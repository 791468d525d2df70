package discord

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/artbridge/artbridge/discord/discordtest"
)

func TestIntakeForumThread(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	png := []byte("\x89PNG\r\n\x1a\nfake")
	id, err := e.srv.CreateForumThread(e.forum, "111", "Fox at dusk",
		"Painted <:blob:123456789012345678> and <a:dance:223456789012345678>, again <:blob:123456789012345678>",
		discordtest.File{Name: "fox.png", ContentType: "image/png", Data: png, Width: 64, Height: 48, SpoilerFlag: true, Description: "A fox"},
		discordtest.File{Name: "SPOILER_night.jpg", ContentType: "image/jpeg", Data: []byte("jpeg"), Width: 10, Height: 10},
	)
	if err != nil {
		t.Fatal(err)
	}
	e.rec.waitFor(t, "ThreadStarted", 10*time.Second, func() bool { return len(e.rec.started) == 1 })
	e.rec.mu.Lock()
	s := e.rec.started[0]
	e.rec.mu.Unlock()
	if s.ThreadID != id || s.MessageID != id || s.ForumID != e.forum || s.GuildID != e.guild {
		t.Errorf("ids: %+v", s)
	}
	if s.Title != "Fox at dusk" || s.AuthorID != "111" || s.AuthorName != "user111" {
		t.Errorf("title/author: %+v", s)
	}
	if want := "Painted :blob: and :dance:, again :blob:"; s.Content != want {
		t.Errorf("content %q, want %q", s.Content, want)
	}
	if len(s.Emoji) != 2 || s.Emoji[0].Name != "blob" || s.Emoji[0].URL != "https://cdn.discordapp.com/emojis/123456789012345678.png" ||
		!s.Emoji[1].Animated || !strings.HasSuffix(s.Emoji[1].URL, ".gif") {
		t.Errorf("emoji: %+v", s.Emoji)
	}
	if len(s.Attachments) != 2 {
		t.Fatalf("attachments: %+v", s.Attachments)
	}
	a, b := s.Attachments[0], s.Attachments[1]
	if !a.Spoiler || !b.Spoiler {
		t.Errorf("both must be spoilers (flag, prefix): %v %v", a.Spoiler, b.Spoiler)
	}
	if a.Filename != "fox.png" || a.ContentType != "image/png" || a.Size != len(png) || a.Width != 64 || a.Height != 48 || a.Description != "A fox" {
		t.Errorf("attachment: %+v", a)
	}
	if !strings.Contains(a.URL, "?ex=") || !strings.Contains(a.URL, "&hm=") {
		t.Errorf("url not signed: %s", a.URL)
	}
	// The panel the handler posted was accepted by the fake's strict validation.
	e.rec.waitFor(t, "panel", 5*time.Second, func() bool { return e.rec.panels[id] != "" })
	msgs := e.srv.Messages(id)
	if len(msgs) != 2 || len(msgs[1].Components) == 0 {
		t.Fatalf("panel not stored: %+v", msgs)
	}

	// Identify asked for exactly our intents, and /delete_fedi is registered in the guild, usable in DMs.
	ids := e.srv.Identifies()
	if len(ids) == 0 || ids[0].Intents != int(Intents) {
		t.Errorf("identify: %+v (want intents %d)", ids, Intents)
	}
	// A guild command for the guild, and a global one for DMs with the bot.
	// Each of /delete_fedi and /fedi_status: one guild command and one global.
	wctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.srv.WaitFor(wctx, func() bool { return len(e.srv.Commands()) == 4 }); err != nil {
		t.Fatalf("commands: %+v", e.srv.Commands())
	}
	cmds := e.srv.Commands()
	for _, c := range cmds {
		if c.Name != "delete_fedi" && c.Name != "fedi_status" {
			t.Errorf("command %q", c.Name)
		}
		if c.GuildID == "" && (c.DMPermission == nil || !*c.DMPermission || !slices.Equal(c.Contexts, []int{1})) {
			t.Errorf("global command not DM-only: %+v", c)
		}
		if c.GuildID != "" && (c.GuildID != e.guild || slices.Contains(c.Contexts, 1)) {
			t.Errorf("guild command: %+v", c)
		}
	}
}

func TestIntakeIgnoresOtherForumsAndEditsDeletes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other := e.srv.CreateForum(e.guild, "chat")
	if _, err := e.srv.CreateForumThread(other, "5", "Hello", "not art"); err != nil {
		t.Fatal(err)
	}
	id, _ := e.thread(t, "7")
	e.rec.mu.Lock()
	n := len(e.rec.started)
	e.rec.mu.Unlock()
	if n != 1 {
		t.Fatalf("started %d threads, want only the art forum's", n)
	}
	if err := e.srv.EditMessage(id, id, "Edited <:blob:1>"); err != nil {
		t.Fatal(err)
	}
	e.rec.waitFor(t, "StarterEdited", 10*time.Second, func() bool { return len(e.rec.edited) == 1 })
	e.rec.mu.Lock()
	ed := e.rec.edited[0]
	e.rec.mu.Unlock()
	if ed.Content != "Edited :blob:" || ed.EditedAt.IsZero() || ed.ThreadID != id || ed.Title != "My fox" {
		t.Errorf("edited starter: %+v", ed)
	}
	if err := e.srv.DeleteThread(id); err != nil {
		t.Fatal(err)
	}
	e.rec.waitFor(t, "ThreadDeleted", 10*time.Second, func() bool { return len(e.rec.deleted) == 1 })
	e.rec.mu.Lock()
	if e.rec.deleted[0] != id {
		t.Errorf("deleted %v", e.rec.deleted)
	}
	e.rec.mu.Unlock()
}
