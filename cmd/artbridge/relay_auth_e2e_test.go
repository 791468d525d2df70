package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/artbridge/artbridge/discord/discordtest"
)

// clientFrom is an HTTP client whose connections leave from a given loopback
// address (all of 127.0.0.0/8 is local), so a test can be several remote
// addresses at once.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
}

// callFrom is relayBinary.call from a given client.
func (r *relayBinary) callFrom(c *http.Client, method, path, auth string, body any) (int, http.Header, []byte) {
	r.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, r.base+path, rd)
	if err != nil {
		r.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := c.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, out
}

// TestRelayBinaryHostileAuthentication sends an attacker's requests to the
// registration API of `artbridge relay`: weak secrets are refused with the
// reason, an unknown alias and a wrong secret get the same 401 body, failed
// attempts are limited per alias and per address, and all the while another
// bot keeps getting its dispatches and its owner keeps managing it.
func TestRelayBinaryHostileAuthentication(t *testing.T) {
	dt := discordtest.New(t, discordtest.Options{HeartbeatInterval: 500 * time.Millisecond})
	dt.AddBot("victim-token", "4301")
	dt.AddBot("bystander-token", "4302")
	rel := startRelayBinary(t, dt)
	operator := "Bearer " + relayOperatorKey
	victimSecret := "admin:0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	bystanderSecret := "admin:f9e8d7c6b5a49382716f5e4d3c2b1a00"
	victim, bystander := newDCCBot(t, victimSecret), newDCCBot(t, bystanderSecret)
	criteria := map[string]any{"t": "MESSAGE_CREATE"}
	reg := func(token, dst, secret string) map[string]any {
		return map[string]any{"token": token, "intents": 4608, "criteria": criteria, "dst": dst, "clientSecret": secret}
	}
	opClient := clientFrom("127.0.0.2")

	// A weak secret is refused with the reason, even from the operator.
	for _, weak := range []string{"x", "admin:password", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"} {
		code, _, out := rel.callFrom(opClient, http.MethodPut, "/relays/victim", operator, reg("victim-token", victim.dst(), weak))
		if code != http.StatusBadRequest || !strings.Contains(string(out), "16 bytes") {
			t.Fatalf("weak secret %q: %d %s, want 400 explaining 16 bytes", weak, code, out)
		}
	}
	for alias, r := range map[string]map[string]any{
		"victim":    reg("victim-token", victim.dst(), victimSecret),
		"bystander": reg("bystander-token", bystander.dst(), bystanderSecret),
	} {
		if code, _, out := rel.callFrom(opClient, http.MethodPut, "/relays/"+alias, operator, r); code != http.StatusCreated {
			t.Fatalf("create %s: %d %s", alias, code, out)
		}
	}
	pollUntil(t, "both gateway connections", func() bool {
		return dt.Connected("victim-token") == 1 && dt.Connected("bystander-token") == 1
	})
	bystanderGets := func(tag string) {
		t.Helper()
		n := len(bystander.contents())
		dt.Dispatch("bystander-token", "MESSAGE_CREATE", map[string]any{"id": "1", "channel_id": "3", "content": tag,
			"author": map[string]any{"id": "77", "username": "a"}, "mentions": []any{}})
		pollUntil(t, "the bystander's dispatch "+tag, func() bool { return len(bystander.contents()) > n })
	}
	bystanderGets("before")

	// An unknown alias and a wrong secret read the same.
	attacker := clientFrom("127.0.0.3")
	c1, _, unknown := rel.callFrom(attacker, http.MethodPut, "/relays/nobody", dccAuth(victimSecret), reg("t", victim.dst(), victimSecret))
	c2, _, wrong := rel.callFrom(attacker, http.MethodPut, "/relays/victim", dccAuth("admin:guess"), reg("t", victim.dst(), victimSecret))
	c3, _, wrongGet := rel.callFrom(attacker, http.MethodGet, "/relays/victim", dccAuth("admin:guess"), nil)
	c4, _, unknownGet := rel.callFrom(attacker, http.MethodGet, "/relays/nobody", dccAuth("admin:guess"), nil)
	if c1 != 401 || c2 != 401 || c3 != 401 || c4 != 401 || !bytes.Equal(unknown, wrong) || !bytes.Equal(wrong, wrongGet) ||
		!bytes.Equal(wrongGet, unknownGet) {
		t.Fatalf("401s differ:\n%d %s\n%d %s\n%d %s\n%d %s", c1, unknown, c2, wrong, c3, wrongGet, c4, unknownGet)
	}

	// Guessing the victim's secret: after the per-alias limit (10 a minute,
	// two spent above) the API answers 429 without checking, from any address.
	for i := 0; ; i++ {
		code, hdr, _ := rel.callFrom(attacker, http.MethodGet, "/relays/victim", dccAuth(fmt.Sprintf("admin:guess%d", i)), nil)
		if code == http.StatusTooManyRequests {
			if hdr.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
			if i+2 != 10 {
				t.Fatalf("limited after %d failures, want 10", i+2)
			}
			break
		}
		if code != http.StatusUnauthorized || i > 20 {
			t.Fatalf("guess %d: %d", i, code)
		}
	}
	if code, _, _ := rel.callFrom(clientFrom("127.0.0.4"), http.MethodGet, "/relays/victim", dccAuth(victimSecret), nil); code != http.StatusTooManyRequests {
		t.Fatalf("the right secret during the alias's lockout: %d, want 429", code)
	}
	// The operator is not locked out of the alias, and other aliases work.
	if code, _, out := rel.callFrom(opClient, http.MethodGet, "/relays/victim", operator, nil); code != http.StatusOK {
		t.Fatalf("operator during the lockout: %d %s", code, out)
	}
	if code, _, out := rel.callFrom(clientFrom("127.0.0.4"), http.MethodGet, "/relays/bystander", dccAuth(bystanderSecret), nil); code != http.StatusOK {
		t.Fatalf("another alias's owner during the lockout: %d %s", code, out)
	}
	bystanderGets("during the alias lockout")

	// Spraying many aliases from one address: the per-address limit (30 a
	// minute; 12 spent above) stops that address, not the others.
	sprayer := clientFrom("127.0.0.5")
	limited := -1
	for i := 0; i < 40; i++ {
		code, _, _ := rel.callFrom(sprayer, http.MethodGet, fmt.Sprintf("/relays/spray%d", i), dccAuth("admin:guess"), nil)
		if code == http.StatusTooManyRequests {
			limited = i
			break
		}
	}
	if limited != 30 {
		t.Fatalf("the sprayer was limited after %d attempts, want 30", limited)
	}
	if code, _, _ := rel.callFrom(sprayer, http.MethodGet, "/relays/bystander", dccAuth(bystanderSecret), nil); code != http.StatusTooManyRequests {
		t.Fatalf("the limited address with a right secret: %d, want 429", code)
	}
	if code, _, out := rel.callFrom(clientFrom("127.0.0.6"), http.MethodPut, "/relays/bystander", dccAuth(bystanderSecret),
		reg("bystander-token", bystander.dst(), bystanderSecret)); code != http.StatusOK {
		t.Fatalf("the bystander re-registers from another address: %d %s", code, out)
	}
	bystanderGets("after the spray")

	// The victim kept working through it all: its dispatches still arrive.
	dt.Dispatch("victim-token", "MESSAGE_CREATE", map[string]any{"id": "2", "channel_id": "3", "content": "still here",
		"author": map[string]any{"id": "77", "username": "a"}, "mentions": []any{}})
	pollUntil(t, "the victim's dispatch", func() bool { return slices.Contains(victim.contents(), "MESSAGE_CREATE:still here") })
	rel.proc.stop(t)
}
