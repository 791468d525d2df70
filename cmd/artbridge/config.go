package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/pelletier/go-toml/v2"

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
	Delivery   DeliverySettings `toml:"delivery"`
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
		Relay: RelayConfig{Listen: "127.0.0.1:8090", MaxRelays: 100, QueueSize: 1000},
	}
}

// loadConfig reads path (empty: defaults only), strictly, then applies the
// environment's secrets.
func loadConfig(path string, getenv func(string) string) (Config, error) {
	cfg := defaultConfig()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("config: %w", err)
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
	}
	env := map[string]*string{
		"ARTBRIDGE_DISCORD_TOKEN":          &cfg.Discord.Token,
		"ARTBRIDGE_DISCORD_PUBLIC_KEY":     &cfg.Discord.PublicKey,
		"ARTBRIDGE_OPENAI_API_KEY":         &cfg.AltText.APIKey,
		"ARTBRIDGE_RELAY_REGISTRATION_KEY": &cfg.Relay.RegistrationKey,
	}
	for name, dst := range env {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	return cfg, cfg.validate()
}

func (c Config) validate() error {
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return fmt.Errorf("config: base_url %q must be like https://art.example.org (scheme and host only)", c.BaseURL)
	}
	if c.Actor.Username == "" || strings.ContainsAny(c.Actor.Username, "/@:?# ") {
		return fmt.Errorf("config: actor.username %q must be a plain name", c.Actor.Username)
	}
	if c.DataDir == "" {
		return errors.New("config: data_dir is empty")
	}
	if c.Listen == "" {
		return errors.New("config: listen is empty")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config: log_level %q must be debug, info, warn or error", c.LogLevel)
	}
	return c.validateDelivery()
}
