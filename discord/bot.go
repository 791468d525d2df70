package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/artbridge/artbridge/netguard"
)

// Intents is what the Bot asks the gateway for: guild and thread events, guild
// and direct messages, and message content (a privileged intent to enable in the
// developer portal).
const Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages |
	discordgo.IntentsMessageContent | discordgo.IntentsDirectMessages

// handlerTimeout bounds one handler call: an interaction token lives 15 minutes.
const handlerTimeout = 14 * time.Minute

// Bot is artbridge's Discord side: one gateway session, the intake of art-forum
// threads, the panel interactions and the outbound operations.
type Bot struct {
	cfg       Config
	h         Handler
	log       *slog.Logger
	clock     func() time.Time
	session   *discordgo.Session
	forums    map[string]bool
	download  *http.Client // attachments (Discord's CDN)
	links     *http.Client // images artists link: public addresses only
	publicKey ed25519.PublicKey
	replays   *replayGuard // HTTP interaction IDs seen in the freshness window

	ctx    context.Context // lifetime of handler goroutines; cancelled by Close
	cancel context.CancelFunc

	mu       sync.Mutex
	started  bool
	closed   bool
	wg       sync.WaitGroup
	threads  map[string]string // art-forum thread ID → forum ID, as seen
	removers []func()

	disconnected chan struct{}
	connected    atomic.Bool
	ready        chan struct{} // closed at the first successful connection
	readyOnce    sync.Once
}

// New builds a Bot. It validates cfg (after defaults) and prepares the session
// but does not connect: call Start. clock may be nil (time.Now).
func New(cfg Config, h Handler, logger *slog.Logger, clock func() time.Time) (*Bot, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if h == nil {
		return nil, errors.New("discord: nil Handler")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if clock == nil {
		clock = time.Now
	}
	s, err := NewSession(SessionConfig{
		Token:                 cfg.Token,
		APIBaseURL:            cfg.APIBaseURL,
		AllowPrivateAddresses: cfg.AllowPrivateAddresses,
		Intents:               Intents,
		StateEnabled:          true,
		HTTPTimeout:           cfg.HTTPTimeout,
	})
	if err != nil {
		return nil, err
	}
	b := &Bot{
		cfg:          cfg,
		h:            h,
		log:          logger.With("component", "discord"),
		clock:        clock,
		session:      s,
		forums:       map[string]bool{},
		threads:      map[string]string{},
		disconnected: make(chan struct{}, 1),
		ready:        make(chan struct{}),
		replays:      newReplayGuard(maxRememberedInteractions),
	}
	for _, f := range cfg.ArtForums {
		b.forums[f] = true
	}
	b.download = &http.Client{
		Transport: netguard.Policy{AllowPrivate: cfg.AllowPrivateAddresses}.Transport(10 * time.Second),
		Timeout:   2 * time.Minute,
		CheckRedirect: func(_ *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("discord: too many redirects")
			}
			return nil
		},
	}
	b.links = newLinkClient()
	if cfg.PublicKey != "" {
		k, err := hex.DecodeString(cfg.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("discord.public_key: %w", err)
		}
		b.publicKey = ed25519.PublicKey(k)
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	return b, nil
}

// Session exposes the underlying discordgo session (read-only use: tests, diagnostics).
func (b *Bot) Session() *discordgo.Session { return b.session }

// Start registers the event handlers and connects in the background. It returns
// at once: while Discord is unreachable the Bot keeps retrying with exponential
// backoff and jitter, and it reconnects (resuming the session) whenever the
// gateway connection drops. ctx is only read for its values; Close stops the Bot.
func (b *Bot) Start(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return errors.New("discord: Start after Close")
	}
	if b.started {
		return errors.New("discord: already started")
	}
	b.started = true
	b.removers = append(b.removers,
		b.session.AddHandler(b.onThreadCreate),
		b.session.AddHandler(b.onMessageUpdate),
		b.session.AddHandler(b.onThreadDelete),
		b.session.AddHandler(b.onInteractionCreate),
		b.session.AddHandler(b.onDisconnect),
		b.session.AddHandler(b.onReady),
	)
	_ = ctx
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		b.run(b.ctx)
	}()
	return nil
}

// Ready is closed once the Bot has connected to the gateway for the first time.
func (b *Bot) Ready() <-chan struct{} { return b.ready }

// Connected reports whether the gateway connection is currently up.
func (b *Bot) Connected() bool { return b.connected.Load() }

// Close stops reconnecting, waits for running handlers (bounded by ctx) and
// closes the gateway connection.
func (b *Bot) Close(ctx context.Context) error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	removers := b.removers
	b.removers = nil
	b.mu.Unlock()

	b.cancel()
	for _, r := range removers {
		r()
	}
	done := make(chan struct{})
	go func() {
		b.wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("discord: waiting for handlers: %w", ctx.Err())
	}
	if cerr := b.session.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("discord: closing gateway: %w", cerr))
	}
	b.connected.Store(false)
	b.download.CloseIdleConnections()
	b.links.CloseIdleConnections()
	return err
}

// spawn runs fn in a goroutine owned by the Bot, unless the Bot is closing.
func (b *Bot) spawn(fn func(ctx context.Context)) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		fn(b.ctx)
	}()
	return true
}

// run connects, waits for a disconnection, and connects again, with backoff
// between failed attempts, until ctx ends.
func (b *Bot) run(ctx context.Context) {
	failures := 0
	registered := false
	for ctx.Err() == nil {
		err := b.session.Open()
		if err != nil && !errors.Is(err, discordgo.ErrWSAlreadyOpen) {
			failures++
			wait := backoff(failures, b.cfg.ReconnectMin, b.cfg.ReconnectMax)
			b.log.Warn("discord gateway unreachable; retrying", "err", err, "attempt", failures, "wait", wait)
			if !sleepCtx(ctx, wait) {
				return
			}
			continue
		}
		if failures > 0 || !registered {
			b.log.Info("discord gateway connected", "after_failures", failures)
		}
		failures = 0
		b.connected.Store(true)
		b.readyOnce.Do(func() { close(b.ready) })
		if !registered {
			if err := b.registerCommands(ctx); err != nil {
				b.log.Error("registering /delete_fedi failed; will retry at the next connection", "err", err)
			} else {
				registered = true
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-b.disconnected:
			b.connected.Store(false)
			b.log.Warn("discord gateway disconnected; reconnecting")
		}
	}
}

// onDisconnect signals run that the gateway connection is gone.
func (b *Bot) onDisconnect(_ *discordgo.Session, _ *discordgo.Disconnect) {
	select {
	case b.disconnected <- struct{}{}:
	default:
	}
}

// onReady logs the identity the gateway reports.
func (b *Bot) onReady(_ *discordgo.Session, r *discordgo.Ready) {
	name := ""
	if r.User != nil {
		name = r.User.Username
	}
	b.log.Info("discord session ready", "user", name, "guilds", len(r.Guilds))
}

// backoff is the wait before attempt n (n ≥ 1): exponential from lo, capped at
// hi, with jitter over the upper half.
func backoff(n int, lo, hi time.Duration) time.Duration {
	d := lo
	for i := 1; i < n && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	half := d / 2
	return half + rand.N(half+1)
}

// sleepCtx waits d or until ctx ends; it reports whether the full wait elapsed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// guard runs fn, turning a panic into a logged error; it reports whether fn
// returned normally.
func (b *Bot) guard(what string, fn func()) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			b.log.Error("discord handler panicked", "in", what, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			ok = false
		}
	}()
	fn()
	return true
}
