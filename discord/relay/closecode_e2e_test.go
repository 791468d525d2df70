package relay_test

import (
	"strings"
	"testing"
)

// Discord ends a session with a close code it will not accept again (4004
// authentication failed, 4014 disallowed intents): the relay is disabled with
// its own wording of the reason, not Discord's text.
func TestGatewayCloseCodesDisableTheRelay(t *testing.T) {
	for _, c := range []struct {
		code int
		want string
	}{{4004, "token"}, {4014, "intent"}} {
		e := newEnv(t, nil)
		token := "token-close-" + itoa(c.code)
		e.dt.AddBot(token, "20"+itoa(c.code))
		b := newBot(t, "closer", "s3cret")
		st := e.register("closer", registration{Token: token, Intents: intentsMessages,
			Criteria: map[string]any{"t": "MESSAGE_CREATE"}, Dst: b.dst(), ClientSecret: b.secret})
		if !st.Enabled {
			t.Fatalf("registered disabled: %s", st.DisabledReason)
		}
		waitFor(t, "gateway connected", func() bool { return e.dt.Connected(token) == 1 })
		if n := e.dt.CloseSessions(token, c.code, "Discord's own words"); n != 1 {
			t.Fatalf("closed %d sessions", n)
		}
		waitFor(t, "disabled after close code", func() bool { return !e.statuses()["closer"].Enabled })
		reason := e.statuses()["closer"].DisabledReason
		if !strings.Contains(strings.ToLower(reason), c.want) || strings.Contains(reason, "Discord's own words") {
			t.Fatalf("close %d: reason %q", c.code, reason)
		}
		e.stop()
	}
}
