package aptest

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// StatusDropped is the Status recorded for a request whose connection was
// closed without an answer (Down, or a Response with Drop).
const StatusDropped = -1

// Response is a scripted answer, set with Script or ScriptAll. A scripted
// answer is given before any verification, like a proxy in front of a sick
// server; the request is still recorded (with Scripted set).
type Response struct {
	// Status is the HTTP status code to answer (e.g. 503, 410, 404, 500, 429).
	Status int
	// RetryAfter, when set, is sent as the Retry-After header (e.g. "2").
	RetryAfter string
	// Header holds extra response headers.
	Header http.Header
	// Body is the response body.
	Body string
	// Latency delays the answer (bounded by the request's context).
	Latency time.Duration
	// Drop closes the connection without an answer instead.
	Drop bool
	// Times limits how many requests get this answer; 0 means until cleared.
	Times int
}

type script struct {
	Response
	left int // remaining uses when Times > 0
}

// scriptKey turns an inbox URL or a path into the path the script matches.
func scriptKey(inboxOrPath string) string {
	if u, err := url.Parse(inboxOrPath); err == nil && u.IsAbs() {
		return u.Path
	}
	return inboxOrPath
}

// Script makes requests to one path (an inbox URL or a path such as "/inbox")
// get resp, whatever their method. It replaces any earlier script for that path.
func (s *Server) Script(inboxOrPath string, resp Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts[scriptKey(inboxOrPath)] = &script{Response: resp, left: resp.Times}
}

// ScriptAll makes every request to the host get resp (a path script wins).
func (s *Server) ScriptAll(resp Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts[""] = &script{Response: resp, left: resp.Times}
}

// ClearScripts removes every scripted answer.
func (s *Server) ClearScripts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.scripts)
}

// takeScript returns the script for path (or the host's), consuming one use.
// The caller holds s.mu.
func (s *Server) takeScript(path string) *Response {
	key := path
	sc, ok := s.scripts[key]
	if !ok {
		key = ""
		sc, ok = s.scripts[key]
	}
	if !ok {
		return nil
	}
	if sc.Times > 0 {
		sc.left--
		if sc.left <= 0 {
			delete(s.scripts, key)
		}
	}
	resp := sc.Response
	return &resp
}

// Down makes the host close every connection without answering: open idle
// connections are closed at once and each new request is hijacked and closed,
// so a client sees a connection reset or EOF. The listener stays bound, so Up
// is instant and the port can never be taken by someone else.
func (s *Server) Down() {
	s.mu.Lock()
	s.down = true
	s.mu.Unlock()
	s.ts.CloseClientConnections()
}

// Up ends Down.
func (s *Server) Up() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = false
}

// SetLatency delays every answer by d (0 to stop).
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// SetAcceptStatus sets the status answered to verified inbox POSTs.
func (s *Server) SetAcceptStatus(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accept = code
}

// sleep waits d, until ctx ends or until the server stops; it reports whether d elapsed.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.stop:
		return false
	}
}
