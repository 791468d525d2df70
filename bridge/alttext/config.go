package alttext

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Defaults applied by New to zero-valued Config fields.
const (
	// DefaultBaseURL is OpenAI's API root. Any OpenAI-compatible root works,
	// e.g. "http://127.0.0.1:11434/v1" for Ollama.
	DefaultBaseURL = "https://api.openai.com/v1"
	// DefaultMaxTokens bounds the length of the model's answer.
	DefaultMaxTokens = 300
	// DefaultTimeout bounds one whole Describe call.
	DefaultTimeout = 30 * time.Second
	// DefaultLabel is put in front of every draft so readers know where the
	// words came from.
	DefaultLabel = "AI-generated description: "
	// DefaultDailyBudget is the number of requests allowed per UTC day.
	DefaultDailyBudget = 200
	// DefaultPerArtistPerHour is the number of requests one artist may cause
	// in any sliding hour.
	DefaultPerArtistPerHour = 20
	// MaxTextRunes caps the labelled draft; it matches the alt text limit of
	// the Notes we federate.
	MaxTextRunes = 1500
	// MaxImageSide is the longest side, in pixels, of the image copy we send.
	MaxImageSide = 512
	// maxLabelRunes keeps a misconfigured label from eating the whole cap.
	maxLabelRunes = 100
)

// DefaultPrompt asks for a concise, factual description written for blind
// and low-vision readers.
const DefaultPrompt = "Write alt text for this artwork for people who are blind or have low vision. " +
	"Describe what is depicted: the subject, what it is doing, the setting, the colours, the composition " +
	"and the medium or style when it is clear (for example watercolour, pixel art, 3D render). " +
	"Transcribe any legible text exactly. Be concise and factual; do not guess names, identities or intent, " +
	"and do not judge the quality of the work. " +
	"Start directly with the description, without a preamble such as \"This image shows\" or \"An image of\". " +
	"Plain text only, no markdown, at most 1000 characters."

// Config configures a Client. The zero value of every field but Model and
// APIKey selects the documented default; an empty Model disables the feature.
type Config struct {
	// BaseURL is the API root; "/chat/completions" is appended. A trailing
	// slash and a path prefix ("/v1", "/api/v1") are fine. Default
	// DefaultBaseURL.
	BaseURL string
	// Model is the vision model's name at that endpoint. Empty: disabled.
	Model string
	// APIKey is sent as a bearer token when not empty. Local servers usually
	// need none.
	APIKey string
	// Prompt is the instruction sent with the image. Default DefaultPrompt.
	Prompt string
	// MaxTokens bounds the answer (sent as max_tokens, or as
	// max_completion_tokens for models that refuse max_tokens). Default
	// DefaultMaxTokens.
	MaxTokens int
	// Timeout bounds one Describe call, image preparation included. Default
	// DefaultTimeout.
	Timeout time.Duration
	// Label is prefixed to every draft. Default DefaultLabel; it cannot be
	// turned off, readers deserve to know the words came from a model.
	Label string
	// DailyBudget is the number of requests sent per UTC day. 0 selects
	// DefaultDailyBudget; a negative value means no limit.
	DailyBudget int
	// PerArtistPerHour is the number of requests one artist may cause in any
	// sliding hour. 0 selects DefaultPerArtistPerHour; negative: no limit.
	PerArtistPerHour int
}

// withDefaults returns cfg with defaults filled in, or an error naming the
// first invalid field.
func (cfg Config) withDefaults() (Config, error) {
	cfg.BaseURL = strings.TrimSpace(cfg.BaseURL)
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return cfg, fmt.Errorf("alttext: base_url: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return cfg, fmt.Errorf("alttext: base_url %q: want an http:// or https:// URL with a host", cfg.BaseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return cfg, fmt.Errorf("alttext: base_url %q: must not have a query or fragment", cfg.BaseURL)
	}
	cfg.Model = strings.TrimSpace(cfg.Model)
	if strings.TrimSpace(cfg.Prompt) == "" {
		cfg.Prompt = DefaultPrompt
	}
	switch {
	case cfg.MaxTokens == 0:
		cfg.MaxTokens = DefaultMaxTokens
	case cfg.MaxTokens < 0:
		return cfg, fmt.Errorf("alttext: max_tokens %d: must be positive", cfg.MaxTokens)
	}
	switch {
	case cfg.Timeout == 0:
		cfg.Timeout = DefaultTimeout
	case cfg.Timeout < 0:
		return cfg, fmt.Errorf("alttext: timeout %s: must be positive", cfg.Timeout)
	}
	if cfg.Label == "" {
		cfg.Label = DefaultLabel
	}
	if n := utf8.RuneCountInString(cfg.Label); n > maxLabelRunes || !utf8.ValidString(cfg.Label) {
		return cfg, fmt.Errorf("alttext: label: must be valid UTF-8 of at most %d characters", maxLabelRunes)
	}
	if cfg.DailyBudget == 0 {
		cfg.DailyBudget = DefaultDailyBudget
	}
	if cfg.PerArtistPerHour == 0 {
		cfg.PerArtistPerHour = DefaultPerArtistPerHour
	}
	return cfg, nil
}
