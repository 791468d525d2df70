package relay

import (
	"sort"
	"time"
)

// Status is what GET /relays shows of one relay: state and counters, never a
// token, a secret or a remote party's error text.
type Status struct {
	Alias          string `json:"alias"`
	Enabled        bool   `json:"enabled"`
	DisabledReason string `json:"disabled_reason,omitempty"`
	Intents        int64  `json:"intents"`
	// Dst is the destination without query string.
	Dst        string           `json:"dst"`
	Gateway    GatewayStatus    `json:"gateway"`
	Downstream DownstreamStatus `json:"downstream"`
	// Queued frames wait for an acknowledgement (sent or not).
	Queued int `json:"queued"`
	// Matched counts dispatches that matched the filter since the relay
	// started; Sent frames written (resends included); Delivered frames
	// acknowledged; Dropped frames lost to a full queue.
	Matched   uint64 `json:"matched"`
	Sent      uint64 `json:"sent"`
	Delivered uint64 `json:"delivered"`
	Dropped   uint64 `json:"dropped"`
	// LastAckedSeq is the bot's highest acknowledgement; NextSeq the number
	// of the next match.
	LastAckedSeq uint64 `json:"last_acked_seq"`
	NextSeq      uint64 `json:"next_seq"`
	// Protocol is the downstream wire protocol: "dcc" or "artbridge.relay.v1".
	Protocol string `json:"protocol"`

	// DCC's own status fields, under DCC's names, for operators who know them.
	// LastDisableReason is the latest reason the relay was disabled, kept
	// after it is enabled again ("" if it never was).
	LastDisableReason string `json:"lastDisableReason"`
	// NumQueuedEvents is Queued.
	NumQueuedEvents int `json:"numQueuedEvents"`
	// ConnectRunning is true while the gateway connection is being made.
	ConnectRunning bool `json:"connectRunning"`
	// WSReadyState is the downstream state (Downstream.State).
	WSReadyState string `json:"wsReadyState"`
	// LastWSError is the latest downstream problem, in our own words.
	LastWSError string `json:"lastWSError,omitempty"`
	// BotShardStatus is the gateway state (Gateway.State).
	BotShardStatus string `json:"botShardStatus"`
}

// GatewayStatus is the Discord side of a relay.
type GatewayStatus struct {
	// State is idle, connecting, connected, backoff or disabled.
	State   string    `json:"state"`
	Since   time.Time `json:"since"`
	Problem string    `json:"problem,omitempty"`
	// Connects counts successful gateway connections (resumes included).
	Connects uint64 `json:"connects"`
	// Shard is [shard_id, num_shards]; the relay runs one shard per bot.
	Shard [2]int `json:"shard"`
}

// DownstreamStatus is the bot side of a relay.
type DownstreamStatus struct {
	// State is idle, connecting, connected or backoff.
	State    string    `json:"state"`
	Since    time.Time `json:"since"`
	Problem  string    `json:"problem,omitempty"`
	Connects uint64    `json:"connects"`
}

// status snapshots the worker.
func (w *worker) status() Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	return Status{
		Alias:          w.alias,
		Enabled:        w.disabled == "",
		DisabledReason: w.disabled,
		Intents:        w.set.intents,
		Dst:            redactDst(w.set.dst),
		Gateway: GatewayStatus{State: w.gw.state, Since: w.gw.since.UTC(), Problem: w.gw.problem,
			Connects: w.gw.connects, Shard: [2]int{0, 1}},
		Downstream: DownstreamStatus{State: w.ds.state, Since: w.ds.since.UTC(), Problem: w.ds.problem,
			Connects: w.ds.connects},
		Queued:       w.q.len(),
		Matched:      w.matched,
		Sent:         w.sent,
		Delivered:    w.delivered,
		Dropped:      w.dropped,
		LastAckedSeq: w.lastAck,
		NextSeq:      w.nextSeq,
		Protocol:     protocolName(w.set.protocol),

		LastDisableReason: w.lastDisable,
		NumQueuedEvents:   w.q.len(),
		ConnectRunning:    w.gw.state == stateConnecting,
		WSReadyState:      w.ds.state,
		LastWSError:       w.lastDSProblem,
		BotShardStatus:    w.gw.state,
	}
}

// protocolName is the protocol as shown in Status.
func protocolName(p string) string {
	if p == "" {
		return ProtocolDCC
	}
	return p
}

// Statuses returns the status of every relay, ordered by alias.
func (s *Service) Statuses() []Status {
	s.mu.Lock()
	ws := make([]*worker, 0, len(s.workers))
	for _, w := range s.workers {
		ws = append(ws, w)
	}
	s.mu.Unlock()
	out := make([]Status, 0, len(ws))
	for _, w := range ws {
		out = append(out, w.status())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Alias < out[j].Alias })
	return out
}

// RelayStatus returns one relay's status.
func (s *Service) RelayStatus(alias string) (Status, bool) {
	w := s.worker(alias)
	if w == nil {
		return Status{}, false
	}
	return w.status(), true
}
