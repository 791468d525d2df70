package relay

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// protoGateway is a fake gateway written from Discord's gateway docs, for
// what discordtest does not do: it never acknowledges heartbeats unless
// told to, and scripts op 7 / op 9 after READY. It records every payload a
// client sends (op and d) per connection.
type protoGateway struct {
	t        *testing.T
	srv      *httptest.Server
	interval time.Duration
	ack      bool
	// afterReady is sent once on the first connection after READY.
	afterReady string

	mu    sync.Mutex
	conns [][]sent
	seq   int
}

type sent struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
}

func newProtoGateway(t *testing.T, interval time.Duration, ack bool, afterReady string) *protoGateway {
	g := &protoGateway{t: t, interval: interval, ack: ack, afterReady: afterReady}
	up := websocket.Upgrader{}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("v") != "10" || r.URL.Query().Get("encoding") != "json" {
			http.Error(w, "want v=10&encoding=json", http.StatusBadRequest)
			return
		}
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		g.mu.Lock()
		n := len(g.conns)
		g.conns = append(g.conns, nil)
		g.mu.Unlock()
		write := func(s string) { _ = ws.WriteMessage(websocket.TextMessage, []byte(s)) }
		write(`{"op":10,"d":{"heartbeat_interval":` + strconv.Itoa(int(interval.Milliseconds())) + `},"s":null,"t":null}`)
		for {
			_, b, err := ws.ReadMessage()
			if err != nil {
				return
			}
			var p sent
			if json.Unmarshal(b, &p) != nil {
				return
			}
			g.mu.Lock()
			g.conns[n] = append(g.conns[n], p)
			g.seq++
			seq := strconv.Itoa(g.seq)
			g.mu.Unlock()
			switch p.Op {
			case 1:
				if g.ack {
					write(`{"op":11}`)
				}
			case 2:
				write(`{"t":"READY","s":` + seq + `,"op":0,"d":{"session_id":"sess1","resume_gateway_url":"` + g.wsURL() + `"}}`)
				if n == 0 && g.afterReady != "" {
					write(g.afterReady)
				}
			case 6:
				write(`{"t":"RESUMED","s":` + seq + `,"op":0,"d":{}}`)
			}
		}
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *protoGateway) wsURL() string { return "ws" + strings.TrimPrefix(g.srv.URL, "http") + "/" }

// payloads returns the ops the client sent on connection i.
func (g *protoGateway) ops(i int) []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if i >= len(g.conns) {
		return nil
	}
	var ops []int
	for _, p := range g.conns[i] {
		ops = append(ops, p.Op)
	}
	return ops
}

// gatewayInfo answers GET /gateway/bot (any URL) with the fake's address.
type gatewayInfo struct{ url string }

func (gi gatewayInfo) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	if r.Header.Get("Authorization") != "Bot tok" {
		rec.WriteHeader(http.StatusUnauthorized)
	} else {
		_, _ = rec.WriteString(`{"url":"` + gi.url + `","shards":1}`)
	}
	return rec.Result(), nil
}

func (g *protoGateway) client() *rawGateway {
	return newRawGateway(rawGatewayConfig{
		token: "tok", intents: 513,
		httpClient: &http.Client{Transport: gatewayInfo{url: g.wsURL()}},
		dialer:     websocket.DefaultDialer,
		onDispatch: func(frame []byte, _ frameHead) error {
			if !json.Valid(frame) { // as the worker's Match does
				return errBadFrame
			}
			return nil
		},
	})
}

