package discord

import (
	"regexp"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// attachmentFlagSpoiler is Discord's IS_SPOILER attachment flag (discordgo has no
// constant for it).
const attachmentFlagSpoiler = 1 << 3

// spoilerPrefix marks a spoiler by file name.
const spoilerPrefix = "SPOILER_"

// customEmojiPattern matches <:name:id> and <a:name:id>.
var customEmojiPattern = regexp.MustCompile(`<(a?):([A-Za-z0-9_]{1,32}):([0-9]{1,20})>`)

// emojiCDN is where Discord serves custom emoji images.
const emojiCDN = "https://cdn.discordapp.com/emojis/"

// rewriteCustomEmoji replaces custom emoji markup with :name: and lists the emoji
// used, once each, in order of first appearance.
func rewriteCustomEmoji(content string) (string, []CustomEmoji) {
	var emoji []CustomEmoji
	seen := map[string]bool{}
	out := customEmojiPattern.ReplaceAllStringFunc(content, func(m string) string {
		sub := customEmojiPattern.FindStringSubmatch(m)
		animated, name, id := sub[1] == "a", sub[2], sub[3]
		if !seen[id] {
			seen[id] = true
			ext := ".png"
			if animated {
				ext = ".gif"
			}
			emoji = append(emoji, CustomEmoji{Name: name, ID: id, Animated: animated, URL: emojiCDN + id + ext})
		}
		return ":" + name + ":"
	})
	return out, emoji
}

// isSpoiler reports whether an attachment is a spoiler.
func isSpoiler(a *discordgo.MessageAttachment) bool {
	return a.Flags&attachmentFlagSpoiler != 0 || strings.HasPrefix(a.Filename, spoilerPrefix)
}

// starterFromMessage builds a Starter from a thread and its first message.
// thread may be nil when unknown; its fields then stay empty. descriptions maps
// attachment IDs to the alt text Discord holds for them (discordgo drops it).
func starterFromMessage(thread *discordgo.Channel, m *discordgo.Message, descriptions map[string]string) Starter {
	s := Starter{
		MessageID: m.ID,
		ThreadID:  m.ChannelID,
		GuildID:   m.GuildID,
	}
	if thread != nil {
		s.ThreadID = thread.ID
		s.ForumID = thread.ParentID
		s.Title = thread.Name
		if thread.GuildID != "" {
			s.GuildID = thread.GuildID
		}
	}
	if m.Author != nil {
		s.AuthorID = m.Author.ID
		s.AuthorName = m.Author.Username
		if m.Author.GlobalName != "" {
			s.AuthorName = m.Author.GlobalName
		}
	}
	if m.Member != nil && m.Member.Nick != "" {
		s.AuthorName = m.Member.Nick
	}
	s.Content, s.Emoji = rewriteCustomEmoji(m.Content)
	if m.EditedTimestamp != nil {
		s.EditedAt = *m.EditedTimestamp
	}
	s.LinkedImages, s.PageLinks = linkImages(m.Content, m.Embeds)
	for _, a := range m.Attachments {
		if a == nil {
			continue
		}
		s.Attachments = append(s.Attachments, Attachment{
			ID:          a.ID,
			Filename:    a.Filename,
			URL:         a.URL,
			ContentType: a.ContentType,
			Description: descriptions[a.ID],
			Size:        a.Size,
			Width:       a.Width,
			Height:      a.Height,
			Spoiler:     isSpoiler(a),
		})
	}
	return s
}
