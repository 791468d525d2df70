package main

import (
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// logLevelReloader reads log_level from the config file again on SIGHUP (the
// moderation rules reload on the same signal, in rulesReloader). A config that
// no longer validates is refused and the level stays.
type logLevelReloader struct {
	path  string
	env   Env
	level *slog.LevelVar
	log   *slog.Logger
	sig   chan os.Signal
	done  chan struct{}
}

func startLogLevelReloader(inst *instance, env Env) *logLevelReloader {
	r := &logLevelReloader{path: inst.cfg.path, env: env, level: inst.level, log: inst.log,
		sig: make(chan os.Signal, 1), done: make(chan struct{})}
	signal.Notify(r.sig, syscall.SIGHUP)
	go func() {
		defer close(r.done)
		for range r.sig {
			r.reload()
		}
	}()
	return r
}

func (r *logLevelReloader) reload() {
	if r.path == "" || r.level == nil {
		return
	}
	cfg, err := loadConfig(r.path, r.env.Getenv)
	if err != nil {
		r.log.Error("SIGHUP: config not reloaded; log_level stays", "err", err)
		return
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return
	}
	if l != r.level.Level() {
		r.level.Set(l)
		r.log.Info("SIGHUP: log level changed", "log_level", cfg.LogLevel)
	}
}

func (r *logLevelReloader) stop() {
	if r == nil {
		return
	}
	signal.Stop(r.sig)
	close(r.sig)
	<-r.done
}
