package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// The raw gateway client: the relay's own implementation of Discord's
// gateway protocol (v10, JSON, no compression). It never decodes a dispatch
// into Go types: the top-level op, s and t of each frame are read by
// scanFrame (bounded on any input), and an op 0 frame's bytes are handed on
// as Discord sent them. Every other frame, and READY or RESUMED, is checked
// to be JSON here; a dispatch is validated by onDispatch, in the same pass
// as its filter reads it, so that its bytes are not walked twice.

const (
	// gatewayQuery is appended to the gateway URL.
	gatewayQuery = "v=10&encoding=json"
	// maxGatewayFrame bounds one gateway frame (a GUILD_CREATE of a large
	// guild is the biggest Discord sends).
	maxGatewayFrame = 32 << 20
	// keptFrameBuffer is the largest read buffer kept from frame to frame.
	keptFrameBuffer = 64 << 10
	// maxGatewayInfo bounds the body of GET /gateway/bot.
	maxGatewayInfo = 64 << 10
	// gatewayWriteTimeout bounds one frame write to Discord.
	gatewayWriteTimeout = 10 * time.Second
)

var (
	// errReconnectNow ends a connection that should be resumed at once
	// (op 7 RECONNECT, op 9 with d = true).
	errReconnectNow = errors.New("gateway asked the relay to reconnect")
	// errSessionInvalid ends a connection whose session cannot be resumed
	// (op 9 with d = false): the next one identifies afresh.
	errSessionInvalid = errors.New("gateway invalidated the session")
	// errZombie ends a connection that left a heartbeat unacknowledged.
	errZombie = errors.New("gateway did not acknowledge a heartbeat")
)

// gatewayHTTPError is a failed GET /gateway/bot.
type gatewayHTTPError struct{ status int }

func (e *gatewayHTTPError) Error() string {
	return fmt.Sprintf("GET /gateway/bot: HTTP %d", e.status)
}

// rawGatewayConfig is what a raw gateway client needs.
type rawGatewayConfig struct {
	token   string
	intents int64
	// httpClient reaches the configured API base for requests aimed at
	// discordgo's endpoints (discord.NewSession's guarded client).
	httpClient *http.Client
	// dialer is the SSRF-guarded websocket dialer.
	dialer *websocket.Dialer
	// onDispatch gets every op 0 frame; frame is only valid during the call.
	// It returns errBadFrame when it found the frame not to be JSON: the
	// connection then ends before the frame's sequence number is taken, so
	// that the resumed session has Discord send it again.
	onDispatch func(frame []byte, h frameHead) error
	// beforeReidentify waits for an identify slot before any identify after
	// the first (the caller waited for the first).
	beforeReidentify func(ctx context.Context) error
	log              *slog.Logger
}

// rawGateway is one bot's gateway session: it survives connections so that
// a dropped one can be resumed.
type rawGateway struct {
	cfg rawGatewayConfig

	// Session state, written by the connection goroutine, read by open.
	mu         sync.Mutex
	sessionID  string
	resumeURL  string
	identified bool
	notBefore  time.Time // no identify before (after op 9 d = false)
	seq        atomic.Int64

	conn *rawConn // the latest connection (owned by the caller of open/close)
}

// rawConn is one websocket connection to the gateway.
type rawConn struct {
	ws    *websocket.Conn
	wmu   sync.Mutex // one writer at a time
	acked atomic.Bool
	ready chan struct{} // closed on READY or RESUMED
	done  chan struct{} // closed when the connection has ended
	stop  chan struct{} // closed to end it
	once  sync.Once
	cause atomic.Pointer[error] // why it was ended from our side
	err   error                 // why it ended; set before done closes
	wg    sync.WaitGroup
}

func newRawGateway(cfg rawGatewayConfig) *rawGateway {
	if cfg.log == nil {
		cfg.log = slog.New(slog.DiscardHandler)
	}
	return &rawGateway{cfg: cfg}
}

// end stops c for reason (kept as the connection's error when it is the first).
func (c *rawConn) end(reason error) {
	if reason != nil {
		c.cause.CompareAndSwap(nil, &reason)
	}
	c.once.Do(func() {
		close(c.stop)
		_ = c.ws.UnderlyingConn().Close()
	})
}

// write sends one frame to the gateway.
func (c *rawConn) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(gatewayWriteTimeout))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

