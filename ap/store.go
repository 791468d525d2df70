package ap

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned (wrapped) by a Store when a row does not exist.
var ErrNotFound = errors.New("ap: not found")

// Follower is a remote actor that follows our actor.
type Follower struct {
	ActorIRI    string
	Inbox       string
	SharedInbox string // empty when the remote server has none (GoToSocial)
	FollowID    string // the id of the Follow activity we accepted
	CreatedAt   time.Time
}

// DeliveryInbox is where a follower's activities are delivered: the shared
// inbox when there is one, else the personal inbox.
func (f Follower) DeliveryInbox() string {
	if f.SharedInbox != "" {
		return f.SharedInbox
	}
	return f.Inbox
}

// RemoteKey is a cached public key of a remote actor.
type RemoteKey struct {
	KeyID     string
	Owner     string
	PEM       string
	FetchedAt time.Time
}

// InboundActivity is an accepted, signature-verified activity from a remote server.
type InboundActivity struct {
	ID         string
	Actor      string
	Type       string
	Raw        []byte
	ReceivedAt time.Time
}

// Activity is an activity we publish: its JSON document and where it is listed.
type Activity struct {
	IRI       string
	Type      string
	ObjectIRI string
	JSON      []byte
	InOutbox  bool
	Published time.Time
}

// Object is one of our objects (a Note) as stored for serving.
type Object struct {
	IRI       string
	Type      string
	JSON      []byte
	Published time.Time
	DeletedAt time.Time // zero while the object exists
	// Page is the HTML body shown to browsers; empty uses a generic page.
	Page string
}

// DeliveryState is where a delivery stands.
type DeliveryState string

// The delivery states.
const (
	DeliveryQueued    DeliveryState = "queued"
	DeliveryDelivered DeliveryState = "delivered"
	DeliveryFailed    DeliveryState = "failed"    // given up: permanent error or out of retries
	DeliveryCancelled DeliveryState = "cancelled" // withdrawn before it was sent (takedown)
)

// Delivery is one activity to send to one inbox.
type Delivery struct {
	ID          int64
	ActivityIRI string
	Inbox       string
	Host        string
	State       DeliveryState
	Attempts    int
	NextAttempt time.Time
	LastStatus  int
	LastError   string
	DeliveredAt time.Time
	CreatedAt   time.Time
	Payload     []byte // the activity JSON, filled by ClaimDeliveries
}

// DeliveryOutcome is the result of one delivery attempt, written back to the queue.
type DeliveryOutcome struct {
	ID          int64
	State       DeliveryState // queued (retry later), delivered or failed
	NextAttempt time.Time     // when State is queued
	Status      int
	Error       string
	At          time.Time
	// NotAttempted is true when the delivery was only postponed (an open
	// circuit breaker) and no request was made: attempts are not counted.
	NotAttempted bool
	// Reached is true when the attempt got an HTTP answer (or timed out waiting
	// for one), so the remote may have the activity even if it failed.
	Reached bool
}

// RemoteActor is what we know of a remote actor's addresses.
type RemoteActor struct {
	IRI         string
	Inbox       string
	SharedInbox string
	UpdatedAt   time.Time
}

// DeliveryInbox is the shared inbox when there is one, else the personal inbox.
func (a RemoteActor) DeliveryInbox() string {
	if a.SharedInbox != "" {
		return a.SharedInbox
	}
	return a.Inbox
}

// Store is the persistence the ap package needs. The storage package implements it.
type Store interface {
	// Followers.
	AddFollower(ctx context.Context, f Follower) error
	RemoveFollower(ctx context.Context, actorIRI string) (bool, error)
	RemoveFollowersByInbox(ctx context.Context, inbox string) (int, error)
	Follower(ctx context.Context, actorIRI string) (Follower, error)
	Followers(ctx context.Context, offset, limit int) ([]Follower, error)
	CountFollowers(ctx context.Context) (int, error)

	// Inbound activities, deduplicated by id.
	RecordInbound(ctx context.Context, a InboundActivity) (isNew bool, err error)
	MarkInboundProcessed(ctx context.Context, id string, at time.Time, procErr string) error
	UnprocessedInbound(ctx context.Context, limit int) ([]InboundActivity, error)

	// Remote key cache.
	RemoteKey(ctx context.Context, keyID string) (RemoteKey, error)
	PutRemoteKey(ctx context.Context, k RemoteKey) error

	// Our activities and objects.
	SaveActivity(ctx context.Context, a Activity, inboxes []string, now time.Time) error
	Outbox(ctx context.Context, offset, limit int) ([]Activity, error)
	CountOutbox(ctx context.Context) (int, error)
	Object(ctx context.Context, iri string) (Object, error)
	RecordObjectFetch(ctx context.Context, objectIRI, actorIRI string, at time.Time) error

	// Remote actors' inboxes, learnt from key fetches and activities.
	PutRemoteActor(ctx context.Context, a RemoteActor) error
	RemoteActor(ctx context.Context, iri string) (RemoteActor, error)

	// The delivery queue.
	ClaimDeliveries(ctx context.Context, now time.Time, limit int, exclude []int64) ([]Delivery, error)
	DeliveryState(ctx context.Context, id int64) (DeliveryState, error)
	FinishDelivery(ctx context.Context, o DeliveryOutcome) error
	NextDeliveryDue(ctx context.Context) (time.Time, bool, error)

	// Domain blocks (in addition to those from the config file).
	IsDomainBlocked(ctx context.Context, host string) (bool, error)
}

// Receiver gets verified inbound activities after ap has handled the parts of the
// protocol that concern the actor itself (Follow, Undo Follow, Delete of an actor).
// The bridge service implements it.
type Receiver interface {
	// Admit is asked right after a signature has been verified; false drops the
	// activity (for example from a suspended actor) with a 202 and nothing stored.
	Admit(ctx context.Context, actorIRI string) (bool, error)
	// Receive handles one inbound activity. doc is the decoded JSON object.
	Receive(ctx context.Context, a InboundActivity, doc map[string]any) error
}
