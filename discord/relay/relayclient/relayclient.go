// Package relayclient is the bot side of artbridge's gateway relay in its
// own protocol (registered with "protocol": "artbridge.relay.v1"): an
// http.Handler that accepts the relay's websocket with that subprotocol,
// checks its Basic credentials (the base64 of the raw clientSecret, as DCC
// does), hands every dispatch to the bot in order, acknowledges it, and skips
// what was already handled when the relay resends after a reconnect. The
// wire protocol is described in docs/relay.md.
//
//	h, err := relayclient.New(relayclient.Options{
//		Alias:  "mybot",
//		Secret: os.Getenv("RELAY_SECRET"),
//		Handle: func(ctx context.Context, d relayclient.Dispatch) error {
//			log.Printf("%s #%d: %s", d.T, d.Seq, d.D)
//			return nil // acknowledged
//		},
//	})
//	http.Handle("/relay", h) // register dst = wss://bot.example/relay
package relayclient

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"github.com/coder/websocket"
)

// Dispatch is one gateway dispatch the relay delivered.
type Dispatch struct {
	// Seq is the relay's sequence number for this delivery.
	Seq uint64
	// Op, T, S and D are the gateway payload's fields.
	Op int
	T  string
	S  int64
	D  json.RawMessage
	// Raw is the whole gateway payload {"op","d","s","t"}.
	Raw json.RawMessage
}

// Hello is what the relay announces when it connects.
type Hello struct {
	Alias string `json:"alias"`
	// ResumeFrom is the first sequence number the relay will send on this
	// connection; NextSeq the number of its next new match.
	ResumeFrom uint64 `json:"resume_from"`
	NextSeq    uint64 `json:"next_seq"`
	// LastAck is the highest acknowledgement the relay has recorded.
	LastAck uint64 `json:"last_ack"`
	// Dropped counts frames the relay dropped from its full queue since it started.
	Dropped uint64 `json:"dropped"`
}

// Options configure a Handler.
type Options struct {
	// Alias is the relay's alias (for logs); Secret its clientSecret, which
	// the relay sends as Basic credentials.
	Alias, Secret string
	// Handle is called for each dispatch, one at a time, in order. Returning
	// nil acknowledges it; an error closes the connection and the relay sends
	// the dispatch again later.
	Handle func(ctx context.Context, d Dispatch) error
	// OnHello, when set, is called with each connection's hello.
	OnHello func(Hello)
	// LastAck is the sequence number the bot handled last (persisted by the
	// bot across its restarts); dispatches up to it are skipped.
	LastAck uint64
	// OnAck, when set, is called after each acknowledgement (to persist it).
	OnAck func(seq uint64)
	// MaxFrameBytes caps one frame (default 8 MiB).
	MaxFrameBytes int64
	// Logger (nil: discard).
	Logger *slog.Logger
}

// Handler accepts the relay's connections. At most one is served at a time:
// a new connection replaces the previous one.
type Handler struct {
	opts Options
	log  *slog.Logger

	handleMu sync.Mutex // one connection handles dispatches at a time

	mu      sync.Mutex
	lastAck uint64
	current context.CancelFunc
	gen     uint64
	closed  bool
	wg      sync.WaitGroup
}

// New returns a Handler.
func New(opts Options) (*Handler, error) {
	if opts.Secret == "" || opts.Handle == nil {
		return nil, errors.New("relayclient: Secret and Handle are required")
	}
	if opts.MaxFrameBytes <= 0 {
		opts.MaxFrameBytes = 8 << 20
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{opts: opts, log: log, lastAck: opts.LastAck}, nil
}

// LastAck returns the highest sequence number handled and acknowledged.
func (h *Handler) LastAck() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lastAck
}

// Close ends the current connection and refuses new ones; it waits for the
// connection's handler to return.
func (h *Handler) Close() {
	h.mu.Lock()
	h.closed = true
	if h.current != nil {
		h.current()
	}
	h.mu.Unlock()
	h.wg.Wait()
}

