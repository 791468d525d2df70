package discord

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/artbridge/artbridge/discord/discordtest"
)

// recorder is a Handler that records every call and answers as scripted.
type recorder struct {
	mu        sync.Mutex
	changed   chan struct{}
	bot       *Bot
	started   []Starter
	edited    []Starter
	deleted   []string
	presses   []Press
	forms     []Press
	submitted [][]string
	cws       []string // content warnings submitted with the form
	deletes   []deleteCall
	panels    map[string]string // thread ID → panel message ID

	// Scripts (set before the flow starts).
	buttonDelay time.Duration
	buttonReply func(Press) Reply
	formReply   func(Press) (Form, string)
	deleteReply func(Invocation, string) Reply
}

type deleteCall struct {
	inv Invocation
	ref string
}

func newRecorder() *recorder {
	return &recorder{changed: make(chan struct{}), panels: map[string]string{}}
}

func (r *recorder) notify() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// samplePanel is the panel the recorder posts for a thread.
func samplePanel(sub string) Panel {
	return Panel{
		SubmissionID: sub, State: StatePending, Text: "A fox at dusk\n\n#art #fox",
		Images: []PanelImage{{Filename: "fox.png", Alt: "A red fox", AltSource: AltArtist},
			{Filename: "SPOILER_b.png", Spoiler: true}},
		Sensitive: true, AIAvailable: true, CreditsIncluded: true,
	}
}

func (r *recorder) ThreadStarted(ctx context.Context, s Starter) {
	r.mu.Lock()
	r.started = append(r.started, s)
	bot := r.bot
	r.mu.Unlock()
	var id string
	if bot != nil {
		var err error
		id, err = bot.SendPanel(ctx, s.ThreadID, samplePanel("sub"+s.ThreadID))
		if err != nil {
			id = "error: " + err.Error()
		}
	}
	r.mu.Lock()
	r.panels[s.ThreadID] = id
	r.notify()
	r.mu.Unlock()
}

func (r *recorder) StarterEdited(_ context.Context, s Starter) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.edited = append(r.edited, s)
	r.notify()
}

func (r *recorder) ThreadDeleted(_ context.Context, id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deleted = append(r.deleted, id)
	r.notify()
}

func (r *recorder) PanelButton(ctx context.Context, p Press) Reply {
	r.mu.Lock()
	delay, script := r.buttonDelay, r.buttonReply
	r.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
		}
	}
	r.mu.Lock()
	r.presses = append(r.presses, p)
	r.notify()
	r.mu.Unlock()
	if script != nil {
		return script(p)
	}
	pn := samplePanel(p.SubmissionID)
	pn.Notice = "pressed " + string(p.Action)
	return Reply{Panel: &pn}
}

func (r *recorder) DescriptionsForm(_ context.Context, p Press) (Form, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.forms = append(r.forms, p)
	r.notify()
	if r.formReply != nil {
		return r.formReply(p)
	}
	return Form{Title: "Describe your images", Fields: []FormField{
		{Label: "fox.png", Value: "A red fox"},
		{Label: "SPOILER_b.png", Placeholder: "What does it show?"},
	}}, ""
}

func (r *recorder) DescriptionsSubmitted(_ context.Context, p Press, form FormValues) Reply {
	values := form.Alts
	r.mu.Lock()
	defer r.mu.Unlock()
	r.submitted = append(r.submitted, values)
	r.cws = append(r.cws, form.ContentWarning)
	r.notify()
	pn := samplePanel(p.SubmissionID)
	for i := range pn.Images {
		if i < len(values) {
			pn.Images[i].Alt = values[i]
		}
	}
	return Reply{Panel: &pn, Ephemeral: "Descriptions saved."}
}

func (r *recorder) DeleteCommand(_ context.Context, inv Invocation, ref string) Reply {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deletes = append(r.deletes, deleteCall{inv, ref})
	r.notify()
	if r.deleteReply != nil {
		return r.deleteReply(inv, ref)
	}
	return Reply{Ephemeral: "Deleted " + ref}
}

// waitFor polls cond under the recorder's lock until true or the timeout.
func (r *recorder) waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		ok := cond()
		ch := r.changed
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
	}
}

// env is one fake Discord with one bot connected to it.
type env struct {
	srv   *discordtest.Server
	bot   *Bot
	rec   *recorder
	cfg   Config
	token string
	appID string
	guild string
	forum string
	logs  *lockedBuffer
}

var envCounter atomic.Int64

type envOption func(*Config)

// newEnv starts a fake Discord, a bot against it, and waits for the connection.
func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	srv := discordtest.New(t, discordtest.Options{HeartbeatInterval: 250 * time.Millisecond})
	return newEnvOn(t, srv, true, opts...)
}

func newEnvOn(t *testing.T, srv *discordtest.Server, wait bool, opts ...envOption) *env {
	t.Helper()
	n := envCounter.Add(1)
	e := &env{srv: srv, token: fmt.Sprintf("token-%d.secret", n), appID: fmt.Sprintf("%d", 900000000000000000+n),
		rec: newRecorder(), logs: &lockedBuffer{}}
	srv.AddBot(e.token, e.appID)
	e.guild = srv.CreateGuild("Art club")
	e.forum = srv.CreateForum(e.guild, "art")
	e.cfg = Config{
		Token: e.token, ApplicationID: e.appID, GuildID: e.guild, ArtForums: []string{e.forum},
		APIBaseURL: srv.APIBase(), ReconnectMin: 50 * time.Millisecond, ReconnectMax: 400 * time.Millisecond,
		HTTPTimeout: 5 * time.Second,
	}
	for _, o := range opts {
		o(&e.cfg)
	}
	logger := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	bot, err := New(e.cfg, e.rec, logger, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.bot = bot
	e.rec.bot = bot
	if err := bot.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := bot.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
		if t.Failed() {
			t.Logf("bot log:\n%s", e.logs.String())
		}
	})
	if wait {
		e.waitReady(t, 5*time.Second)
	}
	return e
}

func (e *env) waitReady(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case <-e.bot.Ready():
	case <-time.After(d):
		t.Fatalf("bot did not connect within %v; log:\n%s", d, e.logs.String())
	}
}

// thread posts a forum thread and waits until the bot has posted its panel.
func (e *env) thread(t *testing.T, author string, files ...discordtest.File) (threadID, panelID string) {
	t.Helper()
	id, err := e.srv.CreateForumThread(e.forum, author, "My fox", "Look <:blob:123456789012345678>", files...)
	if err != nil {
		t.Fatal(err)
	}
	e.rec.waitFor(t, "the panel", 10*time.Second, func() bool { return e.rec.panels[id] != "" })
	e.rec.mu.Lock()
	panelID = e.rec.panels[id]
	e.rec.mu.Unlock()
	if strings.HasPrefix(panelID, "error") {
		t.Fatalf("posting the panel failed: %s", panelID)
	}
	return id, panelID
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// lockedBuffer is a goroutine-safe log sink.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
