package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/artbridge/artbridge/discord"
	"github.com/artbridge/artbridge/discord/relay/filter"
	"github.com/artbridge/artbridge/netguard"
)

// Service is the gateway relay: the registry of relays, their workers and
// the registration API.
type Service struct {
	cfg      Config
	store    Store
	sealer   *Sealer
	log      *slog.Logger
	guard    netguard.Policy
	dstHTTP  *http.Client
	identify *identifyLimiter
	// failedAlias and failedAddr count failed authentications.
	failedAlias *failureLimiter
	failedAddr  *failureLimiter

	// newSession makes a discordgo session for a bot (discord.NewSession
	// bound to the configured API base).
	newSession func(token string, intents int64) (*discordgo.Session, error)

	mu      sync.Mutex
	workers map[string]*worker
	busy    map[string]bool // aliases with a change in progress
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	started bool
	closed  bool
}

// New returns a relay service (not started).
func New(cfg Config, store Store, sealer *Sealer, log *slog.Logger) (*Service, error) {
	if store == nil || sealer == nil {
		return nil, errors.New("relay: store and sealer are required")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	s := &Service{
		cfg:         cfg,
		store:       store,
		sealer:      sealer,
		log:         log,
		guard:       netguard.Policy{AllowPrivate: cfg.AllowPrivateAddresses},
		identify:    newIdentifyLimiter(cfg.IdentifyInterval, cfg.IdentifySpacing, cfg.Now),
		failedAlias: newFailureLimiter(cfg.FailuresPerAlias, cfg.FailureWindow, cfg.Now),
		failedAddr:  newFailureLimiter(cfg.FailuresPerAddress, cfg.FailureWindow, cfg.Now),
		workers:     map[string]*worker{},
		busy:        map[string]bool{},
	}
	s.dstHTTP = dstClient(s.guard, cfg.DialTimeout)
	s.newSession = func(token string, intents int64) (*discordgo.Session, error) {
		return discord.NewSession(discord.SessionConfig{
			Token:                 token,
			APIBaseURL:            cfg.APIBaseURL,
			AllowPrivateAddresses: cfg.AllowPrivateAddresses,
			Intents:               discordgo.Intent(intents),
			StateEnabled:          false,
		})
	}
	return s, nil
}

// Start loads the registrations and starts a worker for each; they run until
// ctx ends or Close.
func (s *Service) Start(ctx context.Context) error {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return errors.New("relay: already started")
	}
	s.started = true
	s.ctx, s.cancel = context.WithCancel(ctx)
	s.mu.Unlock()
	regs, err := s.store.RelayRegistrations(ctx)
	if err != nil {
		return fmt.Errorf("relay: load registrations: %w", err)
	}
	for _, reg := range regs {
		w, err := s.workerFor(reg)
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.workers[reg.Alias] = w
		w.start(s.ctx)
		s.mu.Unlock()
	}
	s.wg.Add(1)
	go func() { defer s.wg.Done(); s.progressLoop(s.ctx) }()
	s.log.Info("relay started", "relays", len(regs))
	return nil
}

// workerFor opens a registration's secrets and compiles its criteria. A
// registration whose secrets do not open (the key file was replaced) is an
// error: starting without it would silently lose a bot.
func (s *Service) workerFor(reg Registration) (*worker, error) {
	tok, err := s.sealer.Open(PurposeToken, reg.Alias, reg.SealedToken)
	if err != nil {
		return nil, fmt.Errorf("relay %s: token: %w", reg.Alias, err)
	}
	sec, err := s.sealer.Open(PurposeClientSecret, reg.Alias, reg.SealedSecret)
	if err != nil {
		return nil, fmt.Errorf("relay %s: client secret: %w", reg.Alias, err)
	}
	f, cerr := filter.Compile(reg.Criteria)
	if cerr != nil && reg.DisabledReason == "" {
		reg.DisabledReason = criteriaReason(cerr)
	}
	return newWorker(s, reg, settings{token: string(tok), intents: reg.Intents, dst: reg.Dst, secret: string(sec),
		protocol: reg.Protocol}, f), nil
}

// criteriaReason is the disabled reason for a criteria error.
func criteriaReason(err error) string { return "criteria: " + err.Error() }

// Close stops every worker and saves delivery progress.
func (s *Service) Close(ctx context.Context) error {
	s.mu.Lock()
	if !s.started || s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.cancel()
	workers := make([]*worker, 0, len(s.workers))
	for _, w := range s.workers {
		workers = append(workers, w)
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		var wg sync.WaitGroup
		for _, w := range workers {
			wg.Add(1)
			go func() { defer wg.Done(); w.stop() }()
		}
		wg.Wait()
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("relay: close: %w", ctx.Err())
	}
	var errs []error
	for _, w := range workers {
		if err := w.saveProgress(ctx, true); err != nil {
			errs = append(errs, fmt.Errorf("relay %s: save progress: %w", w.alias, err))
		}
	}
	return errors.Join(errs...)
}

// progressLoop saves acknowledgements every ProgressInterval.
func (s *Service) progressLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.ProgressInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		workers := make([]*worker, 0, len(s.workers))
		for _, w := range s.workers {
			workers = append(workers, w)
		}
		s.mu.Unlock()
		for _, w := range workers {
			if err := w.saveProgress(ctx, false); err != nil && ctx.Err() == nil && !errors.Is(err, ErrNotFound) {
				s.log.Warn("relay: save progress", "relay", w.alias, "err", err)
			}
		}
	}
}

// worker returns the running worker of alias, if any.
func (s *Service) worker(alias string) *worker {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.workers[alias]
}
