// Package alttexttest is a fake OpenAI-compatible chat completions server for
// tests of bridge/alttext and of whatever uses it. It listens on 127.0.0.1,
// checks the shape of every request strictly (answering 400 and recording a
// violation when it is wrong), records what it got, and answers as scripted:
// a draft, a truncated draft, a refusal, 500, 429, or a slow reply.
package alttexttest

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// DefaultDraft is what the server answers when nothing is scripted.
const DefaultDraft = "A watercolour fox curled asleep on a mossy stone under pale blue morning light."

// maxBody bounds the request body the fake reads.
const maxBody = 8 << 20

// Config is what the server expects of every request.
type Config struct {
	// Model the request must name. Empty: any non-empty model.
	Model string
	// APIKey, when set, must arrive as "Authorization: Bearer KEY"; when
	// empty, no Authorization header may arrive.
	APIKey string
	// MaxTokens the request must carry in max_tokens or
	// max_completion_tokens. 0: any positive value.
	MaxTokens int
	// BasePath is the API root path, e.g. "/v1" or "/api/v1"; requests
	// must go to BasePath + "/chat/completions". Empty: "/v1".
	BasePath string
}

// Request is one request the server received.
type Request struct {
	Method, Path string
	Header       http.Header
	Body         []byte
	// Parsed fields (zero when the body did not parse).
	Model               string
	MaxTokens           int
	MaxCompletionTokens int
	Prompt              string // text parts joined by newlines
	ImageURL            string
	ImageMediaType      string // from the data URL
	ImageWidth          int
	ImageHeight         int
	Detail              string
	// Violations lists what was wrong with the request; empty if valid.
	Violations []string
	// Time is when the request arrived.
	Time time.Time
}

// Server is the fake endpoint. Its methods are safe for concurrent use.
type Server struct {
	cfg  Config
	srv  *httptest.Server
	done chan struct{}

	mu       sync.Mutex
	requests []Request
	queue    []Reply
	fallback Reply
	closed   bool
}

// NewServer starts a server on 127.0.0.1 and closes it when tb ends.
func NewServer(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	if cfg.BasePath == "" {
		cfg.BasePath = "/v1"
	}
	cfg.BasePath = "/" + strings.Trim(cfg.BasePath, "/")
	if cfg.BasePath == "/" {
		cfg.BasePath = ""
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("alttexttest: listen: %v", err)
	}
	s := &Server{cfg: cfg, done: make(chan struct{}), fallback: Draft(DefaultDraft)}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.srv.Listener.Close()
	s.srv.Listener = ln
	s.srv.Start()
	tb.Cleanup(s.Close)
	return s
}

// BaseURL is the API root to configure a client with, e.g.
// "http://127.0.0.1:PORT/v1".
func (s *Server) BaseURL() string { return s.srv.URL + s.cfg.BasePath }

// Close stops the server; slow replies in flight end at once.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.done)
	s.mu.Unlock()
	s.srv.Close()
}

// SetDefault sets the reply used when the queue is empty.
func (s *Server) SetDefault(r Reply) {
	s.mu.Lock()
	s.fallback = r
	s.mu.Unlock()
}

// Enqueue adds replies used, in order, by the next valid requests.
func (s *Server) Enqueue(r ...Reply) {
	s.mu.Lock()
	s.queue = append(s.queue, r...)
	s.mu.Unlock()
}

// Requests returns a copy of every request received, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Count is the number of requests received, valid or not.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// Violations returns every shape violation seen, prefixed with the request's
// index.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for i, r := range s.requests {
		for _, v := range r.Violations {
			out = append(out, fmt.Sprintf("request %d: %s", i, v))
		}
	}
	return out
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	req := Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body, Time: time.Now()}
	if err != nil {
		req.Violations = append(req.Violations, "reading body: "+err.Error())
	} else if len(body) > maxBody {
		req.Violations = append(req.Violations, "body larger than 8 MiB")
	} else {
		s.check(r, &req)
	}

	s.mu.Lock()
	s.requests = append(s.requests, req)
	reply := s.fallback
	if len(req.Violations) == 0 && len(s.queue) > 0 {
		reply = s.queue[0]
		s.queue = s.queue[1:]
	}
	s.mu.Unlock()

	if len(req.Violations) > 0 {
		writeError(w, http.StatusBadRequest, "invalid_request_error", strings.Join(req.Violations, "; "))
		return
	}
	s.answer(w, r, req, reply)
}

func (s *Server) answer(w http.ResponseWriter, r *http.Request, req Request, reply Reply) {
	if reply.Delay > 0 {
		t := time.NewTimer(reply.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		}
	}
	if reply.RetryAfter != "" {
		w.Header().Set("Retry-After", reply.RetryAfter)
	}
	if reply.Status != 0 && reply.Status != http.StatusOK {
		typ := "server_error"
		if reply.Status == http.StatusTooManyRequests {
			typ = "rate_limit_exceeded"
		}
		msg := reply.ErrorMessage
		if msg == "" {
			msg = http.StatusText(reply.Status)
		}
		writeError(w, reply.Status, typ, msg)
		return
	}
	finish := reply.FinishReason
	if finish == "" {
		finish = "stop"
	}
	message := map[string]any{"role": "assistant", "content": reply.Text}
	if reply.Refusal != "" {
		message["content"] = nil
		message["refusal"] = reply.Refusal
	}
	resp := map[string]any{
		"id":      fmt.Sprintf("chatcmpl-fake-%d", req.Time.UnixNano()),
		"object":  "chat.completion",
		"created": req.Time.Unix(),
		"model":   req.Model,
		"choices": []any{map[string]any{"index": 0, "message": message, "finish_reason": finish}},
		"usage": map[string]any{
			"prompt_tokens":     85 + len(strings.Fields(req.Prompt)),
			"completion_tokens": len(strings.Fields(reply.Text)),
			"total_tokens":      85 + len(strings.Fields(req.Prompt)) + len(strings.Fields(reply.Text)),
		},
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

// writeError answers with an OpenAI-style error body.
func writeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": nil},
	})
}
