package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/artbridge/artbridge/discord/discordtest"
	"github.com/artbridge/artbridge/discord/relay/relayclient"
)

// relayOperatorKey is the registration key of the relay in these tests.
const relayOperatorKey = "e2e-relay-operator-key-7d1f"

// dccSampleCriteria are the criteria of DCC's sample bot (sample-cookout):
// messages created, not by bots, that are DMs, mention the bot or start with
// the command word.
func dccSampleCriteria(botUserID string) map[string]any {
	return map[string]any{
		"t":    "MESSAGE_CREATE",
		"$not": map[string]any{"d.author.bot": true},
		"$or": []any{
			map[string]any{"d.guild_id": map[string]any{"$exists": false}},
			map[string]any{"d.mentions": map[string]any{"$elemMatch": map[string]any{"id": botUserID}}},
			map[string]any{"d.content": map[string]any{"$regex": `^cookout\b`}},
		},
	}
}

// relayBinary is `artbridge relay --config F` running as a subprocess
// against a fake Discord.
type relayBinary struct {
	t    testing.TB
	dt   *discordtest.Server
	base string // http://host:port of the registration API
	proc *runningBinary
}

func startRelayBinary(t testing.TB, dt *discordtest.Server, extraRelayConfig ...string) *relayBinary {
	t.Helper()
	dir := t.TempDir()
	addr := freeAddr(t)
	cfgPath := filepath.Join(dir, "artbridge.toml")
	cfg := fmt.Sprintf(`data_dir = %q
log_level = "debug"

[federation]
allow_private_addresses = true

[discord]
api_base_url = %q

[relay]
listen = %q
registration_key = %q
allow_insecure_ws = true
queue_size = 100
`, filepath.Join(dir, "data"), dt.APIBase(), addr, relayOperatorKey) + strings.Join(extraRelayConfig, "\n") + "\n"
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	rb := startBinary(t, dir, nil, "http://"+addr+"/relays", "relay", "--config", cfgPath)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("relay stderr:\n%s", rb.stderr)
		}
	})
	return &relayBinary{t: t, dt: dt, base: "http://" + addr, proc: rb}
}

// call sends one API request with a raw Authorization header ("" for none).
func (r *relayBinary) call(method, path, auth string, body any) (int, []byte) {
	r.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			r.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, r.base+path, rd)
	if err != nil {
		r.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// dccAuth is the Authorization header dcc-client sends: Basic and the
// base64 of the raw clientSecret.
func dccAuth(secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(secret))
}

// relayStatus is what the tests read of GET /relays.
type relayStatus struct {
	Alias             string `json:"alias"`
	Enabled           bool   `json:"enabled"`
	LastDisableReason string `json:"lastDisableReason"`
	NumQueuedEvents   int    `json:"numQueuedEvents"`
	Queued            int    `json:"queued"`
	WSReadyState      string `json:"wsReadyState"`
	BotShardStatus    string `json:"botShardStatus"`
	Protocol          string `json:"protocol"`
	Matched           uint64 `json:"matched"`
	Delivered         uint64 `json:"delivered"`
}

