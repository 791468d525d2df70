package discord

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DefaultAPIBaseURL is Discord's own REST API base.
const DefaultAPIBaseURL = "https://discord.com/api/v9"

// Config is the [discord] section of artbridge.toml.
type Config struct {
	// Token is the bot token (without the "Bot " prefix). Also ARTBRIDGE_DISCORD_TOKEN.
	Token string `toml:"token"`
	// ApplicationID is the application's snowflake.
	ApplicationID string `toml:"application_id"`
	// GuildID, when set, registers /delete_fedi as a guild command (instant);
	// otherwise it is registered globally.
	GuildID string `toml:"guild_id"`
	// ArtForums are the forum channels whose new threads become submissions.
	ArtForums []string `toml:"art_forums"`
	// ModeratorsChannel receives moderator notices; empty logs them instead.
	ModeratorsChannel string `toml:"moderators_channel"`
	// APIBaseURL is the REST base of Discord or of a Discord-compatible server.
	APIBaseURL string `toml:"api_base_url"`
	// PublicKey is the application's Ed25519 public key in hex. When set,
	// POST /discord/interactions accepts interactions over HTTP.
	PublicKey string `toml:"public_key"`
	// AcceptedTypes are the image media types a submission may carry.
	AcceptedTypes []string `toml:"accepted_types"`
	// MaxImages is the most images per submission (1 to 4).
	MaxImages int `toml:"max_images"`
	// PostTail is appended to every post (for example hashtags).
	PostTail string `toml:"post_tail"`
	// CreditsFormat is the credits line; {artist} is replaced by the artist's name.
	CreditsFormat string `toml:"credits_format"`
	// TermsURL and PrivacyURL are linked from the panel's notices.
	TermsURL   string `toml:"terms_url"`
	PrivacyURL string `toml:"privacy_url"`
	// Languages are the BCP 47 tags an artist may choose for a post (default
	// ["en"], at most MaxLanguages); DefaultLanguage is preselected (default the
	// first of Languages).
	Languages       []string `toml:"languages"`
	DefaultLanguage string   `toml:"default_language"`

	// AllowPrivateAddresses lets attachment downloads (and gateway hosts other
	// than the API host) reach loopback and private addresses. It mirrors
	// [federation] allow_private_addresses.
	AllowPrivateAddresses bool `toml:"-"`
	// ReconnectMin and ReconnectMax bound the reconnect backoff (defaults 1 s and 2 min).
	ReconnectMin time.Duration `toml:"-"`
	ReconnectMax time.Duration `toml:"-"`
	// HTTPTimeout bounds each REST request (default 20 s).
	HTTPTimeout time.Duration `toml:"-"`
}

// Defaults for the optional keys.
const (
	DefaultMaxImages     = 4
	DefaultCreditsFormat = "Art by {artist}"
	defaultReconnectMin  = time.Second
	defaultReconnectMax  = 2 * time.Minute
	defaultHTTPTimeout   = 20 * time.Second
)

// DefaultAcceptedTypes returns the image types accepted unless configured.
func DefaultAcceptedTypes() []string {
	return []string{"image/png", "image/jpeg", "image/gif", "image/webp"}
}

// WithDefaults returns c with every unset optional key at its default.
func (c Config) WithDefaults() Config {
	if c.APIBaseURL == "" {
		c.APIBaseURL = DefaultAPIBaseURL
	}
	if len(c.AcceptedTypes) == 0 {
		c.AcceptedTypes = DefaultAcceptedTypes()
	}
	if c.MaxImages == 0 {
		c.MaxImages = DefaultMaxImages
	}
	if len(c.Languages) == 0 {
		c.Languages = []string{"en"}
	}
	if c.DefaultLanguage == "" {
		c.DefaultLanguage = c.Languages[0]
	}
	if c.CreditsFormat == "" {
		c.CreditsFormat = DefaultCreditsFormat
	}
	if c.ReconnectMin <= 0 {
		c.ReconnectMin = defaultReconnectMin
	}
	if c.ReconnectMax <= 0 {
		c.ReconnectMax = defaultReconnectMax
	}
	if c.ReconnectMax < c.ReconnectMin {
		c.ReconnectMax = c.ReconnectMin
	}
	if c.HTTPTimeout <= 0 {
		c.HTTPTimeout = defaultHTTPTimeout
	}
	return c
}

// ConfigError names the TOML key a configuration problem is about.
type ConfigError struct {
	Key string // for example "discord.api_base_url"
	Msg string
}

// Error implements error: "KEY: message".
func (e *ConfigError) Error() string { return e.Key + ": " + e.Msg }

