package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap/aptest"
	"github.com/artbridge/artbridge/discord/discordtest"
)

const (
	botToken = "MTAwMDAwMDAwMDAwMDAwMDAw.fake.token"
	appID    = "100000000000000000"
	artistID = "200000000000000001"
	otherID  = "200000000000000002"
)

// discordWorld is a fake Discord with a guild, an art forum and two users.
type discordWorld struct {
	dc    *discordtest.Server
	token string
	forum string
	mods  string
	base  string // api_base_url given to artbridge
}

func newDiscordWorld(t *testing.T) *discordWorld { return newDiscordWorldWithToken(t, botToken) }

func newDiscordWorldWithToken(t *testing.T, token string) *discordWorld {
	t.Helper()
	dc := discordtest.New(t, discordtest.Options{HeartbeatInterval: 500 * time.Millisecond})
	dc.AddBot(token, appID)
	dc.AddUser(artistID, "mira")
	dc.AddUser(otherID, "eve")
	guild := dc.CreateGuild("Art club")
	return &discordWorld{dc: dc, token: token, forum: dc.CreateForum(guild, "art"), mods: dc.CreateTextChannel(guild, "mods"),
		base: dc.APIBase()}
}

// toml is the [discord] section pointing at this fake.
func (w *discordWorld) toml(extra string) string {
	return fmt.Sprintf(`
[discord]
token = %q
application_id = %q
art_forums = [%q]
moderators_channel = %q
api_base_url = %q
%s`, w.token, appID, w.forum, w.mods, w.base, extra)
}

// waitReady waits until the bot is connected and its command registered.
func (w *discordWorld) waitReady(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := w.dc.WaitFor(ctx, func() bool { return w.dc.Connected(w.token) > 0 && len(w.dc.Commands()) > 0 }); err != nil {
		t.Fatalf("bot never connected: %v", err)
	}
}

// serve starts artbridge with this fake Discord configured and waits until the
// bot is connected.
func (w *discordWorld) serve(t *testing.T, ctx context.Context, extraDiscordTOML string) *server {
	t.Helper()
	s := startServer(t, serverOptions{extraTOML: w.toml(extraDiscordTOML)})
	w.waitReady(t, ctx)
	return s
}

// followedBy makes a fake remote server whose actor "fan" follows s.
func followedBy(t *testing.T, ctx context.Context, s *server) *aptest.Server {
	t.Helper()
	remote := aptest.NewServer(t)
	follow(t, ctx, s, remote.AddActor("fan"))
	return remote
}

