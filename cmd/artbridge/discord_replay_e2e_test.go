package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A captured, correctly signed HTTP interaction sent again within its
// five-minute window is refused with 401, and the endpoint keeps serving.
func TestDiscordHTTPInteractionReplayIsRefused(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	w := newDiscordWorld(t)
	s := w.serve(t, ctx, `public_key = "`+hex.EncodeToString(pub)+`"`)
	url := s.BaseURL + "/discord/interactions"

	post := func(id string, ts time.Time) (int, string) {
		body := []byte(`{"type":1,"id":"` + id + `","application_id":"` + appID + `","token":"tok-` + id + `","version":1}`)
		stamp := strconv.FormatInt(ts.Unix(), 10)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(priv, append([]byte(stamp), body...))))
		req.Header.Set("X-Signature-Timestamp", stamp)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	signed := time.Now().Add(-time.Minute)
	if code, body := post("900000000000000001", signed); code != 200 || !strings.Contains(body, `"type":1`) {
		t.Fatalf("first delivery: %d %s", code, body)
	}
	for range 3 {
		if code, body := post("900000000000000001", signed); code != 401 || !strings.Contains(body, "already received") {
			t.Fatalf("replay: %d %q, want 401", code, body)
		}
	}
	// Other interactions are still served.
	if code, _ := post("900000000000000002", time.Now()); code != 200 {
		t.Fatalf("a new interaction after the replays answered %d", code)
	}
	if resp, err := http.Get(s.BaseURL + "/.well-known/nodeinfo"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("server stopped serving: %v", err)
	} else {
		resp.Body.Close()
	}
}
