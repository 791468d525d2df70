package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/artbridge/artbridge/ap"
	"github.com/artbridge/artbridge/discord"
)

// Config is the whole artbridge.toml. Every key is documented in
// docs/configuration.md with its default.
type Config struct {
	Listen   string `toml:"listen"`
	BaseURL  string `toml:"base_url"`
	DataDir  string `toml:"data_dir"`
	LogLevel string `toml:"log_level"`

	Actor      ActorConfig      `toml:"actor"`
	Federation FederationConfig `toml:"federation"`
	Media      MediaConfig      `toml:"media"`
	Discord    DiscordConfig    `toml:"discord"`
	AltText    AltTextConfig    `toml:"alttext"`
	Moderation ModerationConfig `toml:"moderation"`
	Relay      RelayConfig      `toml:"relay"`
	Instance   InstanceConfig   `toml:"instance"`
	Metrics    MetricsConfig    `toml:"metrics"`
	Delivery   DeliverySettings `toml:"delivery"`

	// given holds the keys the file set ("base_url", "discord.token", and
	// "discord" for a section), for checks that depend on what was written.
	given map[string]bool
	// path is the file the config was read from ("" for the defaults).
	path string
}

// MetricsConfig is the operators' listener: /metrics and the admin page.
type MetricsConfig struct {
	// Listen is its address ("off" or "": none). Loopback by default; any other
	// address needs Token.
	Listen string `toml:"listen"`
	// Token, when set, is required as "Authorization: Bearer TOKEN".
	Token string `toml:"token"`
}

// ActorConfig describes the Fediverse actor.
type ActorConfig struct {
	Username    string `toml:"username"`
	DisplayName string `toml:"display_name"`
	Summary     string `toml:"summary"`
	IconURL     string `toml:"icon_url"`
}

// FederationConfig tunes federation.
type FederationConfig struct {
	AllowPrivateAddresses bool     `toml:"allow_private_addresses"`
	BlockedDomains        []string `toml:"blocked_domains"`
	DeliveryConcurrency   int      `toml:"delivery_concurrency"`
	DeliveryPerHost       int      `toml:"delivery_per_host"`
	PostTail              string   `toml:"post_tail"`
	// Per-remote-host token buckets of the inbox (0: the default; a negative
	// rate turns a limit off).
	InboundPerMinute float64 `toml:"inbound_per_minute"`
	InboundBurst     int     `toml:"inbound_burst"`
	FollowsPerMinute float64 `toml:"follows_per_minute"`
	FollowsBurst     int     `toml:"follows_burst"`
}

// MediaConfig limits images.
type MediaConfig struct {
	MaxBytes  int64 `toml:"max_bytes"`
	MaxImages int   `toml:"max_images"`
}

// DiscordConfig is the Discord side; it starts only when a token is set. Its keys
// are those of discord.Config, plus the submission flow's own.
type DiscordConfig struct {
	discord.Config
	PendingExpiry string `toml:"pending_expiry"`
}

// AltTextConfig is the AI alt-text drafting; it starts only when model is set.
type AltTextConfig struct {
	BaseURL          string `toml:"base_url"`
	Model            string `toml:"model"`
	APIKey           string `toml:"api_key"`
	Prompt           string `toml:"prompt"`
	MaxTokens        int    `toml:"max_tokens"`
	Timeout          string `toml:"timeout"`
	Label            string `toml:"label"`
	DailyBudget      int    `toml:"daily_budget"`
	PerArtistPerHour int    `toml:"per_artist_per_hour"`
}

// ModerationConfig points at the rules file.
type ModerationConfig struct {
	Rules string `toml:"rules"`
}

// RelayConfig configures `artbridge relay`.
type RelayConfig struct {
	Listen          string `toml:"listen"`
	RegistrationKey string `toml:"registration_key"`
	MaxRelays       int    `toml:"max_relays"`
	QueueSize       int    `toml:"queue_size"`
	AllowInsecureWS bool   `toml:"allow_insecure_ws"`
}

// InstanceConfig is what the public pages say about the instance, and the
// AI-training reservation.
type InstanceConfig struct {
	Contact        string   `toml:"contact"`         // email or Fediverse handle of the operator
	Rules          []string `toml:"rules"`           // shown on /about
	DefaultLicense string   `toml:"default_license"` // license URL of posts without one; "" all rights reserved
	AIReservation  bool     `toml:"ai_reservation"`  // reserve against AI training (default true)
	TDMPolicy      string   `toml:"tdm_policy"`      // optional TDMRep policy URL
}

