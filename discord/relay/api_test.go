package relay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/artbridge/artbridge/discord/relay"
	"github.com/artbridge/artbridge/netguard"
)

func TestRegistrationAuth(t *testing.T) {
	e := newEnv(t, nil)
	e.dt.AddBot("tok", "501")
	b := newBot(t, "owned", "right-secret")
	reg := registration{Token: "tok", Intents: intentsMessages, Criteria: map[string]any{"t": "MESSAGE_CREATE"},
		Dst: b.dst(), ClientSecret: b.secret}
	cases := []struct {
		name, method, path, auth string
		body                     any
		want                     int
	}{
		{"new alias without the key", http.MethodPut, "/relays/other", "", reg, http.StatusUnauthorized},
		{"new alias with a wrong key", http.MethodPut, "/relays/other", "basic:operator:nope", reg, http.StatusUnauthorized},
		{"new alias claimed with Basic", http.MethodPut, "/relays/other", "basic:other:x", reg, http.StatusUnauthorized},
		{"list without the key", http.MethodGet, "/relays", "basic:owned:right-secret", nil, http.StatusUnauthorized},
	}
	e.register("owned", reg)
	cases = append(cases, []struct {
		name, method, path, auth string
		body                     any
		want                     int
	}{
		{"update with a wrong secret", http.MethodPut, "/relays/owned", "basic:owned:wrong-secret", reg, http.StatusUnauthorized},
		{"update with no credentials", http.MethodPut, "/relays/owned", "", reg, http.StatusUnauthorized},
		{"delete with a wrong secret", http.MethodDelete, "/relays/owned", "basic:owned:wrong", nil, http.StatusUnauthorized},
		{"delete unknown without the key", http.MethodDelete, "/relays/nobody", "basic:nobody:x", nil, http.StatusUnauthorized},
		{"delete unknown as operator", http.MethodDelete, "/relays/nobody", "operator", nil, http.StatusNotFound},
		{"status with the secret", http.MethodGet, "/relays/owned", "basic:owned:right-secret", nil, http.StatusOK},
		{"status with a wrong secret", http.MethodGet, "/relays/owned", "basic:owned:x", nil, http.StatusUnauthorized},
		{"update with the secret", http.MethodPut, "/relays/owned", "basic:owned:right-secret", reg, http.StatusOK},
		{"update as operator", http.MethodPut, "/relays/owned", "operator", reg, http.StatusOK},
		{"bad alias", http.MethodPut, "/relays/no%20spaces", "operator", reg, http.StatusBadRequest},
	}...)
	for _, c := range cases {
		code, body := e.call(c.method, c.path, c.auth, c.body)
		if code != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, code, body, c.want)
		}
		if code == http.StatusOK && bytes.Contains(body, []byte("right-secret")) || bytes.Contains(body, []byte(`"tok"`)) {
			t.Errorf("%s: the answer shows a secret: %s", c.name, body)
		}
	}
	code, body := e.call(http.MethodGet, "/relays", "operator", nil)
	if code != http.StatusOK || bytes.Contains(body, []byte("right-secret")) || bytes.Contains(body, []byte("tok\"")) {
		t.Fatalf("GET /relays: %d %s", code, body)
	}
	if code, _ := e.call(http.MethodDelete, "/relays/owned", "basic:owned:right-secret", nil); code != http.StatusNoContent {
		t.Fatalf("delete with the secret: %d", code)
	}
	if _, ok := e.statuses()["owned"]; ok {
		t.Fatal("deleted relay still listed")
	}
	waitFor(t, "gateway closed", func() bool { return e.dt.Connected("tok") == 0 })
}

func TestRegistrationValidation(t *testing.T) {
	e := newEnv(t, nil)
	good := registration{Token: "tok", Intents: 1, Criteria: map[string]any{}, Dst: "ws://127.0.0.1:9/x", ClientSecret: "s"}
	for name, mut := range map[string]func(*registration){
		"no token":   func(r *registration) { r.Token = "" },
		"no secret":  func(r *registration) { r.ClientSecret = "" },
		"no dst":     func(r *registration) { r.Dst = "" },
		"http dst":   func(r *registration) { r.Dst = "http://127.0.0.1:9/x" },
		"creds dst":  func(r *registration) { r.Dst = "ws://u:p@127.0.0.1:9/x" },
		"intents":    func(r *registration) { r.Intents = -1 },
		"criteria":   func(r *registration) { r.Criteria = nil },
		"no host":    func(r *registration) { r.Dst = "ws:///x" },
		"fragment":   func(r *registration) { r.Dst = "ws://127.0.0.1:9/x#y" },
		"huge token": func(r *registration) { r.Token = strings.Repeat("x", 600) },
	} {
		r := good
		mut(&r)
		if code, body := e.call(http.MethodPut, "/relays/v", "operator", r); code != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", name, code, body)
		}
	}
	req, _ := http.NewRequest(http.MethodPut, e.api.URL+"/relays/v", strings.NewReader("{not json"))
	req.Header.Set("Authorization", "Bearer "+operatorKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad JSON: %d", resp.StatusCode)
	}
}