// open connects (resuming the session when there is one) and returns once
// READY or RESUMED has arrived; the connection then runs until it ends,
// which done() reports. It replaces any earlier connection.
func (g *rawGateway) open(ctx context.Context) error {
	g.close()
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	g.mu.Lock()
	resume := g.sessionID != ""
	wsURL, notBefore, again := g.resumeURL, g.notBefore, g.identified
	g.mu.Unlock()
	if !resume {
		if err := sleepUntil(ctx, time.Now, notBefore); err != nil {
			return err
		}
		if again && g.cfg.beforeReidentify != nil {
			if err := g.cfg.beforeReidentify(ctx); err != nil {
				return err
			}
		}
		u, err := g.gatewayURL(ctx)
		if err != nil {
			return err
		}
		wsURL = u
	}
	u, err := withGatewayQuery(wsURL)
	if err != nil {
		return err
	}
	ws, resp, err := g.cfg.dialer.DialContext(ctx, u, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return fmt.Errorf("gateway dial: %w", err)
	}
	ws.SetReadLimit(maxGatewayFrame)
	c := &rawConn{ws: ws, ready: make(chan struct{}), done: make(chan struct{}), stop: make(chan struct{})}
	g.conn = c
	c.wg.Add(1)
	go func() { defer c.wg.Done(); g.run(c, resume) }()
	select {
	case <-c.ready:
		return nil
	case <-c.done:
		select {
		case <-c.ready: // READY came, then the end: done() reports it
			return nil
		default:
			return c.err
		}
	case <-ctx.Done():
		c.end(ctx.Err())
		<-c.done
		return fmt.Errorf("gateway open: %w (%w)", ctx.Err(), c.err)
	}
}

// done is closed when the current connection has ended; err then says why.
func (g *rawGateway) done() <-chan struct{} { return g.conn.done }
func (g *rawGateway) err() error            { return g.conn.err }

// close ends the current connection (if any) and waits for its goroutines.
func (g *rawGateway) close() {
	if g.conn == nil {
		return
	}
	g.conn.end(nil)
	g.conn.wg.Wait()
}

