package discord

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/artbridge/artbridge/discord/discordtest"
)

func TestGatewayDroppedMidFlowResumes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	thread, panel := e.thread(t, "42")

	e.srv.DropConnection()
	// While the bot is away: a new thread and a button press are dispatched;
	// Resume must replay them.
	second, err := e.srv.CreateForumThread(e.forum, "43", "Second", "more art")
	if err != nil {
		t.Fatal(err)
	}
	i := e.press(t, "42", thread, panel, "Confirm")
	e.rec.waitFor(t, "the replayed thread", 10*time.Second, func() bool { return e.rec.panels[second] != "" })
	cb, err := i.WaitCallback(ctxT(t, 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if cb.Type != 6 {
		t.Errorf("callback %+v", cb)
	}
	if err := e.srv.WaitFor(ctxT(t, 10*time.Second), func() bool {
		m, _ := e.srv.Message(thread, panel)
		return strings.Contains(m.Content, "pressed confirm")
	}); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Resumes(e.token); n < 1 {
		t.Errorf("resumes = %d, want ≥ 1", n)
	}
	if n := len(e.srv.Identifies()); n != 1 {
		t.Errorf("identifies = %d, want 1 (resumed, not re-identified)", n)
	}
}

func TestOp7ReconnectResumes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.srv.Reconnect()
	if err := e.srv.WaitFor(ctxT(t, 10*time.Second), func() bool { return e.srv.Resumes(e.token) >= 1 }); err != nil {
		t.Fatal(err)
	}
	e.thread(t, "42") // the flow still works after the reconnection
	if n := len(e.srv.Identifies()); n != 1 {
		t.Errorf("identifies = %d, want 1", n)
	}
}

func TestInvalidSessionReidentifies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.srv.InvalidateSessions(false)
	if err := e.srv.WaitFor(ctxT(t, 10*time.Second), func() bool { return len(e.srv.Identifies()) == 2 }); err != nil {
		t.Fatal(err)
	}
	e.thread(t, "42")
}

func TestDiscordDownAtStart(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t, discordtest.Options{HeartbeatInterval: 250 * time.Millisecond})
	srv.Down()
	begin := time.Now()
	e := newEnvOn(t, srv, false)
	if d := time.Since(begin); d > 500*time.Millisecond {
		t.Errorf("New+Start took %v; Start must not block", d)
	}
	gatewayGets := func() []time.Time {
		var at []time.Time
		for _, r := range srv.Requests() {
			if r.Route == "/gateway" {
				at = append(at, r.At)
			}
		}
		return at
	}
	if err := srv.WaitFor(ctxT(t, 10*time.Second), func() bool { return len(gatewayGets()) >= 4 }); err != nil {
		t.Fatal(err)
	}
	if e.bot.Connected() {
		t.Error("connected while Discord is down")
	}
	at := gatewayGets()
	// Backoff grows: the third gap is longer than the first (jitter covers half).
	if g1, g3 := at[1].Sub(at[0]), at[3].Sub(at[2]); g3 <= g1 {
		t.Errorf("no backoff: gaps %v then %v", g1, g3)
	}
	srv.Up()
	e.waitReady(t, 5*time.Second)
	e.thread(t, "42")
	if !strings.Contains(e.logs.String(), "unreachable") {
		t.Errorf("failures not logged")
	}
}

func TestCloseWhileRetrying(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t, discordtest.Options{})
	srv.Down()
	e := newEnvOn(t, srv, false)
	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	if err := e.bot.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v", d)
	}
}
