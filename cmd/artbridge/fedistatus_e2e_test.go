package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap/aptest"
	"github.com/artbridge/artbridge/discord/discordtest"
)

// /fedi_status in the submission's thread shows the artist the post's
// federation receipt (reached, pending, failing servers); anyone else is
// refused, and the answer is private (ephemeral).
func TestFediStatusShowsTheReceiptToTheArtistOnly(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	w := newDiscordWorld(t)
	s := w.serve(t, ctx, "")
	healthy := followedBy(t, ctx, s)
	down := aptest.NewServer(t)
	follow(t, ctx, s, down.AddActor("gus"))
	down.Down()

	thread, err := w.dc.CreateForumThread(w.forum, artistID, "Harbour", "Evening light",
		discordtest.File{Name: "harbour.png", ContentType: "image/png", Data: pngBytes(t, 40, 30), Width: 40, Height: 30,
			Description: "Watercolour of a harbour at dusk."})
	if err != nil {
		t.Fatal(err)
	}
	click(t, ctx, w, artistID, w.panel(t, ctx, thread, nil), "confirm")
	healthy.MustWaitFor(t, aptest.OfType("Create"), 20*time.Second)
	waitUntil(t, "a failed attempt at the down host", 15*time.Second, func() bool {
		return queryInt(t, s.DataDir, `SELECT COUNT(*) FROM deliveries WHERE host = ? AND state = 'queued' AND attempts >= 1`,
			down.Host()) >= 1
	})

	answer := func(user string) (string, int) {
		t.Helper()
		cmd, err := w.dc.RunSlashCommand(appID, user, thread, "fedi_status", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.dc.WaitFor(ctx, func() bool { m, ok := cmd.Original(); return ok && m.Content != "" }); err != nil {
			t.Fatalf("/fedi_status: no answer: %v", err)
		}
		m, _ := cmd.Original()
		return m.Content, m.Flags
	}
	if text, _ := answer(otherID); !strings.Contains(text, "Only the artist") {
		t.Errorf("someone else's /fedi_status answered %q", text)
	}
	text, flags := answer(artistID)
	if !strings.Contains(text, "reached 1 servers; 1 pending, 0 failed") || !strings.Contains(text, "Still trying: "+down.Host()) {
		t.Errorf("/fedi_status answered %q", text)
	}
	if flags&64 == 0 {
		t.Errorf("/fedi_status answer is not ephemeral (flags %d)", flags)
	}
}
