package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/artbridge/artbridge/bridge"
	"github.com/artbridge/artbridge/bridge/alttext"
	"github.com/artbridge/artbridge/discord"
)

// discordSide is the Discord half of a running server: the bot and the
// submission flow. It exists only when a token is configured.
type discordSide struct {
	bot  *discord.Bot
	flow *bridge.Flow
	// forwarder sends replies from the Fediverse into the posts' threads.
	forwarder *bridge.Forwarder
}

// parseDays reads a Go duration, also accepting whole days like "7d".
func parseDays(key, v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	if strings.HasSuffix(v, "d") {
		if n, err := strconv.Atoi(strings.TrimSuffix(v, "d")); err == nil && n > 0 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("config: %s %q must be a duration like \"168h\" or \"7d\"", key, v)
	}
	return d, nil
}

// newAltTexter builds the AI describer when a model is configured (nil otherwise).
func newAltTexter(ctx context.Context, inst *instance) (bridge.AltTexter, error) {
	c := inst.cfg.AltText
	if c.Model == "" {
		return nil, nil
	}
	timeout, err := parseDays("alttext.timeout", c.Timeout)
	if err != nil {
		return nil, usageError{err}
	}
	// The operator picks this endpoint (often Ollama or llama.cpp on the LAN), so
	// it is not put behind the federation SSRF guard.
	client, err := alttext.New(alttext.Config{
		BaseURL: c.BaseURL, Model: c.Model, APIKey: c.APIKey, Prompt: c.Prompt, MaxTokens: c.MaxTokens,
		Timeout: timeout, Label: c.Label, DailyBudget: c.DailyBudget, PerArtistPerHour: c.PerArtistPerHour,
	}, &http.Client{}, time.Now, inst.log.With("component", "alttext"))
	if err != nil {
		return nil, usageError{fmt.Errorf("alttext: %w", err)}
	}
	if err := client.RememberUsage(ctx, inst.db); err != nil {
		return nil, err
	}
	return altTextAdapter{client}, nil
}

// altTextAdapter fits the alttext client to bridge.AltTexter.
type altTextAdapter struct{ c *alttext.Client }

func (a altTextAdapter) Enabled() bool { return a.c.Enabled() }

func (a altTextAdapter) Describe(ctx context.Context, artistID string, image []byte, mediaType string) (bridge.AIDraft, error) {
	d, err := a.c.Describe(ctx, artistID, image, mediaType)
	return bridge.AIDraft{Text: d.Text, Model: d.Model}, err
}

func (a altTextAdapter) Message(err error) string { return alttext.Message(err) }

// newDiscordSide builds the bot and the flow when a token is set.
func newDiscordSide(ctx context.Context, inst *instance, b *bridge.Service) (*discordSide, error) {
	dc := inst.cfg.Discord
	if dc.Token == "" {
		return nil, nil
	}
	expiry, err := parseDays("discord.pending_expiry", dc.PendingExpiry)
	if err != nil {
		return nil, usageError{err}
	}
	ai, err := newAltTexter(ctx, inst)
	if err != nil {
		return nil, err
	}
	flow := bridge.NewFlow(b, bridge.FlowConfig{
		AcceptedTypes: dc.AcceptedTypes, MaxImages: dc.MaxImages, CreditsFormat: dc.CreditsFormat,
		PendingExpiry: expiry, TermsURL: dc.TermsURL, PrivacyURL: dc.PrivacyURL,
		Languages: dc.WithDefaults().Languages, DefaultLanguage: dc.WithDefaults().DefaultLanguage,
		DefaultLicense: inst.cfg.Instance.DefaultLicense,
	}, inst.db, nil, ai)
	botCfg := dc.Config
	botCfg.AllowPrivateAddresses = inst.cfg.Federation.AllowPrivateAddresses
	bot, err := discord.New(botCfg, flow, inst.log, time.Now)
	if err != nil {
		return nil, usageError{err}
	}
	flow.SetNotifier(bot)
	fwd := bridge.NewForwarder(b, inst.db, bot)
	b.SetForwarder(fwd)
	return &discordSide{bot: bot, flow: flow, forwarder: fwd}, nil
}

func (d *discordSide) start(ctx context.Context) error {
	if d == nil {
		return nil
	}
	d.flow.Start(ctx)
	d.forwarder.Start(ctx)
	return d.bot.Start(ctx)
}

func (d *discordSide) close(ctx context.Context) error {
	if d == nil {
		return nil
	}
	return errors.Join(d.forwarder.Close(ctx), d.bot.Close(ctx), d.flow.Close(ctx))
}

// mount adds the HTTP interactions endpoint when a public key is configured.
func (d *discordSide) mount(mux *http.ServeMux) {
	if d == nil || d.bot == nil {
		return
	}
	mux.Handle("POST /discord/interactions", d.bot.InteractionsHandler())
}
