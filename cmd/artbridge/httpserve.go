package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// component is what runHTTP starts before serving and stops after.
type component interface {
	start(ctx context.Context) error
	close(ctx context.Context) error
}

// httpService describes one HTTP server run by runHTTP.
type httpService struct {
	name     string // for logs: "artbridge", "relay"
	listen   string // used unless env.Listener is set
	handler  http.Handler
	maxHdr   int
	writeTTL time.Duration
	parts    component
	logAttrs []any
	onReady  func() // after start, before env.Ready
}

// runHTTP listens, starts the components, serves until ctx ends, then shuts
// down in order: HTTP (in-flight requests finish), components (workers), and
// returns so the caller closes the database.
func runHTTP(ctx context.Context, env Env, log *slog.Logger, h httpService) error {
	ln := env.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", h.listen); err != nil {
			return fmt.Errorf("%s listen: %w", h.name, err)
		}
	}
	srv := &http.Server{
		Handler:           h.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      h.writeTTL,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    h.maxHdr,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if err := h.parts.start(ctx); err != nil {
		ln.Close()
		return err
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info(h.name+" serving", append([]any{"addr", ln.Addr().String()}, h.logAttrs...)...)
	if h.onReady != nil {
		h.onReady()
	}
	if env.Ready != nil {
		env.Ready(ln.Addr().String())
	}
	var runErr error
	select {
	case <-ctx.Done():
		log.Info(h.name + " shutting down")
	case runErr = <-serveErr:
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn(h.name+" http shutdown", "err", err)
	}
	if runErr == nil {
		<-serveErr
	}
	if err := h.parts.close(shutdownCtx); err != nil {
		log.Warn(h.name+" workers shutdown", "err", err)
	}
	if errors.Is(runErr, http.ErrServerClosed) {
		runErr = nil
	}
	return runErr
}
