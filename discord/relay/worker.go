package relay

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/artbridge/artbridge/discord/relay/filter"
)

// Connection states shown in Status.
const (
	stateIdle       = "idle"
	stateConnecting = "connecting"
	stateConnected  = "connected"
	stateBackoff    = "backoff"
	stateDisabled   = "disabled"
)

// settings are the registered fields a worker runs with (secrets in clear,
// in memory only).
type settings struct {
	token    string
	intents  int64
	dst      string
	secret   string
	protocol string // "" (DCC) or ProtocolArtbridge
}

// acked reports whether the bot speaks the artbridge protocol (hello,
// sequence numbers, acknowledgements).
func (s settings) acked() bool { return s.protocol == ProtocolArtbridge }

// worker runs one relay: its gateway session, its queue and its downstream
// connection.
type worker struct {
	svc   *Service
	alias string
	log   *slog.Logger

	filter atomic.Pointer[filter.Filter]
	ctx    context.Context // ends when the worker stops
	cancel context.CancelFunc
	wg     sync.WaitGroup

	wakeDS  chan struct{} // frames to send
	resetDS chan struct{} // dst or secret changed
	resetGW chan struct{} // token or intents changed, or re-enabled

	seqMu sync.Mutex // serialises sequence assignment and reservation

	mu       sync.Mutex
	set      settings
	disabled string
	// lastDisable is the latest non-empty disabled reason (DCC's
	// lastDisableReason); lastDSProblem the latest downstream problem.
	lastDisable   string
	lastDSProblem string
	q             *queue
	nextSeq       uint64
	reserved      uint64 // highest number the store allows us to use
	lastAck       uint64
	savedAck      uint64 // what the store holds
	matched       uint64
	sent          uint64
	delivered     uint64
	dropped       uint64
	gw            connState
	ds            connState
}

// connState is one side's connection state for Status.
type connState struct {
	state    string
	since    time.Time
	problem  string // our own words, never a remote party's text
	connects uint64
}

func newWorker(svc *Service, reg Registration, set settings, f *filter.Filter) *worker {
	w := &worker{
		svc:         svc,
		alias:       reg.Alias,
		log:         svc.log.With("relay", reg.Alias),
		wakeDS:      make(chan struct{}, 1),
		resetDS:     make(chan struct{}, 1),
		resetGW:     make(chan struct{}, 1),
		set:         set,
		disabled:    reg.DisabledReason,
		lastDisable: reg.DisabledReason,
		q:           newQueue(svc.cfg.QueueSize),
		lastAck:     reg.LastAck,
		savedAck:    reg.LastAck,
		reserved:    max(reg.SeqReserved, reg.LastAck),
	}
	w.nextSeq = w.reserved + 1
	now := svc.cfg.Now()
	w.gw = connState{state: stateIdle, since: now}
	w.ds = connState{state: stateIdle, since: now}
	if f != nil {
		w.filter.Store(f)
	}
	return w
}

// start runs the worker's goroutines until stop.
func (w *worker) start(parent context.Context) {
	w.ctx, w.cancel = context.WithCancel(parent)
	w.wg.Add(2)
	go func() { defer w.wg.Done(); w.gatewayLoop(w.ctx) }()
	go func() { defer w.wg.Done(); w.downstreamLoop(w.ctx) }()
}

// stop ends the goroutines and waits for them.
func (w *worker) stop() {
	w.cancel()
	w.wg.Wait()
}

// signal does a non-blocking send on a wake-up channel.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// tokenKey identifies a bot for the identify limiter without keeping its token.
func tokenKey(token string) string {
	d := sha256.Sum256([]byte(token))
	return hex.EncodeToString(d[:8])
}

func (w *worker) setGW(state, problem string) {
	w.mu.Lock()
	if w.gw.state != state {
		w.gw.since = w.svc.cfg.Now()
	}
	w.gw.state, w.gw.problem = state, problem
	if state == stateConnected {
		w.gw.connects++
	}
	w.mu.Unlock()
}

func (w *worker) setDS(state, problem string) {
	w.mu.Lock()
	if w.ds.state != state {
		w.ds.since = w.svc.cfg.Now()
	}
	w.ds.state, w.ds.problem = state, problem
	if problem != "" {
		w.lastDSProblem = problem
	}
	if state == stateConnected {
		w.ds.connects++
	}
	w.mu.Unlock()
}

func (w *worker) settings() settings {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.set
}

func (w *worker) disabledReason() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.disabled
}