func digest(s string) [32]byte { return sha256.Sum256([]byte(s)) }

// Subprotocol is the websocket subprotocol of artbridge's relay protocol.
const Subprotocol = "artbridge.relay.v1"

// authorised checks the relay's Basic credentials in constant time: the
// header must be "Basic " and the base64 of the whole secret.
func (h *Handler) authorised(r *http.Request) bool {
	got := digest(r.Header.Get("Authorization"))
	want := digest("Basic " + base64.StdEncoding.EncodeToString([]byte(h.opts.Secret)))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// ServeHTTP accepts one relay connection and serves it until it ends.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.authorised(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="relay"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		http.Error(w, "closed", http.StatusServiceUnavailable)
		return
	}
	if h.current != nil {
		h.current() // a newer connection replaces the old one
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	h.current = cancel
	h.gen++
	gen := h.gen
	h.wg.Add(1)
	h.mu.Unlock()
	defer h.wg.Done()
	defer func() {
		cancel()
		h.mu.Lock()
		if h.gen == gen {
			h.current = nil
		}
		h.mu.Unlock()
	}()
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{Subprotocol}})
	if err != nil {
		return
	}
	defer conn.CloseNow()
	conn.SetReadLimit(h.opts.MaxFrameBytes)
	if err := h.serve(ctx, conn); err != nil && ctx.Err() == nil {
		h.log.Info("relayclient: connection ended", "err", err)
	}
}

// frame is any message from the relay.
type frame struct {
	Hello    *Hello          `json:"hello"`
	Seq      uint64          `json:"seq"`
	Dispatch json.RawMessage `json:"dispatch"`
}

func (h *Handler) serve(ctx context.Context, conn *websocket.Conn) error {
	h.handleMu.Lock()
	defer h.handleMu.Unlock()
	for {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			return err
		}
		if typ != websocket.MessageText {
			conn.Close(websocket.StatusUnsupportedData, "text frames only")
			return errors.New("relayclient: binary frame")
		}
		var f frame
		if err := json.Unmarshal(data, &f); err != nil {
			conn.Close(websocket.StatusUnsupportedData, "bad frame")
			return fmt.Errorf("relayclient: bad frame: %w", err)
		}
		switch {
		case f.Hello != nil:
			if h.opts.OnHello != nil {
				h.opts.OnHello(*f.Hello)
			}
			// Resume: tell the relay what we already handled.
			if err := sendAck(ctx, conn, h.LastAck()); err != nil {
				return err
			}
		case f.Dispatch != nil:
			if err := h.handle(ctx, conn, f.Seq, f.Dispatch); err != nil {
				return err
			}
		}
	}
}

func (h *Handler) handle(ctx context.Context, conn *websocket.Conn, seq uint64, raw json.RawMessage) error {
	if last := h.LastAck(); seq <= last {
		return sendAck(ctx, conn, last) // a resend of something handled
	}
	var p struct {
		Op int             `json:"op"`
		T  string          `json:"t"`
		S  int64           `json:"s"`
		D  json.RawMessage `json:"d"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		conn.Close(websocket.StatusUnsupportedData, "bad dispatch")
		return fmt.Errorf("relayclient: bad dispatch %d: %w", seq, err)
	}
	d := Dispatch{Seq: seq, Op: p.Op, T: p.T, S: p.S, D: p.D, Raw: raw}
	if err := h.opts.Handle(ctx, d); err != nil {
		conn.Close(websocket.StatusInternalError, "handler failed")
		return fmt.Errorf("relayclient: handle %d: %w", seq, err)
	}
	h.mu.Lock()
	if seq > h.lastAck {
		h.lastAck = seq
	}
	h.mu.Unlock()
	if h.opts.OnAck != nil {
		h.opts.OnAck(seq)
	}
	return sendAck(ctx, conn, seq)
}

func sendAck(ctx context.Context, conn *websocket.Conn, seq uint64) error {
	b := make([]byte, 0, 32)
	b = append(b, `{"ack":`...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, '}')
	return conn.Write(ctx, websocket.MessageText, b)
}
