package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap/aptest"
	"github.com/artbridge/artbridge/bridge/alttext/alttexttest"
	"github.com/artbridge/artbridge/discord/discordtest"
)

// postArt opens a forum thread with one undescribed PNG and returns the thread.
func postArt(t *testing.T, w *discordWorld, content string) string {
	t.Helper()
	thread, err := w.dc.CreateForumThread(w.forum, artistID, "New piece", content,
		discordtest.File{Name: "piece.png", ContentType: "image/png", Data: pngBytes(t, 48, 32), Width: 48, Height: 32})
	if err != nil {
		t.Fatal(err)
	}
	return thread
}

// confirmTwice presses Confirm; with an undescribed image the first press asks,
// the second publishes.
func confirmTwice(t *testing.T, ctx context.Context, w *discordWorld, thread string) {
	t.Helper()
	p := w.panel(t, ctx, thread, nil)
	click(t, ctx, w, artistID, p, "confirm")
	p = w.panel(t, ctx, thread, func(m discordtest.Message) bool {
		return strings.Contains(panelText(m), "no description") && strings.Contains(panelText(m), "Confirm") && strings.Contains(panelText(m), "again")
	})
	click(t, ctx, w, artistID, p, "confirm")
}

func TestDiscordRestartBetweenPanelAndConfirm(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	w := newDiscordWorld(t)
	s := w.serve(t, ctx, "")
	remote := followedBy(t, ctx, s)

	thread := postArt(t, w, "Before the restart")
	p := w.panel(t, ctx, thread, nil)
	dataDir, addr := s.DataDir, s.addr
	s.Stop()

	s2 := startServer(t, serverOptions{dataDir: dataDir, addr: addr, extraTOML: w.toml("")})
	_ = s2
	if err := w.dc.WaitFor(ctx, func() bool { return w.dc.Connected(w.token) > 0 }); err != nil {
		t.Fatal(err)
	}
	// The old panel's buttons still work after the restart.
	click(t, ctx, w, artistID, p, "confirm")
	p = w.panel(t, ctx, thread, func(m discordtest.Message) bool { return strings.Contains(panelText(m), "again") })
	click(t, ctx, w, artistID, p, "confirm")
	create := remote.MustWaitFor(t, aptest.OfType("Create"), 20*time.Second)
	if !strings.Contains(create.Activity["object"].(map[string]any)["content"].(string), "Before the restart") {
		t.Fatalf("published %v", create.Activity["object"])
	}
}

