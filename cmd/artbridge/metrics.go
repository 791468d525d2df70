package main

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/artbridge/artbridge/storage"
)

// observability is the server's Prometheus registry: counters fed by the
// HTTP stack, and gauges read from the database at each scrape (so they are
// right after a restart and cost nothing between scrapes).
type observability struct {
	reg           *prometheus.Registry
	inboxRequests *prometheus.CounterVec
}

// inboxStatuses are the answers of an inbox, initialised so that every one
// shows from the first scrape.
var inboxStatuses = [...]int{200, 202, 400, 401, 403, 404, 405, 410, 413, 415, 429, 500, 503}

func newObservability(a *app) *observability {
	o := &observability{reg: prometheus.NewRegistry()}
	o.inboxRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "artbridge_inbox_requests_total",
		Help: "POST requests to the inboxes, by HTTP status of the answer.",
	}, []string{"status"})
	for _, code := range inboxStatuses {
		o.inboxRequests.WithLabelValues(strconv.Itoa(code))
	}
	o.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		o.inboxRequests,
		&statusCollector{a: a},
	)
	return o
}

// instrument counts the inbox requests that h answers.
func (o *observability) instrument(inboxPaths []string, h http.Handler) http.Handler {
	inbox := map[string]bool{}
	for _, p := range inboxPaths {
		inbox[p] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !inbox[r.URL.Path] {
			h.ServeHTTP(w, r)
			return
		}
		sw := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		o.inboxRequests.WithLabelValues(strconv.Itoa(sw.status)).Inc()
	})
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Descriptions of the families read from the database at scrape time.
var (
	descDeliveries = prometheus.NewDesc("artbridge_deliveries_total",
		"Deliveries that ended, by outcome: delivered, failed (gave up or refused), cancelled (by a takedown). "+
			"Counted from the database, which keeps every delivery.", []string{"outcome"}, nil)
	descQueueDepth = prometheus.NewDesc("artbridge_delivery_queue_depth",
		"Deliveries waiting to be sent (queued).", nil, nil)
	descQueueOldest = prometheus.NewDesc("artbridge_delivery_queue_oldest_age_seconds",
		"Age of the oldest queued delivery (0 when the queue is empty).", nil, nil)
	descFailingHosts = prometheus.NewDesc("artbridge_delivery_failing_hosts",
		"Hosts with queued deliveries that failed at least once (backing off or behind an open breaker).", nil, nil)
	descFollowers = prometheus.NewDesc("artbridge_followers", "Followers of the actor.", nil, nil)
	descPosts     = prometheus.NewDesc("artbridge_posts", "Posts, by state.", []string{"state"}, nil)
	descReports   = prometheus.NewDesc("artbridge_moderation_reports_open",
		"Moderation reports not lifted, by the action taken.", []string{"action"}, nil)
	descInbound = prometheus.NewDesc("artbridge_inbound_activities_total",
		"Inbound activities accepted by the inbox, by type (counted from the database, which keeps them).", []string{"type"}, nil)
	descInboundPending = prometheus.NewDesc("artbridge_inbound_pending",
		"Inbound activities not processed yet.", nil, nil)
	descAltText = prometheus.NewDesc("artbridge_alttext_requests_24h",
		"AI alt-text requests of the last 24 hours (the daily budget counts these).", nil, nil)
	descDiscord = prometheus.NewDesc("artbridge_discord_connected",
		"1 while the Discord gateway is connected; 0 when disconnected or Discord is off.", []string{"enabled"}, nil)
	descStatusUp = prometheus.NewDesc("artbridge_status_up",
		"1 when the database answered the scrape's status queries.", nil, nil)
)

// inboundTypes are the inbound activity types shown from the first scrape.
var inboundTypes = [...]string{"Follow", "Undo", "Accept", "Reject", "Create", "Update", "Delete", "Like", "Announce", "Move", "Flag", "Block"}

// statusCollector reads storage.Status at each scrape.
type statusCollector struct{ a *app }

func (c *statusCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descDeliveries, descQueueDepth, descQueueOldest, descFailingHosts, descFollowers,
		descPosts, descReports, descInbound, descInboundPending, descAltText, descDiscord, descStatusUp} {
		ch <- d
	}
}

