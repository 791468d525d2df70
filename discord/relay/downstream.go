package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/artbridge/artbridge/netguard"
)

// sendBatch is how many frames are taken from the queue per write round.
const sendBatch = 64

var (
	errAckTimeout  = errors.New("the bot acknowledged nothing for the idle timeout")
	errBadAck      = errors.New("the bot sent a frame that is not {\"ack\":N}")
	errSubprotocol = errors.New("the bot did not select the " + ProtocolArtbridge + " websocket subprotocol it registered")
)

// downstreamLoop connects to the bot whenever frames wait and keeps the
// connection while there is traffic; it closes it after IdleTimeout.
func (w *worker) downstreamLoop(ctx context.Context) {
	min, max := w.svc.cfg.ReconnectMin, w.svc.cfg.ReconnectMax
	backoff := min
	for ctx.Err() == nil {
		if w.unacked() == 0 {
			w.setDS(stateIdle, "")
			select {
			case <-ctx.Done():
				return
			case <-w.wakeDS:
			case <-w.resetDS:
			}
			continue
		}
		err := w.deliver(ctx)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			backoff = min
			continue
		}
		problem := dsProblem(err)
		w.setDS(stateBackoff, problem)
		w.log.Info("relay: downstream connection ended", "problem", problem, "retry_in", backoff)
		if backoffWait(ctx, backoff, w.resetDS) == waitCancelled {
			return
		}
		backoff = nextBackoff(backoff, max)
	}
}

// dsProblem describes a downstream failure without quoting the bot's text.
func dsProblem(err error) string {
	var he *handshakeError
	switch {
	case errors.Is(err, netguard.ErrForbiddenAddress):
		return "destination address is not allowed (private or local)"
	case errors.As(err, &he):
		return fmt.Sprintf("destination answered HTTP %d instead of a websocket", he.status)
	case errors.Is(err, errAckTimeout), errors.Is(err, errBadAck), errors.Is(err, errSubprotocol):
		return err.Error()
	case websocket.CloseStatus(err) != -1:
		return fmt.Sprintf("destination closed the websocket (status %d)", websocket.CloseStatus(err))
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "destination timed out"
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "destination timed out"
	}
	return "destination unreachable"
}

type handshakeError struct{ status int }

func (e *handshakeError) Error() string { return fmt.Sprintf("handshake answered HTTP %d", e.status) }

// dial opens the websocket to the bot with its Basic credentials (DCC's:
// the base64 of the raw clientSecret). A bot registered for the artbridge
// protocol is offered it as the subprotocol and must select it; a DCC bot is
// offered none (the ws library selects the first one offered by default).
func (w *worker) dial(ctx context.Context, set settings) (*websocket.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, w.svc.cfg.DialTimeout)
	defer cancel()
	h := http.Header{}
	h.Set("Authorization", basicAuthHeader(set.secret))
	h.Set("User-Agent", "artbridge-relay")
	opts := &websocket.DialOptions{HTTPClient: w.svc.dstHTTP, HTTPHeader: h}
	if set.acked() {
		opts.Subprotocols = []string{ProtocolArtbridge}
	}
	conn, resp, err := websocket.Dial(dctx, set.dst, opts)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			return nil, fmt.Errorf("relay: dial %s: %w", w.alias, &handshakeError{status: resp.StatusCode})
		}
		return nil, fmt.Errorf("relay: dial %s: %w", w.alias, err)
	}
	if set.acked() && conn.Subprotocol() != ProtocolArtbridge {
		conn.Close(websocket.StatusPolicyViolation, "registered for "+ProtocolArtbridge)
		return nil, fmt.Errorf("relay: dial %s: %w", w.alias, errSubprotocol)
	}
	conn.SetReadLimit(maxAckFrameBytes)
	return conn, nil
}

// deliver runs one downstream connection in the registered protocol. It
// returns nil after an idle close or a change of destination, an error when
// the connection failed.
func (w *worker) deliver(ctx context.Context) error {
	set := w.settings()
	w.setDS(stateConnecting, "")
	conn, err := w.dial(ctx, set)
	if err != nil {
		return err
	}
	defer conn.CloseNow()
	w.setDS(stateConnected, "")
	if set.acked() {
		return w.deliverAcked(ctx, conn)
	}
	return w.deliverRaw(ctx, conn)
}

// idleTimer is the downstream's idle timeout, restarted by traffic.
type idleTimer struct {
	t *time.Timer
	d time.Duration
}

func newIdleTimer(d time.Duration) *idleTimer { return &idleTimer{t: time.NewTimer(d), d: d} }

func (i *idleTimer) reset() {
	i.t.Stop()
	select {
	case <-i.t.C:
	default:
	}
	i.t.Reset(i.d)
}

