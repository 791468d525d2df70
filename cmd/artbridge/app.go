package main

import (
	"context"
	"errors"
	"net/http"
)

// app is the running server: the services wired together.
type app struct {
	inst *instance
}

func newApp(ctx context.Context, inst *instance, env Env) (*app, error) {
	return &app{inst: inst}, nil
}

func (a *app) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", a.inst.ap.Handler())
	return mux
}

func (a *app) start(ctx context.Context) error {
	return a.inst.ap.Start(ctx)
}

func (a *app) close(ctx context.Context) error {
	return errors.Join(a.inst.ap.Close(ctx))
}

// extraCommands are the subcommands beyond serve, version and backup.
func extraCommands() map[string]func(context.Context, []string, Env) error {
	return map[string]func(context.Context, []string, Env) error{}
}
