package relay_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/artbridge/artbridge/discord/discordtest"
	"github.com/artbridge/artbridge/discord/relay"
)

const intentsMessages = discordtest.IntentGuildMessages | discordtest.IntentMessageContent

// TestThreeBotsGetExactlyTheirMatches registers three bots with different
// criteria, sends every bot the same dispatches, and checks each bot's
// downstream receives exactly its matches, in order, numbered 1, 2, 3…
func TestThreeBotsGetExactlyTheirMatches(t *testing.T) {
	e := newEnv(t, nil)
	type spec struct {
		alias    string
		criteria any
		want     []string
	}
	specs := []spec{
		{"by-channel", map[string]any{"t": "MESSAGE_CREATE", "d.channel_id": "10"},
			[]string{"MESSAGE_CREATE:hello", "MESSAGE_CREATE:!art one"}},
		// criteria as a JSON string holding the object, as some DCC clients send it
		{"by-prefix", `{"t":"MESSAGE_CREATE","d.content":{"$regex":"^!art\\b"}}`,
			[]string{"MESSAGE_CREATE:!art one", "MESSAGE_CREATE:!art two"}},
		{"by-type", map[string]any{"t": map[string]any{"$in": []string{"MESSAGE_UPDATE", "MESSAGE_DELETE"}}},
			[]string{"MESSAGE_UPDATE:edited", "MESSAGE_DELETE:"}},
	}
	bots := map[string]*bot{}
	for i, s := range specs {
		token := "token-" + s.alias
		e.dt.AddBot(token, "10"+string(rune('1'+i)))
		b := newBot(t, s.alias, "secret-"+s.alias)
		bots[s.alias] = b
		st := e.register(s.alias, registration{Token: token, Intents: intentsMessages, Criteria: s.criteria,
			Dst: b.dst(), ClientSecret: b.secret})
		if !st.Enabled {
			t.Fatalf("%s registered disabled: %s", s.alias, st.DisabledReason)
		}
	}
	for _, s := range specs {
		waitFor(t, s.alias+" gateway", func() bool { return e.dt.Connected("token-"+s.alias) == 1 })
	}
	for _, s := range specs {
		token := "token-" + s.alias
		e.dt.Dispatch(token, "MESSAGE_CREATE", message("10", "hello"))
		e.dt.Dispatch(token, "MESSAGE_CREATE", message("10", "!art one"))
		e.dt.Dispatch(token, "MESSAGE_CREATE", message("11", "!art two"))
		e.dt.Dispatch(token, "MESSAGE_CREATE", message("11", "!artist"))
		e.dt.Dispatch(token, "MESSAGE_UPDATE", message("12", "edited"))
		e.dt.Dispatch(token, "MESSAGE_DELETE", map[string]any{"id": "5", "channel_id": "12"})
		e.dt.Dispatch(token, "TYPING_START", map[string]any{"channel_id": "10", "user_id": "77"})
	}
	for _, s := range specs {
		b := bots[s.alias]
		waitFor(t, s.alias+" deliveries", func() bool { return len(b.received()) >= len(s.want) })
	}
	// Let anything extra arrive before comparing exactly.
	waitFor(t, "acks", func() bool {
		st := e.statuses()
		for _, s := range specs {
			if st[s.alias].Delivered != uint64(len(s.want)) || st[s.alias].Queued != 0 {
				return false
			}
		}
		return true
	})
	for _, s := range specs {
		b := bots[s.alias]
		if got := b.received(); !slices.Equal(got, s.want) {
			t.Errorf("%s received %q, want %q", s.alias, got, s.want)
		}
		if got := b.seqs(); !slices.Equal(got, []uint64{1, 2}) {
			t.Errorf("%s sequence numbers %v, want [1 2]", s.alias, got)
		}
	}
	st := e.statuses()["by-channel"]
	if st.Gateway.State != "connected" || st.Downstream.State != "connected" || st.LastAckedSeq != 2 ||
		st.Matched != 2 || st.Dropped != 0 || st.Gateway.Shard != [2]int{0, 1} {
		t.Errorf("status %+v", st)
	}
}

// TestBotDownResumesWithNothingMissing takes the bot down, sends dispatches
// while it sleeps, and checks that after it comes back it gets exactly the
// missed ones, and that the relay resumed its gateway session after a drop.
func TestBotDownResumesWithNothingMissing(t *testing.T) {
	e := newEnv(t, nil)
	e.dt.AddBot("tok", "201")
	b := newBot(t, "sleepy", "s3cret")
	e.register("sleepy", registration{Token: "tok", Intents: intentsMessages,
		Criteria: map[string]any{"t": "MESSAGE_CREATE"}, Dst: b.dst(), ClientSecret: b.secret})
	waitFor(t, "gateway", func() bool { return e.dt.Connected("tok") == 1 })
	send := func(from, to int) {
		for i := from; i <= to; i++ {
			e.dt.Dispatch("tok", "MESSAGE_CREATE", message("1", "m"+itoa(i)))
		}
	}
	send(1, 3)
	waitFor(t, "first three", func() bool { return b.lastAckNow() == 3 })

	b.goDown()
	send(4, 8)
	// Also drop the gateway connection: the relay resumes and nothing is lost.
	e.dt.DropConnection()
	send(9, 10) // while the gateway is down: Discord replays them on resume
	waitFor(t, "gateway resumed", func() bool { return e.dt.Resumes("tok") >= 1 && e.dt.Connected("tok") == 1 })
	send(11, 11)
	waitFor(t, "queued while down", func() bool { return e.statuses()["sleepy"].Queued == 8 })
	b.up()
	waitFor(t, "resumed delivery", func() bool { return b.lastAckNow() == 11 })
	want := []string{}
	for i := 1; i <= 11; i++ {
		want = append(want, "MESSAGE_CREATE:m"+itoa(i))
	}
	if got := b.received(); !slices.Equal(got, want) {
		t.Fatalf("received %q, want %q", got, want)
	}
	if got := b.seqs(); !slices.Equal(got, []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}) {
		t.Fatalf("sequence numbers %v", got)
	}
	b.mu.Lock()
	last := b.hellos[len(b.hellos)-1]
	b.mu.Unlock()
	if last.ResumeFrom != 4 || last.Dropped != 0 {
		t.Errorf("hello after the bot came back: %+v, want resume_from 4", last)
	}
}

