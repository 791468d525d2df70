package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap/aptest"
	"github.com/artbridge/artbridge/discord/discordtest"
)

const replyRules = `
[[rulesets]]
name = "story spoilers"
action = "sensitive"
keywords = ["the ending"]

[[rulesets]]
name = "spam"
action = "silence"
keywords = ["cheap followers"]
`

// threadMessage waits for a live bot message of the thread containing want.
func threadMessage(t *testing.T, ctx context.Context, w *discordWorld, thread, want string) discordtest.Message {
	t.Helper()
	var found discordtest.Message
	err := w.dc.WaitFor(ctx, func() bool {
		for _, m := range w.dc.Messages(thread) {
			if m.Author.Bot && strings.Contains(m.Content, want) {
				found = m
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no message with %q in the thread: %v\n%s", want, err, threadDump(w, thread))
	}
	return found
}

func threadDump(w *discordWorld, thread string) string {
	var b strings.Builder
	for _, m := range w.dc.Messages(thread) {
		fmt.Fprintf(&b, "---\n%s\n", m.Content)
	}
	return b.String()
}

// Replies from the Fediverse reach the post's Discord thread as moderation
// decides: passed ones quoted, sensitive ones behind a spoiler with their
// content warning, a silenced actor's held until a moderator lifts the
// silence; a reply its author deletes leaves the thread.
func TestRepliesReachTheDiscordThread(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	rulesPath := filepath.Join(t.TempDir(), "moderation.toml")
	if err := os.WriteFile(rulesPath, []byte(replyRules), 0o600); err != nil {
		t.Fatal(err)
	}
	w := newDiscordWorld(t)
	s := startServer(t, serverOptions{extraTOML: fmt.Sprintf("\n[moderation]\nrules = %q\n", rulesPath) + w.toml("")})
	w.waitReady(t, ctx)
	remote := aptest.NewServer(t, aptest.WithStyle(aptest.Mastodon))
	fan, spammer := remote.AddActor("fan"), remote.AddActor("spammer")
	follow(t, ctx, s, fan)

	thread := postArt(t, w, "Harbour at dusk")
	confirmTwice(t, ctx, w, thread)
	create := remote.MustWaitFor(t, aptest.OfType("Create"), 20*time.Second)
	noteIRI := create.Activity["object"].(map[string]any)["id"].(string)

	// A plain reply is quoted, its formatting and mentions made harmless.
	r1, err := fan.Reply(ctx, noteIRI, `<p>Gorgeous <b>colours</b>! @everyone *look*</p><p>Second line</p>`)
	if err != nil {
		t.Fatal(err)
	}
	reply1 := r1["object"].(map[string]any)["id"].(string)
	m := threadMessage(t, ctx, w, thread, "Gorgeous")
	for _, want := range []string{"Reply from fan@", "<" + reply1 + ">", "> Gorgeous colours! @\u200beveryone \\*look\\*", "> Second line"} {
		if !strings.Contains(m.Content, want) {
			t.Errorf("forwarded reply lacks %q:\n%s", want, m.Content)
		}
	}

	// Discord failing: the reply is kept and its next attempt scheduled.
	w.dc.FailRequests("POST", "/channels/"+thread+"/messages", 1, 500)
	rf, err := fan.Reply(ctx, noteIRI, "<p>Try again later</p>")
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the failed forward scheduled again", 20*time.Second, func() bool {
		return queryInt(t, s.DataDir, `SELECT COUNT(*) FROM inbound_moderation WHERE activity_id = ? AND forward_state = ''
			AND forward_attempts = 1 AND forward_error LIKE '%500%' AND forward_next > ?`, rf["id"], time.Now().UnixMilli()) == 1
	})

	// The author's content warning: behind a spoiler.
	if _, err := fan.Reply(ctx, noteIRI, "<p>The twist at the harbour</p>", aptest.WithContentWarning("story details")); err != nil {
		t.Fatal(err)
	}
	m = threadMessage(t, ctx, w, thread, "twist")
	if !strings.Contains(m.Content, "Content warning: story details") || !strings.Contains(m.Content, "||The twist at the harbour||") {
		t.Errorf("a reply with a content warning is not behind a spoiler:\n%s", m.Content)
	}

	// Moderation's "sensitive": behind a spoiler too.
	if _, err := fan.Reply(ctx, noteIRI, "<p>I did not expect the ending</p>"); err != nil {
		t.Fatal(err)
	}
	m = threadMessage(t, ctx, w, thread, "did not expect")
	if !strings.Contains(m.Content, "||I did not expect the ending||") {
		t.Errorf("a reply moderation marked sensitive is not behind a spoiler:\n%s", m.Content)
	}

	// A silenced actor's reply is held: a later reply arrives, it does not.
	if _, err := spammer.Reply(ctx, noteIRI, "<p>Get cheap followers now</p>"); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the spam decided", 20*time.Second, func() bool {
		return queryInt(t, s.DataDir, "SELECT COUNT(*) FROM inbound_moderation WHERE actor = ? AND state = 'held'", spammer.IRI()) == 1
	})
	if _, err := fan.Reply(ctx, noteIRI, "<p>Coming back for more</p>"); err != nil {
		t.Fatal(err)
	}
	threadMessage(t, ctx, w, thread, "Coming back")
	if strings.Contains(threadDump(w, thread), "cheap") {
		t.Fatalf("a held reply reached the thread:\n%s", threadDump(w, thread))
	}
	out, code := runCLI(t, "moderation", "reports", "--config", s.Config)
	if code != 0 || !strings.Contains(out, "silence") {
		t.Fatalf("moderation reports (exit %d):\n%s", code, out)
	}
	reportID := strings.Fields(strings.Split(strings.TrimSpace(out), "\n")[1])[0]
	if out, code := runCLI(t, "moderation", "undo", "--config", s.Config, reportID); code != 0 {
		t.Fatalf("moderation undo (exit %d):\n%s", code, out)
	}
	threadMessage(t, ctx, w, thread, "cheap followers") // released: forwarded at the next pass

	// The fan deletes the first reply: it leaves the thread.
	if _, err := fan.DeleteNote(ctx, reply1); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the deleted reply removed from the thread", 20*time.Second, func() bool {
		return !strings.Contains(threadDump(w, thread), "Gorgeous")
	})
	if n := queryInt(t, s.DataDir, "SELECT COUNT(*) FROM inbound_moderation WHERE post_id = ? AND forward_state = 'withdrawn'", reply1); n != 1 {
		t.Fatalf("%d withdrawn forwards of the deleted reply", n)
	}

	// Nothing to send to: a post published from the command line has no
	// thread, and a deleted thread stays deleted. Both are skipped, not retried.
	cliNote := publishOne(t, s, "Published without Discord")
	rc, err := fan.Reply(ctx, cliNote, "<p>Where is this from?</p>")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.dc.DeleteThread(thread); err != nil {
		t.Fatal(err)
	}
	rg, err := fan.Reply(ctx, noteIRI, "<p>Anyone here?</p>")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ activity, why string }{
		{rc["id"].(string), "the post has no Discord thread"},
		{rg["id"].(string), "the Discord thread is gone"},
	} {
		waitUntil(t, "the reply skipped: "+c.why, 20*time.Second, func() bool {
			return queryInt(t, s.DataDir, `SELECT COUNT(*) FROM inbound_moderation
				WHERE activity_id = ? AND forward_state = 'skipped' AND forward_error = ? AND forward_attempts = 1`, c.activity, c.why) == 1
		})
	}
}