func TestDiscordAIAltTextOnlyWithConsent(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	ai, w, _, remote := startDiscordWithAI(t, ctx, "A small abstract pattern of coloured stripes.")

	// Without consent: no request reaches the AI at all, and the post goes out undescribed.
	thread := postArt(t, w, "No AI please")
	confirmTwice(t, ctx, w, thread)
	create := remote.MustWaitFor(t, aptest.OfType("Create"), 20*time.Second)
	if atts := attachmentsOf(t, create.Activity); atts[0]["name"] != nil {
		t.Fatalf("published a description nobody wrote: %v", atts[0])
	}
	if n := ai.Count(); n != 0 {
		t.Fatalf("%d requests reached the AI without consent", n)
	}

	// With consent: toggle on → draft shown, labelled → Confirm → the follower gets it.
	thread = postArt(t, w, "AI welcome")
	p := w.panel(t, ctx, thread, nil)
	if !strings.Contains(strings.ToLower(panelText(p)+buttonLabels(p)), "ai alt text: off") {
		t.Fatalf("the AI toggle does not say it is off: %s", buttonLabels(p))
	}
	click(t, ctx, w, artistID, p, "ai_toggle")
	p = w.panel(t, ctx, thread, func(m discordtest.Message) bool {
		return strings.Contains(panelText(m), "abstract pattern")
	})
	if !strings.Contains(panelText(p), "AI-generated description: ") {
		t.Fatalf("the draft is not labelled in the panel:\n%s", panelText(p))
	}
	click(t, ctx, w, artistID, p, "confirm")
	creates, err := remote.WaitForN(ctx, 2, aptest.OfType("Create"), 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	atts := attachmentsOf(t, creates[1].Activity)
	if atts[0]["name"] != "AI-generated description: A small abstract pattern of coloured stripes." || atts[0]["summary"] != atts[0]["name"] {
		t.Fatalf("published description %v", atts[0])
	}
	if n := ai.Count(); n != 1 || len(ai.Violations()) != 0 {
		t.Fatalf("AI requests %d, violations %v", n, ai.Violations())
	}

	// Failures leave the description empty, tell the artist, and Confirm still works.
	for i, reply := range []alttexttest.Reply{alttexttest.ServerError(), alttexttest.TooManyRequests(30 * time.Second),
		alttexttest.Truncated("A half"), alttexttest.Slow(5*time.Second, "too late")} {
		ai.Enqueue(reply)
		thread = postArt(t, w, "Failure case "+strconv.Itoa(i))
		p = w.panel(t, ctx, thread, nil)
		if strings.Contains(strings.ToLower(buttonLabels(p)), "ai alt text: off") {
			// Consent is remembered from the earlier toggle; it should be on already.
			t.Fatalf("the artist's AI choice was not remembered: %s", buttonLabels(p))
		}
		w.panel(t, ctx, thread, func(m discordtest.Message) bool {
			txt := panelText(m)
			return strings.Contains(txt, "Image 1:") && strings.Contains(strings.ToLower(txt), "no description")
		})
		confirmTwice(t, ctx, w, thread)
		if _, err := remote.WaitForN(ctx, 3+i, aptest.OfType("Create"), 20*time.Second); err != nil {
			t.Fatalf("failure case %d: not published: %v", i, err)
		}
	}
}

func buttonLabels(m discordtest.Message) string {
	var b strings.Builder
	for _, c := range discordtest.Buttons(m.Components) {
		b.WriteString(c.LabelText() + "|")
	}
	return b.String()
}

func TestDiscordGatewayDropAndDiscordDownAtStart(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	w := newDiscordWorld(t)
	w.dc.Down()
	s := startServer(t, serverOptions{extraTOML: w.toml("")})
	// Discord is down, the Fediverse side serves.
	if resp, _ := get(t, s.BaseURL+"/users/art", "application/activity+json"); resp.StatusCode != 200 {
		t.Fatalf("actor while Discord is down: %d", resp.StatusCode)
	}
	w.dc.Up()
	w.waitReady(t, ctx)
	remote := followedBy(t, ctx, s)

	thread := postArt(t, w, "Dropped mid-flow")
	p := w.panel(t, ctx, thread, nil)
	w.dc.DropConnection()
	if err := w.dc.WaitFor(ctx, func() bool { return w.dc.Resumes(w.token) > 0 && w.dc.Connected(w.token) > 0 }); err != nil {
		t.Fatalf("no resume after the drop: %v", err)
	}
	click(t, ctx, w, artistID, p, "confirm")
	p = w.panel(t, ctx, thread, func(m discordtest.Message) bool { return strings.Contains(panelText(m), "again") })
	click(t, ctx, w, artistID, p, "confirm")
	remote.MustWaitFor(t, aptest.OfType("Create"), 20*time.Second)
}

func TestDiscordHTTPInteractionsEndpoint(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	w := newDiscordWorld(t)
	s := w.serve(t, ctx, `public_key = "`+hex.EncodeToString(pub)+`"`)
	w.dc.SetInteractionsEndpoint(appID, s.BaseURL+"/discord/interactions", priv)

	ping, err := w.dc.Ping(appID)
	if err != nil {
		t.Fatal(err)
	}
	if cb, err := ping.WaitCallback(ctx); err != nil || cb.Type != 1 {
		t.Fatalf("PING answered %+v %v, want PONG", cb, err)
	}
	// A panel button over HTTP is handled too.
	thread := postArt(t, w, "Over HTTP")
	p := w.panel(t, ctx, thread, nil)
	in := click(t, ctx, w, otherID, p, "confirm")
	if f := waitFollowup(t, ctx, w, in); !strings.Contains(f.Content, "Only the artist") {
		t.Fatalf("follow-up %q", f.Content)
	}

	body := []byte(`{"type":1,"id":"1","application_id":"` + appID + `","token":"x","version":1}`)
	sign := func(ts string, b []byte) string {
		return hex.EncodeToString(ed25519.Sign(priv, append([]byte(ts), b...)))
	}
	now := strconv.FormatInt(time.Now().Unix(), 10)
	old := strconv.FormatInt(time.Now().Add(-6*time.Minute).Unix(), 10)
	flipped := sign(now, body)
	flipped = flipped[:10] + string("0123456789abcdef"[(strings.IndexByte("0123456789abcdef", flipped[10])+1)%16]) + flipped[11:]
	big := append(append([]byte(`{"type":1,"pad":"`), bytes.Repeat([]byte("a"), 70<<10)...), '"', '}')
	cases := []struct {
		name    string
		ts, sig string
		body    []byte
		want    int
	}{
		{"valid", now, sign(now, body), body, 200},
		{"flipped byte", now, flipped, body, 401},
		{"old timestamp", old, sign(old, body), body, 401},
		{"oversized", now, sign(now, big), big, 413},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(http.MethodPost, s.BaseURL+"/discord/interactions", bytes.NewReader(c.body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Signature-Ed25519", c.sig)
		req.Header.Set("X-Signature-Timestamp", c.ts)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s: %d, want %d", c.name, resp.StatusCode, c.want)
		}
	}
}

// Two bridges in one process, each against its own fake Discord, with api_base_url
// written with a trailing slash and as /api/v10.
func TestTwoBridgesAgainstTwoDiscordServers(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	a := newDiscordWorldWithToken(t, "QUFB.first.bot")
	b := newDiscordWorldWithToken(t, "QkJC.second.bot")
	a.base = a.dc.APIBase() + "/"
	b.base = b.dc.URL() + "/api/v10"
	sa := startServer(t, serverOptions{extraTOML: a.toml("")})
	sb := startServer(t, serverOptions{extraTOML: b.toml("")})
	a.waitReady(t, ctx)
	b.waitReady(t, ctx)
	remote := aptest.NewServer(t)
	fa, fb := remote.AddActor("fa"), remote.AddActor("fb")
	follow(t, ctx, sa, fa)
	follow(t, ctx, sb, fb)

	ta := postArt(t, a, "From the first community")
	tb := postArt(t, b, "From the second community")
	confirmTwice(t, ctx, a, ta)
	confirmTwice(t, ctx, b, tb)
	creates, err := remote.WaitForN(ctx, 2, aptest.OfType("Create"), 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range creates {
		content := c.Activity["object"].(map[string]any)["content"].(string)
		switch {
		case strings.HasPrefix(c.Actor, sa.BaseURL) && !strings.Contains(content, "first community"),
			strings.HasPrefix(c.Actor, sb.BaseURL) && !strings.Contains(content, "second community"):
			t.Fatalf("%s published %q", c.Actor, content)
		}
	}
	// Each fake saw only its own bot.
	for _, w := range []*discordWorld{a, b} {
		for _, r := range w.dc.Requests() {
			if r.Token != "" && r.Token != w.token {
				t.Fatalf("a request with token %q reached the other server", r.Token)
			}
		}
		if len(w.dc.Messages(ta))+len(w.dc.Messages(tb)) == 0 {
			t.Fatal("no messages at all")
		}
	}
	// Fake Discords number their objects alike, so compare contents, not IDs:
	// each thread's acknowledgement links its own bridge's post only. The
	// acknowledgement is posted after the Create is queued, so it may still
	// be on its way when the Create has arrived.
	for _, c := range []struct {
		w            *discordWorld
		thread       string
		own, foreign string
	}{{a, ta, sa.BaseURL, sb.BaseURL}, {b, tb, sb.BaseURL, sa.BaseURL}} {
		waitUntil(t, "the acknowledgement in thread "+c.thread, 10*time.Second, func() bool {
			for _, m := range c.w.dc.Messages(c.thread) {
				if strings.Contains(m.Content, c.own+"/notes/") {
					return true
				}
			}
			return false
		})
		for _, m := range c.w.dc.Messages(c.thread) {
			if strings.Contains(m.Content, c.foreign) {
				t.Fatalf("a message of the other bridge reached this server: %q", m.Content)
			}
		}
	}
}

func TestDiscordConfigErrorsNameTheKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := dir + "/artbridge.toml"
	for _, c := range []struct{ toml, key string }{
		{"[discord]\ntoken = \"x\"\napplication_id = \"1\"\nart_forums = [\"2\"]\napi_base_url = \"ftp://example.org/api\"\n", "discord.api_base_url"},
		{"[discord]\ntoken = \"x\"\napplication_id = \"1\"\nart_forums = [\"2\"]\npending_expiry = \"soon\"\n", "discord.pending_expiry"},
		{"[discord]\ntokn = \"x\"\n", "discord.tokn"},
	} {
		if err := writeConfigFile(cfg, "data_dir = \""+dir+"/data\"\n"+c.toml); err != nil {
			t.Fatal(err)
		}
		var errOut syncBuffer
		code := Main(context.Background(), []string{"serve", "--config", cfg}, Env{Stdout: &errOut, Stderr: &errOut})
		if code != exitUsage || !strings.Contains(errOut.String(), c.key) {
			t.Errorf("config %q: exit %d, output %q; want exit 2 naming %s", c.toml, code, errOut.String(), c.key)
		}
	}
}

func TestDiscordEditAfterPublishSendsUpdateAndLinksOnlyAreExplained(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	w := newDiscordWorld(t)
	s := w.serve(t, ctx, `terms_url = "https://club.example/terms"`)
	remote := followedBy(t, ctx, s)

	// A post with links but no images gets an explanation, not a panel.
	linkOnly, err := w.dc.CreateForumThread(w.forum, artistID, "Look", "My art is at https://example.org/gallery/1")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.dc.WaitFor(ctx, func() bool {
		for _, m := range w.dc.Messages(linkOnly) {
			if m.Author.Bot && strings.Contains(m.Content, "attach") {
				return len(discordtest.Buttons(m.Components)) == 0
			}
		}
		return false
	}); err != nil {
		t.Fatalf("no explanation for a links-only post: %+v", w.dc.Messages(linkOnly))
	}

	thread := postArt(t, w, "First version")
	if p := w.panel(t, ctx, thread, nil); !strings.Contains(panelText(p), "https://club.example/terms") {
		t.Fatalf("the pending panel does not link the terms:\n%s", panelText(p))
	}
	confirmTwice(t, ctx, w, thread)
	remote.MustWaitFor(t, aptest.OfType("Create"), 20*time.Second)

	// The artist edits the starter message: the panel offers an Update.
	if err := w.dc.EditMessage(thread, thread, "Second version, with a typo fixed"); err != nil {
		t.Fatal(err)
	}
	p := w.panel(t, ctx, thread, func(m discordtest.Message) bool {
		for _, b := range discordtest.Buttons(m.Components) {
			if strings.HasPrefix(b.CustomID, "ab:update_fedi:") && !b.Disabled {
				return true
			}
		}
		return false
	})
	// Only the artist may send it.
	in := click(t, ctx, w, otherID, p, "update_fedi")
	if f := waitFollowup(t, ctx, w, in); !strings.Contains(f.Content, "Only the artist") {
		t.Fatalf("non-artist update: %q", f.Content)
	}
	click(t, ctx, w, artistID, p, "update_fedi")
	upd := remote.MustWaitFor(t, aptest.OfType("Update"), 20*time.Second)
	obj := upd.Activity["object"].(map[string]any)
	if !strings.Contains(obj["content"].(string), "Second version") || obj["updated"] == nil {
		t.Fatalf("Update carries %v", obj)
	}
}

func TestDiscordPendingSubmissionsExpire(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	w := newDiscordWorld(t)
	s := w.serve(t, ctx, `pending_expiry = "1s"`)
	thread := postArt(t, w, "Too slow")
	p := w.panel(t, ctx, thread, nil)
	time.Sleep(1500 * time.Millisecond)
	in := click(t, ctx, w, artistID, p, "confirm")
	if f := waitFollowup(t, ctx, w, in); !strings.Contains(f.Content, "expired") {
		t.Fatalf("Confirm after expiry answered %q", f.Content)
	}
	if n := countRows(t, s.DataDir, "posts"); n != 0 {
		t.Fatalf("an expired submission was published (%d posts)", n)
	}
}

func TestDiscordOneLiveSubmissionPerThread(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	w := newDiscordWorld(t)
	w.serve(t, ctx, "")
	thread := postArt(t, w, "Only once")
	w.panel(t, ctx, thread, nil)
	ch, _ := w.dc.Channel(thread)
	// The gateway delivers THREAD_CREATE again (as after a resume replay).
	w.dc.Dispatch(w.token, "THREAD_CREATE", map[string]any{"id": thread, "type": 11, "guild_id": ch.GuildID,
		"parent_id": w.forum, "owner_id": artistID, "name": "New piece", "newly_created": true})
	w.dc.Dispatch(w.token, "THREAD_CREATE", map[string]any{"id": thread, "type": 11, "guild_id": ch.GuildID,
		"parent_id": w.forum, "owner_id": artistID, "name": "New piece", "newly_created": true})
	time.Sleep(time.Second)
	panels := 0
	for _, m := range w.dc.Messages(thread) {
		if m.Author.Bot && len(discordtest.Buttons(m.Components)) > 0 {
			panels++
		}
	}
	if panels != 1 {
		t.Fatalf("%d panels in one thread, want 1", panels)
	}
}

// The AI alt text budget holds across a restart: with a daily budget of one
// request, the draft made before the restart uses it up for the day.
func TestDiscordAIBudgetSurvivesARestart(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	ai := alttexttest.NewServer(t, alttexttest.Config{Model: "vision-test", MaxTokens: 300, BasePath: "/v1"})
	ai.SetDefault(alttexttest.Draft("A lighthouse at night."))
	w := newDiscordWorld(t)
	extra := w.toml("") + aiTOML(ai, "daily_budget = 1\n")
	s := startServer(t, serverOptions{extraTOML: extra})
	w.waitReady(t, ctx)
	thread := postArt(t, w, "Before the restart")
	p := w.panel(t, ctx, thread, nil)
	click(t, ctx, w, artistID, p, "ai_toggle")
	w.panel(t, ctx, thread, func(m discordtest.Message) bool { return strings.Contains(panelText(m), "lighthouse") })

	dataDir, addr := s.DataDir, s.addr
	s.Stop()
	startServer(t, serverOptions{dataDir: dataDir, addr: addr, extraTOML: extra})
	if err := w.dc.WaitFor(ctx, func() bool { return w.dc.Connected(w.token) > 0 }); err != nil {
		t.Fatal(err)
	}
	thread = postArt(t, w, "After the restart")
	w.panel(t, ctx, thread, func(m discordtest.Message) bool {
		return strings.Contains(panelText(m), "budget for today is used up")
	})
	if n := ai.Count(); n != 1 {
		t.Fatalf("%d requests reached the AI, want 1: the budget was reset by the restart", n)
	}
}
