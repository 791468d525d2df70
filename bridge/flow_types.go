package bridge

import (
	"context"
	"errors"
	"time"

	"github.com/artbridge/artbridge/discord"
)

// Notifier is how the bridge talks to Discord; *discord.Bot implements it.
type Notifier interface {
	SendPanel(ctx context.Context, channelID string, p discord.Panel) (string, error)
	EditPanel(ctx context.Context, channelID, messageID string, p discord.Panel) error
	SendMessage(ctx context.Context, channelID, text string) (string, error)
	DeleteMessage(ctx context.Context, channelID, messageID string) error
	NotifyModerators(ctx context.Context, text string) error
	FetchStarter(ctx context.Context, threadID string) (discord.Starter, error)
	Download(ctx context.Context, url string, maxBytes int64) ([]byte, string, error)
	// DownloadLink fetches an image the artist linked (and confirmed), from
	// Discord's media proxy when it made a copy, through the SSRF guard.
	DownloadLink(ctx context.Context, l discord.LinkImage, maxBytes int64) ([]byte, string, error)
}

// AltTexter drafts image descriptions with AI, only for artists who consented.
type AltTexter interface {
	// Enabled is false when no model is configured.
	Enabled() bool
	// Describe returns a labelled draft for one image.
	Describe(ctx context.Context, artistID string, image []byte, mediaType string) (AIDraft, error)
	// Message explains a Describe error to the artist in one sentence.
	Message(err error) string
}

// AIDraft is a description drafted by a model.
type AIDraft struct {
	Text  string // labelled: what federates if the artist keeps it
	Model string // the model that wrote it, as the endpoint reported it
}

// SubmissionState is where a Discord submission stands.
type SubmissionState string

// Submission states.
const (
	SubmissionPending   SubmissionState = "pending"
	SubmissionPublished SubmissionState = "published"
	SubmissionCancelled SubmissionState = "cancelled"
	SubmissionExpired   SubmissionState = "expired"
	SubmissionDeleted   SubmissionState = "deleted"
)

// Draft is a submission being prepared in a Discord thread.
type Draft struct {
	Submission      Submission `json:"submission"`
	Title           string     `json:"title,omitempty"`
	AIConsent       bool       `json:"ai_consent,omitempty"`
	IncludeCredits  bool       `json:"include_credits"`
	CreditsLine     string     `json:"credits_line,omitempty"`
	AskedMissingAlt bool       `json:"asked_missing_alt,omitempty"`
	Notice          string     `json:"notice,omitempty"`
	StarterEdited   bool       `json:"starter_edited,omitempty"` // edited after publishing
	// SuggestedCW is a content warning offered from ||spoiler|| text; it is
	// not applied until the artist sets it in the form.
	SuggestedCW string `json:"suggested_cw,omitempty"`
	// LinkOffers are linked images offered to a post without attachments;
	// nothing is fetched until the artist accepts them.
	LinkOffers []discord.LinkImage `json:"link_offers,omitempty"`
	// LinkCredits are the links whose images the post uses: it credits them.
	LinkCredits []string `json:"link_credits,omitempty"`
}

// SubmissionRecord is a stored Discord submission.
type SubmissionRecord struct {
	ID             string
	ThreadID       string
	GuildID        string
	ArtistID       string
	ArtistName     string
	State          SubmissionState
	Draft          Draft
	PanelMessageID string
	AckMessageID   string
	PostID         string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	ExpiresAt      time.Time
}

// ErrLiveSubmission is returned when a thread already has a submission: a
// thread opens one submission, for good (its post can be updated or taken
// down, never published twice).
var ErrLiveSubmission = errors.New("this thread already has a submission")

// SubmissionStore keeps Discord submissions; the storage package implements it.
type SubmissionStore interface {
	// CreateSubmission stores a new pending submission, or fails with
	// ErrLiveSubmission when its thread has one in any state.
	CreateSubmission(ctx context.Context, r SubmissionRecord) error
	UpdateSubmission(ctx context.Context, r SubmissionRecord) error
	Submission(ctx context.Context, id string) (SubmissionRecord, error)
	// LatestSubmissionByThread returns the newest submission of a thread.
	LatestSubmissionByThread(ctx context.Context, threadID string) (SubmissionRecord, error)
	SubmissionByPost(ctx context.Context, postID string) (SubmissionRecord, error)
	// DueExpiries lists pending submissions whose expiry has passed.
	DueExpiries(ctx context.Context, now time.Time, limit int) ([]SubmissionRecord, error)
	ArtistAIConsent(ctx context.Context, artistID string) (bool, error)
	SetArtistAIConsent(ctx context.Context, artistID string, consent bool, now time.Time) error
}
