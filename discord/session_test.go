package discord

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/artbridge/artbridge/discord/discordtest"
	"github.com/artbridge/artbridge/netguard"
)

func TestAPIBaseVariants(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, suffix, prefix string
	}{
		{"trailing slash", "/api/v9/", "/api/v9/"},
		{"v10", "/api/v10", "/api/v10/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := discordtest.New(t, discordtest.Options{HeartbeatInterval: 250 * time.Millisecond})
			e := newEnvOn(t, srv, true, func(c *Config) { c.APIBaseURL = srv.URL() + tc.suffix })
			e.thread(t, "42")
			for _, r := range srv.Requests() {
				if strings.HasPrefix(r.Path, "/api/") && !strings.HasPrefix(r.Path, tc.prefix) {
					t.Errorf("request went to %s, want prefix %s", r.Path, tc.prefix)
				}
				if strings.Contains(r.Path, "//") {
					t.Errorf("double slash in %s", r.Path)
				}
			}
		})
	}
}

func TestAPIBaseConfigErrors(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"ftp://x/api/v9", "https:///api/v9", "https://x/api/v8", "https://u:p@x/api/v9", "https://x/api/v9?a=1", "::"} {
		_, err := NewSession(SessionConfig{Token: "t", APIBaseURL: raw})
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Key != "discord.api_base_url" {
			t.Errorf("%q: err %v, want a ConfigError naming discord.api_base_url", raw, err)
		}
	}
}

