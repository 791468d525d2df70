package discordtest

import (
	"fmt"
	"time"
)

// CreateGuild creates a guild every bot is a member of, and returns its ID.
// Connected sessions with the GUILDS intent get GUILD_CREATE.
func (s *Server) CreateGuild(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.newIDLocked()
	s.guilds[id] = name
	s.dispatchAllLocked("GUILD_CREATE", s.wireGuildLocked(id), IntentGuilds)
	s.notifyLocked()
	return id
}

// CreateForum creates a forum channel in a guild and returns its ID.
func (s *Server) CreateForum(guildID, name string) string {
	return s.createChannel(guildID, name, ChannelForum)
}

// CreateTextChannel creates a text channel in a guild and returns its ID.
func (s *Server) CreateTextChannel(guildID, name string) string {
	return s.createChannel(guildID, name, ChannelText)
}

func (s *Server) createChannel(guildID, name string, typ int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.guilds[guildID]; !ok {
		s.t.Errorf("discordtest: unknown guild %s", guildID)
	}
	ch := &Channel{ID: s.newIDLocked(), Type: typ, GuildID: guildID, Name: name}
	s.channels[ch.ID] = ch
	s.order = append(s.order, ch.ID)
	s.dispatchAllLocked("CHANNEL_CREATE", wireChannel(ch), IntentGuilds)
	s.notifyLocked()
	return ch.ID
}

// Channel returns a channel by ID.
func (s *Server) Channel(id string) (Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channels[id]
	if !ok {
		return Channel{}, false
	}
	return *ch, true
}

// CreateForumThread posts in a forum as authorID, as a user does: it creates
// the thread and its starter message (whose ID equals the thread's), stores
// the files on the CDN, and dispatches THREAD_CREATE (newly_created) then
// MESSAGE_CREATE. It returns the thread ID.
func (s *Server) CreateForumThread(forumID, authorID, title, content string, files ...File) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.createForumThreadLocked(forumID, authorID, title, content, files, nil)
}

func (s *Server) createForumThreadLocked(forumID, authorID, title, content string, files []File, embeds []Embed) (string, error) {
	forum, ok := s.channels[forumID]
	if !ok || forum.Type != ChannelForum {
		return "", fmt.Errorf("discordtest: %s is not a forum", forumID)
	}
	if len(title) == 0 || len([]rune(title)) > 100 {
		return "", fmt.Errorf("discordtest: thread title must be 1 to 100 characters")
	}
	if len([]rune(content)) > 4000 {
		return "", fmt.Errorf("discordtest: content over 4000 characters")
	}
	if len(files) > 10 {
		return "", fmt.Errorf("discordtest: at most 10 attachments")
	}
	author := s.userLocked(authorID)
	th := &Channel{ID: s.newIDLocked(), Type: ChannelThread, GuildID: forum.GuildID, ParentID: forumID,
		OwnerID: authorID, Name: title}
	s.channels[th.ID] = th
	s.order = append(s.order, th.ID)
	m := &Message{ID: th.ID, ChannelID: th.ID, GuildID: th.GuildID, Author: author, Content: content, Timestamp: time.Now(),
		Embeds: embeds}
	for _, f := range files {
		a := &Attachment{ID: s.newIDLocked(), File: f}
		s.attachments[a.ID] = a
		m.Attachments = append(m.Attachments, *a)
	}
	s.messages[th.ID] = append(s.messages[th.ID], m)

	tc := wireChannel(th)
	tc["newly_created"] = true
	tc["member"] = map[string]any{"id": th.ID, "user_id": authorID, "join_timestamp": time.Now().UTC().Format(time.RFC3339), "flags": 0}
	s.dispatchAllLocked("THREAD_CREATE", tc, IntentGuilds)
	s.dispatchMessageLocked("MESSAGE_CREATE", m)
	s.notifyLocked()
	return th.ID, nil
}

// PostMessage posts a plain message as a user and returns its ID.
func (s *Server) PostMessage(channelID, authorID, content string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channels[channelID]
	if !ok {
		return "", fmt.Errorf("discordtest: unknown channel %s", channelID)
	}
	m := &Message{ID: s.newIDLocked(), ChannelID: channelID, GuildID: ch.GuildID, Author: s.userLocked(authorID),
		Content: content, Timestamp: time.Now()}
	s.messages[channelID] = append(s.messages[channelID], m)
	s.dispatchMessageLocked("MESSAGE_CREATE", m)
	s.notifyLocked()
	return m.ID, nil
}

// EditMessage edits a user's message (content only) and dispatches MESSAGE_UPDATE.
func (s *Server) EditMessage(channelID, messageID, content string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.findMessageLocked(channelID, messageID)
	if m == nil || m.Deleted {
		return fmt.Errorf("discordtest: no message %s in %s", messageID, channelID)
	}
	m.Content = content
	m.EditedTimestamp = time.Now()
	s.dispatchMessageLocked("MESSAGE_UPDATE", m)
	s.notifyLocked()
	return nil
}

// DeleteThread deletes a thread and dispatches THREAD_DELETE.
func (s *Server) DeleteThread(threadID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	th, ok := s.channels[threadID]
	if !ok || th.Type != ChannelThread {
		return fmt.Errorf("discordtest: %s is not a thread", threadID)
	}
	delete(s.channels, threadID)
	for _, m := range s.messages[threadID] {
		m.Deleted = true
	}
	s.dispatchAllLocked("THREAD_DELETE", map[string]any{
		"id": th.ID, "guild_id": th.GuildID, "parent_id": th.ParentID, "type": th.Type,
	}, IntentGuilds)
	s.notifyLocked()
	return nil
}
