package discord

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// endpointEnv is an env whose interactions arrive over HTTP.
func endpointEnv(t *testing.T) (*env, ed25519.PrivateKey, string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *Config) { c.PublicKey = hex.EncodeToString(pub) })
	mux := http.NewServeMux()
	mux.Handle("POST /discord/interactions", e.bot.InteractionsHandler())
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	url := hs.URL + "/discord/interactions"
	e.srv.SetInteractionsEndpoint(e.appID, url, priv)
	return e, priv, url
}

func signedPost(t *testing.T, url string, priv ed25519.PrivateKey, ts time.Time, body []byte, tamper func([]byte) []byte) *http.Response {
	t.Helper()
	stamp := strconv.FormatInt(ts.Unix(), 10)
	sig := ed25519.Sign(priv, append([]byte(stamp), body...))
	if tamper != nil {
		body = tamper(bytes.Clone(body))
	}
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(sig))
	req.Header.Set("X-Signature-Timestamp", stamp)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestInteractionsEndpoint(t *testing.T) {
	t.Parallel()
	e, priv, url := endpointEnv(t)

	// PING → PONG, through the fake exactly as Discord sends it.
	ping, err := e.srv.Ping(e.appID)
	if err != nil {
		t.Fatal(err)
	}
	if cb, ok := ping.Callback(); !ok || cb.Type != 1 {
		t.Errorf("ping answered %+v", cb)
	}

	// A button over HTTP: deferred in the HTTP response, then the panel edited by REST.
	thread, panel := e.thread(t, "42")
	i := e.press(t, "42", thread, panel, "Confirm")
	if cb, ok := i.Callback(); !ok || cb.Type != 6 || i.HTTPStatus() != 200 {
		t.Fatalf("button over HTTP: %+v status %d", cb, i.HTTPStatus())
	}
	if err := e.srv.WaitFor(ctxT(t, 10*time.Second), func() bool {
		m, _ := e.srv.Message(thread, panel)
		return strings.Contains(m.Content, "pressed confirm")
	}); err != nil {
		t.Fatal(err)
	}
	// The modal over HTTP too.
	open := e.press(t, "42", thread, panel, "Edit descriptions")
	if cb, ok := open.Callback(); !ok || cb.Type != 9 {
		t.Errorf("modal over HTTP: %+v", cb)
	}

	ping1 := []byte(`{"id":"1","application_id":"` + e.appID + `","type":1,"token":"x","version":1}`)
	now := time.Now()
	cases := []struct {
		name   string
		ts     time.Time
		body   []byte
		tamper func([]byte) []byte
		want   int
	}{
		{"valid", now, ping1, nil, 200},
		{"flipped byte", now, ping1, func(b []byte) []byte { b[10] ^= 1; return b }, 401},
		{"six minutes old", now.Add(-6 * time.Minute), ping1, nil, 401},
		{"six minutes ahead", now.Add(6 * time.Minute), ping1, nil, 401},
		{"oversized", now, append(append([]byte(`{"type":1,"pad":"`), bytes.Repeat([]byte("a"), 70<<10)...), '"', '}'), nil, 413},
	}
	for _, c := range cases {
		if got := signedPost(t, url, priv, c.ts, c.body, c.tamper).StatusCode; got != c.want {
			t.Errorf("%s: status %d, want %d", c.name, got, c.want)
		}
	}
	// No signature at all.
	resp, err := http.Post(url, "application/json", bytes.NewReader(ping1))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("unsigned: %d", resp.StatusCode)
	}
	// A key that is not the application's.
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	if got := signedPost(t, url, other, now, ping1, nil).StatusCode; got != 401 {
		t.Errorf("wrong key: %d", got)
	}
}

func TestInteractionsEndpointWithoutKey(t *testing.T) {
	t.Parallel()
	b, err := New(Config{Token: "t", ApplicationID: "1", ArtForums: []string{"2"}}, newRecorder(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	b.InteractionsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/discord/interactions", strings.NewReader("{}")))
	if rec.Code != http.StatusNotFound {
		t.Errorf("status %d, want 404 without public_key", rec.Code)
	}
}