// Two bots in one process, each against its own fake Discord, each completing
// its flow and reaching only its own server.
func TestTwoBotsTwoServers(t *testing.T) {
	t.Parallel()
	a := newEnv(t)
	b := newEnv(t)
	ta, pa := a.thread(t, "1")
	tb, pb := b.thread(t, "2")
	ia := a.press(t, "1", ta, pa, "Confirm")
	ib := b.press(t, "2", tb, pb, "Cancel")
	for _, i := range []interface {
		WaitCallback(context.Context) (discordtest.Callback, error)
	}{ia, ib} {
		if _, err := i.WaitCallback(ctxT(t, 5*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	for _, pair := range []struct {
		e     *env
		other string
	}{{a, b.token}, {b, a.token}} {
		for _, r := range pair.e.srv.Requests() {
			if r.Token == pair.other {
				t.Errorf("server of %s got a request with the other bot's token: %s %s", pair.e.token, r.Method, r.Path)
			}
		}
		if n := len(pair.e.srv.Identifies()); n != 1 || pair.e.srv.Identifies()[0].Token != pair.e.token {
			t.Errorf("identifies: %+v", pair.e.srv.Identifies())
		}
	}
}

func TestDownloadGuardAndLimits(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t, discordtest.Options{})
	data := []byte("\x89PNG\r\n\x1a\n0123456789")
	guild := srv.CreateGuild("g")
	forum := srv.CreateForum(guild, "f")
	thread, err := srv.CreateForumThread(forum, "5", "t", "c", discordtest.File{Name: "a.png", ContentType: "image/png", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	// Read the signed URL as a bot would.
	srv.AddBot("tk", "77")
	guarded, err := New(Config{Token: "tk", ApplicationID: "77", ArtForums: []string{forum}, APIBaseURL: srv.APIBase()}, newRecorder(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := guarded.FetchStarter(context.Background(), thread)
	if err != nil {
		t.Fatal(err)
	}
	url := st.Attachments[0].URL

	_, _, err = guarded.Download(context.Background(), url, 1<<20)
	if !errors.Is(err, netguard.ErrForbiddenAddress) {
		t.Errorf("loopback CDN: err %v, want ErrForbiddenAddress", err)
	}

	open, err := New(Config{Token: "tk", ApplicationID: "77", ArtForums: []string{forum}, APIBaseURL: srv.APIBase(),
		AllowPrivateAddresses: true}, newRecorder(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, ct, err := open.Download(context.Background(), url, 1<<20)
	if err != nil || string(body) != string(data) || ct != "image/png" {
		t.Errorf("download: %q %q %v", body, ct, err)
	}
	if _, _, err := open.Download(context.Background(), url, 5); !errors.Is(err, ErrTooLarge) {
		t.Errorf("limit: %v", err)
	}
	if _, _, err := open.Download(context.Background(), strings.Replace(url, "hm=", "hm=0", 1), 1<<20); err == nil {
		t.Error("a forged signature was served")
	}
	srv.SetCDNTTL(-time.Second)
	st, err = open.FetchStarter(context.Background(), thread)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := open.Download(context.Background(), st.Attachments[0].URL, 1<<20); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("expired URL: %v", err)
	}
}

func TestRateLimitRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.srv.CreateTextChannel(e.guild, "general")
	e.srv.RateLimit("POST", "/channels/"+ch+"/messages", 1, 300*time.Millisecond)
	start := time.Now()
	if _, err := e.bot.SendMessage(ctxT(t, 10*time.Second), ch, "hello https://example.org"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("retry_after not honoured: %v", d)
	}
	var statuses []int
	for _, r := range e.srv.Requests() {
		if r.Route == "/channels/"+ch+"/messages" {
			statuses = append(statuses, r.Status)
		}
	}
	if len(statuses) != 2 || statuses[0] != 429 || statuses[1] != 200 {
		t.Errorf("statuses %v", statuses)
	}
}

func TestOutboundOperations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mods := e.srv.CreateTextChannel(e.guild, "mods")
	ctx := ctxT(t, 10*time.Second)

	if err := e.bot.NotifyModerators(ctx, "logged only"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.logs.String(), "logged only") {
		t.Error("notice without channel not logged")
	}
	cfg := e.cfg
	cfg.ModeratorsChannel = mods
	withMods, err := New(cfg, newRecorder(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := withMods.NotifyModerators(ctx, "a reply was held for review"); err != nil {
		t.Fatal(err)
	}
	if m := e.srv.Messages(mods); len(m) != 1 || m[0].Content != "a reply was held for review" {
		t.Errorf("moderators channel: %+v", m)
	}

	if err := e.bot.DM(ctx, "42", "Your post was taken down: 3 servers confirmed."); err != nil {
		t.Fatal(err)
	}

	id, err := e.bot.SendMessage(ctx, mods, strings.Repeat("x", 2500))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.bot.DeleteMessage(ctx, mods, id); err != nil {
		t.Fatal(err)
	}
	if m := e.srv.Messages(mods); len(m) != 1 {
		t.Errorf("after delete: %d messages", len(m))
	}

	thread, panel := e.thread(t, "42")
	p := samplePanel("s1")
	p.State, p.PostURL, p.CanUpdate = StatePublished, "https://art.example/notes/1", true
	if err := e.bot.EditPanel(ctx, thread, panel, p); err != nil {
		t.Fatal(err)
	}
	m, _ := e.srv.Message(thread, panel)
	if b, ok := m.ButtonByLabel("Update on the Fediverse"); !ok || b.Disabled {
		t.Errorf("update button: %+v %v", b, ok)
	}
	if b, ok := m.ButtonByLabel("Confirm"); !ok || !b.Disabled {
		t.Errorf("confirm must be disabled once published")
	}
	if !strings.Contains(m.Content, "https://art.example/notes/1") {
		t.Errorf("content %q lacks the link", m.Content)
	}
	if err := e.bot.EditPanel(ctx, thread, "1", p); err == nil {
		t.Error("editing an unknown message succeeded")
	}
	if _, err := e.bot.FetchStarter(ctx, mods); err == nil {
		t.Error("FetchStarter of a text channel succeeded")
	}
}

func TestPanelsAcceptedByStrictFake(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ch := e.srv.CreateTextChannel(e.guild, "previews")
	long := strings.Repeat("é", 1500)
	p := Panel{SubmissionID: strings.Repeat("9", 60), Text: strings.Repeat("t", 5000), ContentWarning: strings.Repeat("c", 2000),
		Notice: strings.Repeat("n", 3000), AIAvailable: true, PostURL: "https://art.example/notes/1", CanUpdate: true}
	for i := 0; i < 4; i++ {
		p.Images = append(p.Images, PanelImage{Filename: strings.Repeat("f", 300), Alt: long, AltSource: AltArtist})
	}
	ctx := ctxT(t, 10*time.Second)
	for _, st := range []PanelState{StatePending, StatePublished, StateCancelled, StateExpired, StateDeleted} {
		p.State = st
		id, err := e.bot.SendPanel(ctx, ch, p)
		if err != nil {
			t.Fatalf("%s: %v", st, err)
		}
		if err := e.bot.EditPanel(ctx, ch, id, p); err != nil {
			t.Fatalf("%s edit: %v", st, err)
		}
	}
	// And the fake does refuse what Discord refuses.
	bad := p
	bad.SubmissionID = strings.Repeat("9", 120)
	if _, err := e.bot.SendPanel(ctx, ch, bad); err == nil {
		t.Error("over-long custom_id accepted")
	}
	_, err := e.bot.Session().ChannelMessageSendComplex(ch, &discordgo.MessageSend{
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: strings.Repeat("l", 81), CustomID: "x", Style: discordgo.PrimaryButton}}}},
	})
	if err == nil || !strings.Contains(err.Error(), "BASE_TYPE_MAX_LENGTH") {
		t.Errorf("label over 80 characters: %v", err)
	}
}
