package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// The admin socket is the running server's local channel for the operator's
// state-changing commands: an owner-only Unix socket (0600, in the 0700 data
// directory) that speaks HTTP. The CLI sends its arguments and the contents of
// the files it names; the server runs the command with its own services (so
// files it writes keep the server's ownership and queued deliveries reach the
// delivery worker at once) and answers with the exit status and the output.

// adminSocketName is the socket's file name inside the data directory.
const adminSocketName = "admin.sock"

// maxAdminRequest bounds one request to the admin socket (images travel in it).
const maxAdminRequest = 256 << 20

// adminRequest is one command sent to the running server.
type adminRequest struct {
	Args  []string          `json:"args"`  // the command line after "artbridge"
	Files map[string][]byte `json:"files"` // contents of the files it names, by the name given
}

// adminReply is what the command printed and its exit status.
type adminReply struct {
	Code   int    `json:"code"`
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
}

// servedCommands are the commands the admin socket runs; the others act on the
// database directly (they only read).
func servedCommand(args []string) bool {
	if len(args) >= 1 && args[0] == "status" {
		return true
	}
	if len(args) < 2 {
		return false
	}
	switch args[0] + " " + args[1] {
	case "post publish", "post edit", "post delete", "moderation undo", "moderation import-blocks":
		return true
	}
	return false
}

// adminSocket is the listener of the admin socket and its HTTP server.
type adminSocket struct {
	path string
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
}

// startAdminSocket listens on DATA_DIR/admin.sock. A socket left by a server
// that died is replaced; one a live server answers on is refused, since two
// servers on one data directory would fight over its deliveries.
func startAdminSocket(ctx context.Context, a *app) (*adminSocket, error) {
	path := filepath.Join(a.inst.cfg.DataDir, adminSocketName)
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return nil, fmt.Errorf("another artbridge serve is running on %s (its admin socket %s answers)", a.inst.cfg.DataDir, path)
	}
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("admin socket: remove stale %s: %w", path, err)
		}
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	s := &adminSocket{path: path, ln: ln, done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/run", func(w http.ResponseWriter, r *http.Request) { a.serveAdminRun(w, r) })
	s.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.inst.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.inst.log.Warn("admin socket", "err", err)
		}
	}()
	a.inst.log.Info("admin socket listening", "path", path)
	return s, nil
}

// close stops accepting commands, lets running ones finish, and removes the socket.
func (s *adminSocket) close(ctx context.Context) error {
	if s == nil {
		return nil
	}
	err := s.srv.Shutdown(ctx)
	<-s.done
	os.Remove(s.path)
	return err
}

// serveAdminRun runs one command with the running server's services.
func (a *app) serveAdminRun(w http.ResponseWriter, r *http.Request) {
	var req adminRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAdminRequest)).Decode(&req); err != nil {
		http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	if !servedCommand(req.Args) {
		http.Error(w, "this command does not run through the admin socket", http.StatusBadRequest)
		return
	}
	var stdout, stderr bytes.Buffer
	files := req.Files
	env := Env{
		Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" },
		served: a,
		readFile: func(name string) ([]byte, error) {
			data, ok := files[name]
			if !ok {
				return nil, fmt.Errorf("%s: not sent by the command", name)
			}
			return data, nil
		},
	}
	a.adminMu.Lock() // one operator command at a time, as when run against the database
	code := Main(r.Context(), req.Args, env)
	a.adminMu.Unlock()
	a.inst.log.Info("admin command", "command", strings.Join(req.Args[:min(2, len(req.Args))], " "), "exit", code)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(adminReply{Code: code, Stdout: stdout.String(), Stderr: stderr.String()})
}

// adminMutex serialises admin commands.
type adminMutex = sync.Mutex
