package bridge

import (
	"context"
	"time"

	"github.com/artbridge/artbridge/ap"
)

// Store is the persistence the bridge needs. The storage package implements it;
// every method that writes a post and its deliveries does so in one transaction.
type Store interface {
	// SavePost writes the post, its Note, its Create and one delivery per inbox.
	SavePost(ctx context.Context, p Post, note ap.Object, create ap.Activity, inboxes []string, now time.Time) error
	// UpdatePost writes the edited post and Note and queues the Update.
	UpdatePost(ctx context.Context, p Post, note ap.Object, update ap.Activity, inboxes []string, now time.Time) error
	// TakedownPost marks the post and its Note deleted, cancels its unsent
	// Creates and Updates, and queues del to every inbox that has or may have the
	// Note (see storage for the exact set) plus extraInboxes. It returns the
	// number of inboxes queued.
	TakedownPost(ctx context.Context, postID string, del ap.Activity, extraInboxes []string, now time.Time) (int, error)
	Post(ctx context.Context, id string) (Post, error)
	// ImageInUse reports whether a live post other than exceptPost shows the
	// media file.
	ImageInUse(ctx context.Context, file, exceptPost string) (bool, error)
	Posts(ctx context.Context, offset, limit int) ([]Post, error)
	// ActivityDeliveries lists the deliveries of one activity.
	ActivityDeliveries(ctx context.Context, activityIRI string) ([]ap.Delivery, error)
	// PostDeliveries lists the deliveries of every activity about a post's Note.
	PostDeliveries(ctx context.Context, noteIRI string) ([]HostStatus, error)
	RecordInteraction(ctx context.Context, in Interaction) error
	// UndoInteraction marks undone actor's like or boost created by
	// activityID, or of kind on noteIRI; it returns the Notes it changed.
	UndoInteraction(ctx context.Context, actor, activityID, noteIRI, kind string, at time.Time) ([]string, error)
	// UnresolvedReach lists actors that fetched or interacted with a Note whose
	// inboxes we do not know yet.
	UnresolvedReach(ctx context.Context, noteIRI string) ([]string, error)
}
