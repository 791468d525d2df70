package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/artbridge/artbridge/ap"
	"github.com/artbridge/artbridge/netguard"
	"github.com/artbridge/artbridge/storage"
)

func newLogger(env Env, level string) (*slog.Logger, *slog.LevelVar) {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	lv := new(slog.LevelVar)
	lv.Set(l)
	return slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: lv})), lv
}

// instance is a configured artbridge with its database open: what serve runs
// and what the operator commands share.
type instance struct {
	cfg   Config
	log   *slog.Logger
	db    *storage.DB
	ap    *ap.Service
	guard netguard.Policy
	// level is the logger's level, changed by SIGHUP (reload.go).
	level *slog.LevelVar
}

// openInstance loads the config, opens the data directory and builds the
// ActivityPub service (not started).
func openInstance(ctx context.Context, configPath string, env Env) (*instance, error) {
	cfg, err := resolveConfig(configPath, env)
	if err != nil {
		return nil, err
	}
	return openConfigured(ctx, cfg, env)
}

// openConfigured opens the data directory of a loaded config and builds the
// ActivityPub service (not started). It refuses a data directory owned by
// another user, and makes its files owner-only.
func openConfigured(ctx context.Context, cfg Config, env Env) (*instance, error) {
	log, level := newLogger(env, cfg.LogLevel)
	if err := checkDataDirOwner(cfg.DataDir); err != nil {
		return nil, usageError{err}
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data_dir: %w", err)
	}
	if err := storage.SecureDataDir(cfg.DataDir, []string{"media"}); err != nil {
		return nil, fmt.Errorf("data_dir: %w", err)
	}
	db, err := storage.Open(ctx, filepath.Join(cfg.DataDir, "artbridge.db"))
	if err != nil {
		return nil, err
	}
	key, generated, err := loadOrCreateKey(filepath.Join(cfg.DataDir, "actor_key.pem"))
	if err != nil {
		db.Close()
		return nil, err
	}
	if generated {
		log.Info("generated the actor's RSA key", "path", filepath.Join(cfg.DataDir, "actor_key.pem"))
	}
	guard := netguard.Policy{AllowPrivate: cfg.Federation.AllowPrivateAddresses}
	client := guard.Client(5*time.Second, 30*time.Second)
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 3 {
			return errors.New("too many redirects")
		}
		return nil
	}
	tuneOutgoing(client, cfg, cfg.apDelivery())
	svc, err := ap.New(ap.Config{
		BaseURL:        cfg.BaseURL,
		Username:       cfg.Actor.Username,
		DisplayName:    cfg.Actor.DisplayName,
		Summary:        cfg.Actor.Summary,
		IconURL:        cfg.Actor.IconURL,
		Key:            key,
		Software:       "artbridge",
		Version:        version,
		BlockedDomains: cfg.Federation.BlockedDomains,
		Delivery:       cfg.apDelivery(),
		InboundLimit:   ap.RateLimit{PerMinute: cfg.Federation.InboundPerMinute, Burst: cfg.Federation.InboundBurst},
		FollowLimit:    ap.RateLimit{PerMinute: cfg.Federation.FollowsPerMinute, Burst: cfg.Federation.FollowsBurst},
		Instance: ap.InstanceInfo{
			Contact: cfg.Instance.Contact, Rules: cfg.Instance.Rules, DefaultLicense: cfg.Instance.DefaultLicense,
			AITrainingAllowed: !cfg.Instance.AIReservation, TDMPolicy: cfg.Instance.TDMPolicy,
		},
	}, db, nil, client, log, time.Now)
	if err != nil {
		db.Close()
		return nil, usageError{err}
	}
	return &instance{cfg: cfg, log: log, db: db, ap: svc, guard: guard, level: level}, nil
}

func runServe(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("serve", env)
	configPath := fs.String("config", "", "path of artbridge.toml (optional)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	inst, err := openInstance(ctx, *configPath, env)
	if err != nil {
		return err
	}
	defer inst.db.Close()
	tuneGC(env.Getenv)
	tuneMalloc(env.Getenv)
	return inst.serve(ctx, env)
}

// serve runs until ctx ends, then shuts down in order: HTTP, workers, database.
func (inst *instance) serve(ctx context.Context, env Env) error {
	log := inst.log
	if inst.cfg.Discord.Token == "" {
		if inst.cfg.given["discord"] {
			log.Warn("Discord is off: the [discord] section has no token (set discord.token or ARTBRIDGE_DISCORD_TOKEN)")
		} else {
			log.Info("Discord is off (no [discord] token)")
		}
	}
	app, err := newApp(ctx, inst, env)
	if err != nil {
		return err
	}
	return runHTTP(ctx, env, log, httpService{
		name:     "artbridge",
		listen:   inst.cfg.Listen,
		handler:  app.handler(),
		maxHdr:   64 << 10,
		writeTTL: 60 * time.Second,
		parts:    app,
		logAttrs: []any{"base_url", inst.cfg.BaseURL, "actor", "@" + inst.cfg.Actor.Username + "@" +
			strings.TrimPrefix(strings.TrimPrefix(inst.cfg.BaseURL, "https://"), "http://"), "version", version},
		onReady: func() {
			if env.started != nil {
				env.started(app)
			}
		},
	})
}

func runBackup(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("backup", env)
	configPath := fs.String("config", "", "path of artbridge.toml (optional)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{errors.New("usage: artbridge backup [--config FILE] PATH")}
	}
	dest := fs.Arg(0)
	if _, err := os.Stat(dest); err == nil {
		return usageError{fmt.Errorf("%s already exists", dest)}
	}
	inst, err := openInstance(ctx, *configPath, env)
	if err != nil {
		return err
	}
	defer inst.db.Close()
	if err := inst.db.Backup(ctx, dest); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "backup written to %s (copy %s too: it is the actor's key)\n", dest,
		filepath.Join(inst.cfg.DataDir, "actor_key.pem"))
	return nil
}