// deliverRaw is DCC's protocol: each queued dispatch is written as it came
// from Discord and counts as delivered once written; the bot sends nothing
// (a data frame from it closes the connection). Like DCC, the connection
// closes after IdleTimeout without a dispatch.
func (w *worker) deliverRaw(ctx context.Context, conn *websocket.Conn) error {
	readCtx := conn.CloseRead(ctx)
	idle := newIdleTimer(w.svc.cfg.IdleTimeout)
	defer idle.t.Stop()
	var batch []frame
	for {
		batch = w.pending(batch[:0], 0, sendBatch)
		if len(batch) > 0 {
			n, err := w.writeRound(ctx, conn, batch, func(f frame) []byte { return f.data })
			if n > 0 {
				// What was written is gone to the bot; the rest stays queued.
				w.wrote(batch[n-1].seq, n)
			}
			clear(batch) // do not keep the frames' bytes until the next round
			if err != nil {
				return err
			}
			idle.reset()
			continue
		}
		select {
		case <-ctx.Done():
			conn.Close(websocket.StatusGoingAway, "relay stopping")
			return nil
		case <-w.resetDS:
			conn.Close(websocket.StatusNormalClosure, "registration changed")
			return nil
		case <-w.wakeDS:
		case <-readCtx.Done():
			if ctx.Err() != nil {
				return nil
			}
			return errors.New("the bot closed the connection or sent a frame (a DCC bot sends nothing)")
		case <-idle.t.C:
			conn.Close(websocket.StatusNormalClosure, "idle")
			return nil
		}
	}
}

// writeRound writes one round of queued frames (at most sendBatch), each as
// one text message, within one WriteTimeout; it returns how many were
// written.
func (w *worker) writeRound(ctx context.Context, conn *websocket.Conn, batch []frame, encode func(frame) []byte) (int, error) {
	wctx, cancel := context.WithTimeout(ctx, w.svc.cfg.WriteTimeout)
	defer cancel()
	for i, f := range batch {
		if err := conn.Write(wctx, websocket.MessageText, encode(f)); err != nil {
			return i, err
		}
	}
	return len(batch), nil
}

// wrote records n raw frames up to seq as sent and delivered.
func (w *worker) wrote(seq uint64, n int) {
	w.mu.Lock()
	w.sent += uint64(n)
	w.ackLocked(seq)
	w.mu.Unlock()
}

// deliverAcked is the artbridge protocol: hello, everything unacknowledged,
// then new frames as they come, each {"seq":N,"dispatch":…}; the bot
// acknowledges cumulatively.
func (w *worker) deliverAcked(ctx context.Context, conn *websocket.Conn) error {
	readCtx, stopRead := context.WithCancel(ctx)
	acks := make(chan uint64, 16)
	readErr := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		readErr <- readAcks(readCtx, conn, acks)
	}()
	defer func() {
		stopRead()
		conn.CloseNow()
		wg.Wait()
	}()

	h := w.helloNow()
	hb, _ := json.Marshal(helloFrame{Hello: h})
	if err := w.write(ctx, conn, hb); err != nil {
		return err
	}
	sentUpTo := h.ResumeFrom - 1
	idle := newIdleTimer(w.svc.cfg.IdleTimeout)
	defer idle.t.Stop()
	var batch []frame
	for {
		batch = w.pending(batch[:0], sentUpTo, sendBatch)
		if len(batch) > 0 {
			n, err := w.writeRound(ctx, conn, batch, func(f frame) []byte { return encodeFrame(f.seq, f.data) })
			if n > 0 {
				sentUpTo = batch[n-1].seq
				w.mu.Lock()
				w.sent += uint64(n)
				w.mu.Unlock()
			}
			clear(batch)
			if err != nil {
				return err
			}
			idle.reset()
			continue
		}
		select {
		case <-ctx.Done():
			conn.Close(websocket.StatusGoingAway, "relay stopping")
			return nil
		case <-w.resetDS:
			conn.Close(websocket.StatusNormalClosure, "registration changed")
			return nil
		case <-w.wakeDS:
		case n := <-acks:
			w.ack(n)
			idle.reset()
		case err := <-readErr:
			return err
		case <-idle.t.C:
			if w.unacked() > 0 {
				conn.Close(websocket.StatusPolicyViolation, "no acknowledgement")
				return errAckTimeout
			}
			conn.Close(websocket.StatusNormalClosure, "idle")
			return nil
		}
	}
}

// write sends one text message within the write timeout.
func (w *worker) write(ctx context.Context, conn *websocket.Conn, b []byte) error {
	wctx, cancel := context.WithTimeout(ctx, w.svc.cfg.WriteTimeout)
	defer cancel()
	return conn.Write(wctx, websocket.MessageText, b)
}

// readAcks reads {"ack":N} frames until the connection ends.
func readAcks(ctx context.Context, conn *websocket.Conn, acks chan<- uint64) error {
	for {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			return err
		}
		var a ackFrame
		if typ != websocket.MessageText || json.Unmarshal(data, &a) != nil || a.Ack == nil {
			conn.Close(websocket.StatusUnsupportedData, "expected {\"ack\":N}")
			return errBadAck
		}
		select {
		case acks <- *a.Ack:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
