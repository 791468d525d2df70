package relay_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/artbridge/artbridge/discord/discordtest"
	"github.com/artbridge/artbridge/discord/relay"
	"github.com/artbridge/artbridge/discord/relay/relayclient"
	"github.com/artbridge/artbridge/storage"
)

const operatorKey = "operator-key-for-tests"

// env is a relay service wired to a fake Discord and a database.
type env struct {
	t   testing.TB
	dt  *discordtest.Server
	db  *storage.DB
	svc *relay.Service
	api *httptest.Server
	dir string
}

// newEnv starts a relay against a fresh fake Discord. tweak may adjust the config.
func newEnv(t testing.TB, tweak func(*relay.Config)) *env {
	t.Helper()
	dt := discordtest.New(t, discordtest.Options{HeartbeatInterval: 500 * time.Millisecond})
	return newEnvWith(t, dt, t.TempDir(), tweak)
}

func newEnvWith(t testing.TB, dt *discordtest.Server, dir string, tweak func(*relay.Config)) *env {
	t.Helper()
	db, err := storage.Open(context.Background(), filepath.Join(dir, "artbridge.db"))
	if err != nil {
		t.Fatal(err)
	}
	sealer, _, err := relay.LoadOrCreateKey(filepath.Join(dir, relay.KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	cfg := relay.Config{
		APIBaseURL:            dt.APIBase(),
		RegistrationKey:       operatorKey,
		AllowInsecureWS:       true,
		AllowPrivateAddresses: true,
		IdentifyInterval:      20 * time.Millisecond,
		IdentifySpacing:       time.Millisecond,
		ReconnectMin:          20 * time.Millisecond,
		ReconnectMax:          100 * time.Millisecond,
		IdleTimeout:           5 * time.Second,
		ProgressInterval:      50 * time.Millisecond,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	svc, err := relay.New(cfg, db, sealer, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(svc.Handler())
	e := &env{t: t, dt: dt, db: db, svc: svc, api: api, dir: dir}
	t.Cleanup(e.stop)
	return e
}

var stopOnce sync.Map

// stop closes the API, the service and the database (once).
func (e *env) stop() {
	if _, done := stopOnce.LoadOrStore(e, true); done {
		return
	}
	e.api.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.svc.Close(ctx); err != nil {
		e.t.Errorf("close relay: %v", err)
	}
	e.db.Close()
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// testSecretTail makes the short secrets of the tests strong enough to be
// registered (strong): the tests name secrets, the relay sees them with it.
const testSecretTail = "-9f8e7d6c5b4a39281706f5e4d3c2b1a0"

// strong is a test's secret as registered.
func strong(secret string) string { return secret + testSecretTail }

// call makes an API request; auth is "operator", "basic:ALIAS:SECRET" (sent
// as DCC does: Basic base64 of strong(SECRET); the alias is only a label) or
// "". A registration body gets strong(ClientSecret) and, unless DCC is set,
// the artbridge protocol.
func (e *env) call(method, path, auth string, body any) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	if reg, ok := body.(registration); ok {
		if reg.ClientSecret != "" {
			reg.ClientSecret = strong(reg.ClientSecret)
		}
		if !reg.DCC && reg.Protocol == "" {
			reg.Protocol = relay.ProtocolArtbridge
		}
		body = reg
	}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.api.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	switch {
	case auth == "operator":
		req.Header.Set("Authorization", "Bearer "+operatorKey)
	case strings.HasPrefix(auth, "basic:"):
		parts := strings.SplitN(auth, ":", 3)
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(strong(parts[2]))))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// registration is a PUT body.
type registration struct {
	Token        string `json:"token"`
	Intents      int64  `json:"intents"`
	Criteria     any    `json:"criteria"`
	Dst          string `json:"dst"`
	ClientSecret string `json:"clientSecret"`
	Protocol     string `json:"protocol,omitempty"`
	// DCC registers without a protocol (DCC's raw frames).
	DCC bool `json:"-"`
}

// register creates a relay with the operator key and fails the test unless 201.
func (e *env) register(alias string, reg registration) relay.Status {
	e.t.Helper()
	code, body := e.call(http.MethodPut, "/relays/"+alias, "operator", reg)
	if code != http.StatusCreated {
		e.t.Fatalf("register %s: %d %s", alias, code, body)
	}
	var st relay.Status
	if err := json.Unmarshal(body, &st); err != nil {
		e.t.Fatal(err)
	}
	return st
}

// statuses reads GET /relays.
func (e *env) statuses() map[string]relay.Status {
	e.t.Helper()
	code, body := e.call(http.MethodGet, "/relays", "operator", nil)
	if code != http.StatusOK {
		e.t.Fatalf("GET /relays: %d %s", code, body)
	}
	var out struct {
		Relays []relay.Status `json:"relays"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		e.t.Fatal(err)
	}
	m := map[string]relay.Status{}
	for _, s := range out.Relays {
		m[s.Alias] = s
	}
	return m
}

// waitFor polls cond for up to 10 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// bot is a downstream bot: a relayclient.Handler behind an httptest server
// that can be taken down and brought back up (a restart keeps its last ack,
// as a bot persisting it would).
type bot struct {
	t      testing.TB
	alias  string
	secret string
	srv    *httptest.Server

	mu      sync.Mutex
	h       *relayclient.Handler
	got     []relayclient.Dispatch
	hellos  []relayclient.Hello
	down    bool
	lastAck uint64
}

func newBot(t testing.TB, alias, secret string) *bot {
	b := &bot{t: t, alias: alias, secret: secret}
	b.up()
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		h, down := b.h, b.down
		b.mu.Unlock()
		if down {
			http.Error(w, "sleeping", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		b.mu.Lock()
		h := b.h
		b.mu.Unlock()
		h.Close()
		b.srv.Close()
	})
	return b
}

// dst is the bot's websocket URL.
func (b *bot) dst() string { return "ws" + strings.TrimPrefix(b.srv.URL, "http") + "/relay" }

func (b *bot) up() {
	h, err := relayclient.New(relayclient.Options{
		Alias: b.alias, Secret: strong(b.secret), LastAck: b.lastAckNow(),
		Handle: func(_ context.Context, d relayclient.Dispatch) error {
			b.mu.Lock()
			b.got = append(b.got, d)
			b.mu.Unlock()
			return nil
		},
		OnHello: func(h relayclient.Hello) {
			b.mu.Lock()
			b.hellos = append(b.hellos, h)
			b.mu.Unlock()
		},
	})
	if err != nil {
		b.t.Fatal(err)
	}
	b.mu.Lock()
	b.h, b.down = h, false
	b.mu.Unlock()
}

func (b *bot) lastAckNow() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.h != nil {
		return b.h.LastAck()
	}
	return b.lastAck
}

// goDown ends the current connection and refuses new ones.
func (b *bot) goDown() {
	b.mu.Lock()
	b.down = true
	h := b.h
	b.mu.Unlock()
	h.Close()
}

// received returns the contents ("d.content") of what the bot got, in order.
func (b *bot) received() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]string, 0, len(b.got))
	for _, d := range b.got {
		var m struct {
			Content string `json:"content"`
		}
		_ = json.Unmarshal(d.D, &m)
		out = append(out, d.T+":"+m.Content)
	}
	return out
}

func (b *bot) seqs() []uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]uint64, 0, len(b.got))
	for _, d := range b.got {
		out = append(out, d.Seq)
	}
	return out
}

// message is a MESSAGE_CREATE payload.
func message(channel, content string) map[string]any {
	return map[string]any{
		"id": fmt.Sprint(time.Now().UnixNano()), "channel_id": channel, "guild_id": "900", "content": content,
		"author":   map[string]any{"id": "77", "username": "artist", "bot": false},
		"mentions": []any{}, "attachments": []any{}, "embeds": []any{}, "type": 0,
		"timestamp": "2025-01-01T00:00:00.000000+00:00",
	}
}
