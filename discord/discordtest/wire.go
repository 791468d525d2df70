package discordtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strconv"
	"time"
)

// The wire format: what the fake sends, shaped like Discord's JSON (snowflakes
// as strings, permissions as strings, timestamps in RFC 3339).

func wireUser(u User) map[string]any {
	return map[string]any{
		"id":            u.ID,
		"username":      u.Username,
		"global_name":   nil,
		"discriminator": "0",
		"avatar":        nil,
		"bot":           u.Bot,
		"public_flags":  0,
	}
}

func wireChannel(c *Channel) map[string]any {
	m := map[string]any{
		"id":    c.ID,
		"type":  c.Type,
		"name":  c.Name,
		"flags": 0,
	}
	if c.GuildID != "" {
		m["guild_id"] = c.GuildID
		m["permission_overwrites"] = []any{}
		m["position"] = 0
	}
	if c.ParentID != "" {
		m["parent_id"] = c.ParentID
	}
	switch c.Type {
	case ChannelThread:
		m["owner_id"] = c.OwnerID
		m["message_count"] = 1
		m["member_count"] = 1
		m["thread_metadata"] = map[string]any{
			"archived": false, "auto_archive_duration": 4320, "locked": false,
			"archive_timestamp": time.Now().UTC().Format(time.RFC3339),
		}
		m["applied_tags"] = []any{}
		m["total_message_sent"] = 1
	case ChannelForum:
		m["available_tags"] = []any{}
		m["default_forum_layout"] = 0
	case ChannelDM:
		m["recipients"] = []any{}
		m["last_message_id"] = nil
	}
	return m
}

// wireMessageLocked renders a message; attachment URLs are signed afresh.
// withContent false empties what the MESSAGE_CONTENT intent guards.
func (s *Server) wireMessageLocked(m *Message, withContent bool) map[string]any {
	var edited any
	if !m.EditedTimestamp.IsZero() {
		edited = m.EditedTimestamp.UTC().Format(time.RFC3339Nano)
	}
	embeds := []any{}
	comps := []any{}
	atts := []any{}
	content := ""
	if withContent {
		content = m.Content
		for _, e := range m.Embeds {
			if e.Type == "" {
				e.Type = "rich"
			}
			embeds = append(embeds, e)
		}
		for _, c := range m.Components {
			comps = append(comps, c)
		}
		for _, a := range m.Attachments {
			atts = append(atts, s.wireAttachmentLocked(m.ChannelID, a))
		}
	}
	w := map[string]any{
		"id":               m.ID,
		"channel_id":       m.ChannelID,
		"type":             0,
		"author":           wireUser(m.Author),
		"content":          content,
		"embeds":           embeds,
		"components":       comps,
		"attachments":      atts,
		"mentions":         []any{},
		"mention_roles":    []any{},
		"mention_everyone": false,
		"pinned":           false,
		"tts":              false,
		"flags":            m.Flags,
		"timestamp":        m.Timestamp.UTC().Format(time.RFC3339Nano),
		"edited_timestamp": edited,
	}
	if m.GuildID != "" {
		w["guild_id"] = m.GuildID
	}
	if m.Author.Bot {
		w["application_id"] = m.Author.ID
	}
	return w
}

func (s *Server) wireAttachmentLocked(channelID string, a Attachment) map[string]any {
	u := s.signedURLLocked(channelID, a)
	flags := 0
	if a.SpoilerFlag {
		flags |= 1 << 3
	}
	w := map[string]any{
		"id":           a.ID,
		"filename":     a.Name,
		"size":         len(a.Data),
		"url":          u,
		"proxy_url":    u,
		"content_type": a.ContentType,
		"flags":        flags,
	}
	if a.Width > 0 {
		w["width"], w["height"] = a.Width, a.Height
	}
	if a.Description != "" {
		w["description"] = a.Description
	}
	return w
}

// signedURLLocked is the attachment's CDN URL with ex (expiry), is (issued)
// and hm (HMAC) query parameters, like Discord's.
func (s *Server) signedURLLocked(channelID string, a Attachment) string {
	path := "/attachments/" + channelID + "/" + a.ID + "/" + url.PathEscape(a.Name)
	now := time.Now()
	ex := strconv.FormatInt(now.Add(s.cdnTTL).Unix(), 16)
	is := strconv.FormatInt(now.Unix(), 16)
	return s.http.URL + path + "?ex=" + ex + "&is=" + is + "&hm=" + s.cdnMAC(path, ex, is)
}

// cdnMAC signs a CDN path and its validity.
func (s *Server) cdnMAC(path, ex, is string) string {
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte(path + "\x00" + ex + "\x00" + is))
	return hex.EncodeToString(mac.Sum(nil))
}