// validate refuses instance values that cannot work.
func (c InstanceConfig) validate() error {
	if err := ap.CheckLicenseURL(c.DefaultLicense); err != nil {
		return fmt.Errorf("config: instance.default_license: %w", err)
	}
	if c.TDMPolicy != "" {
		if u, err := url.Parse(c.TDMPolicy); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("config: instance.tdm_policy %q must be an http(s) URL", c.TDMPolicy)
		}
	}
	if len(c.Contact) > 200 || strings.ContainsAny(c.Contact, "<>\"\r\n") {
		return fmt.Errorf("config: instance.contact must be an email address or a Fediverse handle like @admin@example.org")
	}
	return nil
}

// defaultConfig is the embedded default: everything runs with no file at all.
func defaultConfig() Config {
	return Config{
		Listen:   "127.0.0.1:8080",
		BaseURL:  "http://localhost:8080",
		DataDir:  "./data",
		LogLevel: "info",
		Actor: ActorConfig{
			Username:    "art",
			DisplayName: "Art from our Discord",
			Summary:     "Artists of our server post here. Automated account.",
		},
		Media: MediaConfig{MaxBytes: 16 << 20, MaxImages: 4},
		Discord: DiscordConfig{
			Config:        discord.Config{}.WithDefaults(),
			PendingExpiry: "168h",
		},
		AltText: AltTextConfig{
			BaseURL:          "https://api.openai.com/v1",
			MaxTokens:        300,
			Timeout:          "30s",
			Label:            "AI-generated description: ",
			DailyBudget:      200,
			PerArtistPerHour: 20,
		},
		Relay:   RelayConfig{Listen: "127.0.0.1:8090", MaxRelays: 100, QueueSize: 1000},
		Metrics: MetricsConfig{Listen: "127.0.0.1:9464"},
		Instance: InstanceConfig{
			AIReservation: true,
			Rules: []string{
				"Only the artist who made a work may ask to publish it.",
				"Every image needs a description (alt text) where the artist can give one.",
				"Content warnings for anything a viewer may not want to see unannounced.",
			},
		},
	}
}

// loadConfig reads path (empty: defaults only), strictly, then applies the
// environment's secrets and validates every key, also of features that are off.
func loadConfig(path string, getenv func(string) string) (Config, error) {
	cfg := defaultConfig()
	cfg.path = path
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("config: %w", err)
		}
		var raw map[string]any
		if err := toml.Unmarshal(data, &raw); err != nil {
			var derr *toml.DecodeError
			if errors.As(err, &derr) {
				row, col := derr.Position()
				return cfg, fmt.Errorf("config %s:%d:%d: %s", path, row, col, strings.TrimPrefix(derr.Error(), "toml: "))
			}
			return cfg, fmt.Errorf("config %s: %s", path, strings.TrimPrefix(err.Error(), "toml: "))
		}
		if errs := checkTypes(raw, reflect.TypeOf(cfg), reflect.ValueOf(cfg), ""); len(errs) > 0 {
			return cfg, fmt.Errorf("config %s: %s", path, strings.Join(errs, "; "))
		}
		dec := toml.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			var strict *toml.StrictMissingError
			if errors.As(err, &strict) {
				var keys []string
				for _, e := range strict.Errors {
					keys = append(keys, strings.Join(e.Key(), "."))
				}
				return cfg, fmt.Errorf("config %s: unknown key %s", path, strings.Join(keys, ", "))
			}
			var derr *toml.DecodeError
			if errors.As(err, &derr) {
				row, col := derr.Position()
				return cfg, fmt.Errorf("config %s:%d:%d: %s", path, row, col, derr.Error())
			}
			return cfg, fmt.Errorf("config %s: %w", path, err)
		}
		cfg.given = map[string]bool{}
		for k, v := range raw {
			cfg.given[k] = true
			if sub, ok := v.(map[string]any); ok {
				for sk := range sub {
					cfg.given[k+"."+sk] = true
				}
			}
		}
	}
	env := map[string]*string{
		"ARTBRIDGE_DISCORD_TOKEN":          &cfg.Discord.Token,
		"ARTBRIDGE_DISCORD_PUBLIC_KEY":     &cfg.Discord.PublicKey,
		"ARTBRIDGE_OPENAI_API_KEY":         &cfg.AltText.APIKey,
		"ARTBRIDGE_RELAY_REGISTRATION_KEY": &cfg.Relay.RegistrationKey,
		"ARTBRIDGE_METRICS_TOKEN":          &cfg.Metrics.Token,
	}
	for name, dst := range env {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	if err := cfg.validate(); err != nil {
		if path != "" {
			return cfg, fmt.Errorf("config %s: %w", path, err)
		}
		return cfg, fmt.Errorf("config: %w", err)
	}
	return cfg, nil
}