// TestPrivateDestinationRefused: without allow_private_addresses, dst on a
// loopback, private or link-local address (literal or resolved) is refused,
// and ws:// is refused unless allowed.
func TestPrivateDestinationRefused(t *testing.T) {
	resolved := map[string][]netip.Addr{
		"lan.example":    {netip.MustParseAddr("192.168.1.20")},
		"mixed.example":  {netip.MustParseAddr("93.184.215.14"), netip.MustParseAddr("10.0.0.1")},
		"public.example": {netip.MustParseAddr("93.184.215.14")},
	}
	e := newEnv(t, func(c *relay.Config) {
		c.AllowPrivateAddresses = false
		c.AllowInsecureWS = false
		c.LookupNetIP = func(_ context.Context, _, host string) ([]netip.Addr, error) {
			if a, ok := resolved[host]; ok {
				return a, nil
			}
			return nil, errors.New("no such host")
		}
	})
	for _, dst := range []string{
		"wss://127.0.0.1:8443/relay", "wss://[::1]/relay", "wss://10.1.2.3/relay", "wss://169.254.169.254/latest",
		"wss://localhost/relay", "wss://lan.example/relay", "wss://mixed.example/relay", "wss://unknown.example/x",
		"ws://public.example/relay",
	} {
		code, body := e.call(http.MethodPut, "/relays/p", "operator", registration{Token: "t", Intents: 1,
			Criteria: map[string]any{}, Dst: dst, ClientSecret: "s"})
		if code != http.StatusBadRequest || !strings.Contains(string(body), "dst") {
			t.Errorf("%s: %d %s, want 400 naming dst", dst, code, body)
		}
	}
	// A public wss destination is accepted.
	code, body := e.call(http.MethodPut, "/relays/p", "operator", registration{Token: "t", Intents: 1,
		Criteria: map[string]any{}, Dst: "wss://public.example/relay", ClientSecret: "s"})
	if code != http.StatusCreated {
		t.Fatalf("public dst: %d %s", code, body)
	}
}

func TestRelayCapAndConcurrentCreation(t *testing.T) {
	e := newEnv(t, func(c *relay.Config) { c.MaxRelays = 2 })
	reg := func(alias string) registration {
		return registration{Token: "t-" + alias, Intents: 1, Criteria: map[string]any{}, Dst: "ws://127.0.0.1:9/" + alias,
			ClientSecret: "s"}
	}
	// Many concurrent creations of one alias: one 201, the others 409 (or
	// 401 when they arrive after it exists: then it needs its secret).
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := reg("race")
			r.ClientSecret, r.Protocol = strong(r.ClientSecret), relay.ProtocolArtbridge
			body, _ := json.Marshal(r)
			req, _ := http.NewRequest(http.MethodPut, e.api.URL+"/relays/race", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+operatorKey)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	created := 0
	for _, c := range codes {
		switch c {
		case http.StatusCreated:
			created++
		case http.StatusConflict, http.StatusOK:
		default:
			t.Errorf("concurrent creation answered %d", c)
		}
	}
	if created != 1 {
		t.Fatalf("%d creations succeeded (%v), want 1", created, codes)
	}
	t.Logf("concurrent creation answers: %v", codes)
	e.register("second", reg("second"))
	if code, body := e.call(http.MethodPut, "/relays/third", "operator", reg("third")); code != http.StatusServiceUnavailable {
		t.Fatalf("over the cap: %d %s, want 503", code, body)
	}
}

// TestTokensSealedAtRest: the database never holds a token or secret in clear,
// and the key file is private.
func TestTokensSealedAtRest(t *testing.T) {
	e := newEnv(t, nil)
	e.dt.AddBot("plain-token-value-123", "601")
	e.register("sealed", registration{Token: "plain-token-value-123", Intents: 1, Criteria: map[string]any{},
		Dst: "ws://127.0.0.1:9/x", ClientSecret: "plain-secret-value-456"})
	e.stop()
	for _, name := range []string{"artbridge.db", "artbridge.db-wal"} {
		data, err := os.ReadFile(filepath.Join(e.dir, name))
		if err != nil {
			continue
		}
		for _, s := range []string{"plain-token-value-123", "plain-secret-value-456"} {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s holds %q in clear", name, s)
			}
		}
	}
	fi, err := os.Stat(filepath.Join(e.dir, relay.KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
}

// TestDialTimeGuard: a name that passed the registration check but resolves
// to a private address when the relay dials is refused at the dial.
func TestDialTimeGuard(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Skip(err)
	}
	addrs, err := net.DefaultResolver.LookupNetIP(context.Background(), "ip", host)
	if err != nil || len(addrs) == 0 || netguard.IsPublic(addrs[0]) {
		t.Skipf("host name %q does not resolve to a private address here", host)
	}
	e := newEnv(t, func(c *relay.Config) {
		c.AllowPrivateAddresses = false
		c.LookupNetIP = func(context.Context, string, string) ([]netip.Addr, error) {
			return []netip.Addr{netip.MustParseAddr("93.184.215.14")}, nil // what a rebinding DNS said first
		}
	})
	e.dt.AddBot("tok", "1101")
	b := newBot(t, "rebind", "s3cret")
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(b.srv.URL, "http://"))
	e.register("rebind", registration{Token: "tok", Intents: intentsMessages, Criteria: map[string]any{},
		Dst: "ws://" + net.JoinHostPort(host, port) + "/relay", ClientSecret: b.secret})
	waitFor(t, "gateway", func() bool { return e.dt.Connected("tok") == 1 })
	e.dt.Dispatch("tok", "MESSAGE_CREATE", message("1", "x"))
	waitFor(t, "refused dial", func() bool {
		return strings.Contains(e.statuses()["rebind"].Downstream.Problem, "not allowed")
	})
	if got := b.received(); len(got) != 0 {
		t.Fatalf("the bot behind a private address got %q", got)
	}
}