// disable records reason in memory and in the store; the gateway stops until
// the relay is registered again.
func (w *worker) disable(ctx context.Context, reason string) {
	w.mu.Lock()
	w.disabled = reason
	if reason != "" {
		w.lastDisable = reason
	}
	w.mu.Unlock()
	w.log.Warn("relay disabled", "reason", reason)
	if err := w.svc.store.SetRelayDisabled(ctx, w.alias, reason); err != nil && ctx.Err() == nil {
		w.log.Error("relay: record disabled reason", "err", err)
	}
}

// enqueue numbers a matched dispatch and queues it for delivery.
func (w *worker) enqueue(dispatch []byte) {
	w.seqMu.Lock()
	defer w.seqMu.Unlock()
	w.mu.Lock()
	if w.nextSeq > w.reserved {
		reserve := w.reserved + seqBlock
		ack := w.lastAck
		w.mu.Unlock()
		if err := w.svc.store.SaveRelayProgress(w.ctx, w.alias, ack, reserve); err != nil {
			// Without a reservation a restart could reuse numbers the bot has
			// seen; refuse to number frames rather than risk that.
			w.log.Error("relay: reserve sequence numbers; dispatch not queued", "err", err)
			w.mu.Lock()
			w.dropped++
			w.mu.Unlock()
			return
		}
		w.mu.Lock()
		if reserve > w.reserved {
			w.reserved = reserve
		}
		if ack > w.savedAck {
			w.savedAck = ack
		}
	}
	seq := w.nextSeq
	w.nextSeq++
	w.matched++
	if w.q.push(frame{seq: seq, data: dispatch}) {
		w.dropped++
	}
	w.mu.Unlock()
	signal(w.wakeDS)
}

// ack records a cumulative acknowledgement from the bot.
func (w *worker) ack(seq uint64) {
	w.mu.Lock()
	w.ackLocked(seq)
	w.mu.Unlock()
}

// ackLocked is ack with w.mu held.
func (w *worker) ackLocked(seq uint64) {
	if seq >= w.nextSeq {
		seq = w.nextSeq - 1
	}
	if seq > w.lastAck {
		w.lastAck = seq
	}
	w.delivered += uint64(w.q.ack(seq))
}

// pending appends to dst up to max queued frames after seq.
func (w *worker) pending(dst []frame, seq uint64, max int) []frame {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.q.after(dst, seq, max)
}

// unacked reports how many frames wait for an acknowledgement.
func (w *worker) unacked() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.q.len()
}

// helloNow builds the hello frame for a new downstream connection.
func (w *worker) helloNow() hello {
	w.mu.Lock()
	defer w.mu.Unlock()
	h := hello{Alias: w.alias, NextSeq: w.nextSeq, LastAck: w.lastAck, Dropped: w.dropped}
	h.ResumeFrom = w.nextSeq
	if o, ok := w.q.oldest(); ok {
		h.ResumeFrom = o
	}
	return h
}

// saveProgress writes the last acknowledgement when it changed (final: also
// gives back the unused part of the reserved block). A periodic save skips a
// worker busy reserving numbers (it holds seqMu, maybe waiting on the store),
// so one stalled relay does not hold back the saves of the others.
func (w *worker) saveProgress(ctx context.Context, final bool) error {
	if final {
		w.seqMu.Lock()
	} else if !w.seqMu.TryLock() {
		return nil
	}
	defer w.seqMu.Unlock()
	w.mu.Lock()
	ack, reserved := w.lastAck, w.reserved
	if final {
		reserved = w.nextSeq - 1
	}
	dirty := ack != w.savedAck || (final && reserved != w.reserved)
	w.mu.Unlock()
	if !dirty {
		return nil
	}
	if err := w.svc.store.SaveRelayProgress(ctx, w.alias, ack, reserved); err != nil {
		return err
	}
	w.mu.Lock()
	w.savedAck = ack
	w.reserved = reserved
	w.mu.Unlock()
	return nil
}

// Outcomes of backoffWait.
const (
	waitElapsed = iota
	waitCancelled
	waitWoken
)

// backoffWait sleeps d or until ctx ends or wake fires.
func backoffWait(ctx context.Context, d time.Duration, wake <-chan struct{}) int {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return waitCancelled
	case <-t.C:
		return waitElapsed
	case <-wake:
		return waitWoken
	}
}

func nextBackoff(d, max time.Duration) time.Duration {
	d *= 2
	if d > max {
		d = max
	}
	return d
}
