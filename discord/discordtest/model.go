package discordtest

import (
	"encoding/json"
	"time"
)

// Channel types used by the fake.
const (
	ChannelText   = 0
	ChannelDM     = 1
	ChannelThread = 11 // public thread
	ChannelForum  = 15
)

// Gateway intents the fake filters on.
const (
	IntentGuilds         = 1 << 0
	IntentGuildMessages  = 1 << 9
	IntentDirectMessages = 1 << 12
	IntentMessageContent = 1 << 15
)

// Message flags.
const (
	FlagSuppressEmbeds = 1 << 2
	FlagEphemeral      = 1 << 6
	FlagSilent         = 1 << 12
)

// User is a Discord user (or a bot's user).
type User struct {
	ID       string
	Username string
	Bot      bool
}

// Channel is a guild channel, thread, forum or DM.
type Channel struct {
	ID        string
	Type      int
	GuildID   string
	ParentID  string
	OwnerID   string
	Name      string
	Recipient string // DM only: the user who is not the bot
}

// File is an attachment to upload with CreateForumThread.
type File struct {
	Name        string
	ContentType string
	Data        []byte
	Width       int
	Height      int
	// SpoilerFlag sets the IS_SPOILER attachment flag (1<<3).
	SpoilerFlag bool
	// Description is the attachment's alt text.
	Description string
}

// Attachment is a stored attachment.
type Attachment struct {
	ID string
	File
}

// Message is a stored message.
type Message struct {
	ID              string
	ChannelID       string
	GuildID         string
	Author          User
	Content         string
	Embeds          []Embed
	Components      []Component
	Attachments     []Attachment
	Flags           int
	Timestamp       time.Time
	EditedTimestamp time.Time // zero when never edited
	// InteractionID is set on interaction responses and follow-ups.
	InteractionID string
	Deleted       bool
}

// Embed is a message embed, as sent by clients.
type Embed struct {
	Type        string         `json:"type,omitempty"`
	Title       string         `json:"title,omitempty"`
	Description string         `json:"description,omitempty"`
	URL         string         `json:"url,omitempty"`
	Timestamp   string         `json:"timestamp,omitempty"`
	Color       int            `json:"color,omitempty"`
	Footer      *EmbedFooter   `json:"footer,omitempty"`
	Image       *EmbedMedia    `json:"image,omitempty"`
	Thumbnail   *EmbedMedia    `json:"thumbnail,omitempty"`
	Author      *EmbedAuthor   `json:"author,omitempty"`
	Fields      []EmbedField   `json:"fields,omitempty"`
	Provider    map[string]any `json:"provider,omitempty"`
	Video       *EmbedMedia    `json:"video,omitempty"`
}

// EmbedFooter is an embed's footer.
type EmbedFooter struct {
	Text    string `json:"text"`
	IconURL string `json:"icon_url,omitempty"`
}

// EmbedMedia is an embed image, thumbnail or video.
type EmbedMedia struct {
	URL string `json:"url"`
	// ProxyURL is the copy on Discord's media proxy (set on link previews).
	ProxyURL string `json:"proxy_url,omitempty"`
	Width    int    `json:"width,omitempty"`
	Height   int    `json:"height,omitempty"`
}

// EmbedAuthor is an embed's author line.
type EmbedAuthor struct {
	Name    string `json:"name"`
	URL     string `json:"url,omitempty"`
	IconURL string `json:"icon_url,omitempty"`
}

// EmbedField is one embed field.
type EmbedField struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline,omitempty"`
}

// Component is a message or modal component (action row, button, select, text input).
type Component struct {
	Type        int             `json:"type"`
	ID          int             `json:"id,omitempty"`
	CustomID    string          `json:"custom_id,omitempty"`
	Label       *string         `json:"label,omitempty"`
	Style       int             `json:"style,omitempty"`
	Disabled    bool            `json:"disabled,omitempty"`
	URL         string          `json:"url,omitempty"`
	SKUID       string          `json:"sku_id,omitempty"`
	Emoji       json.RawMessage `json:"emoji,omitempty"`
	Components  []Component     `json:"components,omitempty"`
	Options     json.RawMessage `json:"options,omitempty"`
	Placeholder string          `json:"placeholder,omitempty"`
	MinValues   *int            `json:"min_values,omitempty"`
	MaxValues   *int            `json:"max_values,omitempty"`
	Value       string          `json:"value,omitempty"`
	Required    *bool           `json:"required,omitempty"`
	MinLength   int             `json:"min_length,omitempty"`
	MaxLength   int             `json:"max_length,omitempty"`
}

// LabelText is the component's label, or "".
func (c Component) LabelText() string {
	if c.Label == nil {
		return ""
	}
	return *c.Label
}

// Buttons returns every button in the components, in order.
func Buttons(cs []Component) []Component {
	var out []Component
	for _, c := range cs {
		if c.Type == 2 {
			out = append(out, c)
		}
		out = append(out, Buttons(c.Components)...)
	}
	return out
}

// ButtonByLabel finds a button by its label.
func (m Message) ButtonByLabel(label string) (Component, bool) {
	for _, b := range Buttons(m.Components) {
		if b.LabelText() == label {
			return b, true
		}
	}
	return Component{}, false
}

// Request is one HTTP request the fake received.
type Request struct {
	Method string
	Path   string // the full path, including /api/vN
	Route  string // the path after the API prefix, or the CDN/gateway path
	Token  string // the bot token from Authorization, without "Bot "
	Body   []byte
	Status int
	At     time.Time
}

// Identify is one gateway Identify the fake accepted.
type Identify struct {
	Token   string
	Intents int
	At      time.Time
}

// Command is a registered application command.
type Command struct {
	ID            string
	ApplicationID string
	GuildID       string
	Name          string
	Raw           json.RawMessage
	DMPermission  *bool
	Contexts      []int
}
