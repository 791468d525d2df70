package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/artbridge/artbridge/discord/relay"
	"github.com/artbridge/artbridge/discord/relay/filter"
)

const relayUsage = `usage:
  artbridge relay [serve] [--config FILE]                                   run the relay and its registration API
  artbridge relay filter-test --criteria FILE.json --dispatches FILE.jsonl  print true/false per dispatch line

artbridge relay SUBCOMMAND --help shows a subcommand's flags.`

// runRelay runs `artbridge relay serve` (the default) or `artbridge relay filter-test`.
func runRelay(ctx context.Context, args []string, env Env) error {
	sub, rest := "serve", args
	if len(args) > 0 && isHelpArg(args[0]) {
		return showHelp(env, relayUsage)
	}
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
		return usageError{usageText(relayUsage)}
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
		return usageError{usageText(relayUsage)}
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
	return runHTTP(ctx, env, log, httpService{
		name:     "relay",
		listen:   rc.Listen,
		handler:  svc.Handler(),
		maxHdr:   16 << 10,
		writeTTL: 30 * time.Second,
		parts:    relayParts{svc},
		logAttrs: []any{"max_relays", rc.MaxRelays, "queue_size", rc.QueueSize},
	})
}

// relayParts adapts the relay service to runHTTP.
type relayParts struct{ svc *relay.Service }

func (r relayParts) start(ctx context.Context) error { return r.svc.Start(ctx) }
func (r relayParts) close(ctx context.Context) error { return r.svc.Close(ctx) }
