package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"
)

// maxTrackedThreads bounds the memory of art-forum threads seen.
const maxTrackedThreads = 10000

// onThreadCreate starts a submission for a new thread in an art forum.
func (b *Bot) onThreadCreate(_ *discordgo.Session, t *discordgo.ThreadCreate) {
	if t.Channel == nil || !t.NewlyCreated || !b.forums[t.ParentID] {
		return
	}
	b.trackThread(t.ID, t.ParentID)
	thread := *t.Channel
	b.spawn(func(ctx context.Context) {
		st, err := b.fetchStarterRetry(ctx, &thread)
		if err != nil {
			b.log.Error("fetching the starter message of a new thread failed", "thread", thread.ID, "err", err)
			return
		}
		b.guard("ThreadStarted", func() { b.h.ThreadStarted(ctx, st) })
	})
}

// onMessageUpdate reports edits of an art-forum thread's starter message.
func (b *Bot) onMessageUpdate(_ *discordgo.Session, m *discordgo.MessageUpdate) {
	if m.Message == nil || m.ID == "" || m.ID != m.ChannelID {
		return
	}
	// Updates that merely add link previews carry no edited_timestamp: they are
	// not edits, but a links-only post unfurled late may now show its images.
	if m.EditedTimestamp == nil {
		b.onUnfurl(m)
		return
	}
	threadID := m.ChannelID
	b.spawn(func(ctx context.Context) {
		thread, err := b.threadOf(ctx, threadID)
		if err != nil {
			b.log.Warn("looking up an edited message's thread failed", "thread", threadID, "err", err)
			return
		}
		if thread == nil || !b.forums[thread.ParentID] {
			return
		}
		st, err := b.fetchStarter(ctx, thread)
		if err != nil {
			b.log.Error("fetching an edited starter message failed", "thread", threadID, "err", err)
			return
		}
		b.guard("StarterEdited", func() { b.h.StarterEdited(ctx, st) })
	})
}

// onThreadDelete reports the deletion of an art-forum thread.
func (b *Bot) onThreadDelete(_ *discordgo.Session, t *discordgo.ThreadDelete) {
	if t.Channel == nil {
		return
	}
	forum := t.ParentID
	if forum == "" {
		b.mu.Lock()
		forum = b.threads[t.ID]
		b.mu.Unlock()
	}
	if !b.forums[forum] {
		return
	}
	b.mu.Lock()
	delete(b.threads, t.ID)
	b.mu.Unlock()
	id := t.ID
	b.spawn(func(ctx context.Context) {
		b.guard("ThreadDeleted", func() { b.h.ThreadDeleted(ctx, id) })
	})
}

// trackThread remembers an art-forum thread, forgetting an arbitrary old one
// when the memory is full.
func (b *Bot) trackThread(threadID, forumID string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.threads) >= maxTrackedThreads {
		for k := range b.threads {
			delete(b.threads, k)
			break
		}
	}
	b.threads[threadID] = forumID
}

// threadOf returns the thread channel, from memory or by REST. It returns nil
// for a channel that is not a thread.
func (b *Bot) threadOf(ctx context.Context, channelID string) (*discordgo.Channel, error) {
	ch, err := b.session.Channel(channelID, discordgo.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("discord: get channel %s: %w", channelID, err)
	}
	if !ch.IsThread() {
		return nil, nil
	}
	return ch, nil
}

// FetchStarter returns the current first message of a thread, as a Starter.
func (b *Bot) FetchStarter(ctx context.Context, threadID string) (Starter, error) {
	thread, err := b.threadOf(ctx, threadID)
	if err != nil {
		return Starter{}, err
	}
	if thread == nil {
		return Starter{}, fmt.Errorf("discord: channel %s is not a thread", threadID)
	}
	return b.fetchStarter(ctx, thread)
}

// fetchStarterRetry fetches a new thread's starter, retrying briefly while Discord
// has not yet made the message readable, and while a message whose only content
// is links has no link previews yet: Discord unfurls links a moment after the
// message is created, and a preview is what tells an image from a page.
func (b *Bot) fetchStarterRetry(ctx context.Context, thread *discordgo.Channel) (Starter, error) {
	wait := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		st, err := b.fetchStarter(ctx, thread)
		waitingForPreviews := err == nil && len(st.Attachments) == 0 && len(st.LinkedImages) == 0 && len(st.PageLinks) > 0
		if attempt == 4 || (err == nil && !waitingForPreviews) || (err != nil && !IsGone(err)) {
			return st, err
		}
		if !sleepCtx(ctx, wait) {
			return Starter{}, ctx.Err()
		}
		wait *= 2
	}
}

// fetchStarter reads the thread's first message (its ID is the thread's ID).
// The raw JSON is read too: discordgo drops attachment descriptions.
func (b *Bot) fetchStarter(ctx context.Context, thread *discordgo.Channel) (Starter, error) {
	endpoint := discordgo.EndpointChannelMessage(thread.ID, thread.ID)
	raw, err := b.session.RequestWithBucketID(http.MethodGet, endpoint, nil,
		discordgo.EndpointChannelMessage(thread.ID, ""), discordgo.WithContext(ctx))
	if err != nil {
		return Starter{}, fmt.Errorf("discord: get starter message of %s: %w", thread.ID, err)
	}
	var m discordgo.Message
	if err := json.Unmarshal(raw, &m); err != nil {
		return Starter{}, fmt.Errorf("discord: decode starter message of %s: %w", thread.ID, err)
	}
	var extra struct {
		Attachments []struct {
			ID          string `json:"id"`
			Description string `json:"description"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(raw, &extra); err != nil {
		return Starter{}, fmt.Errorf("discord: decode starter attachments of %s: %w", thread.ID, err)
	}
	descs := make(map[string]string, len(extra.Attachments))
	for _, a := range extra.Attachments {
		if a.Description != "" {
			descs[a.ID] = a.Description
		}
	}
	if m.GuildID == "" {
		m.GuildID = thread.GuildID
	}
	return starterFromMessage(thread, &m, descs), nil
}

// unfurlWindow is how long after a message Discord's link previews are waited
// for: a preview added later does not open a submission.
const unfurlWindow = 10 * time.Minute

// onUnfurl offers a new thread's linked images when Discord added their
// previews after the starter was first read. ThreadStarted opens nothing for a
// thread that already has a submission.
func (b *Bot) onUnfurl(m *discordgo.MessageUpdate) {
	if len(m.Embeds) == 0 || len(m.Attachments) > 0 || m.Timestamp.IsZero() || b.clock().Sub(m.Timestamp) > unfurlWindow {
		return
	}
	threadID := m.ChannelID
	b.spawn(func(ctx context.Context) {
		thread, err := b.threadOf(ctx, threadID)
		if err != nil || thread == nil || !b.forums[thread.ParentID] {
			return
		}
		st, err := b.fetchStarter(ctx, thread)
		if err != nil || len(st.Attachments) > 0 || len(st.LinkedImages) == 0 {
			return
		}
		b.guard("ThreadStarted", func() { b.h.ThreadStarted(ctx, st) })
	})
}