// validate checks every key, also of the features that are off, normalises
// base_url, and returns every problem found, each naming its key.
func (c *Config) validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if base, err := normalizeBaseURL(c.BaseURL); err != nil {
		add(err)
	} else {
		c.BaseURL = base
	}
	if c.Actor.Username == "" || strings.ContainsAny(c.Actor.Username, "/@:?# ") {
		add(fmt.Errorf("actor.username %q must be a plain name", c.Actor.Username))
	}
	if c.DataDir == "" {
		add(errors.New("data_dir is empty"))
	}
	if c.Listen == "" {
		add(errors.New("listen is empty"))
	} else if err := checkListen("listen", c.Listen, "127.0.0.1:8080"); err != nil {
		add(err)
	} else if !isLoopbackListen(c.Listen) && !c.given["base_url"] {
		add(fmt.Errorf("listen %q accepts connections from other machines, so base_url must be set to the public URL "+
			"(like https://art.example.org): without it every post would carry %s links", c.Listen, c.BaseURL))
	}
	add(c.Instance.validate())
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		add(fmt.Errorf("log_level %q must be debug, info, warn or error", c.LogLevel))
	}
	if c.Federation.DeliveryConcurrency < 0 || c.Federation.DeliveryPerHost < 0 {
		add(errors.New("federation.delivery_concurrency and delivery_per_host must not be negative"))
	}
	if c.Media.MaxBytes <= 0 {
		add(fmt.Errorf("media.max_bytes must be positive, not %d", c.Media.MaxBytes))
	}
	if c.Media.MaxImages < 1 {
		add(fmt.Errorf("media.max_images must be at least 1, not %d", c.Media.MaxImages))
	}
	add(checkDuration("alttext.timeout", c.AltText.Timeout, "30s", true))
	if u, err := url.Parse(c.AltText.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		add(fmt.Errorf("alttext.base_url %q is not an http(s) URL like \"https://api.openai.com/v1\"", c.AltText.BaseURL))
	}
	if c.AltText.MaxTokens <= 0 || c.AltText.DailyBudget < 0 || c.AltText.PerArtistPerHour < 0 {
		add(errors.New("alttext.max_tokens must be positive; daily_budget and per_artist_per_hour must not be negative"))
	}
	add(checkDuration("discord.pending_expiry", c.Discord.PendingExpiry, "168h", true))
	add(c.discordErrors())
	if l := c.Metrics.Listen; l != "" && l != "off" {
		if err := checkListen("metrics.listen", l, "127.0.0.1:9464"); err != nil {
			add(err)
		} else if !isLoopbackListen(l) && c.Metrics.Token == "" {
			add(fmt.Errorf("metrics.listen %q accepts connections from other machines: set metrics.token "+
				"(or ARTBRIDGE_METRICS_TOKEN), or listen on 127.0.0.1", l))
		}
	}
	if c.Relay.Listen != "" {
		add(checkListen("relay.listen", c.Relay.Listen, "127.0.0.1:8090"))
	}
	add(c.validateDelivery())
	return errors.Join(errs...)
}

// discordErrors validates the [discord] keys given, also when Discord is off
// (no token). What only a running bot needs (token, application_id,
// art_forums) is required when serve starts the bot, not here.
func (c *Config) discordErrors() error {
	err := c.Discord.Config.Validate()
	if err == nil {
		return nil
	}
	var kept []error
	for _, e := range unjoin(err) {
		var ce *discord.ConfigError
		if errors.As(e, &ce) {
			empty := map[string]bool{"discord.token": c.Discord.Token == "", "discord.application_id": c.Discord.ApplicationID == "",
				"discord.art_forums": len(c.Discord.ArtForums) == 0}
			if empty[ce.Key] {
				continue // required only when Discord is on
			}
		}
		kept = append(kept, e)
	}
	return errors.Join(kept...)
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