// Likes and boosts from the Fediverse show on the post's acknowledgement in
// its thread; an Undo takes one back off.
func TestLikesAndBoostsShowOnTheAcknowledgement(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	w := newDiscordWorld(t)
	s := w.serve(t, ctx, "")
	remote := aptest.NewServer(t, aptest.WithStyle(aptest.GoToSocial))
	ann, bob := remote.AddActor("ann"), remote.AddActor("bob")
	follow(t, ctx, s, ann)

	thread := postArt(t, w, "Lighthouse study")
	confirmTwice(t, ctx, w, thread)
	create := remote.MustWaitFor(t, aptest.OfType("Create"), 20*time.Second)
	noteIRI := create.Activity["object"].(map[string]any)["id"].(string)
	ack := threadMessage(t, ctx, w, thread, "Published on the Fediverse: "+noteIRI)
	ackText := func() string {
		m, _ := w.dc.Message(thread, ack.ID)
		return m.Content
	}

	like, err := ann.Like(ctx, noteIRI)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Like(ctx, noteIRI); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Announce(ctx, noteIRI); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "two likes and a boost on the acknowledgement", 20*time.Second, func() bool {
		return strings.HasSuffix(ackText(), "\n❤️ 2 likes · 🔁 1 boost")
	})
	if !strings.HasPrefix(ackText(), "Published on the Fediverse: "+noteIRI) {
		t.Fatalf("the acknowledgement lost its link: %q", ackText())
	}
	if _, err := ann.Undo(ctx, like); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the undone like off the acknowledgement", 20*time.Second, func() bool {
		return strings.HasSuffix(ackText(), "\n❤️ 1 like · 🔁 1 boost")
	})
	// An undone like still widens a takedown's reach: the row stays.
	if n := queryInt(t, s.DataDir, "SELECT COUNT(*) FROM interactions WHERE note_iri = ? AND undone_at IS NOT NULL", noteIRI); n != 1 {
		t.Fatalf("%d undone interactions", n)
	}
}