// acceptedImageTypes are the media types artbridge can process.
var acceptedImageTypes = [...]string{"image/png", "image/jpeg", "image/gif", "image/webp"}

// apiVersionPath matches a trailing /api/vN.
var apiVersionPath = regexp.MustCompile(`/api/v([0-9]+)$`)

// Validate checks the configuration (after WithDefaults) and returns every
// problem found, each a *ConfigError naming its key, joined with errors.Join.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &ConfigError{Key: "discord." + key, Msg: fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(c.Token) == "" {
		bad("token", "is required (or set ARTBRIDGE_DISCORD_TOKEN)")
	} else if strings.HasPrefix(c.Token, "Bot ") {
		bad("token", `give the token without the "Bot " prefix`)
	} else if strings.ContainsAny(c.Token, " \t\r\n") {
		bad("token", "must not contain white space")
	}
	if c.ApplicationID == "" {
		bad("application_id", "is required (the application's ID from the developer portal)")
	} else if !isSnowflake(c.ApplicationID) {
		bad("application_id", "%q is not a Discord ID (digits only, as a string)", c.ApplicationID)
	}
	if c.GuildID != "" && !isSnowflake(c.GuildID) {
		bad("guild_id", "%q is not a Discord ID", c.GuildID)
	}
	if len(c.ArtForums) == 0 {
		bad("art_forums", "name at least one forum channel ID")
	}
	for _, f := range c.ArtForums {
		if !isSnowflake(f) {
			bad("art_forums", "%q is not a Discord channel ID", f)
		}
	}
	if c.ModeratorsChannel != "" && !isSnowflake(c.ModeratorsChannel) {
		bad("moderators_channel", "%q is not a Discord channel ID", c.ModeratorsChannel)
	}
	if _, err := normalizeAPIBase(c.APIBaseURL); err != nil {
		errs = append(errs, err)
	}
	if c.PublicKey != "" {
		if k, err := hex.DecodeString(c.PublicKey); err != nil || len(k) != 32 {
			bad("public_key", "must be the application's 32-byte Ed25519 public key in hex (64 characters)")
		}
	}
	for _, t := range c.AcceptedTypes {
		ok := false
		for _, a := range acceptedImageTypes {
			ok = ok || t == a
		}
		if !ok {
			bad("accepted_types", "%q is not supported (supported: %s)", t, strings.Join(acceptedImageTypes[:], ", "))
		}
	}
	if c.MaxImages < 1 || c.MaxImages > MaxFormFields {
		bad("max_images", "must be between 1 and %d, not %d", MaxFormFields, c.MaxImages)
	}
	if c.CreditsFormat != "" && !strings.Contains(c.CreditsFormat, "{artist}") {
		bad("credits_format", "must contain {artist}")
	}
	validateLanguages(c.Languages, c.DefaultLanguage, bad)
	for key, v := range map[string]string{"terms_url": c.TermsURL, "privacy_url": c.PrivacyURL} {
		if v == "" {
			continue
		}
		if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad(key, "%q is not an absolute http(s) URL", v)
		}
	}
	return errors.Join(errs...)
}

// normalizeAPIBase checks an api_base_url and returns it without a trailing slash.
func normalizeAPIBase(raw string) (string, error) {
	const key = "discord.api_base_url"
	if raw == "" {
		raw = DefaultAPIBaseURL
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", &ConfigError{Key: key, Msg: fmt.Sprintf("%q is not a URL: %v", raw, err)}
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return "", &ConfigError{Key: key, Msg: fmt.Sprintf("%q must start with https:// (or http:// on a test network)", raw)}
	case u.Host == "":
		return "", &ConfigError{Key: key, Msg: fmt.Sprintf("%q has no host", raw)}
	case u.User != nil:
		return "", &ConfigError{Key: key, Msg: "must not carry credentials; the token goes in discord.token"}
	case u.RawQuery != "" || u.Fragment != "":
		return "", &ConfigError{Key: key, Msg: fmt.Sprintf("%q must not have a query or fragment", raw)}
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	if m := apiVersionPath.FindStringSubmatch(u.Path); m != nil {
		if v, _ := strconv.Atoi(m[1]); v < 9 {
			return "", &ConfigError{Key: key, Msg: fmt.Sprintf("API version v%d is too old: artbridge speaks v9 payloads (use /api/v9 or /api/v10)", v)}
		}
	}
	return u.String(), nil
}

// isSnowflake reports whether s is a Discord ID: a decimal uint64 without sign.
func isSnowflake(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}
