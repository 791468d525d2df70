package discord

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"

	"github.com/bwmarrin/discordgo"
)

// ErrTooLarge is returned (wrapped) by Download when the file exceeds maxBytes.
var ErrTooLarge = errors.New("discord: download larger than allowed")

// SendPanel posts a panel in channelID and returns the message ID.
func (b *Bot) SendPanel(ctx context.Context, channelID string, p Panel) (string, error) {
	rp, err := renderPanel(p)
	if err != nil {
		return "", err
	}
	m, err := b.session.ChannelMessageSendComplex(channelID, &discordgo.MessageSend{
		Content:         rp.Content,
		Embeds:          rp.Embeds,
		Components:      rp.Components,
		AllowedMentions: noMentions(),
	}, discordgo.WithContext(ctx))
	if err != nil {
		return "", fmt.Errorf("discord: send panel to %s: %w", channelID, err)
	}
	return m.ID, nil
}

// EditPanel replaces the panel message with p.
func (b *Bot) EditPanel(ctx context.Context, channelID, messageID string, p Panel) error {
	rp, err := renderPanel(p)
	if err != nil {
		return err
	}
	_, err = b.session.ChannelMessageEditComplex(&discordgo.MessageEdit{
		ID:              messageID,
		Channel:         channelID,
		Content:         &rp.Content,
		Embeds:          &rp.Embeds,
		Components:      &rp.Components,
		AllowedMentions: noMentions(),
	}, discordgo.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("discord: edit panel %s/%s: %w", channelID, messageID, err)
	}
	return nil
}

// SendMessage posts text (links allowed, no pings) and returns the message ID.
// Text longer than Discord's 2,000 characters is cut.
func (b *Bot) SendMessage(ctx context.Context, channelID, text string) (string, error) {
	m, err := b.session.ChannelMessageSendComplex(channelID, &discordgo.MessageSend{
		Content:         truncate(text, maxContent),
		AllowedMentions: noMentions(),
	}, discordgo.WithContext(ctx))
	if err != nil {
		return "", fmt.Errorf("discord: send message to %s: %w", channelID, err)
	}
	return m.ID, nil
}

// EditMessage replaces the text of a message the bot posted (no pings).
func (b *Bot) EditMessage(ctx context.Context, channelID, messageID, text string) error {
	content := truncate(text, maxContent)
	_, err := b.session.ChannelMessageEditComplex(&discordgo.MessageEdit{
		ID:              messageID,
		Channel:         channelID,
		Content:         &content,
		AllowedMentions: noMentions(),
	}, discordgo.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("discord: edit message %s/%s: %w", channelID, messageID, err)
	}
	return nil
}

// IsGone reports whether err is Discord saying that the channel, thread or
// message an operation named no longer exists (404): trying again is useless.
func IsGone(err error) bool {
	var rest *discordgo.RESTError
	return errors.As(err, &rest) && rest.Response != nil && rest.Response.StatusCode == http.StatusNotFound
}

// DeleteMessage deletes a message.
func (b *Bot) DeleteMessage(ctx context.Context, channelID, messageID string) error {
	if err := b.session.ChannelMessageDelete(channelID, messageID, discordgo.WithContext(ctx)); err != nil {
		return fmt.Errorf("discord: delete message %s/%s: %w", channelID, messageID, err)
	}
	return nil
}

// NotifyModerators posts text in the moderators' channel, or logs it when none
// is configured.
func (b *Bot) NotifyModerators(ctx context.Context, text string) error {
	if b.cfg.ModeratorsChannel == "" {
		b.log.Info("moderator notice (no discord.moderators_channel configured)", "text", text)
		return nil
	}
	_, err := b.SendMessage(ctx, b.cfg.ModeratorsChannel, text)
	return err
}

// DM sends text to a user in a direct message.
func (b *Bot) DM(ctx context.Context, userID, text string) error {
	ch, err := b.session.UserChannelCreate(userID, discordgo.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("discord: open DM with %s: %w", userID, err)
	}
	if _, err := b.SendMessage(ctx, ch.ID, text); err != nil {
		return err
	}
	return nil
}

// Download fetches an attachment URL (normally a signed CDN URL) with at most
// maxBytes of body, through the SSRF guard unless private addresses are allowed.
// It returns the body and the media type the server declared.
func (b *Bot) Download(ctx context.Context, rawURL string, maxBytes int64) ([]byte, string, error) {
	return b.fetch(ctx, b.download, rawURL, maxBytes)
}

// fetch GETs rawURL with client and at most maxBytes of body.
func (b *Bot) fetch(ctx context.Context, client *http.Client, rawURL string, maxBytes int64) ([]byte, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, "", fmt.Errorf("discord: download: %q is not an http(s) URL", rawURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", fmt.Errorf("discord: download: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("discord: download %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("discord: download %s: HTTP %d", u.Redacted(), resp.StatusCode)
	}
	if resp.ContentLength > maxBytes {
		return nil, "", fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, resp.ContentLength, maxBytes)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("discord: download %s: %w", u.Redacted(), err)
	}
	if int64(len(body)) > maxBytes {
		return nil, "", fmt.Errorf("%w: limit %d", ErrTooLarge, maxBytes)
	}
	ct := resp.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		ct = mt
	}
	return body, ct, nil
}
