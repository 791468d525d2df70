package relay

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// openTimeout bounds one gateway Open (dial, hello, identify, ready).
const openTimeout = 30 * time.Second

// fatalCloseCodes are the gateway close codes after which reconnecting cannot
// help: the relay is disabled with the reason.
var fatalCloseCodes = map[int]string{
	4004: "Discord refused the token (gateway close 4004: authentication failed)",
	4010: "gateway close 4010: invalid shard",
	4011: "gateway close 4011: sharding required (the bot is in too many guilds for one connection)",
	4012: "gateway close 4012: invalid API version",
	4013: "gateway close 4013: invalid intents",
	4014: "gateway close 4014: disallowed intents (enable the privileged intents in the developer portal, or do not request them)",
}

// fatalReason returns why err should disable the relay ("" if it should not).
func fatalReason(err error) string {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return fatalCloseCodes[ce.Code]
	}
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil {
		switch re.Response.StatusCode {
		case http.StatusUnauthorized:
			return "Discord refused the token (HTTP 401 on GET /gateway)"
		case http.StatusForbidden:
			return "Discord refused the bot (HTTP 403 on GET /gateway)"
		}
	}
	return ""
}

// problemOf describes a transient gateway error in our own words.
func problemOf(err error) string {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return fmt.Sprintf("gateway closed with code %d", ce.Code)
	}
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil {
		return fmt.Sprintf("GET /gateway answered HTTP %d", re.Response.StatusCode)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "gateway timed out"
	}
	return "gateway connection failed"
}

// connHolder remembers the raw connection of a session's latest dial so an
// Open stuck on a silent server can be interrupted.
type connHolder struct {
	mu   sync.Mutex
	conn net.Conn
}

func (h *connHolder) set(c net.Conn) {
	h.mu.Lock()
	h.conn = c
	h.mu.Unlock()
}

func (h *connHolder) close() {
	h.mu.Lock()
	if h.conn != nil {
		h.conn.Close()
	}
	h.mu.Unlock()
}

// gatewaySession is one discordgo session and what the worker needs to run it.
type gatewaySession struct {
	s    *discordgo.Session
	raw  *connHolder
	down chan struct{} // signalled on Disconnect
}

// newGatewaySession makes a session for the worker's bot: state cache off,
// events handled synchronously (in order) and every dispatch taken raw.
func (w *worker) newGatewaySession(set settings) (*gatewaySession, error) {
	s, err := w.svc.newSession(set.token, set.intents)
	if err != nil {
		return nil, err
	}
	g := &gatewaySession{s: s, raw: &connHolder{}, down: make(chan struct{}, 1)}
	s.StateEnabled = false
	s.SyncEvents = true
	s.ShouldReconnectOnError = false
	if s.Dialer != nil {
		d := *s.Dialer
		inner := d.NetDialContext
		if inner == nil {
			inner = (&net.Dialer{Timeout: 10 * time.Second}).DialContext
		}
		d.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := inner(ctx, network, addr)
			if err == nil {
				g.raw.set(c)
			}
			return c, err
		}
		s.Dialer = &d
	}
	s.AddHandler(func(_ *discordgo.Session, e *discordgo.Event) { w.onEvent(e) })
	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Disconnect) { signal(g.down) })
	return g, nil
}

// open runs Session.Open, interrupting it when ctx ends or it takes longer
// than openTimeout.
func (g *gatewaySession) open(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-ctx.Done():
			g.raw.close()
		case <-done:
		}
	}()
	select { // a Disconnect left over from an earlier connection
	case <-g.down:
	default:
	}
	err := g.s.Open()
	close(done)
	wg.Wait()
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("gateway open: %w (%w)", ctx.Err(), err)
	}
	return err
}

// onEvent matches one raw dispatch and queues it when it matches.
func (w *worker) onEvent(e *discordgo.Event) {
	if e == nil || e.Operation != 0 || w.ctx.Err() != nil {
		return
	}
	f := w.filter.Load()
	if f == nil {
		return
	}
	d := encodeDispatch(e.Operation, e.RawData, e.Sequence, e.Type)
	// discordgo decoded the payload with encoding/json, so RawData is valid
	// JSON and so is d: the filter need not validate what it does not read.
	ok, err := f.MatchTrusted(d)
	if err != nil {
		w.log.Debug("relay: dispatch not matched", "t", e.Type, "err", err)
		return
	}
	if ok {
		w.enqueue(d)
	}
}

// gatewayLoop keeps the bot's gateway session up while the relay is enabled.
func (w *worker) gatewayLoop(ctx context.Context) {
	backoff := w.svc.cfg.ReconnectMin
	for ctx.Err() == nil {
		if w.disabledReason() != "" {
			w.setGW(stateDisabled, "")
			select {
			case <-ctx.Done():
				return
			case <-w.resetGW:
			}
			continue
		}
		set := w.settings()
		if err := w.svc.identify.wait(ctx, tokenKey(set.token)); err != nil {
			return
		}
		w.setGW(stateConnecting, "")
		g, err := w.newGatewaySession(set)
		if err != nil {
			w.disable(ctx, "cannot create a gateway session: "+err.Error())
			continue
		}
		restart := w.runSession(ctx, g, &backoff)
		if !restart {
			return
		}
	}
}

// runSession opens g and keeps it up (resuming after drops) until the
// registration changes (true: make a new session), the relay is disabled
// (true) or ctx ends (false).
func (w *worker) runSession(ctx context.Context, g *gatewaySession, backoff *time.Duration) bool {
	min, max := w.svc.cfg.ReconnectMin, w.svc.cfg.ReconnectMax
	defer g.s.Close()
	for {
		err := g.open(ctx)
		if ctx.Err() != nil {
			return false
		}
		if err != nil {
			if reason := fatalReason(err); reason != "" {
				w.disable(ctx, reason)
				return true
			}
			w.setGW(stateBackoff, problemOf(err))
			w.log.Info("relay: gateway connection failed", "problem", problemOf(err), "retry_in", *backoff)
			switch backoffWait(ctx, *backoff, w.resetGW) {
			case waitCancelled:
				return false
			case waitWoken:
				return true
			}
			*backoff = nextBackoff(*backoff, max)
			continue
		}
		w.setGW(stateConnected, "")
		*backoff = min
		select {
		case <-ctx.Done():
			return false
		case <-w.resetGW:
			return true
		case <-g.down:
			w.setGW(stateBackoff, "gateway connection dropped")
			switch backoffWait(ctx, *backoff, w.resetGW) {
			case waitCancelled:
				return false
			case waitWoken:
				return true
			}
			*backoff = nextBackoff(*backoff, max)
		}
	}
}