// TestQueueOverflowDropsOldest fills a small queue while the bot sleeps.
func TestQueueOverflowDropsOldest(t *testing.T) {
	e := newEnv(t, func(c *relay.Config) { c.QueueSize = 5 })
	e.dt.AddBot("tok", "301")
	b := newBot(t, "small", "s3cret")
	b.goDown()
	e.register("small", registration{Token: "tok", Intents: intentsMessages,
		Criteria: map[string]any{"t": "MESSAGE_CREATE"}, Dst: b.dst(), ClientSecret: b.secret})
	waitFor(t, "gateway", func() bool { return e.dt.Connected("tok") == 1 })
	for i := 1; i <= 12; i++ {
		e.dt.Dispatch("tok", "MESSAGE_CREATE", message("1", "m"+itoa(i)))
	}
	waitFor(t, "all matched", func() bool { return e.statuses()["small"].Matched == 12 })
	st := e.statuses()["small"]
	if st.Queued != 5 || st.Dropped != 7 {
		t.Fatalf("queued %d dropped %d, want 5 and 7", st.Queued, st.Dropped)
	}
	b.up()
	waitFor(t, "delivery", func() bool { return b.lastAckNow() == 12 })
	if got := b.seqs(); !slices.Equal(got, []uint64{8, 9, 10, 11, 12}) {
		t.Fatalf("bot got %v, want the newest five", got)
	}
	b.mu.Lock()
	h := b.hellos[0]
	b.mu.Unlock()
	if h.ResumeFrom != 8 || h.Dropped != 7 {
		t.Fatalf("hello %+v, want resume_from 8 and dropped 7", h)
	}
}

// TestBadCriteriaDisablesWithReason registers unusable criteria.
func TestBadCriteriaDisablesWithReason(t *testing.T) {
	e := newEnv(t, nil)
	e.dt.AddBot("tok", "401")
	b := newBot(t, "bad", "s3cret")
	st := e.register("bad", registration{Token: "tok", Intents: intentsMessages,
		Criteria: map[string]any{"$where": "this.t == 'x'"}, Dst: b.dst(), ClientSecret: b.secret})
	if st.Enabled || !strings.Contains(st.DisabledReason, "criteria") || !strings.Contains(st.DisabledReason, "$where") {
		t.Fatalf("status %+v, want disabled naming the criteria problem", st)
	}
	got := e.statuses()["bad"]
	if got.Enabled || got.DisabledReason != st.DisabledReason || got.Gateway.State != "disabled" && got.Gateway.State != "idle" {
		t.Fatalf("GET /relays shows %+v", got)
	}
	if e.dt.Connected("tok") != 0 {
		t.Fatal("a disabled relay connected to the gateway")
	}
	// Fixing the criteria (with the relay's own secret) enables it.
	code, body := e.call(http.MethodPut, "/relays/bad", "basic:bad:s3cret", registration{Token: "tok",
		Intents: intentsMessages, Criteria: map[string]any{"t": "MESSAGE_CREATE"}, Dst: b.dst(), ClientSecret: b.secret})
	if code != http.StatusOK {
		t.Fatalf("fix: %d %s", code, body)
	}
	waitFor(t, "gateway after the fix", func() bool { return e.dt.Connected("tok") == 1 })
	if st := e.statuses()["bad"]; !st.Enabled || st.DisabledReason != "" {
		t.Fatalf("after fix: %+v", st)
	}
}

// TestRejectedTokenDisables: Discord refusing the token disables the relay
// with the reason, without Discord's own text.
func TestRejectedTokenDisables(t *testing.T) {
	e := newEnv(t, nil)
	b := newBot(t, "ghost", "s3cret")
	e.register("ghost", registration{Token: "not-a-bot", Intents: intentsMessages,
		Criteria: map[string]any{}, Dst: b.dst(), ClientSecret: b.secret})
	waitFor(t, "disabled", func() bool { return !e.statuses()["ghost"].Enabled })
	st := e.statuses()["ghost"]
	if !strings.Contains(st.DisabledReason, "refused the token") || strings.Contains(st.DisabledReason, "Unauthorized") {
		t.Fatalf("reason %q", st.DisabledReason)
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}
