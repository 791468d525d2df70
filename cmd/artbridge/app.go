package main

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"time"

	"github.com/artbridge/artbridge/bridge"
)

// app is the running server: the services wired together.
type app struct {
	inst    *instance
	bridge  *bridge.Service
	media   http.Handler
	discord *discordSide // nil without a Discord token
	// moderator is the inbound moderation pipeline; rules reloads its rules
	// on SIGHUP while the server runs.
	moderator *bridge.Moderator
	rules     *rulesReloader
	// admin is the owner-only Unix socket the CLI's state-changing commands
	// come through; adminMu runs them one at a time.
	admin   *adminSocket
	adminMu adminMutex
	// obs is the Prometheus registry; metrics serves it (and the admin page)
	// on [metrics] listen.
	obs     *observability
	metrics *metricsServer
	// levels reloads log_level on SIGHUP.
	levels *logLevelReloader
	env    Env
}

func newApp(ctx context.Context, inst *instance, env Env) (*app, error) {
	b := newBridge(inst)
	inst.ap.SetReceiver(b)
	ds, err := newDiscordSide(ctx, inst, b)
	if err != nil {
		return nil, err
	}
	var notifier bridge.ModeratorNotifier
	if ds != nil {
		notifier = ds.bot
	}
	mod, err := newModerator(inst, notifier)
	if err != nil {
		return nil, err
	}
	b.SetModerator(mod)
	a := &app{inst: inst, bridge: b, media: mediaHandler(filepath.Join(inst.cfg.DataDir, "media")), discord: ds,
		moderator: mod, env: env}
	a.obs = newObservability(a)
	return a, nil
}

// newBridge builds the bridge service of an instance.
func newBridge(inst *instance) *bridge.Service {
	tail := inst.cfg.Federation.PostTail
	if tail == "" {
		tail = inst.cfg.Discord.PostTail
	}
	return bridge.New(bridge.Config{
		MediaDir:      filepath.Join(inst.cfg.DataDir, "media"),
		MaxImageBytes: inst.cfg.Media.MaxBytes,
		MaxImages:     inst.cfg.Media.MaxImages,
		AcceptedTypes: inst.cfg.Discord.AcceptedTypes,
		PostTail:      tail,
	}, inst.ap, inst.db, inst.log, time.Now)
}

func (a *app) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /media/", a.inst.ap.WithAIReservation(http.StripPrefix("/media/", a.media)))
	a.discord.mount(mux)
	mux.Handle("/", a.inst.ap.Handler())
	mux.HandleFunc("GET /healthz", serveHealth)
	mux.HandleFunc("GET /readyz", a.serveReady)
	return a.obs.instrument(a.inboxPaths(), mux)
}

func (a *app) start(ctx context.Context) error {
	// The admin socket first: it refuses to start a second server on one data directory.
	admin, err := startAdminSocket(ctx, a)
	if err != nil {
		return err
	}
	a.admin = admin
	if err := a.inst.ap.Start(ctx); err != nil {
		a.admin.close(ctx)
		return err
	}
	// The Fediverse side serves even while Discord is unreachable: the bot
	// connects in the background and keeps retrying.
	if err := a.discord.start(ctx); err != nil {
		return err
	}
	a.rules = startRulesReloader(a.inst.cfg.Moderation.Rules, a.moderator, a.inst.log)
	a.metrics = startMetrics(ctx, a)
	a.levels = startLogLevelReloader(a.inst, a.env)
	return nil
}

// close stops the Discord side first (no new work), then the federation workers.
func (a *app) close(ctx context.Context) error {
	adminErr := errors.Join(a.admin.close(ctx), a.metrics.close(ctx))
	a.rules.stop()
	a.levels.stop()
	return errors.Join(adminErr, a.discord.close(ctx), a.inst.ap.Close(ctx))
}

// extraCommands are the subcommands beyond serve, version and backup.
func extraCommands() map[string]func(context.Context, []string, Env) error {
	return map[string]func(context.Context, []string, Env) error{
		"post":       runPost,
		"moderation": runModeration,
		"relay":      runRelay,
		"status":     runStatus,
	}
}
