package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/artbridge/artbridge/discord/relay"
	"github.com/artbridge/artbridge/discord/relay/filter"
)

const relayUsage = `usage:
  artbridge relay [serve] [--config FILE]
  artbridge relay filter-test --criteria FILE.json --dispatches FILE.jsonl`

// runRelay runs `artbridge relay serve` (the default) or `artbridge relay filter-test`.
func runRelay(ctx context.Context, args []string, env Env) error {
	sub, rest := "serve", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, rest = args[0], args[1:]
	}
	switch sub {
	case "serve":
		return runRelayServe(ctx, rest, env)
	case "filter-test":
		return runRelayFilterTest(rest, env)
	default:
		return usageError{fmt.Errorf("unknown relay command %q\n%s", sub, relayUsage)}
	}
}

// runRelayFilterTest prints true or false for each dispatch line.
func runRelayFilterTest(args []string, env Env) error {
	fs := newFlagSet("relay filter-test", env)
	criteriaPath := fs.String("criteria", "", "JSON file with the filter criteria")
	dispatchesPath := fs.String("dispatches", "", "JSON Lines file with one gateway dispatch per line (- for stdin)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *criteriaPath == "" || *dispatchesPath == "" || fs.NArg() != 0 {
		return usageError{errors.New(relayUsage)}
	}
	criteria, err := os.ReadFile(*criteriaPath)
	if err != nil {
		return usageError{fmt.Errorf("criteria: %w", err)}
	}
	in := os.Stdin
	if *dispatchesPath != "-" {
		f, err := os.Open(*dispatchesPath)
		if err != nil {
			return usageError{fmt.Errorf("dispatches: %w", err)}
		}
		defer f.Close()
		in = f
	}
	if err := filter.RunFilterTest(criteria, in, env.Stdout, env.Stderr); err != nil {
		if errors.Is(err, filter.ErrInvalidCriteria) {
			return usageError{fmt.Errorf("%s: %w", *criteriaPath, err)}
		}
		return err
	}
	return nil
}

// runRelayServe runs the gateway relay and its registration API until ctx ends.
func runRelayServe(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("relay serve", env)
	configPath := fs.String("config", "", "path of artbridge.toml (optional)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{errors.New(relayUsage)}
	}
	inst, err := openInstance(ctx, *configPath, env)
	if err != nil {
		return err
	}
	defer inst.db.Close()
	log := inst.log.With("component", "relay")
	keyPath := filepath.Join(inst.cfg.DataDir, relay.KeyFileName)
	sealer, created, err := relay.LoadOrCreateKey(keyPath)
	if err != nil {
		return err
	}
	if created {
		log.Info("generated the relay key (back it up with the database: tokens are sealed with it)", "path", keyPath)
	}
	rc := inst.cfg.Relay
	if rc.RegistrationKey == "" {
		log.Warn("relay.registration_key is empty: no new relay can be registered")
	}
	svc, err := relay.New(relay.Config{
		APIBaseURL:            inst.cfg.Discord.APIBaseURL,
		RegistrationKey:       rc.RegistrationKey,
		MaxRelays:             rc.MaxRelays,
		QueueSize:             rc.QueueSize,
		AllowInsecureWS:       rc.AllowInsecureWS,
		AllowPrivateAddresses: inst.cfg.Federation.AllowPrivateAddresses,
	}, inst.db, sealer, log)
	if err != nil {
		return usageError{err}
	}
	ln := env.Listener
	if ln == nil {
		ln, err = net.Listen("tcp", rc.Listen)
		if err != nil {
			return fmt.Errorf("relay listen: %w", err)
		}
	}
	srv := &http.Server{
		Handler:           svc.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if err := svc.Start(ctx); err != nil {
		ln.Close()
		return err
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("relay serving", "addr", ln.Addr().String(), "max_relays", rc.MaxRelays, "queue_size", rc.QueueSize)
	if env.Ready != nil {
		env.Ready(ln.Addr().String())
	}
	var runErr error
	select {
	case <-ctx.Done():
		log.Info("relay shutting down")
	case runErr = <-serveErr:
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("relay http shutdown", "err", err)
	}
	if runErr == nil {
		<-serveErr
	}
	if err := svc.Close(shutdownCtx); err != nil {
		log.Warn("relay shutdown", "err", err)
	}
	if errors.Is(runErr, http.ErrServerClosed) {
		runErr = nil
	}
	return runErr
}
