package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap/aptest"
	"github.com/artbridge/artbridge/discord"
	"github.com/artbridge/artbridge/discord/discordtest"
)

// selectID returns the custom_id of the panel's select for an action.
func selectID(t *testing.T, m discordtest.Message, action string) string {
	t.Helper()
	for _, c := range discordtest.Selects(m.Components) {
		if strings.HasPrefix(c.CustomID, "ab:"+action+":") {
			return c.CustomID
		}
	}
	t.Fatalf("panel has no %s select: %+v", action, m.Components)
	return ""
}

// submitForm opens Edit descriptions as user and submits values.
func submitForm(t *testing.T, ctx context.Context, w *discordWorld, user string, p discordtest.Message, values map[string]string) {
	t.Helper()
	in := click(t, ctx, w, user, p, "edit_descriptions")
	sub, err := w.dc.SubmitModal(in, user, values)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sub.WaitCallback(ctx); err != nil {
		t.Fatal(err)
	}
}

// countPanels counts the bot's panels in a thread.
func countPanels(w *discordWorld, thread string) int {
	n := 0
	for _, m := range w.dc.Messages(thread) {
		if m.Author.Bot && len(discordtest.Buttons(m.Components)) > 0 {
			n++
		}
	}
	return n
}

// A content warning typed in the form and a language chosen in the panel's
// select federate as summary/sensitive and contentMap; ||spoiler|| text is
// offered as a content warning and never federates with its pipes.
func TestDiscordContentWarningAndLanguage(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	w := newDiscordWorld(t)
	s := w.serve(t, ctx, `languages = ["en", "de", "pt-BR"]
default_language = "de"`)
	remote := followedBy(t, ctx, s)

	thread := postArt(t, w, "||blood|| A knight after the battle #ink")
	p := w.panel(t, ctx, thread, nil)
	text := panelText(p)
	if !strings.Contains(text, "Suggested content warning") || !strings.Contains(text, "blood") ||
		strings.Contains(strings.SplitN(text, "Post preview", 2)[1], "||blood||") || !strings.Contains(text, "Deutsch (de)") {
		t.Fatalf("the panel does not offer the spoiler as a content warning, or shows the pipes, or lacks the default language:\n%s", text)
	}
	var preselected string
	for _, c := range discordtest.Selects(p.Components) {
		if c.CustomID != selectID(t, p, string(discord.ActionLanguage)) {
			continue // the license select has its own preselection
		}
		for _, o := range c.SelectOptions() {
			if o.Default {
				preselected = o.Value
			}
		}
	}
	if preselected != "de" {
		t.Fatalf("preselected language %q, want de", preselected)
	}

	// A stranger cannot choose the language.
	in, err := w.dc.ChooseOptions(otherID, p.ChannelID, p.ID, selectID(t, p, "language"), "en")
	if err != nil {
		t.Fatal(err)
	}
	if f := waitFollowup(t, ctx, w, in); !strings.Contains(f.Content, "Only the artist") {
		t.Fatalf("a stranger's language choice answered %q", f.Content)
	}
	in, err = w.dc.ChooseOptions(artistID, p.ChannelID, p.ID, selectID(t, p, "language"), "pt-BR")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.WaitCallback(ctx); err != nil {
		t.Fatal(err)
	}
	p = w.panel(t, ctx, thread, func(m discordtest.Message) bool { return strings.Contains(panelText(m), "(pt-BR)") })

	// The form offers the suggestion; the artist writes their own warning.
	open := click(t, ctx, w, artistID, p, "edit_descriptions")
	cb, _ := open.Callback()
	var prefilled string
	for _, row := range cb.Components {
		for _, c := range row.Components {
			if c.CustomID == "cw" {
				prefilled = c.Value
			}
		}
	}
	if prefilled != "blood" {
		t.Fatalf("the content warning field holds %q, want the suggestion", prefilled)
	}
	sub, err := w.dc.SubmitModal(open, artistID, map[string]string{"alt_0": "A knight in dented armour.", "cw": "blood, injury"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sub.WaitCallback(ctx); err != nil {
		t.Fatal(err)
	}
	p = w.panel(t, ctx, thread, func(m discordtest.Message) bool {
		return strings.Contains(panelText(m), "Content warning: blood, injury")
	})
	click(t, ctx, w, artistID, p, "confirm")
	create := remote.MustWaitFor(t, aptest.OfType("Create"), 20*time.Second)
	note := create.Activity["object"].(map[string]any)
	cm, _ := note["contentMap"].(map[string]any)
	if note["summary"] != "blood, injury" || note["sensitive"] != true || cm["pt-BR"] == nil {
		t.Fatalf("Note summary %v, sensitive %v, contentMap %v", note["summary"], note["sensitive"], note["contentMap"])
	}
	if c := note["content"].(string); strings.Contains(c, "||") || !strings.Contains(c, "blood") {
		t.Fatalf("content %q: the pipes must go, the text must stay", c)
	}
}

// Cancel, Refresh after an edit, the credits toggle, and a stranger's Edit
// descriptions, through the real flow.
func TestDiscordCancelRefreshCreditsAndStrangerForm(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	w := newDiscordWorld(t)
	s := w.serve(t, ctx, "")
	remote := followedBy(t, ctx, s)

	thread := postArt(t, w, "First words")
	p := w.panel(t, ctx, thread, nil)

	// A stranger pressing Edit descriptions gets a private refusal, no form.
	in := click(t, ctx, w, otherID, p, "edit_descriptions")
	if cb, _ := in.Callback(); cb.Type == 9 || !strings.Contains(cb.Content, "Only the artist") || cb.Flags&64 == 0 {
		t.Fatalf("a stranger's Edit descriptions answered %+v", cb)
	}

	// Remove and add credits.
	click(t, ctx, w, artistID, p, "credits_toggle")
	p = w.panel(t, ctx, thread, func(m discordtest.Message) bool {
		return strings.Contains(buttonLabels(m), "Add credits") && !strings.Contains(panelText(m), "Art by mira")
	})
	click(t, ctx, w, artistID, p, "credits_toggle")
	p = w.panel(t, ctx, thread, func(m discordtest.Message) bool {
		return strings.Contains(buttonLabels(m), "Remove credits") && strings.Contains(panelText(m), "Art by mira")
	})

	// The artist edits the message; Refresh shows the new words.
	if err := w.dc.EditMessage(thread, thread, "Second words, better"); err != nil {
		t.Fatal(err)
	}
	click(t, ctx, w, artistID, p, "refresh")
	p = w.panel(t, ctx, thread, func(m discordtest.Message) bool { return strings.Contains(panelText(m), "Second words, better") })

	// Cancel ends it: no post, buttons disabled, a second Confirm refused.
	click(t, ctx, w, artistID, p, "cancel")
	p = w.panel(t, ctx, thread, func(m discordtest.Message) bool { return strings.Contains(m.Content, "Cancelled") })
	for _, b := range discordtest.Buttons(p.Components) {
		if !b.Disabled && b.URL == "" {
			t.Fatalf("button %q still enabled after Cancel", b.LabelText())
		}
	}
	if n := countRows(t, s.DataDir, "posts"); n != 0 {
		t.Fatalf("%d posts after Cancel", n)
	}
	if len(remote.DeliveriesOfType("Create")) != 0 {
		t.Fatal("a Create was sent after Cancel")
	}
}

// /delete_fedi inside the thread without an argument, and from a DM with the
// bare post ID; and a THREAD_CREATE replayed after publishing opens nothing.
func TestDiscordDeleteInThreadAndByIDAndReplayAfterPublish(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	w := newDiscordWorld(t)
	s := w.serve(t, ctx, "")
	remote := followedBy(t, ctx, s)

	first := postArt(t, w, "Delete me from the thread")
	confirmTwice(t, ctx, w, first)
	remote.MustWaitFor(t, aptest.OfType("Create"), 20*time.Second)

	// THREAD_CREATE arrives again after the post is live (a resume replay,
	// a delayed event, a re-sync after a restart): no second panel.
	ch, _ := w.dc.Channel(first)
	for range 2 {
		w.dc.Dispatch(w.token, "THREAD_CREATE", map[string]any{"id": first, "type": 11, "guild_id": ch.GuildID,
			"parent_id": w.forum, "owner_id": artistID, "name": "New piece", "newly_created": true})
	}
	w.dc.DropConnection()
	if err := w.dc.WaitFor(ctx, func() bool { return w.dc.Resumes(w.token) > 0 }); err != nil {
		t.Fatalf("no resume: %v", err)
	}
	// A marker event after the replays: once its panel exists, the replays
	// have been handled (events are handled in order of arrival).
	marker := postArt(t, w, "Marker")
	w.panel(t, ctx, marker, nil)
	if n := countPanels(w, first); n != 1 {
		t.Fatalf("%d panels in a published thread, want 1", n)
	}
	if n := queryInt(t, s.DataDir, `SELECT COUNT(*) FROM submissions WHERE thread_id = ?`, first); n != 1 {
		t.Fatalf("%d submissions for one thread", n)
	}

	// /delete_fedi in the thread, no argument.
	cmd, err := w.dc.RunSlashCommand(appID, artistID, first, "delete_fedi", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.dc.WaitFor(ctx, func() bool { m, ok := cmd.Original(); return ok && strings.Contains(m.Content, "Deleted") }); err != nil {
		m, _ := cmd.Original()
		t.Fatalf("/delete_fedi in the thread answered %q", m.Content)
	}
	remote.MustWaitFor(t, aptest.OfType("Delete"), 20*time.Second)
	w.panel(t, ctx, first, func(m discordtest.Message) bool { return strings.Contains(m.Content, "Taken down") })

	// /delete_fedi in a DM with the bare post ID.
	second := postArt(t, w, "Delete me by ID")
	confirmTwice(t, ctx, w, second)
	var postID string
	if err := w.dc.WaitFor(ctx, func() bool {
		for _, m := range w.dc.Messages(second) {
			if i := strings.Index(m.Content, s.BaseURL+"/"); m.Author.Bot && i >= 0 && len(discordtest.Buttons(m.Components)) == 0 {
				link := strings.Fields(m.Content[i:])[0]
				postID = strings.TrimRight(link[strings.LastIndexByte(link, '/')+1:], ">).")
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("no acknowledgement: %+v", w.dc.Messages(second))
	}
	cmd, err = w.dc.RunSlashCommand(appID, artistID, "", "delete_fedi", map[string]string{"post": postID})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.dc.WaitFor(ctx, func() bool { m, ok := cmd.Original(); return ok && strings.Contains(m.Content, "Deleted") }); err != nil {
		m, _ := cmd.Original()
		t.Fatalf("/delete_fedi %s in a DM answered %q", postID, m.Content)
	}
	if n := queryInt(t, s.DataDir, `SELECT COUNT(*) FROM posts WHERE deleted_at IS NOT NULL`); n != 2 {
		t.Fatalf("%d posts taken down, want 2", n)
	}
	w.panel(t, ctx, second, func(m discordtest.Message) bool { return strings.Contains(m.Content, "Taken down") })
}
