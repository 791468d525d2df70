package alttext

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Draft is a description proposed by the model, to be shown to the artist
// before anything federates.
type Draft struct {
	// Text is the labelled description, at most MaxTextRunes runes: what goes
	// into the Note's alt text if the artist accepts it.
	Text string
	// Description is the model's cleaned answer without the label and
	// before the cap, for an editor that wants to show it on its own.
	Description string
	// Capped reports that Text was cut to fit MaxTextRunes.
	Capped bool
	// Model is the model that answered, as the endpoint reported it (or the
	// configured model if it reported none).
	Model string
	// PromptTokens and CompletionTokens are the usage the endpoint reported.
	PromptTokens, CompletionTokens int
}

// Client drafts descriptions. It is safe for concurrent use and owns no
// goroutines.
type Client struct {
	cfg    Config
	api    *openai.Client
	clock  func() time.Time
	log    *slog.Logger
	limits *limiter
	usage  UsageStore // nil: counts in memory only (RememberUsage)
}

// New builds a Client. httpClient may carry the process's egress policy; nil
// means a plain http.Client. clock nil means time.Now; logger nil discards.
// The client makes no request until Describe is called, and none at all when
// cfg.Model is empty (see Enabled). It fails only on invalid configuration.
func New(cfg Config, httpClient *http.Client, clock func() time.Time, logger *slog.Logger) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if httpClient == nil {
		httpClient = &http.Client{}
	}
	if clock == nil {
		clock = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = cfg.BaseURL
	oc.HTTPClient = doer{client: httpClient, clock: clock}
	return &Client{
		cfg:    cfg,
		api:    openai.NewClientWithConfig(oc),
		clock:  clock,
		log:    logger.With("component", "alttext"),
		limits: newLimiter(cfg.DailyBudget, cfg.PerArtistPerHour),
	}, nil
}

// Enabled reports whether a model is configured.
func (c *Client) Enabled() bool { return c.cfg.Model != "" }

// Config returns the effective configuration (defaults filled in).
func (c *Client) Config() Config { return c.cfg }

// Usage reports how many requests were sent in the current UTC day and the
// daily budget (negative: no limit).
func (c *Client) Usage() (sentToday, dailyBudget int) { return c.limits.usage(c.clock()) }

