package relay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"github.com/artbridge/artbridge/discord/relay/filter"
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
	var he *gatewayHTTPError
	if errors.As(err, &he) {
		switch he.status {
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
	var he *gatewayHTTPError
	if errors.As(err, &he) {
		return fmt.Sprintf("GET /gateway answered HTTP %d", he.status)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "gateway timed out"
	}
	return "gateway connection failed"
}

// newGatewaySession makes the raw gateway client for the worker's bot,
// reaching Discord through the guarded HTTP client and websocket dialer of
// discord.NewSession.
func (w *worker) newGatewaySession(set settings) (*rawGateway, error) {
	s, err := w.svc.newSession(set.token, set.intents)
	if err != nil {
		return nil, err
	}
	if s.Dialer == nil || s.Client == nil {
		return nil, errors.New("session has no dialer or HTTP client")
	}
	key := tokenKey(set.token)
	return newRawGateway(rawGatewayConfig{
		token:      set.token,
		intents:    set.intents,
		httpClient: s.Client,
		dialer:     s.Dialer,
		onDispatch: w.onDispatch,
		beforeReidentify: func(ctx context.Context) error {
			return w.svc.identify.wait(ctx, key)
		},
		log: w.log,
	}), nil
}

// onDispatch matches one raw gateway dispatch and queues a copy when it
// matches; frame is reused after the call. The frame has not been validated
// yet: Match validates it while it reads it, and a dispatch it matches has
// been validated whole (Match never answers true for input that is not one
// well-formed JSON value), so a bot is only ever sent valid JSON. A frame
// found not to be JSON gives errBadFrame (the connection is resumed and
// Discord sends it again); one the criteria reject before reaching its
// malformed part is dropped like any other unmatched dispatch.
func (w *worker) onDispatch(frame []byte, h frameHead) error {
	if w.ctx.Err() != nil {
		return nil
	}
	f := w.filter.Load()
	if f == nil {
		return nil
	}
	ok, err := f.Match(frame)
	if errors.Is(err, filter.ErrInvalidDispatch) {
		w.log.Warn("relay: gateway sent a dispatch that is not JSON; resuming", "t", string(h.t))
		return errBadFrame
	}
	if err != nil {
		w.log.Debug("relay: dispatch not matched", "t", string(h.t), "err", err)
		return nil
	}
	if ok {
		w.enqueue(bytes.Clone(frame))
	}
	return nil
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
func (w *worker) runSession(ctx context.Context, g *rawGateway, backoff *time.Duration) bool {
	min, max := w.svc.cfg.ReconnectMin, w.svc.cfg.ReconnectMax
	defer g.close()
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
		case <-g.done():
			err := g.err()
			if reason := fatalReason(err); reason != "" {
				w.disable(ctx, reason)
				return true
			}
			if errors.Is(err, errReconnectNow) {
				continue // Discord asked: resume at once
			}
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
