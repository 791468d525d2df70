package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestQueueBoundsAndAck(t *testing.T) {
	q := newQueue(3)
	dropped := 0
	for seq := uint64(1); seq <= 5; seq++ {
		if q.push(frame{seq: seq}) {
			dropped++
		}
	}
	if q.len() != 3 || dropped != 2 {
		t.Fatalf("len %d dropped %d", q.len(), dropped)
	}
	if o, _ := q.oldest(); o != 3 {
		t.Fatalf("oldest %d, want 3", o)
	}
	got := q.after(nil, 3, 10)
	if len(got) != 2 || got[0].seq != 4 || got[1].seq != 5 {
		t.Fatalf("after 3: %+v", got)
	}
	if n := q.ack(4); n != 2 || q.len() != 1 {
		t.Fatalf("ack 4 removed %d, len %d", n, q.len())
	}
	if n := q.ack(4); n != 0 {
		t.Fatalf("repeated ack removed %d", n)
	}
	q.ack(100)
	if _, ok := q.oldest(); ok || q.len() != 0 {
		t.Fatal("queue not empty")
	}
	// Wrap-around keeps order.
	q = newQueue(1000)
	for seq := uint64(1); seq <= 2500; seq++ {
		q.push(frame{seq: seq})
		if seq%7 == 0 {
			q.ack(seq - 3)
		}
	}
	prev := uint64(0)
	for _, f := range q.after(nil, 0, 2000) {
		if f.seq != prev+1 && prev != 0 {
			t.Fatalf("gap after %d: %d", prev, f.seq)
		}
		prev = f.seq
	}
	if prev != 2500 {
		t.Fatalf("last %d", prev)
	}
}

func TestSealerBindsAliasAndPurpose(t *testing.T) {
	path := filepath.Join(t.TempDir(), KeyFileName)
	s, created, err := LoadOrCreateKey(path)
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	sealed, err := s.Seal(PurposeToken, "a", []byte("token"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("token")) {
		t.Fatal("sealed value holds the plaintext")
	}
	if got, err := s.Open(PurposeToken, "a", sealed); err != nil || string(got) != "token" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := s.Open(PurposeToken, "b", sealed); err == nil {
		t.Fatal("a value sealed for one alias opened for another")
	}
	if _, err := s.Open(PurposeClientSecret, "a", sealed); err == nil {
		t.Fatal("a sealed token opened as the client secret of the same relay")
	}
	s2, created, err := LoadOrCreateKey(path)
	if err != nil || created {
		t.Fatalf("reload: %v %v", created, err)
	}
	if got, err := s2.Open(PurposeToken, "a", sealed); err != nil || string(got) != "token" {
		t.Fatalf("open with the reloaded key: %q %v", got, err)
	}
	other, _, _ := LoadOrCreateKey(filepath.Join(t.TempDir(), KeyFileName))
	if _, err := other.Open(PurposeToken, "a", sealed); err == nil {
		t.Fatal("opened with another key")
	}
	if err := os.WriteFile(path, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateKey(path); err == nil {
		t.Fatal("a damaged key file loaded")
	}
}

func TestSecretChecks(t *testing.T) {
	salt, hash, err := newSecretHash("pw")
	if err != nil {
		t.Fatal(err)
	}
	if !secretMatches(salt, hash, "pw") || secretMatches(salt, hash, "pW") || secretMatches(salt, hash, "") {
		t.Fatal("secretMatches")
	}
	req := func(h string) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		if h != "" {
			r.Header.Set("Authorization", h)
		}
		return r
	}
	if !isOperator(req("Bearer k"), "k") || !isOperator(req("bearer k"), "k") ||
		!isOperator(req(basicAuthHeader("operator:k")), "k") {
		t.Fatal("operator not recognised")
	}
	if isOperator(req("Bearer x"), "k") || isOperator(req(basicAuthHeader("root:k")), "k") ||
		isOperator(req("Bearer "), "") || isOperator(req(""), "k") {
		t.Fatal("non-operator recognised")
	}
}

func TestFatalCloseCodes(t *testing.T) {
	for code, fatal := range map[int]bool{4004: true, 4014: true, 4013: true, 4000: false, 4009: false, 1006: false} {
		err := &websocket.CloseError{Code: code, Text: "Discord's own words"}
		reason := fatalReason(errors.Join(errors.New("open"), err))
		if (reason != "") != fatal {
			t.Errorf("close %d: reason %q, fatal want %v", code, reason, fatal)
		}
		if bytes.Contains([]byte(reason), []byte("own words")) {
			t.Errorf("close %d: reason quotes Discord's text", code)
		}
	}
	if fatalReason(fmt.Errorf("open: %w", &gatewayHTTPError{status: http.StatusUnauthorized})) == "" {
		t.Error("401 on GET /gateway is not fatal")
	}
	if fatalReason(&gatewayHTTPError{status: 502}) != "" {
		t.Error("502 on GET /gateway is fatal")
	}
}

func TestEncodeFrameIsValidJSON(t *testing.T) {
	d := []byte(`{"op":0,"s":42,"t":"MESSAGE_CREATE","d":{"a":1}}`)
	f := encodeFrame(7, d)
	var out struct {
		Seq      uint64          `json:"seq"`
		Dispatch json.RawMessage `json:"dispatch"`
	}
	if err := json.Unmarshal(f, &out); err != nil {
		t.Fatalf("%v in %s", err, f)
	}
	if out.Seq != 7 || string(out.Dispatch) != string(d) {
		t.Fatalf("%+v", out)
	}
}

func TestIdentifyLimiterSpacesOneBot(t *testing.T) {
	l := newIdentifyLimiter(60*time.Millisecond, time.Millisecond, time.Now)
	ctx := context.Background()
	start := time.Now()
	for range 3 {
		if err := l.wait(ctx, "bot"); err != nil {
			t.Fatal(err)
		}
	}
	if el := time.Since(start); el < 120*time.Millisecond {
		t.Fatalf("three identifies of one bot took %v, want ≥ 120 ms", el)
	}
	start = time.Now()
	for i := range 5 {
		if err := l.wait(ctx, string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
	if el := time.Since(start); el > 50*time.Millisecond {
		t.Fatalf("five different bots took %v", el)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := l.wait(cctx, "bot"); err == nil {
		t.Fatal("wait ignored a cancelled context")
	}
}

func FuzzNormaliseCriteria(f *testing.F) {
	for _, s := range []string{`{"t":"X"}`, `"{\"t\":\"X\"}"`, `"`, `""`, ` {"a":1} `, `"\u0000"`, `[1]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		out := normaliseCriteria(raw)
		var s string
		if json.Unmarshal(bytes.TrimSpace(raw), &s) == nil && !bytes.Equal(out, []byte(s)) {
			t.Fatalf("a JSON string was not unwrapped: %q → %q", raw, out)
		}
	})
}
