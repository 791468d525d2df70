package discordtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func do(t *testing.T, s *Server, method, route, token, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, s.APIBase()+route, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bot "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var v map[string]any
	_ = json.Unmarshal(raw, &v)
	return resp.StatusCode, v, resp.Header
}

func setup(t *testing.T, opts Options) (*Server, string) {
	s := New(t, opts)
	s.AddBot("tok", "100")
	g := s.CreateGuild("g")
	return s, s.CreateTextChannel(g, "general")
}

func TestAuthAndValidation(t *testing.T) {
	t.Parallel()
	s, ch := setup(t, Options{})
	if st, _, _ := do(t, s, "GET", "/users/@me", "", ""); st != 401 {
		t.Errorf("no token: %d", st)
	}
	if st, _, _ := do(t, s, "GET", "/users/@me", "nope", ""); st != 401 {
		t.Errorf("unknown token: %d", st)
	}
	if st, v, _ := do(t, s, "GET", "/users/@me", "tok", ""); st != 200 || v["id"] != "100" {
		t.Errorf("users/@me: %d %v", st, v)
	}
	row := func(n int, label string) string {
		var b []string
		for i := 0; i < n; i++ {
			b = append(b, `{"type":2,"style":1,"label":"`+label+`","custom_id":"c`+string(rune('a'+i))+`"}`)
		}
		return `{"components":[{"type":1,"components":[` + strings.Join(b, ",") + `]}]}`
	}
	bad := map[string]string{
		"content over 2000":     `{"content":"` + strings.Repeat("x", 2001) + `"}`,
		"unknown component":     `{"components":[{"type":1,"components":[{"type":99,"custom_id":"x"}]}]}`,
		"six buttons":           row(6, "ok"),
		"label over 80":         row(1, strings.Repeat("l", 81)),
		"custom_id over 100":    `{"components":[{"type":1,"components":[{"type":2,"style":1,"label":"a","custom_id":"` + strings.Repeat("c", 101) + `"}]}]}`,
		"embed total over 6000": `{"embeds":[{"description":"` + strings.Repeat("d", 4000) + `"},{"description":"` + strings.Repeat("d", 2500) + `"}]}`,
		"ephemeral in channel":  `{"content":"x","flags":64}`,
	}
	for name, body := range bad {
		st, v, _ := do(t, s, "POST", "/channels/"+ch+"/messages", "tok", body)
		if st != 400 || v["code"] != float64(50035) || v["errors"] == nil {
			t.Errorf("%s: %d %v", name, st, v)
		}
	}
	if st, v, _ := do(t, s, "POST", "/channels/"+ch+"/messages", "tok", `{"content":""}`); st != 400 || v["code"] != float64(50006) {
		t.Errorf("empty: %d %v", st, v)
	}
	if st, _, _ := do(t, s, "POST", "/users/@me/channels", "tok", `{"recipient_id":123}`); st != 400 {
		t.Errorf("numeric snowflake: %d", st)
	}
	if st, _, _ := do(t, s, "POST", "/channels/"+ch+"/messages", "tok", row(5, "ok")); st != 200 {
		t.Errorf("five buttons refused: %d", st)
	}
}

func TestRateLimitHeaders(t *testing.T) {
	t.Parallel()
	s, ch := setup(t, Options{})
	s.RateLimit("GET", "/channels/", 1, 1500*time.Millisecond)
	st, v, h := do(t, s, "GET", "/channels/"+ch, "tok", "")
	if st != 429 || v["retry_after"] != 1.5 || h.Get("X-RateLimit-Remaining") != "0" || h.Get("X-RateLimit-Reset-After") != "1.500" || h.Get("Retry-After") != "2" {
		t.Errorf("429: %d %v %v", st, v, h)
	}
	if st, _, _ := do(t, s, "GET", "/channels/"+ch, "tok", ""); st != 200 {
		t.Errorf("after the scripted 429: %d", st)
	}
}

// wsClient is a minimal gateway client.
type wsClient struct {
	t  *testing.T
	ws *websocket.Conn
}

