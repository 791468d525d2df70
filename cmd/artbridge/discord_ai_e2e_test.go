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
	_, w, s, remote := startDiscordWithAI(t, ctx, "A lighthouse at night.")

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

// startDiscordWithAI starts artbridge on a fake Discord with AI alt text from
// a fake OpenAI-compatible server whose every draft is draft, and a follower.
func startDiscordWithAI(t *testing.T, ctx context.Context, draft string) (*alttexttest.Server, *discordWorld, *server, *aptest.Server) {
	t.Helper()
	ai := alttexttest.NewServer(t, alttexttest.Config{Model: "vision-test", MaxTokens: 300, BasePath: "/v1"})
	ai.SetDefault(alttexttest.Draft(draft))
	w := newDiscordWorld(t)
	s := startServer(t, serverOptions{extraTOML: w.toml("") + aiTOML(ai, "")})
	w.waitReady(t, ctx)
	return ai, w, s, followedBy(t, ctx, s)
}

// aiTOML is the [alttext] section pointing at ai, plus extra keys.
func aiTOML(ai *alttexttest.Server, extra string) string {
	return "\n[alttext]\nbase_url = \"" + ai.BaseURL() + "\"\nmodel = \"vision-test\"\ntimeout = \"2s\"\n" + extra
}