func (r *relayBinary) statuses() map[string]relayStatus {
	r.t.Helper()
	code, body := r.call(http.MethodGet, "/relays", "Bearer "+relayOperatorKey, nil)
	if code != http.StatusOK {
		r.t.Fatalf("GET /relays: %d %s", code, body)
	}
	var list struct {
		Relays []relayStatus `json:"relays"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		r.t.Fatal(err)
	}
	out := map[string]relayStatus{}
	for _, s := range list.Relays {
		out[s.Alias] = s
	}
	return out
}

// pollUntil polls cond every 10 ms for up to 20 s.
func pollUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// dccBot behaves exactly like dcc-client's Client: a websocket server that
// closes with 4001 unless the Authorization header is Basic base64(secret),
// then emits JSON.parse(frame) for every message and never sends anything.
type dccBot struct {
	secret string
	srv    *httptest.Server

	// countOnly: count frames without keeping them (benchmarks).
	countOnly bool

	mu      sync.Mutex
	packets []map[string]json.RawMessage
	refused int
	n       int
}

// count is how many frames the bot received.
func (b *dccBot) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n
}

func newDCCBot(t testing.TB, secret string) *dccBot {
	b := &dccBot{secret: secret}
	b.srv = httptest.NewServer(http.HandlerFunc(b.serve))
	t.Cleanup(b.srv.Close)
	return b
}

func (b *dccBot) dst() string { return "ws" + strings.TrimPrefix(b.srv.URL, "http") + "/dcc/v1/bot" }

func (b *dccBot) serve(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, nil) // like ws: no subprotocol handling of its own
	if err != nil {
		return
	}
	defer conn.CloseNow()
	if r.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(b.secret)) {
		b.mu.Lock()
		b.refused++
		b.mu.Unlock()
		conn.Close(4001, "")
		return
	}
	for {
		typ, data, err := conn.Read(r.Context())
		if err != nil {
			return
		}
		if b.countOnly {
			b.mu.Lock()
			b.n++
			b.mu.Unlock()
			continue
		}
		var p map[string]json.RawMessage
		if typ != websocket.MessageText || json.Unmarshal(data, &p) != nil {
			return // JSON.parse would throw
		}
		b.mu.Lock()
		b.packets = append(b.packets, p)
		b.n++
		b.mu.Unlock()
	}
}

// contents returns "t:content" of every packet received, in order.
func (b *dccBot) contents() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]string, 0, len(b.packets))
	for _, p := range b.packets {
		var t string
		var d struct {
			Content string `json:"content"`
		}
		json.Unmarshal(p["t"], &t)
		json.Unmarshal(p["d"], &d)
		out = append(out, t+":"+d.Content)
	}
	return out
}

// sampleTraffic dispatches to token a mix of packets; the ones DCC's sample
// criteria match carry contents that start with "match".
func sampleTraffic(dt *discordtest.Server, token, botUserID, tag string) {
	msg := func(content string, guild bool, authorBot bool, mentions ...string) map[string]any {
		m := map[string]any{
			"id": fmt.Sprint(time.Now().UnixNano()), "channel_id": "300", "content": content, "type": 0,
			"author":    map[string]any{"id": "77", "username": "artist", "bot": authorBot},
			"mentions":  []any{},
			"timestamp": "2025-01-01T00:00:00.000000+00:00", "attachments": []any{}, "embeds": []any{},
		}
		if guild {
			m["guild_id"] = "900"
		}
		ms := []any{}
		for _, id := range mentions {
			ms = append(ms, map[string]any{"id": id, "username": "someone"})
		}
		m["mentions"] = ms
		return m
	}
	dt.Dispatch(token, "MESSAGE_CREATE", msg("hello everyone "+tag, true, false))
	dt.Dispatch(token, "MESSAGE_CREATE", msg("cookout match prefix "+tag, true, false))
	dt.Dispatch(token, "MESSAGE_CREATE", msg("cookout from a bot "+tag, true, true))
	dt.Dispatch(token, "MESSAGE_CREATE", msg("match DM "+tag, false, false))
	dt.Dispatch(token, "MESSAGE_CREATE", msg("match mention "+tag, true, false, "555", botUserID))
	dt.Dispatch(token, "MESSAGE_CREATE", msg("mentions someone else "+tag, true, false, "555"))
	dt.Dispatch(token, "MESSAGE_UPDATE", msg("cookout edited "+tag, true, false))
	dt.Dispatch(token, "TYPING_START", map[string]any{"channel_id": "300", "user_id": "77", "timestamp": 1})
}

// sampleMatches are the contents sampleTraffic's matches carry.
func sampleMatches(tag string) []string {
	return []string{"MESSAGE_CREATE:cookout match prefix " + tag, "MESSAGE_CREATE:match DM " + tag,
		"MESSAGE_CREATE:match mention " + tag}
}

// TestRelayBinaryDCCBot: a bot written for DCC works with `artbridge relay`
// unchanged. The operator creates its alias; the bot's own register() call
// (Basic base64(clientSecret), DCC's body) then succeeds; it receives the
// raw packets its criteria match, once each, and nothing else; its DELETE
// removes it.
func TestRelayBinaryDCCBot(t *testing.T) {
	dt := discordtest.New(t, discordtest.Options{HeartbeatInterval: 500 * time.Millisecond})
	dt.AddBot("dcc-bot-token", "4101")
	rel := startRelayBinary(t, dt)
	secret := "admin:3c9f1e7a5b2d48e6a0c4f8b1d7e3a5c9"
	bot := newDCCBot(t, secret)
	body := map[string]any{"token": "dcc-bot-token", "intents": 4608, "criteria": dccSampleCriteria("4101"),
		"dst": bot.dst(), "clientSecret": secret}

	// Before the operator: the bot's register() is refused like any stranger.
	if code, out := rel.call(http.MethodPut, "/relays/sample_cookout", dccAuth(secret), body); code != http.StatusUnauthorized {
		t.Fatalf("new alias by the client: %d %s, want 401", code, out)
	}
	if code, out := rel.call(http.MethodPut, "/relays/sample_cookout", "Bearer "+relayOperatorKey, body); code != http.StatusCreated {
		t.Fatalf("operator creates the alias: %d %s", code, out)
	}
	// dcc-client's register(): PUT with its secret, success is < 400.
	if code, out := rel.call(http.MethodPut, "/relays/sample_cookout", dccAuth(secret), body); code >= 400 {
		t.Fatalf("re-registration by the client: %d %s", code, out)
	}
	pollUntil(t, "the gateway connection", func() bool { return dt.Connected("dcc-bot-token") == 1 })

	sampleTraffic(dt, "dcc-bot-token", "4101", "one")
	want := sampleMatches("one")
	pollUntil(t, "the three matches", func() bool { return len(bot.contents()) >= len(want) })
	// A last match after everything else: when it arrives, nothing else is on its way.
	dt.Dispatch("dcc-bot-token", "MESSAGE_CREATE", map[string]any{"id": "1", "channel_id": "300",
		"content": "cookout end", "author": map[string]any{"id": "77", "username": "a"}, "mentions": []any{}})
	want = append(want, "MESSAGE_CREATE:cookout end")
	pollUntil(t, "the closing match", func() bool { return len(bot.contents()) >= len(want) })
	if got := bot.contents(); !slices.Equal(got, want) {
		t.Fatalf("the DCC bot got\n%q\nwant\n%q", got, want)
	}
	bot.mu.Lock()
	for _, p := range bot.packets {
		keys := make([]string, 0, len(p))
		for k := range p {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, []string{"d", "op", "s", "t"}) || string(p["op"]) != "0" {
			t.Errorf("packet is not a raw gateway dispatch {op,d,s,t}: %v", keys)
		}
	}
	refused := bot.refused
	bot.mu.Unlock()
	if refused != 0 {
		t.Errorf("the relay connected %d times without the bot's credentials", refused)
	}

	st := rel.statuses()["sample_cookout"]
	if !st.Enabled || st.Protocol != "dcc" || st.BotShardStatus != "connected" || st.NumQueuedEvents != 0 ||
		st.WSReadyState == "" || st.Matched != 4 || st.Delivered != 4 {
		t.Errorf("status: %+v", st)
	}

	// dcc-client has no deregister; DCC's API deletes with the same credentials.
	if code, out := rel.call(http.MethodDelete, "/relays/sample_cookout", dccAuth(secret), nil); code >= 400 {
		t.Fatalf("DELETE by the client: %d %s", code, out)
	}
	pollUntil(t, "the gateway connection to close", func() bool { return dt.Connected("dcc-bot-token") == 0 })
	if _, ok := rel.statuses()["sample_cookout"]; ok {
		t.Fatal("the relay is still listed after DELETE")
	}
	rel.proc.stop(t)
}

// TestRelayBinaryArtbridgeBot: a bot registered for artbridge.relay.v1 gets
// sequence numbers and acknowledges them; while it is down the relay queues
// its matches, and when it comes back (a new process that persisted its last
// acknowledgement) it gets every one of them, once.
func TestRelayBinaryArtbridgeBot(t *testing.T) {
	dt := discordtest.New(t, discordtest.Options{HeartbeatInterval: 500 * time.Millisecond})
	dt.AddBot("ab-bot-token", "4202")
	rel := startRelayBinary(t, dt)
	secret := "ab-bot:9e4c7a1f3b5d28e0c6a4f2b8d1e7c3a5"

	var mu sync.Mutex
	var got []string
	var seqs []uint64
	var lastAck uint64
	var handler *relayclient.Handler
	up := func() {
		h, err := relayclient.New(relayclient.Options{Alias: "abbot", Secret: secret, LastAck: lastAck,
			Handle: func(_ context.Context, d relayclient.Dispatch) error {
				var m struct {
					Content string `json:"content"`
				}
				json.Unmarshal(d.D, &m)
				mu.Lock()
				got = append(got, d.T+":"+m.Content)
				seqs = append(seqs, d.Seq)
				mu.Unlock()
				return nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		handler = h
		mu.Unlock()
	}
	down := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h, isDown := handler, down
		mu.Unlock()
		if isDown || h == nil {
			http.Error(w, "restarting", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	up()
	mu.Lock()
	down = false
	mu.Unlock()
	body := map[string]any{"token": "ab-bot-token", "intents": 4608, "criteria": dccSampleCriteria("4202"),
		"dst": "ws" + strings.TrimPrefix(srv.URL, "http") + "/relay", "clientSecret": secret,
		"protocol": "artbridge.relay.v1"}
	if code, out := rel.call(http.MethodPut, "/relays/abbot", "Bearer "+relayOperatorKey, body); code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, out)
	}
	pollUntil(t, "the gateway connection", func() bool { return dt.Connected("ab-bot-token") == 1 })
	received := func() int { mu.Lock(); defer mu.Unlock(); return len(got) }

	sampleTraffic(dt, "ab-bot-token", "4202", "before")
	pollUntil(t, "the first matches", func() bool { return received() == 3 })

	// The bot stops (persisting its last acknowledgement) …
	mu.Lock()
	h := handler
	down = true
	mu.Unlock()
	h.Close()
	lastAck = h.LastAck()
	// … the relay keeps its matches …
	sampleTraffic(dt, "ab-bot-token", "4202", "while down")
	pollUntil(t, "three queued matches", func() bool { return rel.statuses()["abbot"].Queued == 3 })
	// … and the bot comes back as a new process.
	up()
	mu.Lock()
	down = false
	mu.Unlock()
	pollUntil(t, "the queued matches", func() bool { return received() == 6 })
	sampleTraffic(dt, "ab-bot-token", "4202", "after")
	pollUntil(t, "the later matches", func() bool { return received() == 9 })

	want := append(append(sampleMatches("before"), sampleMatches("while down")...), sampleMatches("after")...)
	mu.Lock()
	gotCopy, seqCopy := slices.Clone(got), slices.Clone(seqs)
	final := handler
	mu.Unlock()
	if !slices.Equal(gotCopy, want) {
		t.Fatalf("the artbridge bot got\n%q\nwant\n%q", gotCopy, want)
	}
	for i, s := range seqCopy {
		if s != seqCopy[0]+uint64(i) {
			t.Fatalf("sequence numbers not consecutive: %v", seqCopy)
		}
	}
	pollUntil(t, "every match acknowledged", func() bool {
		st := rel.statuses()["abbot"]
		return st.Queued == 0 && st.Delivered == 9
	})
	if st := rel.statuses()["abbot"]; st.Protocol != "artbridge.relay.v1" || !st.Enabled {
		t.Errorf("status: %+v", st)
	}
	final.Close()
	rel.proc.stop(t)
}
