package relay

import (
	"context"
	"errors"
	"time"
)

// Errors a Store returns (wrapped).
var (
	// ErrNotFound: no relay has that alias.
	ErrNotFound = errors.New("relay: not found")
	// ErrExists: a relay with that alias already exists.
	ErrExists = errors.New("relay: alias already registered")
	// ErrTooMany: the cap on registered relays is reached.
	ErrTooMany = errors.New("relay: too many relays")
)

// Registration is one registered relay as stored. Secrets are sealed (see
// Sealer): the store never sees a token or a client secret in clear.
type Registration struct {
	// Alias names the relay (1 to 64 of A–Z a–z 0–9 _ -).
	Alias string
	// SealedToken is the bot token sealed with the relay key.
	SealedToken []byte
	// Intents are the gateway intents requested at identify.
	Intents int64
	// Criteria is the filter, a JSON object, as registered.
	Criteria []byte
	// Dst is the websocket URL the relay delivers to.
	Dst string
	// SealedSecret is the client secret sealed with the relay key; the relay
	// sends it to Dst as Basic credentials.
	SealedSecret []byte
	// SecretSalt and SecretHash verify the client secret on the API
	// (HMAC-SHA-256 keyed by the salt), compared in constant time.
	SecretSalt []byte
	SecretHash []byte
	// Protocol is the downstream wire protocol: "" (DCC's raw frames, the
	// default) or ProtocolArtbridge.
	Protocol string
	// DisabledReason is empty when the relay is enabled; otherwise why it is not.
	DisabledReason string
	// LastAck is the highest sequence number the bot acknowledged.
	LastAck uint64
	// SeqReserved is the highest sequence number the relay may have used;
	// after a restart numbering continues above it.
	SeqReserved uint64
	// CreatedAt and UpdatedAt are set by the store.
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Store keeps registrations and delivery progress. storage.DB implements it.
type Store interface {
	// RelayRegistrations lists every registration, ordered by alias.
	RelayRegistrations(ctx context.Context) ([]Registration, error)
	// RelayRegistration returns one registration or an error wrapping ErrNotFound.
	RelayRegistration(ctx context.Context, alias string) (Registration, error)
	// CreateRelay inserts a new registration, atomically refusing it with
	// ErrExists when the alias is taken and with ErrTooMany when maxRelays
	// (if > 0) registrations already exist.
	CreateRelay(ctx context.Context, r Registration, maxRelays int) error
	// UpdateRelay replaces the registered fields of an existing relay (token,
	// intents, criteria, dst, secret, protocol, disabled reason); it leaves LastAck and
	// SeqReserved alone. Unknown alias: ErrNotFound.
	UpdateRelay(ctx context.Context, r Registration) error
	// DeleteRelay removes a relay; unknown alias: ErrNotFound.
	DeleteRelay(ctx context.Context, alias string) error
	// SetRelayDisabled records why a relay is disabled ("" enables it).
	SetRelayDisabled(ctx context.Context, alias, reason string) error
	// SaveRelayProgress records the last acknowledged and the highest
	// reserved sequence numbers.
	SaveRelayProgress(ctx context.Context, alias string, lastAck, seqReserved uint64) error
}
