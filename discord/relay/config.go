package relay

import (
	"context"
	"net"
	"net/netip"
	"time"
)

// Defaults of Config.
const (
	DefaultQueueSize        = 1000
	DefaultMaxRelays        = 100
	DefaultIdleTimeout      = 60 * time.Second
	DefaultIdentifyInterval = 5 * time.Second
	DefaultIdentifySpacing  = 100 * time.Millisecond
	DefaultReconnectMin     = time.Second
	DefaultReconnectMax     = 2 * time.Minute
	DefaultDialTimeout      = 10 * time.Second
	DefaultWriteTimeout     = 10 * time.Second
	DefaultProgressInterval = time.Second
	// seqBlock is how many sequence numbers are reserved in the store at a
	// time, so that numbering survives a crash without a write per dispatch.
	seqBlock = 1024
	// maxRegistrationBytes caps the body of PUT /relays/{alias}.
	maxRegistrationBytes = 64 << 10
	// maxAckFrameBytes caps what the relay reads from a bot.
	maxAckFrameBytes = 4 << 10
)

// Config configures a Service. Zero values take the defaults above.
type Config struct {
	// APIBaseURL is Discord's REST base (or a compatible server's).
	APIBaseURL string
	// RegistrationKey admits the operator; creating a relay needs it. Empty:
	// no new relay can be registered (existing ones still work).
	RegistrationKey string
	// MaxRelays caps registrations (503 beyond it).
	MaxRelays int
	// QueueSize bounds each relay's queue of unacknowledged frames; the
	// oldest is dropped (and counted) beyond it.
	QueueSize int
	// AllowInsecureWS allows ws:// destinations (wss:// only otherwise).
	AllowInsecureWS bool
	// AllowPrivateAddresses lets destinations (and gateway hosts other than
	// the API host) be loopback or private addresses. Tests and LANs only.
	AllowPrivateAddresses bool
	// IdleTimeout closes a downstream connection with nothing to send or
	// acknowledge for that long; it reopens on the next match.
	IdleTimeout time.Duration
	// IdentifyInterval spaces gateway identifies of one bot (Discord allows
	// one per 5 s per bucket).
	IdentifyInterval time.Duration
	// IdentifySpacing spaces gateway connections of all bots together, so a
	// restart with many relays does not burst.
	IdentifySpacing time.Duration
	// ReconnectMin and ReconnectMax bound the backoff of gateway and
	// downstream reconnects.
	ReconnectMin time.Duration
	ReconnectMax time.Duration
	// DialTimeout bounds a downstream websocket handshake; WriteTimeout one
	// round of writes (the frames queued at that moment, at most 64).
	DialTimeout  time.Duration
	WriteTimeout time.Duration
	// ProgressInterval is how often acknowledged sequence numbers are saved.
	ProgressInterval time.Duration
	// LookupNetIP resolves destination host names when they are registered
	// (nil: net.DefaultResolver).
	LookupNetIP func(ctx context.Context, network, host string) ([]netip.Addr, error)
	// FailuresPerAlias and FailuresPerAddress cap failed authentications
	// per FailureWindow (429 beyond); zero takes the defaults.
	FailuresPerAlias   int
	FailuresPerAddress int
	FailureWindow      time.Duration
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// The downstream wire protocols a registration can choose (its "protocol"
// field). The default is DCC's.
const (
	// ProtocolDCC sends each matching gateway packet as one text frame,
	// exactly {op, d, s, t}, and expects nothing back (dcc-client).
	ProtocolDCC = "dcc"
	// ProtocolArtbridge adds a hello, sequence numbers, acknowledgements and
	// resume; the relay offers it as the websocket subprotocol of the same
	// name and the bot must select it.
	ProtocolArtbridge = "artbridge.relay.v1"
)

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.QueueSize <= 0 {
		c.QueueSize = DefaultQueueSize
	}
	if c.MaxRelays <= 0 {
		c.MaxRelays = DefaultMaxRelays
	}
	def(&c.IdleTimeout, DefaultIdleTimeout)
	def(&c.IdentifyInterval, DefaultIdentifyInterval)
	def(&c.IdentifySpacing, DefaultIdentifySpacing)
	def(&c.ReconnectMin, DefaultReconnectMin)
	def(&c.ReconnectMax, DefaultReconnectMax)
	if c.ReconnectMax < c.ReconnectMin {
		c.ReconnectMax = c.ReconnectMin
	}
	def(&c.DialTimeout, DefaultDialTimeout)
	def(&c.WriteTimeout, DefaultWriteTimeout)
	def(&c.ProgressInterval, DefaultProgressInterval)
	if c.LookupNetIP == nil {
		c.LookupNetIP = net.DefaultResolver.LookupNetIP
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.FailuresPerAlias <= 0 {
		c.FailuresPerAlias = DefaultFailuresPerAlias
	}
	if c.FailuresPerAddress <= 0 {
		c.FailuresPerAddress = DefaultFailuresPerAddress
	}
	def(&c.FailureWindow, DefaultFailureWindow)
	return c
}
