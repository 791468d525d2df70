package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// usageCommand is one line of `artbridge help`: a command and the
// subcommands its usage lists (a|b|c or [a|b]).
type usageCommand struct {
	name string
	subs []string
}

var subcommandList = regexp.MustCompile(`^\[?([a-z-]+(\|[a-z-]+)+)\]?$`)

// parseUsage reads the command lines of the usage text the binary prints.
func parseUsage(t *testing.T, text string) []usageCommand {
	t.Helper()
	_, list, ok := strings.Cut(text, "commands:\n")
	if !ok {
		t.Fatalf("usage text has no commands: section:\n%s", text)
	}
	var out []usageCommand
	for _, line := range strings.Split(list, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(line, "  ") {
			continue
		}
		c := usageCommand{name: f[0]}
		if len(f) > 1 {
			if m := subcommandList.FindStringSubmatch(f[1]); m != nil {
				c.subs = strings.Split(m[1], "|")
			}
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		t.Fatalf("no commands parsed from:\n%s", text)
	}
	return out
}

// writeCommandConfig writes a config with a data directory in dir and the
// two HTTP listeners on free loopback ports; it returns the config's path and
// the server's and the relay's addresses.
func writeCommandConfig(t *testing.T, dir string) (cfgPath, serveAddr, relayAddr string) {
	t.Helper()
	serveAddr, relayAddr = freeAddr(t), freeAddr(t)
	cfgPath = filepath.Join(dir, "artbridge.toml")
	cfg := fmt.Sprintf("listen = %q\ndata_dir = %q\n\n[relay]\nlisten = %q\nregistration_key = \"commands-test-operator-key\"\n",
		serveAddr, filepath.Join(dir, "data"), relayAddr)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfgPath, serveAddr, relayAddr
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// runningBinary is a long-running command of the built binary.
type runningBinary struct {
	cmd            *exec.Cmd
	stdout, stderr *bytes.Buffer
	done           chan error
}

// startBinary starts the built binary with args in dir and waits until
// readyURL answers HTTP (any status). The test's cleanup stops it with
// SIGTERM if it still runs.
func startBinary(t testing.TB, dir string, env []string, readyURL string, args ...string) *runningBinary {
	t.Helper()
	if builtBinary == "" {
		t.Fatal("the artbridge binary was not built (TestMain)")
	}
	cmd := exec.Command(builtBinary, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}, env...)
	rb := &runningBinary{cmd: cmd, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = rb.stdout, rb.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { rb.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			rb.stop(t)
		}
	})
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := client.Get(readyURL)
		if err == nil {
			resp.Body.Close()
			return rb
		}
		select {
		case err := <-rb.done:
			rb.done <- err
			t.Fatalf("artbridge %s ended before serving: %v\nstderr:\n%s", strings.Join(args, " "), err, rb.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("artbridge %s does not answer on %s\nstderr:\n%s", strings.Join(args, " "), readyURL, rb.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends SIGTERM and expects a clean exit within 30 s.
func (rb *runningBinary) stop(t testing.TB) {
	t.Helper()
	_ = rb.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-rb.done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\nstderr:\n%s", err, rb.stderr)
		}
	case <-time.After(30 * time.Second):
		_ = rb.cmd.Process.Kill()
		<-rb.done
		t.Errorf("did not stop within 30 s of SIGTERM\nstderr:\n%s", rb.stderr)
	}
}

// realInvocations run each command of the usage text for real through the
// built binary. A command listed in the usage without an entry here fails
// TestEveryUsageCommandRuns: every new command must get one.
var realInvocations = map[string]func(t *testing.T, dir string){
	"serve": func(t *testing.T, dir string) {
		cfg, addr, _ := writeCommandConfig(t, dir)
		rb := startBinary(t, dir, nil, "http://"+addr+"/", "serve", "--config", cfg)
		rb.stop(t)
	},
	"version": func(t *testing.T, dir string) {
		res := runBinary(t, dir, nil, "version")
		if res.Code != 0 || !strings.HasPrefix(res.Stdout, "artbridge ") {
			t.Fatalf("version: %+v", res)
		}
	},
	"backup": func(t *testing.T, dir string) {
		cfg, _, _ := writeCommandConfig(t, dir)
		out := filepath.Join(dir, "copy.db")
		res := runBinary(t, dir, nil, "backup", "--config", cfg, out)
		if res.Code != 0 {
			t.Fatalf("backup: %+v", res)
		}
		if _, err := os.Stat(out); err != nil {
			t.Fatalf("backup wrote nothing: %v", err)
		}
	},
	"post": func(t *testing.T, dir string) {
		cfg, _, _ := writeCommandConfig(t, dir)
		if res := runBinary(t, dir, nil, "post", "list", "--config", cfg); res.Code != 0 {
			t.Fatalf("post list: %+v", res)
		}
	},
	"moderation": func(t *testing.T, dir string) {
		cfg, _, _ := writeCommandConfig(t, dir)
		if res := runBinary(t, dir, nil, "moderation", "actors", "--config", cfg); res.Code != 0 {
			t.Fatalf("moderation actors: %+v", res)
		}
	},
	"relay": func(t *testing.T, dir string) {
		criteria, lines := filepath.Join(dir, "c.json"), filepath.Join(dir, "d.jsonl")
		os.WriteFile(criteria, []byte(`{"t":"MESSAGE_CREATE"}`), 0o600)
		os.WriteFile(lines, []byte(`{"op":0,"s":1,"t":"MESSAGE_CREATE","d":{}}`+"\n"+`{"op":0,"s":2,"t":"TYPING_START","d":{}}`+"\n"), 0o600)
		res := runBinary(t, dir, nil, "relay", "filter-test", "--criteria", criteria, "--dispatches", lines)
		if res.Code != 0 || res.Stdout != "true\nfalse\n" {
			t.Fatalf("relay filter-test: %+v", res)
		}
		cfg, _, addr := writeCommandConfig(t, dir)
		rb := startBinary(t, dir, nil, "http://"+addr+"/relays", "relay", "--config", cfg)
		rb.stop(t)
	},
}

// TestEveryUsageCommandRuns reads the usage text of the built binary and runs
// every command and subcommand in it with --help (exit 0, usage on stdout),
// and every command once for real: an unwired command cannot pass.
func TestEveryUsageCommandRuns(t *testing.T) {
	res := runBinary(t, "", nil, "help")
	if res.Code != 0 || !strings.Contains(res.Stdout, "usage:") {
		t.Fatalf("artbridge help: %+v", res)
	}
	for _, c := range parseUsage(t, res.Stdout) {
		t.Run(c.name, func(t *testing.T) {
			checkHelp(t, c.name)
			for _, sub := range c.subs {
				checkHelp(t, c.name, sub)
			}
			run, ok := realInvocations[c.name]
			if !ok {
				t.Fatalf("usage lists %q but realInvocations has no real run of it", c.name)
			}
			run(t, t.TempDir())
		})
	}
}

// checkHelp runs `artbridge ARGS… --help` and expects exit 0 and a usage on
// stdout that names the command.
func checkHelp(t *testing.T, args ...string) {
	t.Helper()
	res := runBinary(t, "", nil, append(args, "--help")...)
	name := strings.Join(args, " ")
	if res.Code != 0 {
		t.Errorf("artbridge %s --help: exit %d\nstdout: %s\nstderr: %s", name, res.Code, res.Stdout, res.Stderr)
		return
	}
	if !strings.Contains(res.Stdout, "usage") || !strings.Contains(res.Stdout, args[len(args)-1]) {
		t.Errorf("artbridge %s --help: stdout is not its usage:\n%s", name, res.Stdout)
	}
}

// TestUnknownCommandsStillFail: help handling does not turn mistakes into successes.
func TestUnknownCommandsStillFail(t *testing.T) {
	for _, args := range [][]string{{"frobnicate"}, {"relay", "frobnicate"}, {"moderation", "frobnicate"}, {"serve", "--frobnicate"}} {
		res := runBinary(t, "", nil, args...)
		if res.Code != exitUsage {
			t.Errorf("artbridge %s: exit %d, want %d", strings.Join(args, " "), res.Code, exitUsage)
		}
	}
}