// panel waits for the bot's panel in a thread and returns it.
func (w *discordWorld) panel(t *testing.T, ctx context.Context, thread string, ready func(discordtest.Message) bool) discordtest.Message {
	t.Helper()
	var found discordtest.Message
	err := w.dc.WaitFor(ctx, func() bool {
		for _, m := range w.dc.Messages(thread) {
			if m.Author.Bot && len(discordtest.Buttons(m.Components)) > 0 && (ready == nil || ready(m)) {
				found = m
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no panel in thread %s: %v (messages: %+v)", thread, err, w.dc.Messages(thread))
	}
	return found
}

// button returns the custom_id of the panel button for an action.
func button(t *testing.T, m discordtest.Message, action string) string {
	t.Helper()
	for _, b := range discordtest.Buttons(m.Components) {
		if strings.HasPrefix(b.CustomID, "ab:"+action+":") {
			return b.CustomID
		}
	}
	t.Fatalf("panel has no %s button: %+v", action, discordtest.Buttons(m.Components))
	return ""
}

func panelText(m discordtest.Message) string {
	var b strings.Builder
	b.WriteString(m.Content)
	for _, e := range m.Embeds {
		b.WriteString("\n" + e.Title + "\n" + e.Description)
		for _, f := range e.Fields {
			b.WriteString("\n" + f.Name + ": " + f.Value)
		}
		if e.Footer != nil {
			b.WriteString("\n" + e.Footer.Text)
		}
	}
	return b.String()
}

func pngBytes(t testing.TB, w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 13)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func jpegBytes(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 99, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func click(t *testing.T, ctx context.Context, w *discordWorld, user string, m discordtest.Message, action string) *discordtest.Interaction {
	t.Helper()
	in, err := w.dc.ClickButton(user, m.ChannelID, m.ID, button(t, m, action))
	if err != nil {
		t.Fatalf("click %s: %v", action, err)
	}
	if _, err := in.WaitCallback(ctx); err != nil {
		t.Fatalf("no callback to %s: %v", action, err)
	}
	if l := in.Latency(); l > 3*time.Second {
		t.Fatalf("%s answered after %v", action, l)
	}
	return in
}

func waitFollowup(t *testing.T, ctx context.Context, w *discordWorld, in *discordtest.Interaction) discordtest.Message {
	t.Helper()
	var got discordtest.Message
	if err := w.dc.WaitFor(ctx, func() bool {
		f := in.Followups()
		if len(f) > 0 {
			got = f[0]
			return true
		}
		return false
	}); err != nil {
		t.Fatalf("no follow-up: %v", err)
	}
	return got
}

func TestDiscordSubmissionHappyPathAndDeleteFromDM(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	w := newDiscordWorld(t)
	s := w.serve(t, ctx, "")
	remote := followedBy(t, ctx, s)

	thread, err := w.dc.CreateForumThread(w.forum, artistID, "Harbour at dusk", "Evening light in the old port #watercolour",
		discordtest.File{Name: "SPOILER_sketch.png", ContentType: "image/png", Data: pngBytes(t, 40, 30), Width: 40, Height: 30},
		discordtest.File{Name: "harbour.jpg", ContentType: "image/jpeg", Data: jpegBytes(t, 64, 48), Width: 64, Height: 48,
			Description: "Watercolour of a harbour at dusk."})
	if err != nil {
		t.Fatal(err)
	}
	p := w.panel(t, ctx, thread, nil)
	text := panelText(p)
	if !strings.Contains(text, "Watercolour of a harbour at dusk.") || !strings.Contains(strings.ToLower(text), "no description") {
		t.Fatalf("panel preview lacks the descriptions:\n%s", text)
	}

	// Someone else cannot confirm.
	in := click(t, ctx, w, otherID, p, "confirm")
	if f := waitFollowup(t, ctx, w, in); !strings.Contains(f.Content, "Only the artist") || f.Flags&64 == 0 {
		t.Fatalf("non-artist got %q (flags %d), want an ephemeral refusal", f.Content, f.Flags)
	}
	if n := countRows(t, s.DataDir, "posts"); n != 0 {
		t.Fatalf("a non-artist's Confirm published %d posts", n)
	}

	// Edit descriptions: a modal prefilled with the current descriptions.
	in = click(t, ctx, w, artistID, p, "edit_descriptions")
	cb, _ := in.Callback()
	if cb.Type != 9 {
		t.Fatalf("edit descriptions answered with callback type %d, want a modal (9)", cb.Type)
	}
	sub, err := w.dc.SubmitModal(in, artistID, map[string]string{"alt_0": "Pencil sketch of boats in the harbour."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sub.WaitCallback(ctx); err != nil {
		t.Fatal(err)
	}
	p = w.panel(t, ctx, thread, func(m discordtest.Message) bool {
		return strings.Contains(panelText(m), "Pencil sketch of boats")
	})

	click(t, ctx, w, artistID, p, "confirm")
	create := remote.MustWaitFor(t, aptest.OfType("Create"), 20*time.Second)
	note := create.Activity["object"].(map[string]any)
	atts := attachmentsOf(t, create.Activity)
	if len(atts) != 2 || atts[0]["name"] != "Pencil sketch of boats in the harbour." || atts[1]["name"] != "Watercolour of a harbour at dusk." ||
		atts[0]["summary"] != atts[0]["name"] {
		t.Fatalf("attachments %v", atts)
	}
	if note["sensitive"] != true {
		t.Fatalf("a spoilered image must make the post sensitive: %v", note["sensitive"])
	}
	if !strings.Contains(note["content"].(string), "Art by mira") {
		t.Fatalf("credits missing from %q", note["content"])
	}
	noteIRI := note["id"].(string)
	var ackID string
	if err := w.dc.WaitFor(ctx, func() bool {
		for _, m := range w.dc.Messages(thread) {
			if m.Author.Bot && strings.Contains(m.Content, noteIRI) {
				ackID = m.ID
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("no acknowledgement linking %s in the thread", noteIRI)
	}

	// The thread is deleted; the artist deletes the post from a DM with its URL.
	if err := w.dc.DeleteThread(thread); err != nil {
		t.Fatal(err)
	}
	cmd, err := w.dc.RunSlashCommand(appID, otherID, "", "delete_fedi", map[string]string{"post": noteIRI})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.dc.WaitFor(ctx, func() bool { m, ok := cmd.Original(); return ok && m.Content != "" }); err != nil {
		t.Fatal(err)
	}
	if m, _ := cmd.Original(); !strings.Contains(m.Content, "Only the artist") {
		t.Fatalf("someone else's /delete_fedi answered %q", m.Content)
	}
	cmd, err = w.dc.RunSlashCommand(appID, artistID, "", "delete_fedi", map[string]string{"post": noteIRI})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.dc.WaitFor(ctx, func() bool { m, ok := cmd.Original(); return ok && strings.Contains(m.Content, "Deleted") }); err != nil {
		m, _ := cmd.Original()
		t.Fatalf("/delete_fedi answered %q: %v", m.Content, err)
	}
	if m, _ := cmd.Original(); !strings.Contains(m.Content, "confirmed") {
		t.Fatalf("the reply lacks the receipt: %q", m.Content)
	}
	remote.MustWaitFor(t, aptest.OfType("Delete"), 20*time.Second)
	if m, ok := w.dc.Message(thread, ackID); !ok || !m.Deleted {
		t.Fatalf("the acknowledgement was not removed")
	}
	if resp, _ := get(t, noteIRI, "application/activity+json"); resp.StatusCode != 410 {
		t.Fatalf("deleted note answers %d", resp.StatusCode)
	}
}
