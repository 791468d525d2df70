package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// server is a real artbridge serve process-in-a-goroutine on 127.0.0.1.
type server struct {
	t       testing.TB
	BaseURL string
	DataDir string
	Config  string
	Log     *syncBuffer
	addr    string
	cancel  context.CancelFunc
	done    chan int
}

// serverOptions tunes startServer.
type serverOptions struct {
	extraTOML string // appended to the generated config
	dataDir   string // reuse a data directory (restart tests)
	addr      string // reuse an address (restart tests)
	env       map[string]string
}

// startServer runs Main("serve") with a config pointing at a temp data dir, on a
// loopback listener, and waits until it serves.
func startServer(t testing.TB, o serverOptions) *server {
	t.Helper()
	dataDir := o.dataDir
	if dataDir == "" {
		dataDir = t.TempDir()
	}
	addr := o.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	base := "http://" + ln.Addr().String()
	cfgPath := filepath.Join(dataDir, "artbridge.toml")
	cfg := fmt.Sprintf(`listen = %q
base_url = %q
data_dir = %q
log_level = "debug"

[federation]
allow_private_addresses = true
%s`, ln.Addr().String(), base, dataDir, o.extraTOML)
	if !strings.Contains(o.extraTOML, "[metrics]") { // parallel servers: no fixed metrics port
		cfg += "\n[metrics]\nlisten = \"127.0.0.1:0\"\n"
	}
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{t: t, BaseURL: base, DataDir: dataDir, Config: cfgPath, Log: &syncBuffer{}, addr: ln.Addr().String(),
		cancel: cancel, done: make(chan int, 1)}
	ready := make(chan struct{})
	getenv := func(k string) string { return o.env[k] }
	go func() {
		s.done <- Main(ctx, []string{"serve", "--config", cfgPath}, Env{
			Stdout: s.Log, Stderr: s.Log, Getenv: getenv, Listener: ln,
			Ready: func(string) { close(ready) },
		})
	}()
	select {
	case <-ready:
	case code := <-s.done:
		t.Fatalf("serve exited with %d before it was ready:\n%s", code, s.Log.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("serve not ready after 30 s:\n%s", s.Log.String())
	}
	t.Cleanup(func() { s.Stop() })
	return s
}

// Stop shuts the server down gracefully and waits for it.
func (s *server) Stop() {
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	select {
	case code := <-s.done:
		if code != 0 {
			s.t.Errorf("serve exited with %d:\n%s", code, s.Log.String())
		}
	case <-time.After(30 * time.Second):
		s.t.Errorf("serve did not stop within 30 s")
	}
}

// runCLI runs Main with args and returns stdout and the exit code; stderr is
// logged on failure.
func runCLI(t testing.TB, args ...string) (string, int) {
	t.Helper()
	var out, errOut syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code := Main(ctx, args, Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }})
	if code != 0 {
		t.Logf("artbridge %s: exit %d\nstderr: %s", strings.Join(args, " "), code, errOut.String())
	}
	return out.String(), code
}

func writeConfigFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o600) }
