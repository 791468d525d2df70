package relay_test

import (
	"slices"
	"testing"
)

// TestGatewayReconnectRequestsResume has discordtest's gateway send op 7
// (RECONNECT) and op 9 (INVALID_SESSION, resumable) to a running relay: each
// time the relay resumes its session (no new identify) and the bot gets every
// dispatch once, in order.
func TestGatewayReconnectRequestsResume(t *testing.T) {
	e := newEnv(t, nil)
	e.dt.AddBot("tok", "211")
	b := newBot(t, "reconnecting", "s3cret")
	e.register("reconnecting", registration{Token: "tok", Intents: intentsMessages,
		Criteria: map[string]any{"t": "MESSAGE_CREATE"}, Dst: b.dst(), ClientSecret: b.secret})
	waitFor(t, "gateway", func() bool { return e.dt.Connected("tok") == 1 })
	e.dt.Dispatch("tok", "MESSAGE_CREATE", message("1", "m1"))
	waitFor(t, "first", func() bool { return b.lastAckNow() == 1 })

	e.dt.Reconnect()
	waitFor(t, "resumed after op 7", func() bool { return e.dt.Resumes("tok") == 1 && e.dt.Connected("tok") == 1 })
	e.dt.Dispatch("tok", "MESSAGE_CREATE", message("1", "m2"))
	e.dt.InvalidateSessions(true)
	waitFor(t, "resumed after op 9", func() bool { return e.dt.Resumes("tok") == 2 && e.dt.Connected("tok") == 1 })
	e.dt.Dispatch("tok", "MESSAGE_CREATE", message("1", "m3"))
	waitFor(t, "all three", func() bool { return b.lastAckNow() == 3 })
	if got, want := b.received(), []string{"MESSAGE_CREATE:m1", "MESSAGE_CREATE:m2", "MESSAGE_CREATE:m3"}; !slices.Equal(got, want) {
		t.Fatalf("received %q, want %q", got, want)
	}
	if n := len(e.dt.Identifies()); n != 1 {
		t.Errorf("%d identifies, want 1 (resumes only)", n)
	}
}
