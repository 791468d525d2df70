package relayclient_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/artbridge/artbridge/discord/relay/relayclient"
)

type recorder struct {
	mu   sync.Mutex
	seqs []uint64
	fail uint64 // Handle fails for this seq once
}

func (r *recorder) handle(_ context.Context, d relayclient.Dispatch) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d.Seq == r.fail {
		r.fail = 0
		return errors.New("busy")
	}
	if d.T != "MESSAGE_CREATE" || string(d.D) != `{"n":1}` || d.S != 9 {
		return errors.New("bad dispatch fields")
	}
	r.seqs = append(r.seqs, d.Seq)
	return nil
}

func start(t *testing.T, rec *recorder, lastAck uint64) (*relayclient.Handler, string) {
	t.Helper()
	h, err := relayclient.New(relayclient.Options{Alias: "bot", Secret: "bot:pw", Handle: rec.handle, LastAck: lastAck})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() { h.Close(); srv.Close() })
	return h, "ws" + strings.TrimPrefix(srv.URL, "http")
}

func dialAs(ctx context.Context, url, user, pass string) (*websocket.Conn, *http.Response, error) {
	hdr := http.Header{}
	hdr.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
	return websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: hdr, Subprotocols: []string{relayclient.Subprotocol}})
}

func frame(seq string) []byte {
	return []byte(`{"seq":` + seq + `,"dispatch":{"op":0,"d":{"n":1},"s":9,"t":"MESSAGE_CREATE"}}`)
}

func readAck(ctx context.Context, t *testing.T, c *websocket.Conn) string {
	t.Helper()
	_, data, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read ack: %v", err)
	}
	return string(data)
}

func TestWrongCredentialsRefused(t *testing.T) {
	_, url := start(t, &recorder{}, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, creds := range [][2]string{{"bot", "wrong"}, {"other", "pw"}, {"", ""}} {
		_, resp, err := dialAs(ctx, url, creds[0], creds[1])
		if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%v: err %v, resp %v; want 401", creds, err, resp)
		}
	}
}

func TestResumeSkipsHandledAndAcks(t *testing.T) {
	rec := &recorder{fail: 6}
	h, url := start(t, rec, 4) // the bot handled up to 4 before a restart
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := dialAs(ctx, url, "bot", "pw")
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"hello":{"alias":"bot","resume_from":3,"next_seq":7}}`)); err != nil {
		t.Fatal(err)
	}
	if got := readAck(ctx, t, c); got != `{"ack":4}` {
		t.Fatalf("resume ack %s", got)
	}
	for _, seq := range []string{"3", "4"} { // resends of handled dispatches
		c.Write(ctx, websocket.MessageText, frame(seq))
		if got := readAck(ctx, t, c); got != `{"ack":4}` {
			t.Fatalf("resend %s acked %s", seq, got)
		}
	}
	c.Write(ctx, websocket.MessageText, frame("5"))
	if got := readAck(ctx, t, c); got != `{"ack":5}` {
		t.Fatalf("ack %s", got)
	}
	// A failing handler closes the connection without acknowledging.
	c.Write(ctx, websocket.MessageText, frame("6"))
	if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusInternalError {
		t.Fatalf("after a failed handler: %v", err)
	}
	if h.LastAck() != 5 {
		t.Fatalf("last ack %d", h.LastAck())
	}
	// The relay reconnects and resends 6: handled this time.
	c2, _, err := dialAs(ctx, url, "bot", "pw")
	if err != nil {
		t.Fatal(err)
	}
	defer c2.CloseNow()
	c2.Write(ctx, websocket.MessageText, []byte(`{"hello":{"alias":"bot","resume_from":6,"next_seq":7}}`))
	readAck(ctx, t, c2)
	c2.Write(ctx, websocket.MessageText, frame("6"))
	if got := readAck(ctx, t, c2); got != `{"ack":6}` {
		t.Fatalf("ack %s", got)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.seqs) != 2 || rec.seqs[0] != 5 || rec.seqs[1] != 6 {
		t.Fatalf("handled %v, want [5 6]", rec.seqs)
	}
}
