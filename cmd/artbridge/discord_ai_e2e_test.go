package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap/aptest"
	"github.com/artbridge/artbridge/bridge/alttext/alttexttest"
	"github.com/artbridge/artbridge/discord/discordtest"
)

// An AI draft the artist keeps through the form (Discord may change its white
// space) stays labelled in the Note and is recorded as AI-written, with its
// model, in the database; an edited one is recorded as the artist's, edited
// from the model's draft.
func TestDiscordAIDraftProvenanceIsRecorded(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	ai := alttexttest.NewServer(t, alttexttest.Config{Model: "vision-test", MaxTokens: 300, BasePath: "/v1"})
	ai.SetDefault(alttexttest.Draft("A lighthouse at night."))
	w := newDiscordWorld(t)
	s := startServer(t, serverOptions{extraTOML: w.toml("") + `
[alttext]
base_url = "` + ai.BaseURL() + `"
model = "vision-test"
timeout = "2s"
`})
	w.waitReady(t, ctx)
	remote := followedBy(t, ctx, s)

	thread, err := w.dc.CreateForumThread(w.forum, artistID, "Two lights", "Two lighthouses",
		discordtest.File{Name: "a.png", ContentType: "image/png", Data: pngBytes(t, 48, 32), Width: 48, Height: 32},
		discordtest.File{Name: "b.png", ContentType: "image/png", Data: pngBytes(t, 32, 48), Width: 32, Height: 48})
	if err != nil {
		t.Fatal(err)
	}
	p := w.panel(t, ctx, thread, nil)
	click(t, ctx, w, artistID, p, "ai_toggle")
	p = w.panel(t, ctx, thread, func(m discordtest.Message) bool { return strings.Count(panelText(m), "lighthouse at night") == 2 })
	const label = "AI-generated description: "
	submitForm(t, ctx, w, artistID, p, map[string]string{
		"alt_0": "  " + label + "A lighthouse  at night.\r\n", // kept; only white space changed
		"alt_1": label + "A lighthouse at night, seen from the sea.",
	})
	p = w.panel(t, ctx, thread, func(m discordtest.Message) bool { return strings.Contains(panelText(m), "seen from the sea") })
	click(t, ctx, w, artistID, p, "confirm")
	create := remote.MustWaitFor(t, aptest.OfType("Create"), 20*time.Second)
	atts := attachmentsOf(t, create.Activity)
	if len(atts) != 2 || !strings.HasPrefix(atts[0]["name"].(string), label) || !strings.HasPrefix(atts[1]["name"].(string), label) {
		t.Fatalf("the label did not federate: %v", atts)
	}
	q := `SELECT COUNT(*) FROM posts, json_each(CAST(posts.submission AS TEXT), '$.images') i
		WHERE json_extract(i.value, '$.alt_source') = ? AND json_extract(i.value, '$.alt_model') = 'vision-test'`
	if n := queryInt(t, s.DataDir, q, "ai"); n != 1 {
		t.Fatalf("%d images recorded as AI-written by vision-test, want 1", n)
	}
	if n := queryInt(t, s.DataDir, q, "artist"); n != 1 {
		t.Fatalf("%d images recorded as the artist's edit of a vision-test draft, want 1", n)
	}
}