func dial(t *testing.T, s *Server) *wsClient {
	ws, _, err := websocket.DefaultDialer.Dial(s.GatewayURL()+"/?v=9&encoding=json", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	c := &wsClient{t, ws}
	if f := c.read(); f.Op != 10 {
		t.Fatalf("first frame op %d, want Hello", f.Op)
	}
	return c
}

func (c *wsClient) send(op int, d any) {
	if err := c.ws.WriteJSON(map[string]any{"op": op, "d": d}); err != nil {
		c.t.Fatal(err)
	}
}

func (c *wsClient) read() gwFrame {
	_ = c.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var f gwFrame
	if err := c.ws.ReadJSON(&f); err != nil {
		c.t.Fatal(err)
	}
	return f
}

// until reads frames until a dispatch of the given type.
func (c *wsClient) until(event string) gwFrame {
	for i := 0; i < 50; i++ {
		if f := c.read(); f.T != nil && *f.T == event {
			return f
		}
	}
	c.t.Fatalf("no %s", event)
	return gwFrame{}
}

func TestGatewayIdentifyResumeAndCallbacks(t *testing.T) {
	t.Parallel()
	s, ch := setup(t, Options{HeartbeatInterval: 100 * time.Millisecond, InteractionDeadline: 500 * time.Millisecond})
	c := dial(t, s)
	c.send(2, map[string]any{"token": "Bot tok", "intents": IntentGuilds | IntentGuildMessages})
	ready := c.until("READY")
	var r struct {
		SessionID string `json:"session_id"`
		User      struct{ ID string }
	}
	_ = json.Unmarshal(ready.D, &r)
	if r.SessionID == "" || r.User.ID != "100" {
		t.Fatalf("READY %s", ready.D)
	}
	c.send(1, *ready.S)
	for f := c.read(); f.Op != 11; f = c.read() {
	}

	// A message with a button, clicked twice: the first callback is accepted, the second refused.
	st, msg, _ := do(t, s, "POST", "/channels/"+ch+"/messages", "tok",
		`{"content":"panel","components":[{"type":1,"components":[{"type":2,"style":1,"label":"Go","custom_id":"go"}]}]}`)
	if st != 200 {
		t.Fatal(st)
	}
	i, err := s.ClickButton("5", ch, msg["id"].(string), "go")
	if err != nil {
		t.Fatal(err)
	}
	ic := c.until("INTERACTION_CREATE")
	var got struct {
		ID, Token string
		Member    struct{ Permissions string }
	}
	_ = json.Unmarshal(ic.D, &got)
	if got.ID != i.ID || got.Member.Permissions == "" {
		t.Fatalf("interaction %s", ic.D)
	}
	cb := "/interactions/" + i.ID + "/" + i.Token + "/callback"
	if st, _, _ := do(t, s, "POST", cb, "", `{"type":6}`); st != 204 {
		t.Errorf("first callback %d", st)
	}
	if st, v, _ := do(t, s, "POST", cb, "", `{"type":6}`); st != 400 || v["code"] != float64(40060) {
		t.Errorf("second callback %d %v", st, v)
	}
	if l := i.Latency(); l <= 0 || l > time.Second {
		t.Errorf("latency %v", l)
	}
	late, _ := s.ClickButton("5", ch, msg["id"].(string), "go")
	time.Sleep(600 * time.Millisecond)
	if st, v, _ := do(t, s, "POST", "/interactions/"+late.ID+"/"+late.Token+"/callback", "", `{"type":6}`); st != 404 || v["code"] != float64(10062) {
		t.Errorf("late callback %d %v", st, v)
	}

	// Drop, dispatch while away, resume: the missed dispatch is replayed.
	last := c.until("INTERACTION_CREATE") // the late one
	s.DropConnection()
	s.Dispatch("tok", "CUSTOM_EVENT", map[string]any{"x": 1})
	c2 := dial(t, s)
	c2.send(6, map[string]any{"token": "Bot tok", "session_id": r.SessionID, "seq": *last.S})
	f := c2.read()
	if f.T == nil || *f.T != "CUSTOM_EVENT" || *f.S != *last.S+1 {
		t.Fatalf("replay: %+v", f)
	}
	if f := c2.read(); f.T == nil || *f.T != "RESUMED" {
		t.Fatalf("want RESUMED, got %+v", f)
	}
	// An unknown session gets op 9.
	c3 := dial(t, s)
	c3.send(6, map[string]any{"token": "Bot tok", "session_id": "nope", "seq": 1})
	if f := c3.read(); f.Op != 9 {
		t.Errorf("unknown session: op %d", f.Op)
	}
	// A bad token is closed with 4004.
	c4 := dial(t, s)
	c4.send(2, map[string]any{"token": "Bot bad", "intents": 1})
	_ = c4.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err = c4.ws.ReadMessage()
	if ce, ok := err.(*websocket.CloseError); !ok || ce.Code != 4004 {
		t.Errorf("bad token: %v", err)
	}
	if ids := s.Identifies(); len(ids) != 1 || ids[0].Intents != IntentGuilds|IntentGuildMessages {
		t.Errorf("identifies %+v", ids)
	}
}

func TestCDNSignature(t *testing.T) {
	t.Parallel()
	s := New(t, Options{})
	g := s.CreateGuild("g")
	f := s.CreateForum(g, "f")
	s.AddBot("tok", "100")
	th, err := s.CreateForumThread(f, "5", "t", "", File{Name: "a b.png", ContentType: "image/png", Data: []byte("png")})
	if err != nil {
		t.Fatal(err)
	}
	_, m, _ := do(t, s, "GET", "/channels/"+th+"/messages/"+th, "tok", "")
	u := m["attachments"].([]any)[0].(map[string]any)["url"].(string)
	get := func(u string) (int, []byte) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if st, b := get(u); st != 200 || !bytes.Equal(b, []byte("png")) {
		t.Errorf("signed: %d %q", st, b)
	}
	if st, _ := get(strings.Split(u, "?")[0]); st != 404 {
		t.Errorf("unsigned: %d", st)
	}
	s.SetCDNTTL(-time.Minute)
	_, m, _ = do(t, s, "GET", "/channels/"+th+"/messages/"+th, "tok", "")
	if st, _ := get(m["attachments"].([]any)[0].(map[string]any)["url"].(string)); st != 404 {
		t.Errorf("expired: %d", st)
	}
}