// waitUntil polls cond until it holds or 10 s pass.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func openOrFail(t *testing.T, c *rawGateway) {
	t.Helper()
	if err := c.open(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A connection whose heartbeat is not acknowledged is a zombie: the client
// ends it, and the next open resumes the session (op 6, not op 2).
func TestRawGatewayZombieThenResume(t *testing.T) {
	g := newProtoGateway(t, 30*time.Millisecond, false, "")
	c := g.client()
	defer c.close()
	openOrFail(t, c)
	if ops := g.ops(0); len(ops) == 0 || ops[0] != 2 {
		t.Fatalf("first connection sent %v, want IDENTIFY first", ops)
	}
	select {
	case <-c.done():
	case <-time.After(10 * time.Second):
		t.Fatal("zombie connection not ended")
	}
	if c.err() != errZombie {
		t.Fatalf("ended with %v, want the zombie error", c.err())
	}
	openOrFail(t, c)
	if ops := g.ops(1); len(ops) == 0 || ops[0] != 6 {
		t.Fatalf("second connection sent %v, want RESUME first", ops)
	}
}

// Heartbeats carry on while acknowledged, with the last sequence number.
func TestRawGatewayHeartbeatsWhileAcked(t *testing.T) {
	g := newProtoGateway(t, 20*time.Millisecond, true, "")
	c := g.client()
	defer c.close()
	openOrFail(t, c)
	waitUntil(t, "three heartbeats", func() bool {
		n := 0
		for _, op := range g.ops(0) {
			if op == 1 {
				n++
			}
		}
		return n >= 3
	})
	select {
	case <-c.done():
		t.Fatalf("acknowledged connection ended: %v", c.err())
	default:
	}
	g.mu.Lock()
	last := g.conns[0][len(g.conns[0])-1]
	g.mu.Unlock()
	if last.Op == 1 && string(last.D) == "null" {
		t.Errorf("heartbeat after READY carries null, want the last sequence number")
	}
}

// op 7 and op 9 (d = true) end the connection to be resumed; op 9 with
// d = false forgets the session, so the next open identifies (after 1–5 s).
func TestRawGatewayReconnectAndInvalidSession(t *testing.T) {
	for _, tc := range []struct {
		name, frame string
		want        error
		nextOp      int
	}{
		{"op7", `{"op":7,"d":null}`, errReconnectNow, 6},
		{"op9-resumable", `{"op":9,"d":true}`, errReconnectNow, 6},
		{"op9-not-resumable", `{"op":9,"d":false}`, errSessionInvalid, 2},
		// A frame that is not JSON is never matched nor relayed: the
		// connection ends and the session is resumed.
		{"not-json", `{"op":0,"s":2,"t":"MESSAGE_CREATE","d":{"a":}`, errBadFrame, 6},
		// Delimited like JSON but not JSON inside d: found by onDispatch.
		{"not-json-inside", `{"op":0,"s":2,"t":"MESSAGE_CREATE","d":{"a":tru}}`, errBadFrame, 6},
		// Not JSON in a frame other than a dispatch: found by the client.
		{"not-json-op11", `{"op":11,"d":[1 2]}`, errBadFrame, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newProtoGateway(t, time.Minute, true, tc.frame)
			c := g.client()
			defer c.close()
			openOrFail(t, c)
			select {
			case <-c.done():
			case <-time.After(10 * time.Second):
				t.Fatal("connection not ended")
			}
			if c.err() != tc.want {
				t.Fatalf("ended with %v, want %v", c.err(), tc.want)
			}
			start := time.Now()
			openOrFail(t, c)
			if ops := g.ops(1); len(ops) == 0 || ops[0] != tc.nextOp {
				t.Fatalf("next connection sent %v, want op %d first", ops, tc.nextOp)
			}
			if took := time.Since(start); tc.nextOp == 2 && took < time.Second {
				t.Errorf("re-identified after %v, want at least 1 s", took)
			}
		})
	}
}

// A refused token on GET /gateway/bot is fatal for the relay.
func TestRawGatewayRefusedToken(t *testing.T) {
	g := newProtoGateway(t, time.Minute, true, "")
	c := g.client()
	c.cfg.token = "wrong"
	err := c.open(context.Background())
	if fatalReason(err) == "" {
		t.Fatalf("open with a refused token: %v, want a fatal reason", err)
	}
}
