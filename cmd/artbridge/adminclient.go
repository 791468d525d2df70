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
	"time"
)

// exitStatus is an error that only carries an exit code: what it stands for
// was printed already (by the server, for a command run through its socket).
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// forwardToServer runs a state-changing command through the running server's
// admin socket when a server answers on it. sent is false when no server runs
// (the caller then acts on the database itself). files are the names of the
// files the command reads; their contents travel with the command.
func forwardToServer(ctx context.Context, dataDir string, args, files []string, env Env) (sent bool, err error) {
	path := filepath.Join(dataDir, adminSocketName)
	if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeSocket == 0 {
		return false, nil
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return false, nil // a socket left by a server that stopped: act on the database
	}
	req := adminRequest{Args: args, Files: map[string][]byte{}}
	for _, name := range files {
		if _, ok := req.Files[name]; ok {
			continue
		}
		data, err := env.readInput(name)
		if err != nil {
			conn.Close()
			return true, usageError{err}
		}
		req.Files[name] = data
	}
	body, err := json.Marshal(req)
	if err != nil {
		conn.Close()
		return true, err
	}
	used := false
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			if !used {
				used = true
				return conn, nil
			}
			return d.DialContext(ctx, "unix", path)
		},
		DisableKeepAlives: true,
	}}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://artbridge/v1/run", bytes.NewReader(body))
	if err != nil {
		return true, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(hreq)
	if err != nil {
		return true, fmt.Errorf("the running server's admin socket %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return true, fmt.Errorf("the running server refused the command: %s", bytes.TrimSpace(msg))
	}
	var reply adminReply
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&reply); err != nil {
		return true, fmt.Errorf("the running server's answer: %w", err)
	}
	io.WriteString(env.Stdout, reply.Stdout)
	io.WriteString(env.Stderr, reply.Stderr)
	if reply.Code != 0 {
		return true, exitStatus(reply.Code)
	}
	return true, nil
}

// maxInputFile bounds a file a command reads (images, block lists), stdin included.
const maxInputFile = 64 << 20

// readInput reads a file the command names; "-" is standard input.
func (env Env) readInput(name string) ([]byte, error) {
	if env.readFile != nil {
		return env.readFile(name)
	}
	var r io.Reader
	if name == "-" {
		if env.Stdin == nil {
			return nil, errors.New("-: no standard input")
		}
		r = env.Stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxInputFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > maxInputFile {
		return nil, fmt.Errorf("%s: larger than %d MiB", name, maxInputFile>>20)
	}
	return data, nil
}