func (c *statusCollector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	enabled, connected := "false", 0.0
	if c.a.discord != nil {
		enabled = "true"
		if c.a.discord.bot.Connected() {
			connected = 1
		}
	}
	gauge(descDiscord, connected, enabled)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	now := time.Now()
	st, err := c.a.inst.db.Status(ctx, now)
	if err != nil {
		c.a.inst.log.Warn("metrics: status", "err", err)
		gauge(descStatusUp, 0)
		return
	}
	gauge(descStatusUp, 1)
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	for _, s := range storage.DeliveryStates {
		if s != "queued" {
			counter(descDeliveries, float64(st.Deliveries[s]), s)
		}
	}
	gauge(descQueueDepth, float64(st.Deliveries["queued"]))
	oldest := 0.0
	if !st.QueueOldest.IsZero() {
		oldest = now.Sub(st.QueueOldest).Seconds()
	}
	gauge(descQueueOldest, oldest)
	gauge(descFailingHosts, float64(len(st.FailingHosts)))
	gauge(descFollowers, float64(st.Followers))
	gauge(descPosts, float64(st.PostsLive), "live")
	gauge(descPosts, float64(st.PostsDeleted), "deleted")
	for _, a := range storage.ModerationActions {
		gauge(descReports, float64(st.ReportsOpen[a]), a)
	}
	seen := map[string]bool{}
	for _, t := range inboundTypes {
		seen[t] = true
		counter(descInbound, float64(st.Inbound[t]), t)
	}
	for t, n := range st.Inbound {
		if !seen[t] && len(t) <= 32 {
			counter(descInbound, float64(n), t)
		}
	}
	gauge(descInboundPending, float64(st.InboundPending))
	gauge(descAltText, float64(st.AltTextRequests))
}

// metricsServer serves /metrics and the admin page on [metrics] listen.
type metricsServer struct {
	srv  *http.Server
	done chan struct{}
}

// startMetrics listens on [metrics] listen. A port already taken is logged
// as an error and the server runs on without it: the federation must not stop
// because a monitoring port is busy (for example while the old process of a
// restart still holds it).
func startMetrics(ctx context.Context, a *app) *metricsServer {
	cfg := a.inst.cfg.Metrics
	if cfg.Listen == "" || cfg.Listen == "off" {
		return nil
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		a.inst.log.Error("metrics listener: not serving /metrics and the admin page", "listen", cfg.Listen, "err", err)
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.obs.reg, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(a.inst.log.Handler(), slog.LevelWarn), Timeout: 10 * time.Second,
	}))
	mux.HandleFunc("GET /admin", a.serveAdminPage)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/admin", http.StatusFound) })
	m := &metricsServer{done: make(chan struct{}), srv: &http.Server{
		Handler:           bearerOnly(cfg.Token, mux),
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      30 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(a.inst.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}}
	go func() {
		defer close(m.done)
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.inst.log.Warn("metrics listener", "err", err)
		}
	}()
	a.inst.log.Info("metrics serving", "addr", ln.Addr().String(), "token", cfg.Token != "")
	return m
}

func (m *metricsServer) close(ctx context.Context) error {
	if m == nil {
		return nil
	}
	err := m.srv.Shutdown(ctx)
	<-m.done
	return err
}

// bearerOnly requires "Authorization: Bearer TOKEN" when token is set.
func bearerOnly(token string, h http.Handler) http.Handler {
	if token == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="artbridge metrics"`)
			http.Error(w, "a bearer token is required ([metrics] token)", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// serveHealth answers /healthz: the process is up.
func serveHealth(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// serveReady answers /readyz: 200 when the database is reachable and migrated.
func (a *app) serveReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := a.inst.db.Ready(ctx); err != nil {
		// The reason goes to the log only: this listener is public.
		a.inst.log.Warn("not ready", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("not ready: the database is unavailable (see the server log)\n"))
		return
	}
	w.Write([]byte("ready\n"))
}

// inboxPaths are the paths of the actor's inbox and the shared inbox.
func (a *app) inboxPaths() []string {
	var out []string
	for _, iri := range []string{a.inst.ap.InboxIRI(), a.inst.ap.SharedInboxIRI()} {
		out = append(out, strings.TrimPrefix(iri, a.inst.ap.BaseURL()))
	}
	return out
}