// gatewayURL asks the API where the gateway is.
func (g *rawGateway) gatewayURL(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, discordgo.EndpointGatewayBot, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bot "+g.cfg.token)
	req.Header.Set("User-Agent", "DiscordBot (https://github.com/artbridge/artbridge, 1) artbridge-relay")
	resp, err := g.cfg.httpClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("GET /gateway/bot: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxGatewayInfo))
	if err != nil {
		return "", fmt.Errorf("GET /gateway/bot: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", &gatewayHTTPError{status: resp.StatusCode}
	}
	var info struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal(body, &info); err != nil || info.URL == "" {
		return "", errors.New("GET /gateway/bot: no gateway URL in the answer")
	}
	return info.URL, nil
}

// withGatewayQuery checks a gateway URL and sets its version and encoding.
func withGatewayQuery(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "wss" && u.Scheme != "ws") || u.Host == "" {
		return "", fmt.Errorf("gateway URL %q is not a ws:// or wss:// URL", raw)
	}
	u.RawQuery = gatewayQuery
	u.Fragment = ""
	return u.String(), nil
}

// run is the connection's life: HELLO, IDENTIFY or RESUME, then every frame
// until the connection ends.
func (g *rawGateway) run(c *rawConn, resume bool) {
	err := g.serve(c, resume)
	c.end(nil) // serve has waited for the heartbeat goroutine
	if p := c.cause.Load(); p != nil {
		err = *p
	}
	g.afterEnd(err)
	c.err = err
	close(c.done)
}

// afterEnd updates the session for the way a connection ended.
func (g *rawGateway) afterEnd(err error) {
	var ce *websocket.CloseError
	forget := errors.Is(err, errSessionInvalid) ||
		(errors.As(err, &ce) && (ce.Code == 4007 || ce.Code == 4009))
	if !forget {
		return
	}
	g.mu.Lock()
	g.sessionID, g.resumeURL = "", ""
	if errors.Is(err, errSessionInvalid) {
		g.notBefore = time.Now().Add(time.Second + rand.N(4*time.Second))
	}
	g.mu.Unlock()
	g.seq.Store(0)
}

// serve speaks the protocol on c until it ends.
func (g *rawGateway) serve(c *rawConn, resume bool) error {
	var buf bytes.Buffer
	frame, err := readFrame(c.ws, &buf)
	if err != nil {
		return err
	}
	h, err := scanFrame(frame)
	if err != nil || h.op != 10 || h.dEnd == 0 {
		return errors.New("gateway did not say HELLO")
	}
	var hello struct {
		HeartbeatInterval int64 `json:"heartbeat_interval"`
	}
	if err := json.Unmarshal(frame[h.dStart:h.dEnd], &hello); err != nil || hello.HeartbeatInterval <= 0 {
		return errors.New("gateway HELLO has no heartbeat interval")
	}
	interval := time.Duration(hello.HeartbeatInterval) * time.Millisecond
	heartbeats := make(chan struct{}, 1) // op 1 from Discord: beat now
	var hb sync.WaitGroup
	hb.Add(1)
	go func() { defer hb.Done(); g.heartbeat(c, interval, heartbeats) }()
	defer hb.Wait()
	defer c.end(nil)

	if err := c.write(g.handshake(resume)); err != nil {
		return fmt.Errorf("gateway %s: %w", map[bool]string{true: "resume", false: "identify"}[resume], err)
	}
	if !resume {
		g.mu.Lock()
		g.identified = true
		g.mu.Unlock()
	}
	ready := false
	for {
		frame, err := readFrame(c.ws, &buf)
		if err != nil {
			return err
		}
		h, err := scanFrame(frame)
		if err != nil {
			return err
		}
		if h.op != 0 && !json.Valid(frame) {
			return errBadFrame
		}
		switch h.op {
		case 0:
			first := !ready && (string(h.t) == "READY" || string(h.t) == "RESUMED")
			if first {
				if !json.Valid(frame) {
					return errBadFrame
				}
				if string(h.t) == "READY" && h.dEnd > 0 {
					r, err := decodeReady(frame[h.dStart:h.dEnd])
					if err != nil || r.SessionID == "" {
						return errors.New("gateway READY has no session")
					}
					g.mu.Lock()
					g.sessionID, g.resumeURL = r.SessionID, r.ResumeGatewayURL
					g.mu.Unlock()
				}
			}
			if err := g.cfg.onDispatch(frame, h); err != nil {
				return err
			}
			if h.hasSeq {
				g.seq.Store(h.seq)
			}
			if first {
				ready = true
				close(c.ready)
			}
		case 1:
			signal(heartbeats)
		case 7:
			return errReconnectNow
		case 9:
			if h.dEnd > 0 && string(frame[h.dStart:h.dEnd]) == "true" {
				return errReconnectNow
			}
			return errSessionInvalid
		case 11:
			c.acked.Store(true)
		}
	}
}

// readFrame reads one text message into buf (reused from frame to frame).
func readFrame(ws *websocket.Conn, buf *bytes.Buffer) ([]byte, error) {
	typ, r, err := ws.NextReader()
	if err != nil {
		return nil, err
	}
	if typ != websocket.TextMessage {
		return nil, errors.New("gateway sent a binary frame (compression is not requested)")
	}
	if buf.Cap() > keptFrameBuffer {
		*buf = bytes.Buffer{} // do not keep a large guild's GUILD_CREATE for the connection's life
	}
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// handshake is the IDENTIFY or RESUME payload.
func (g *rawGateway) handshake(resume bool) []byte {
	if resume {
		g.mu.Lock()
		id := g.sessionID
		g.mu.Unlock()
		b, _ := json.Marshal(map[string]any{"op": 6, "d": map[string]any{
			"token": g.cfg.token, "session_id": id, "seq": g.seq.Load(),
		}})
		return b
	}
	b, _ := json.Marshal(map[string]any{"op": 2, "d": map[string]any{
		"token":      g.cfg.token,
		"intents":    g.cfg.intents,
		"compress":   false,
		"properties": map[string]string{"os": "linux", "browser": "artbridge", "device": "artbridge"},
	}})
	return b
}

// heartbeat sends op 1 every interval (the first after a random fraction of
// it) and ends the connection as a zombie when a beat went unacknowledged.
func (g *rawGateway) heartbeat(c *rawConn, interval time.Duration, now <-chan struct{}) {
	timer := time.NewTimer(time.Duration(rand.Int64N(int64(interval))))
	defer timer.Stop()
	pending := false
	for {
		select {
		case <-c.stop:
			return
		case <-now:
		case <-timer.C:
			if pending && !c.acked.Load() {
				c.end(errZombie)
				return
			}
			timer.Reset(interval)
		}
		c.acked.Store(false)
		pending = true
		if err := c.write(heartbeatFrame(g.seq.Load())); err != nil {
			c.end(fmt.Errorf("gateway heartbeat: %w", err))
			return
		}
	}
}

// heartbeatFrame is op 1 with the last sequence number (null before any).
func heartbeatFrame(seq int64) []byte {
	if seq == 0 {
		return []byte(`{"op":1,"d":null}`)
	}
	b := append([]byte(`{"op":1,"d":`), strconv.FormatInt(seq, 10)...)
	return append(b, '}')
}
