package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/artbridge/artbridge/discord/discordtest"
)

func TestRelayFilterTest(t *testing.T) {
	dir := t.TempDir()
	criteria := filepath.Join(dir, "criteria.json")
	dispatches := filepath.Join(dir, "dispatches.jsonl")
	os.WriteFile(criteria, []byte(`{"t":"MESSAGE_CREATE","d.content":{"$regex":"^!art","$options":"i"}}`), 0o600)
	os.WriteFile(dispatches, []byte(strings.Join([]string{
		`{"op":0,"s":1,"t":"MESSAGE_CREATE","d":{"content":"!ART please"}}`,
		`{"op":0,"s":2,"t":"MESSAGE_CREATE","d":{"content":"hello"}}`,
		`{"op":0,"s":3,"t":"TYPING_START","d":{"content":"!art"}}`,
		`not json`,
	}, "\n")+"\n"), 0o600)
	var out, errOut bytes.Buffer
	env := Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
	if err := runRelay(context.Background(), []string{"filter-test", "--criteria", criteria, "--dispatches", dispatches}, env); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "true\nfalse\nfalse\nfalse\n" {
		t.Fatalf("output %q", got)
	}
	if !strings.Contains(errOut.String(), "line 4") {
		t.Errorf("no note about the invalid line: %q", errOut.String())
	}

	os.WriteFile(criteria, []byte(`{"$where":"this.t"}`), 0o600)
	err := runRelay(context.Background(), []string{"filter-test", "--criteria", criteria, "--dispatches", dispatches}, env)
	var ue usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "$where") {
		t.Fatalf("bad criteria: %v, want a usage error naming $where", err)
	}
	if err := runRelay(context.Background(), []string{"filter-test"}, env); !errors.As(err, &ue) {
		t.Fatalf("missing flags: %v", err)
	}
	if err := runRelay(context.Background(), []string{"frobnicate"}, env); !errors.As(err, &ue) {
		t.Fatalf("unknown subcommand: %v", err)
	}
}

// TestRelayServe runs `artbridge relay serve` against the fake Discord,
// registers a bot through the API and reads its status.
func TestRelayServe(t *testing.T) {
	dt := discordtest.New(t, discordtest.Options{})
	dt.AddBot("relay-token", "4242")
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "artbridge.toml")
	cfg := fmt.Sprintf(`data_dir = %q

[federation]
allow_private_addresses = true

[discord]
api_base_url = %q

[relay]
registration_key = "k3y"
allow_insecure_ws = true
queue_size = 10
`, dir, dt.APIBase())
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runRelay(ctx, []string{"--config", cfgPath}, Env{Stdout: io.Discard, Stderr: io.Discard,
			Getenv: func(string) string { return "" }, Listener: ln, Ready: func(a string) { ready <- a }})
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("relay serve ended: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("relay serve did not start")
	}
	body := `{"token":"relay-token","intents":512,"criteria":{"t":"MESSAGE_CREATE"},"dst":"ws://127.0.0.1:9/bot","clientSecret":"admin:5f0c3a9e1b7d42c8a6e9f1d3b5c7a9e2"}`
	req, _ := http.NewRequest(http.MethodPut, "http://"+addr+"/relays/mybot", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer k3y")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT: %d", resp.StatusCode)
	}
	deadline := time.Now().Add(10 * time.Second)
	for dt.Connected("relay-token") != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the relay did not connect to the gateway")
		}
		time.Sleep(20 * time.Millisecond)
	}
	req, _ = http.NewRequest(http.MethodGet, "http://"+addr+"/relays", nil)
	req.Header.Set("Authorization", "Bearer k3y")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Relays []struct {
			Alias   string `json:"alias"`
			Enabled bool   `json:"enabled"`
		} `json:"relays"`
	}
	json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if len(list.Relays) != 1 || list.Relays[0].Alias != "mybot" || !list.Relays[0].Enabled {
		t.Fatalf("GET /relays: %+v", list)
	}
	if _, err := os.Stat(filepath.Join(dir, "relay.key")); err != nil {
		t.Fatalf("relay key: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("relay serve: %v", err)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("relay serve did not stop")
	}
}
