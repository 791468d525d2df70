package discord

import (
	"context"
	"time"
)

// Handler receives what happens on Discord. The bridge implements it. Methods are
// called from goroutines owned by the Bot; ctx is cancelled when the Bot closes.
type Handler interface {
	// ThreadStarted is called when a new thread appears in one of the art forums.
	// The handler posts the panel itself through the Bot.
	ThreadStarted(ctx context.Context, s Starter)
	// StarterEdited is called when the first message of an art-forum thread is edited.
	StarterEdited(ctx context.Context, s Starter)
	// ThreadDeleted is called when an art-forum thread is deleted.
	ThreadDeleted(ctx context.Context, threadID string)
	// PanelButton handles a press on a panel button. The interaction has already
	// been deferred, so the handler may take its time (up to the 15-minute
	// interaction token lifetime). The Reply edits the panel and/or tells the
	// presser something privately.
	PanelButton(ctx context.Context, p Press) Reply
	// DescriptionsForm answers the "Edit descriptions" button. It must be fast (a
	// modal cannot be deferred): return the form, or a non-empty refusal text that
	// is shown privately to the presser.
	DescriptionsForm(ctx context.Context, p Press) (form Form, refusal string)
	// DescriptionsSubmitted receives the submitted form: the descriptions, one
	// per image in the order of the form's fields, and the content warning.
	DescriptionsSubmitted(ctx context.Context, p Press, values FormValues) Reply
	// DeleteCommand handles /delete_fedi. ref is empty inside a thread (the thread's
	// post is meant) or holds the post ID or URL the user gave. The Reply's
	// Ephemeral text is shown privately to the user.
	DeleteCommand(ctx context.Context, inv Invocation, ref string) Reply
}

// Starter is the first message of a forum thread: the artist's submission.
type Starter struct {
	GuildID   string
	ForumID   string
	ThreadID  string
	MessageID string // equals ThreadID for forum posts
	Title     string // the thread's name
	AuthorID  string
	// AuthorName is the display name when known, else the username.
	AuthorName string
	// Content is the message text with custom emoji rewritten as :name:.
	Content     string
	Attachments []Attachment
	// Emoji lists the custom emoji found in Content, once each, in order of appearance.
	Emoji []CustomEmoji
	// EditedAt is zero when the message was never edited.
	EditedAt time.Time
	// LinkedImages are images the message links rather than attaches (at
	// most 10); nothing is fetched until the artist confirms.
	LinkedImages []LinkImage
	// PageLinks are the message's other links: pages, not images.
	PageLinks []string
}

// Attachment is one file attached to a starter message.
type Attachment struct {
	ID          string
	Filename    string
	URL         string // signed CDN URL; download it soon, it expires
	ContentType string
	// Description is the alt text the artist set in Discord, if any.
	Description string
	Size        int
	Width       int
	Height      int
	// Spoiler is true when Discord flagged the file IS_SPOILER or its name starts
	// with SPOILER_.
	Spoiler bool
}

// CustomEmoji is a guild emoji used in a starter message.
type CustomEmoji struct {
	Name     string
	ID       string
	Animated bool
	URL      string // CDN URL of the emoji image
}

// Action names a panel button.
type Action string

// The panel's actions. They appear in component custom IDs, so keep them short.
const (
	ActionConfirm          Action = "confirm"
	ActionCancel           Action = "cancel"
	ActionAIToggle         Action = "ai_toggle"
	ActionRefresh          Action = "refresh"
	ActionCreditsToggle    Action = "credits_toggle"
	ActionEditDescriptions Action = "edit_descriptions"
	ActionUpdate           Action = "update_fedi"
	// ActionLanguage is the panel's language select; Press.Values holds the tag.
	ActionLanguage Action = "language"
	// ActionUseLinks accepts the images a link-only post offers.
	ActionUseLinks Action = "use_links"
)

// Valid reports whether a is one of the panel's actions.
func (a Action) Valid() bool {
	switch a {
	case ActionConfirm, ActionCancel, ActionAIToggle, ActionRefresh, ActionCreditsToggle,
		ActionEditDescriptions, ActionUpdate, ActionLanguage, ActionLicense, ActionUseLinks:
		return true
	}
	return false
}

// Press is a press on a panel button (or the submission of the descriptions form).
type Press struct {
	UserID       string
	ChannelID    string
	MessageID    string // the panel message
	SubmissionID string
	Action       Action
	// Values are the options chosen in a select (ActionLanguage, ActionLicense).
	Values []string
}

// Invocation describes who ran a slash command, and where.
type Invocation struct {
	UserID    string
	ChannelID string
	GuildID   string // empty in DMs
}

// Reply is the outcome of a button, form or command. A nil Panel leaves the panel
// as it is; a non-empty Ephemeral is shown only to the user who acted.
type Reply struct {
	Panel     *Panel
	Ephemeral string
}

// Form is the descriptions modal: one field per image (at most MaxFormFields),
// and the post's content warning.
type Form struct {
	Title  string
	Fields []FormField
	// ContentWarning is prefilled in the content warning field.
	ContentWarning string
}

// FormValues is what the artist submitted in the form.
type FormValues struct {
	Alts []string // one per image field, in order
	// ContentWarning is the content warning field; empty for none.
	ContentWarning string
}

// MaxContentWarning is the longest content warning the form accepts.
const MaxContentWarning = 500

// FormField is one text field of a Form.
type FormField struct {
	Label       string
	Value       string // prefilled
	Placeholder string
}

// MaxFormFields is the most fields a Discord modal can hold that artbridge uses
// (one per image).
const MaxFormFields = 4
