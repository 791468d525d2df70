package discord

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/artbridge/artbridge/discord/discordtest"
)

// press clicks a panel button by label and returns the interaction.
func (e *env) press(t *testing.T, user, thread, panel, label string) *discordtest.Interaction {
	t.Helper()
	m, ok := e.srv.Message(thread, panel)
	if !ok {
		t.Fatalf("no panel %s", panel)
	}
	b, ok := m.ButtonByLabel(label)
	if !ok {
		t.Fatalf("no button %q on the panel", label)
	}
	i, err := e.srv.ClickButton(user, thread, panel, b.CustomID)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func TestButtonDeferredThenPanelEdited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.rec.buttonDelay = 4 * time.Second // slower than Discord's 3 s deadline
	thread, panel := e.thread(t, "42")
	i := e.press(t, "42", thread, panel, "Confirm")
	cb, err := i.WaitCallback(ctxT(t, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if cb.Type != 6 {
		t.Errorf("callback type %d, want 6 (deferred update)", cb.Type)
	}
	if l := i.Latency(); l <= 0 || l >= 3*time.Second {
		t.Errorf("callback latency %v, want under 3 s", l)
	}
	err = e.srv.WaitFor(ctxT(t, 10*time.Second), func() bool {
		m, _ := e.srv.Message(thread, panel)
		return strings.Contains(m.Content, "pressed confirm")
	})
	if err != nil {
		t.Fatal(err)
	}
	e.rec.mu.Lock()
	p := e.rec.presses[0]
	e.rec.mu.Unlock()
	if p.Action != ActionConfirm || p.UserID != "42" || p.ChannelID != thread || p.MessageID != panel || p.SubmissionID != "sub"+thread {
		t.Errorf("press: %+v", p)
	}
}

func TestNonArtistGetsEphemeral(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.rec.buttonReply = func(p Press) Reply {
		if p.UserID != "42" {
			return Reply{Ephemeral: "only the artist can do this"}
		}
		return Reply{}
	}
	thread, panel := e.thread(t, "42")
	before, _ := e.srv.Message(thread, panel)
	i := e.press(t, "99", thread, panel, "Cancel")
	err := e.srv.WaitFor(ctxT(t, 10*time.Second), func() bool { return len(i.Followups()) == 1 })
	if err != nil {
		t.Fatal(err)
	}
	f := i.Followups()[0]
	if f.Content != "only the artist can do this" || f.Flags&discordtest.FlagEphemeral == 0 {
		t.Errorf("follow-up: %q flags %d", f.Content, f.Flags)
	}
	after, _ := e.srv.Message(thread, panel)
	if after.Content != before.Content || !after.EditedTimestamp.IsZero() {
		t.Errorf("panel changed for a non-artist press")
	}
	// The ephemeral message is not visible in the thread.
	for _, m := range e.srv.Messages(thread) {
		if m.Content == f.Content {
			t.Errorf("ephemeral message posted publicly")
		}
	}
}

func TestHandlerPanicGivesEphemeralError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.rec.buttonReply = func(Press) Reply { panic("boom") }
	thread, panel := e.thread(t, "42")
	i := e.press(t, "42", thread, panel, "Refresh")
	if err := e.srv.WaitFor(ctxT(t, 10*time.Second), func() bool { return len(i.Followups()) == 1 }); err != nil {
		t.Fatal(err)
	}
	if f := i.Followups()[0]; f.Content != msgInternalError || f.Flags&discordtest.FlagEphemeral == 0 {
		t.Errorf("follow-up %+v", f)
	}
	if !strings.Contains(e.logs.String(), "boom") {
		t.Errorf("panic not logged")
	}
}

func TestDescriptionsModal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	thread, panel := e.thread(t, "42")
	open := e.press(t, "42", thread, panel, "Edit descriptions")
	cb, err := open.WaitCallback(ctxT(t, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if cb.Type != 9 || cb.Title != "Describe your images" || len(cb.Components) != 3 {
		t.Fatalf("modal: %+v", cb)
	}
	if cw := cb.Components[2].Components[0]; cw.CustomID != "cw" || cw.MaxLength != MaxContentWarning || cw.Style != 1 {
		t.Errorf("content warning field: %+v", cw)
	}
	in := cb.Components[0].Components[0]
	if in.CustomID != "alt_0" || in.Value != "A red fox" || in.LabelText() != "fox.png" || in.MaxLength != 1500 {
		t.Errorf("first field: %+v", in)
	}
	if l := open.Latency(); l >= 3*time.Second {
		t.Errorf("modal latency %v", l)
	}
	sub, err := e.srv.SubmitModal(open, "42", map[string]string{"alt_0": "A red fox, sitting", "alt_1": "A night sky", "cw": "eye strain"})
	if err != nil {
		t.Fatal(err)
	}
	if cb, err := sub.WaitCallback(ctxT(t, 5*time.Second)); err != nil || cb.Type != 6 {
		t.Fatalf("submit callback %+v %v", cb, err)
	}
	e.rec.waitFor(t, "DescriptionsSubmitted", 5*time.Second, func() bool { return len(e.rec.submitted) == 1 })
	e.rec.mu.Lock()
	got, cw := e.rec.submitted[0], e.rec.cws[0]
	e.rec.mu.Unlock()
	if cw != "eye strain" {
		t.Errorf("content warning %q", cw)
	}
	if len(got) != 2 || got[0] != "A red fox, sitting" || got[1] != "A night sky" {
		t.Errorf("values %q", got)
	}
	err = e.srv.WaitFor(ctxT(t, 5*time.Second), func() bool {
		m, _ := e.srv.Message(thread, panel)
		return len(m.Embeds) == 3 && m.Embeds[2].Description == "A night sky" && len(sub.Followups()) == 1
	})
	if err != nil {
		t.Fatal(err)
	}

	// A refusal is an immediate ephemeral message instead of the modal.
	e.rec.mu.Lock()
	e.rec.formReply = func(Press) (Form, string) { return Form{}, "only the artist can do this" }
	e.rec.mu.Unlock()
	refused := e.press(t, "7", thread, panel, "Edit descriptions")
	cb, err = refused.WaitCallback(ctxT(t, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if cb.Type != 4 || cb.Content != "only the artist can do this" || cb.Flags&discordtest.FlagEphemeral == 0 {
		t.Errorf("refusal: %+v", cb)
	}
}

func TestDeleteCommandInThreadAndDM(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	thread, _ := e.thread(t, "42")
	i, err := e.srv.RunSlashCommand(e.appID, "42", thread, "delete_fedi", nil)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := i.WaitCallback(ctxT(t, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if cb.Type != 5 || cb.Flags&discordtest.FlagEphemeral == 0 {
		t.Errorf("callback %+v, want deferred ephemeral", cb)
	}
	err = e.srv.WaitFor(ctxT(t, 5*time.Second), func() bool {
		m, ok := i.Original()
		return ok && m.Content == "Deleted "
	})
	if err != nil {
		t.Fatal(err)
	}
	dm, err := e.srv.RunSlashCommand(e.appID, "42", "", "delete_fedi", map[string]string{"post": " https://art.example/notes/123 "})
	if err != nil {
		t.Fatal(err)
	}
	err = e.srv.WaitFor(ctxT(t, 5*time.Second), func() bool {
		m, ok := dm.Original()
		return ok && m.Content == "Deleted https://art.example/notes/123"
	})
	if err != nil {
		t.Fatal(err)
	}
	e.rec.mu.Lock()
	defer e.rec.mu.Unlock()
	if len(e.rec.deletes) != 2 {
		t.Fatalf("deletes %+v", e.rec.deletes)
	}
	in, out := e.rec.deletes[0], e.rec.deletes[1]
	if in.ref != "" || in.inv.ChannelID != thread || in.inv.GuildID != e.guild || in.inv.UserID != "42" {
		t.Errorf("thread invocation %+v", in)
	}
	if out.ref != "https://art.example/notes/123" || out.inv.GuildID != "" || out.inv.UserID != "42" || out.inv.ChannelID == "" {
		t.Errorf("DM invocation %+v", out)
	}
}

func TestForeignCustomIDIgnored(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	thread, _ := e.thread(t, "42")
	// Another app's button on a message of ours: post one through the bot's session.
	id, err := e.bot.SendMessage(context.Background(), thread, "other")
	if err != nil {
		t.Fatal(err)
	}
	_ = id
	for _, cid := range []string{"other:confirm:1", "ab:nope:1", "ab:confirm:", "ab:confirm:a:b"} {
		if _, _, err := parseCustomID(cid); err == nil {
			t.Errorf("parseCustomID(%q) accepted", cid)
		}
	}
}
