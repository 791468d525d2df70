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
	errAckTimeout = errors.New("the bot acknowledged nothing for the idle timeout")
	errBadAck     = errors.New("the bot sent a frame that is not {\"ack\":N}")
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
	case errors.Is(err, errAckTimeout), errors.Is(err, errBadAck):
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

// dial opens the websocket to the bot with its Basic credentials.
func (w *worker) dial(ctx context.Context, set settings) (*websocket.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, w.svc.cfg.DialTimeout)
	defer cancel()
	h := http.Header{}
	h.Set("Authorization", basicAuthHeader(w.alias, set.secret))
	h.Set("User-Agent", "artbridge-relay")
	conn, resp, err := websocket.Dial(dctx, set.dst, &websocket.DialOptions{
		HTTPClient: w.svc.dstHTTP,
		HTTPHeader: h,
	})
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			return nil, fmt.Errorf("relay: dial %s: %w", w.alias, &handshakeError{status: resp.StatusCode})
		}
		return nil, fmt.Errorf("relay: dial %s: %w", w.alias, err)
	}
	conn.SetReadLimit(maxAckFrameBytes)
	return conn, nil
}

// deliver runs one downstream connection: hello, everything unacknowledged,
// then new frames as they come. It returns nil after an idle close or a
// change of destination, an error when the connection failed.
func (w *worker) deliver(ctx context.Context) error {
	set := w.settings()
	w.setDS(stateConnecting, "")
	conn, err := w.dial(ctx, set)
	if err != nil {
		return err
	}
	defer conn.CloseNow()
	w.setDS(stateConnected, "")

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
	idle := time.NewTimer(w.svc.cfg.IdleTimeout)
	defer idle.Stop()
	resetIdle := func() {
		idle.Stop()
		select {
		case <-idle.C:
		default:
		}
		idle.Reset(w.svc.cfg.IdleTimeout)
	}
	for {
		batch := w.pending(sentUpTo, sendBatch)
		for _, f := range batch {
			if err := w.write(ctx, conn, f.data); err != nil {
				return err
			}
			sentUpTo = f.seq
		}
		if len(batch) > 0 {
			w.mu.Lock()
			w.sent += uint64(len(batch))
			w.mu.Unlock()
			resetIdle()
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
			resetIdle()
		case err := <-readErr:
			return err
		case <-idle.C:
			if w.unacked() > 0 {
				conn.Close(websocket.StatusPolicyViolation, "no acknowledgement")
				return errAckTimeout
			}
			conn.Close(websocket.StatusNormalClosure, "idle")
			return nil
		}
	}
}

// write sends one text frame within the write timeout.
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
