package alttext_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/artbridge/artbridge/bridge/alttext"
	"github.com/artbridge/artbridge/bridge/alttext/alttexttest"
)

const testModel = "gpt-4o-mini"

// fakeClock is a settable clock for the budgets.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)} }

// setup starts a fake server and a client for it; edit adjusts the client
// config (the server expects what the edited config sends).
func setup(t *testing.T, edit func(*alttext.Config)) (*alttexttest.Server, *alttext.Client, *fakeClock) {
	t.Helper()
	cfg := alttext.Config{Model: testModel, APIKey: "sk-test", Timeout: 10 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	maxTokens := cfg.MaxTokens
	if maxTokens == 0 {
		maxTokens = alttext.DefaultMaxTokens
	}
	srv := alttexttest.NewServer(t, alttexttest.Config{Model: cfg.Model, APIKey: cfg.APIKey, MaxTokens: maxTokens})
	if cfg.BaseURL == "" {
		cfg.BaseURL = srv.BaseURL()
	}
	clock := newClock()
	c, err := alttext.New(cfg, nil, clock.Now, nil)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c, clock
}

// smallPNG is a 64×48 opaque PNG.
func smallPNG(t *testing.T) []byte { return alttext.MakePNG(t, 64, 48, 255) }

func TestDescribeSuccess(t *testing.T) {
	srv, c, _ := setup(t, nil)
	srv.Enqueue(alttexttest.Draft("  A watercolour fox asleep on a mossy stone.\n"))
	d, err := c.Describe(context.Background(), "artist-1", smallPNG(t), "image/png")
	if err != nil {
		t.Fatal(err)
	}
	if want := alttext.DefaultLabel + "A watercolour fox asleep on a mossy stone."; d.Text != want {
		t.Fatalf("text %q, want %q", d.Text, want)
	}
	if d.Capped || d.Model != testModel || d.PromptTokens == 0 || d.CompletionTokens == 0 {
		t.Fatalf("draft %+v", d)
	}
	if v := srv.Violations(); len(v) > 0 {
		t.Fatalf("violations: %v", v)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if r.Detail != "low" || r.MaxTokens != 300 || r.ImageMediaType != "image/jpeg" || r.Prompt != alttext.DefaultPrompt {
		t.Fatalf("request %+v", r)
	}
	if strings.Contains(string(r.Body), "artist-1") {
		t.Fatal("artist ID sent upstream")
	}
	if used, _ := c.Usage(); used != 1 {
		t.Fatalf("usage %d", used)
	}
}

func TestDescribeCustomConfig(t *testing.T) {
	srv, c, _ := setup(t, func(cfg *alttext.Config) {
		cfg.Prompt = "Describe briefly."
		cfg.MaxTokens = 120
		cfg.Label = "[AI] "
		cfg.APIKey = "" // local servers need none: no Authorization header may be sent
	})
	d, err := c.Describe(context.Background(), "a", smallPNG(t), "image/png")
	if err != nil {
		t.Fatal(err)
	}
	if d.Text != "[AI] "+alttexttest.DefaultDraft {
		t.Fatalf("text %q", d.Text)
	}
	r := srv.Requests()[0]
	if r.Prompt != "Describe briefly." || r.MaxTokens != 120 || r.Header.Get("Authorization") != "" {
		t.Fatalf("request %+v", r)
	}
	if v := srv.Violations(); len(v) > 0 {
		t.Fatal(v)
	}
}

func TestBaseURLForms(t *testing.T) {
	for _, tt := range []struct{ name, basePath, suffix string }{
		{"v1", "/v1", ""},
		{"v1 trailing slash", "/v1", "/"},
		{"ollama style api/v1", "/api/v1", ""},
		{"api/v1 trailing slash", "/api/v1", "/"},
		{"root", "/", ""},
		{"root trailing slash", "/", "/"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := alttexttest.NewServer(t, alttexttest.Config{Model: "llava:7b", MaxTokens: 300, BasePath: tt.basePath})
			c, err := alttext.New(alttext.Config{BaseURL: srv.BaseURL() + tt.suffix, Model: "llava:7b"}, nil, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Describe(context.Background(), "a", smallPNG(t), "image/png"); err != nil {
				t.Fatalf("%s: %v (violations %v)", srv.BaseURL()+tt.suffix, err, srv.Violations())
			}
		})
	}
}

func TestReasoningModelUsesMaxCompletionTokens(t *testing.T) {
	srv, c, _ := setup(t, func(cfg *alttext.Config) { cfg.Model = "o4-mini" })
	if _, err := c.Describe(context.Background(), "a", smallPNG(t), "image/png"); err != nil {
		t.Fatalf("%v %v", err, srv.Violations())
	}
	r := srv.Requests()[0]
	if r.MaxCompletionTokens != 300 || r.MaxTokens != 0 {
		t.Fatalf("max_tokens %d, max_completion_tokens %d", r.MaxTokens, r.MaxCompletionTokens)
	}
}

func TestDescribeFailures(t *testing.T) {
	for _, tt := range []struct {
		name      string
		reply     alttexttest.Reply
		want      error
		retry     time.Duration
		wantCount int
	}{
		{"truncated", alttexttest.Truncated("A fox asleep on a"), alttext.ErrTruncated, 0, 1},
		{"server error", alttexttest.ServerError(), alttext.ErrUpstream, 0, 1},
		{"429", alttexttest.TooManyRequests(7 * time.Second), alttext.ErrUpstreamRateLimited, 7 * time.Second, 1},
		{"slow", alttexttest.Slow(10*time.Second, "late"), alttext.ErrTimeout, 0, 1},
		{"refusal field", alttexttest.Refusal("I can't help with that."), alttext.ErrRefused, 0, 1},
		{"content filter", alttexttest.ContentFilter(), alttext.ErrRefused, 0, 1},
		{"refusal text", alttexttest.Draft("I'm sorry, but I can't describe this image."), alttext.ErrRefused, 0, 1},
		{"empty", alttexttest.Draft(" \n\t "), alttext.ErrEmptyReply, 0, 1},
		{"unknown finish", alttexttest.Reply{Text: "A fox", FinishReason: "tool_calls"}, alttext.ErrUpstream, 0, 1},
		{"too large", alttexttest.Draft(strings.Repeat("x", 2<<20)), alttext.ErrUpstream, 0, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// Only the slow reply may meet the timeout; a short one elsewhere
			// would turn other cases into timeouts on a loaded machine.
			timeout := 10 * time.Second
			if tt.want == alttext.ErrTimeout {
				timeout = 300 * time.Millisecond
			}
			srv, c, _ := setup(t, func(cfg *alttext.Config) { cfg.Timeout = timeout })
			srv.Enqueue(tt.reply)
			img := smallPNG(t)
			start := time.Now()
			d, err := c.Describe(context.Background(), "a", img, "image/png")
			if elapsed := time.Since(start); elapsed > 3*time.Second {
				t.Fatalf("took %v", elapsed)
			}
			if !errors.Is(err, tt.want) || d.Text != "" {
				t.Fatalf("got %q, %v; want %v", d.Text, err, tt.want)
			}
			var e *alttext.Error
			if !errors.As(err, &e) || e.Kind != tt.want {
				t.Fatalf("not an *Error of kind %v: %#v", tt.want, err)
			}
			if got, _ := alttext.RetryAfter(err); got != tt.retry {
				t.Fatalf("retry after %v, want %v", got, tt.retry)
			}
			if alttext.Message(err) == "" {
				t.Fatal("no message for the artist")
			}
			if srv.Count() != tt.wantCount {
				t.Fatalf("%d requests", srv.Count())
			}
			if v := srv.Violations(); len(v) > 0 {
				t.Fatal(v)
			}
			if used, _ := c.Usage(); used != tt.wantCount {
				t.Fatalf("usage %d, want %d (sent requests count)", used, tt.wantCount)
			}
		})
	}
}

func TestShapeViolationIsUpstreamError(t *testing.T) {
	srv := alttexttest.NewServer(t, alttexttest.Config{Model: "expected-model", MaxTokens: 300})
	c, err := alttext.New(alttext.Config{BaseURL: srv.BaseURL(), Model: "other-model"}, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Describe(context.Background(), "a", smallPNG(t), "image/png")
	if !errors.Is(err, alttext.ErrUpstream) || !strings.Contains(err.Error(), "400") {
		t.Fatalf("got %v", err)
	}
	if v := srv.Violations(); len(v) != 1 || !strings.Contains(v[0], "model") {
		t.Fatalf("violations %v", v)
	}
}

func TestNothingSentWhenDisabledOrImageBad(t *testing.T) {
	srv, c, _ := setup(t, nil)
	if _, err := c.Describe(context.Background(), "a", []byte("GIF89a-but-not-really"), "image/gif"); !errors.Is(err, alttext.ErrUnsupportedImage) {
		t.Fatalf("got %v", err)
	}
	off, err := alttext.New(alttext.Config{BaseURL: srv.BaseURL()}, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if off.Enabled() {
		t.Fatal("enabled without a model")
	}
	if _, err := off.Describe(context.Background(), "a", smallPNG(t), "image/png"); !errors.Is(err, alttext.ErrDisabled) {
		t.Fatalf("got %v", err)
	}
	if srv.Count() != 0 {
		t.Fatalf("%d requests", srv.Count())
	}
	if used, _ := c.Usage(); used != 0 {
		t.Fatalf("usage %d for a request never sent", used)
	}
}

func TestUnreachableEndpointNotCounted(t *testing.T) {
	srv, c, _ := setup(t, nil)
	srv.Close()
	_, err := c.Describe(context.Background(), "a", smallPNG(t), "image/png")
	if !errors.Is(err, alttext.ErrUpstream) {
		t.Fatalf("got %v", err)
	}
	if used, _ := c.Usage(); used != 0 {
		t.Fatalf("usage %d, want 0: the request never left", used)
	}
}

func TestDailyBudget(t *testing.T) {
	srv, c, clock := setup(t, func(cfg *alttext.Config) { cfg.DailyBudget = 3; cfg.PerArtistPerHour = -1 })
	for i := range 3 {
		if _, err := c.Describe(context.Background(), "a", smallPNG(t), "image/png"); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	_, err := c.Describe(context.Background(), "b", smallPNG(t), "image/png")
	if !errors.Is(err, alttext.ErrBudgetExhausted) {
		t.Fatalf("got %v", err)
	}
	if d, _ := alttext.RetryAfter(err); d != 12*time.Hour {
		t.Fatalf("retry after %v, want 12h to UTC midnight", d)
	}
	if srv.Count() != 3 {
		t.Fatalf("%d requests", srv.Count())
	}
	clock.Advance(12 * time.Hour)
	if _, err := c.Describe(context.Background(), "b", smallPNG(t), "image/png"); err != nil {
		t.Fatalf("next UTC day: %v", err)
	}
}

func TestPerArtistRateLimit(t *testing.T) {
	srv, c, clock := setup(t, func(cfg *alttext.Config) { cfg.PerArtistPerHour = 2 })
	for range 2 {
		if _, err := c.Describe(context.Background(), "alice", smallPNG(t), "image/png"); err != nil {
			t.Fatal(err)
		}
		clock.Advance(5 * time.Minute)
	}
	_, err := c.Describe(context.Background(), "alice", smallPNG(t), "image/png")
	if !errors.Is(err, alttext.ErrArtistRateLimited) {
		t.Fatalf("got %v", err)
	}
	if d, _ := alttext.RetryAfter(err); d != 50*time.Minute {
		t.Fatalf("retry after %v, want 50m", d)
	}
	if !strings.Contains(alttext.Message(err), "50 minutes") {
		t.Fatalf("message %q", alttext.Message(err))
	}
	if _, err := c.Describe(context.Background(), "bob", smallPNG(t), "image/png"); err != nil {
		t.Fatalf("bob: %v", err)
	}
	clock.Advance(51 * time.Minute)
	if _, err := c.Describe(context.Background(), "alice", smallPNG(t), "image/png"); err != nil {
		t.Fatalf("alice after the hour: %v", err)
	}
	if srv.Count() != 4 {
		t.Fatalf("%d requests", srv.Count())
	}
}

func TestBudgetUnderConcurrency(t *testing.T) {
	srv, c, _ := setup(t, func(cfg *alttext.Config) { cfg.DailyBudget = 5; cfg.PerArtistPerHour = -1 })
	img := smallPNG(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, exhausted := 0, 0
	for i := range 16 {
		wg.Go(func() {
			_, err := c.Describe(context.Background(), string(rune('a'+i)), img, "image/png")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, alttext.ErrBudgetExhausted):
				exhausted++
			default:
				t.Errorf("unexpected %v", err)
			}
		})
	}
	wg.Wait()
	if ok != 5 || exhausted != 11 || srv.Count() != 5 {
		t.Fatalf("ok %d, exhausted %d, requests %d", ok, exhausted, srv.Count())
	}
}

func TestLargeImageIsDownscaled(t *testing.T) {
	// The timeout covers image preparation, which is slow under -race on a
	// busy machine.
	srv, c, _ := setup(t, func(cfg *alttext.Config) { cfg.Timeout = 30 * time.Second })
	big := alttext.MakePNG(t, 2000, 1500, 255)
	if _, err := c.Describe(context.Background(), "a", big, "image/png"); err != nil {
		t.Fatal(err)
	}
	r := srv.Requests()[0]
	if r.ImageWidth != 512 || r.ImageHeight != 384 || r.ImageMediaType != "image/jpeg" {
		t.Fatalf("sent %dx%d %s", r.ImageWidth, r.ImageHeight, r.ImageMediaType)
	}
	if len(r.Body) > 200<<10 {
		t.Fatalf("request body %d bytes", len(r.Body))
	}
	if strings.Contains(string(r.Body), "http") && strings.Contains(string(r.Body), "cdn.discordapp") {
		t.Fatal("a URL was sent")
	}
}

func TestTransparentImageSentAsPNG(t *testing.T) {
	srv, c, _ := setup(t, func(cfg *alttext.Config) { cfg.Timeout = 30 * time.Second })
	if _, err := c.Describe(context.Background(), "a", alttext.MakePNG(t, 700, 300, 0), "image/png"); err != nil {
		t.Fatal(err)
	}
	if r := srv.Requests()[0]; r.ImageMediaType != "image/png" || r.ImageWidth != 512 {
		t.Fatalf("sent %dx%d %s", r.ImageWidth, r.ImageHeight, r.ImageMediaType)
	}
}

func TestLongDraftIsCapped(t *testing.T) {
	srv, c, _ := setup(t, nil)
	long := strings.Repeat("Soft pastel clouds drift over a quiet harbour. ", 60) // ~2,800 runes
	srv.Enqueue(alttexttest.Draft(long))
	d, err := c.Describe(context.Background(), "a", smallPNG(t), "image/png")
	if err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(d.Text); n > alttext.MaxTextRunes || n < alttext.MaxTextRunes-30 {
		t.Fatalf("%d runes", n)
	}
	if !d.Capped || !strings.HasPrefix(d.Text, alttext.DefaultLabel) || !strings.HasSuffix(d.Text, "…") {
		t.Fatalf("draft %+v", d)
	}
	if d.Description != strings.TrimSpace(long) {
		t.Fatal("Description should hold the whole cleaned answer")
	}
}

func TestCallerCancel(t *testing.T) {
	srv, c, _ := setup(t, func(cfg *alttext.Config) { cfg.Timeout = 5 * time.Second })
	srv.Enqueue(alttexttest.Slow(10*time.Second, "late"))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Describe(ctx, "a", smallPNG(t), "image/png")
	if !errors.Is(err, context.Canceled) || time.Since(start) > 2*time.Second {
		t.Fatalf("got %v after %v", err, time.Since(start))
	}
}

func TestInvalidConfig(t *testing.T) {
	for _, cfg := range []alttext.Config{
		{BaseURL: "ftp://example.org/v1", Model: "m"},
		{BaseURL: "localhost:11434", Model: "m"},
		{BaseURL: "http://example.org/v1?x=1", Model: "m"},
		{Model: "m", MaxTokens: -1},
		{Model: "m", Timeout: -time.Second},
		{Model: "m", Label: strings.Repeat("x", 101)},
	} {
		if _, err := alttext.New(cfg, nil, nil, nil); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
	c, err := alttext.New(alttext.Config{Model: "m"}, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := c.Config()
	if got.BaseURL != alttext.DefaultBaseURL || got.MaxTokens != 300 || got.Timeout != 30*time.Second ||
		got.Label != alttext.DefaultLabel || got.Prompt != alttext.DefaultPrompt ||
		got.DailyBudget != alttext.DefaultDailyBudget || got.PerArtistPerHour != alttext.DefaultPerArtistPerHour {
		t.Fatalf("defaults %+v", got)
	}
}
