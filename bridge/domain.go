// Package bridge is artbridge's domain: submissions from Discord become Notes on
// the Fediverse, takedowns reach everywhere a Note went, and what the Fediverse
// sends back is recorded and moderated. It ties the adapters (ap, discord)
// together and implements ap.Receiver.
package bridge

import (
	"errors"
	"time"
)

// AltSource says who wrote an image description.
type AltSource string

// The sources of an image description.
const (
	AltNone   AltSource = ""
	AltArtist AltSource = "artist"
	AltAI     AltSource = "ai"
)

// Image is a stored, metadata-stripped image of a submission.
type Image struct {
	File      string    `json:"file"` // name under the media directory
	MediaType string    `json:"media_type"`
	Width     int       `json:"width"`
	Height    int       `json:"height"`
	Blurhash  string    `json:"blurhash"`
	SHA256    string    `json:"sha256"`
	Alt       string    `json:"alt,omitempty"`
	AltSource AltSource `json:"alt_source,omitempty"`
	// AltModel is the model that drafted Alt when AltSource is AltAI: the
	// database keeps who wrote every description (it does not federate).
	AltModel string `json:"alt_model,omitempty"`
	Spoiler  bool   `json:"spoiler,omitempty"`
	Filename string `json:"filename,omitempty"`  // as uploaded, for the artist's eyes only
	SourceID string `json:"source_id,omitempty"` // the Discord attachment it came from
}

// Submission is what an artist asks to publish.
type Submission struct {
	Text           string   `json:"text"`
	ContentWarning string   `json:"content_warning,omitempty"`
	Sensitive      bool     `json:"sensitive,omitempty"`
	Hashtags       []string `json:"hashtags,omitempty"` // extra tags beyond those in Text
	Credits        string   `json:"credits,omitempty"`  // e.g. "Art by Mira"; empty: none
	Language       string   `json:"language,omitempty"`
	Images         []Image  `json:"images"`
	Emoji          []Emoji  `json:"emoji,omitempty"`
}

// Emoji is a custom emoji used in the text as :shortcode:.
type Emoji struct {
	Shortcode string `json:"shortcode"`
	URL       string `json:"url"`
	MediaType string `json:"media_type"`
}

// Artist identifies who submits (a Discord user, or the operator).
type Artist struct {
	ID   string
	Name string
}

// OperatorID is the artist ID of posts made from the command line.
const OperatorID = "operator"

// Caller is who asks for an edit or a takedown.
type Caller struct {
	ArtistID string
	Operator bool // the operator may act on any post
}

// Post is a published submission.
type Post struct {
	ID         string
	NoteIRI    string
	ArtistID   string
	ArtistName string
	Submission Submission
	CreateIRI  string
	Published  time.Time
	Updated    time.Time
	DeletedAt  time.Time
	DeleteIRI  string
}

// Deleted reports whether the post was taken down.
func (p Post) Deleted() bool { return !p.DeletedAt.IsZero() }

// Receipt tells how far a takedown has gone.
type Receipt struct {
	PostID    string
	NoteIRI   string
	Confirmed int // servers that accepted the Delete
	Pending   int // still being tried
	Failed    int // gave up or refused
}

// HostStatus is where one activity stands for one inbox.
type HostStatus struct {
	Activity    string // Create, Update, Delete
	Inbox       string
	State       string // queued, delivered, failed, cancelled
	Attempts    int
	LastStatus  int
	LastError   string
	NextAttempt time.Time
	DeliveredAt time.Time
}

// Interaction is a remote actor's reply, like or boost of one of our posts.
type Interaction struct {
	NoteIRI    string
	ActorIRI   string
	Kind       string // reply, like, announce, mention
	ActivityID string
	At         time.Time
}

// Errors of the bridge service.
var (
	ErrNotFound     = errors.New("post not found")
	ErrNotAllowed   = errors.New("only the artist can do this")
	ErrAlreadyGone  = errors.New("post already taken down")
	ErrInvalid      = errors.New("invalid submission")
	ErrNoImages     = errors.New("a post needs at least one image")
	ErrTooManyImage = errors.New("too many images")
)