// Describe asks the model for a description of image (PNG, JPEG, GIF or WebP
// bytes; mediaType is a hint for logs, the bytes decide) on behalf of
// artistID, who is counted against the per-artist limit and never sent
// upstream. It returns within the configured timeout. Every failure is an
// *Error wrapping one of the Err* sentinels; Message turns it into words for
// the artist.
func (c *Client) Describe(ctx context.Context, artistID string, image []byte, mediaType string) (Draft, error) {
	if !c.Enabled() {
		return Draft{}, newError(ErrDisabled, "", nil)
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()

	res, err := c.limits.reserve(artistID, c.clock())
	if err != nil {
		c.log.InfoContext(ctx, "alt text draft not requested", "artist", artistID, "err", err)
		return Draft{}, err
	}
	x := &exchange{}
	defer func() {
		if !x.sent() {
			c.limits.release(res)
			return
		}
		if c.usage != nil {
			if err := c.usage.RecordAltTextRequest(context.WithoutCancel(ctx), artistID, res.at); err != nil {
				c.log.WarnContext(ctx, "alt text request not recorded; it counts until a restart", "err", err)
			}
		}
	}()

	img, err := prepareImage(image)
	if err != nil {
		c.log.InfoContext(ctx, "alt text image refused", "artist", artistID, "media_type", mediaType, "err", err)
		return Draft{}, err
	}

	resp, err := c.api.CreateChatCompletion(withExchange(ctx, x), c.request(img))
	if err != nil {
		err = c.classify(ctx, x, err)
		c.log.WarnContext(ctx, "alt text request failed", "artist", artistID, "model", c.cfg.Model,
			"sent", x.sent(), "duration", time.Since(start), "err", err)
		return Draft{}, err
	}
	d, err := c.draft(resp)
	if err != nil {
		c.log.InfoContext(ctx, "alt text draft rejected", "artist", artistID, "model", c.cfg.Model,
			"duration", time.Since(start), "err", err)
		return Draft{}, err
	}
	c.log.InfoContext(ctx, "alt text drafted", "artist", artistID, "model", d.Model,
		"image", fmt.Sprintf("%dx%d→%dx%d %s", img.srcW, img.srcH, img.width, img.height, img.mediaType),
		"prompt_tokens", d.PromptTokens, "completion_tokens", d.CompletionTokens,
		"runes", len([]rune(d.Text)), "capped", d.Capped, "duration", time.Since(start))
	return d, nil
}

// request builds the chat completion: one user message with the prompt and
// the image at detail "low". The token limit goes in max_tokens, which every
// OpenAI-compatible server reads, unless go-openai knows the model refuses
// it (reasoning models), in which case max_completion_tokens is used.
func (c *Client) request(img preparedImage) openai.ChatCompletionRequest {
	req := openai.ChatCompletionRequest{
		Model: c.cfg.Model,
		Messages: []openai.ChatCompletionMessage{{
			Role: openai.ChatMessageRoleUser,
			MultiContent: []openai.ChatMessagePart{
				{Type: openai.ChatMessagePartTypeText, Text: c.cfg.Prompt},
				{Type: openai.ChatMessagePartTypeImageURL, ImageURL: &openai.ChatMessageImageURL{
					URL:    img.dataURL,
					Detail: openai.ImageURLDetailLow,
				}},
			},
		}},
		MaxTokens: c.cfg.MaxTokens,
	}
	if err := openai.NewReasoningValidator().Validate(req); errors.Is(err, openai.ErrReasoningModelMaxTokensDeprecated) {
		//lint:ignore SA1019 most OpenAI-compatible servers (llama.cpp, vLLM, Ollama) read only max_tokens; reasoning models take max_completion_tokens instead
		req.MaxTokens, req.MaxCompletionTokens = 0, c.cfg.MaxTokens
	}
	return req
}

// classify maps a failed call to one of the sentinel kinds.
func (c *Client) classify(ctx context.Context, x *exchange, err error) error {
	status, retryAfter := x.result()
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		status = apiErr.HTTPStatusCode
	case errors.As(err, &reqErr):
		status = reqErr.HTTPStatusCode
	}
	var netErr net.Error
	switch {
	case status == http.StatusTooManyRequests:
		e := newError(ErrUpstreamRateLimited, statusText(status), err)
		e.RetryAfter = retryAfter
		return e
	case errors.Is(ctx.Err(), context.DeadlineExceeded),
		errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout():
		return newError(ErrTimeout, fmt.Sprintf("after %s", c.cfg.Timeout), err)
	case ctx.Err() != nil:
		return newError(ErrUpstream, "canceled", err)
	case status != 0 && status != http.StatusOK:
		return newError(ErrUpstream, statusText(status), err)
	default:
		return newError(ErrUpstream, "", err)
	}
}

// draft checks a successful response and turns it into a Draft. Only a first
// choice with finish_reason "stop", no refusal and non-empty text counts.
func (c *Client) draft(resp openai.ChatCompletionResponse) (Draft, error) {
	if len(resp.Choices) == 0 {
		return Draft{}, newError(ErrUpstream, "no choices in the response", nil)
	}
	ch := resp.Choices[0]
	if strings.TrimSpace(ch.Message.Refusal) != "" {
		return Draft{}, newError(ErrRefused, "refusal: "+truncateRunes(ch.Message.Refusal, 200), nil)
	}
	switch ch.FinishReason {
	case openai.FinishReasonStop:
	case openai.FinishReasonLength:
		return Draft{}, newError(ErrTruncated, fmt.Sprintf("max_tokens %d", c.cfg.MaxTokens), nil)
	case openai.FinishReasonContentFilter:
		return Draft{}, newError(ErrRefused, "finish_reason content_filter", nil)
	default:
		return Draft{}, newError(ErrUpstream, fmt.Sprintf("finish_reason %q", string(ch.FinishReason)), nil)
	}
	text := cleanDraft(ch.Message.Content)
	if text == "" {
		return Draft{}, newError(ErrEmptyReply, "", nil)
	}
	if looksLikeRefusal(text) {
		return Draft{}, newError(ErrRefused, "answer reads as a refusal: "+truncateRunes(text, 80), nil)
	}
	labelled, capped := labelAndCap(c.cfg.Label, text, MaxTextRunes)
	model := resp.Model
	if model == "" {
		model = c.cfg.Model
	}
	return Draft{
		Text:             labelled,
		Description:      text,
		Capped:           capped,
		Model:            model,
		PromptTokens:     resp.Usage.PromptTokens,
		CompletionTokens: resp.Usage.CompletionTokens,
	}, nil
}
