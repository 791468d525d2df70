package discordtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// discordEpoch is the start of Discord's snowflake clock (2015-01-01, in ms).
const discordEpoch = 1420070400000

// Options configures a Server.
type Options struct {
	// HeartbeatInterval sent in Hello (default 1 s; keep it small in tests).
	HeartbeatInterval time.Duration
	// CDNTTL is how long signed attachment URLs stay valid (default 24 h).
	CDNTTL time.Duration
	// InteractionDeadline is how long after dispatch a callback is accepted
	// (default 3 s, as on Discord).
	InteractionDeadline time.Duration
}

// Server is a fake Discord. Create it with New; it closes itself at the end of
// the test.
type Server struct {
	t    testing.TB
	opts Options
	http *httptest.Server
	key  []byte // CDN signing key

	mu           sync.Mutex
	changed      chan struct{} // closed and replaced on every state change
	lastID       int64
	bots         map[string]*bot // by token
	users        map[string]*User
	guilds       map[string]string // id → name
	channels     map[string]*Channel
	order        []string // channel IDs in creation order
	messages     map[string][]*Message
	attachments  map[string]*Attachment // by ID
	proxied      map[string]*File       // media proxy copies of link previews, by ID
	interactions map[string]*Interaction
	commands     []*Command
	requests     []Request
	identifies   []Identify
	rateLimits   []*rateLimit
	down         bool
	refused      map[string]refusal // token → close code for every new identify or resume
	sessions     map[string]*gwSession
	conns        map[*gwConn]bool
	cdnTTL       time.Duration
	closed       bool
	wg           sync.WaitGroup
	closeCtx     context.Context
	closeCancel  context.CancelFunc
	httpClient   *http.Client
	wsURL        string
}

// bot is a registered application.
type bot struct {
	token    string
	appID    string
	user     User
	endpoint string // HTTP interactions URL, or "" for gateway delivery
	signKey  []byte // ed25519 private key for the endpoint
}

// refusal is a gateway close code the fake answers a bot's sessions with.
type refusal struct {
	code int
	text string
}

// New starts a fake Discord on 127.0.0.1 and registers its Close with t.Cleanup.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.HeartbeatInterval <= 0 {
		opts.HeartbeatInterval = time.Second
	}
	if opts.CDNTTL == 0 {
		opts.CDNTTL = 24 * time.Hour
	}
	if opts.InteractionDeadline <= 0 {
		opts.InteractionDeadline = 3 * time.Second
	}
	s := &Server{
		t:            t,
		opts:         opts,
		key:          make([]byte, 32),
		changed:      make(chan struct{}),
		lastID:       (time.Now().UnixMilli() - discordEpoch) << 22,
		bots:         map[string]*bot{},
		users:        map[string]*User{},
		guilds:       map[string]string{},
		channels:     map[string]*Channel{},
		messages:     map[string][]*Message{},
		attachments:  map[string]*Attachment{},
		proxied:      map[string]*File{},
		interactions: map[string]*Interaction{},
		sessions:     map[string]*gwSession{},
		conns:        map[*gwConn]bool{},
		cdnTTL:       opts.CDNTTL,
		httpClient:   &http.Client{Timeout: 10 * time.Second},
	}
	if _, err := rand.Read(s.key); err != nil {
		t.Fatalf("discordtest: %v", err)
	}
	s.closeCtx, s.closeCancel = context.WithCancel(context.Background())
	s.http = httptest.NewServer(s.routes())
	s.wsURL = "ws" + strings.TrimPrefix(s.http.URL, "http") + "/gateway"
	t.Cleanup(s.Close)
	return s
}

// URL is the server's root, e.g. http://127.0.0.1:PORT.
func (s *Server) URL() string { return s.http.URL }

// APIBase is the REST base to configure, e.g. http://127.0.0.1:PORT/api/v9.
func (s *Server) APIBase() string { return s.http.URL + "/api/v9" }

// GatewayURL is what GET /gateway answers.
func (s *Server) GatewayURL() string { return s.wsURL }

// Close disconnects every gateway client and stops the server. It is safe to
// call more than once.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	conns := make([]*gwConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	s.closeCancel()
	for _, c := range conns {
		c.kill()
	}
	s.wg.Wait()
	s.http.Close()
	s.httpClient.CloseIdleConnections()
}

// AddBot registers a bot token and its application ID (the bot's user ID is the
// application ID, as for modern Discord apps).
func (s *Server) AddBot(token, appID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := User{ID: appID, Username: "bot" + appID, Bot: true}
	s.users[appID] = &u
	s.bots[token] = &bot{token: token, appID: appID, user: u}
}

// AddUser registers (or renames) a user.
func (s *Server) AddUser(id, username string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[id] = &User{ID: id, Username: username}
	s.notifyLocked()
}

// SetCDNTTL changes how long newly signed attachment URLs stay valid; a
// negative value makes them already expired.
func (s *Server) SetCDNTTL(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cdnTTL = d
}

// Down makes GET /gateway (and /gateway/bot) fail with 503 and refuses new
// websocket connections, as when Discord is unreachable; Up restores them.
func (s *Server) Down() { s.setDown(true) }

// Up ends Down.
func (s *Server) Up() { s.setDown(false) }

func (s *Server) setDown(v bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = v
}

// rateLimit scripts 429 answers for a route.
type rateLimit struct {
	method     string
	prefix     string
	remaining  int
	retryAfter time.Duration
	status     int // not 0: answer this status instead of a 429 (FailRequests)
}

// RateLimit makes the next n requests whose method matches (empty: any) and
// whose route (the path after /api/vN) starts with routePrefix answer 429 with
// retry_after and X-RateLimit-* headers.
func (s *Server) RateLimit(method, routePrefix string, n int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimits = append(s.rateLimits, &rateLimit{method: method, prefix: routePrefix, remaining: n, retryAfter: retryAfter})
}

// FailRequests makes the next n requests whose method matches (empty: any)
// and whose route starts with routePrefix answer status (a 5xx, say) with a
// Discord error body, as during an outage of one of its services.
func (s *Server) FailRequests(method, routePrefix string, n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimits = append(s.rateLimits, &rateLimit{method: method, prefix: routePrefix, remaining: n, status: status})
}

// Requests returns every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Identifies returns every gateway Identify accepted so far.
func (s *Server) Identifies() []Identify {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.identifies)
}

// Commands returns the registered application commands.
func (s *Server) Commands() []Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Command, 0, len(s.commands))
	for _, c := range s.commands {
		out = append(out, *c)
	}
	return out
}

// Messages returns the live (not deleted) messages of a channel, oldest first.
func (s *Server) Messages(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages[channelID] {
		if !m.Deleted {
			out = append(out, cloneMessage(m))
		}
	}
	return out
}

// Message returns one stored message (deleted ones included).
func (s *Server) Message(channelID, messageID string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.findMessageLocked(channelID, messageID)
	if m == nil {
		return Message{}, false
	}
	return cloneMessage(m), true
}

// WaitFor waits until cond (called with no lock held) returns true after some
// state change, or ctx ends.
func (s *Server) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("discordtest: condition not met: %w", ctx.Err())
		}
	}
}

// notifyLocked wakes WaitFor callers. s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// newIDLocked returns a fresh snowflake. s.mu must be held.
func (s *Server) newIDLocked() string {
	now := (time.Now().UnixMilli() - discordEpoch) << 22
	if now <= s.lastID {
		now = s.lastID + 1
	}
	s.lastID = now
	return strconv.FormatInt(now, 10)
}

// userLocked returns the user with id, creating it when unknown.
func (s *Server) userLocked(id string) User {
	if u, ok := s.users[id]; ok {
		return *u
	}
	u := &User{ID: id, Username: "user" + id}
	s.users[id] = u
	return *u
}

// botByAppLocked finds a bot by application ID.
func (s *Server) botByAppLocked(appID string) *bot {
	for _, b := range s.bots {
		if b.appID == appID {
			return b
		}
	}
	return nil
}

// findMessageLocked finds a message in a channel.
func (s *Server) findMessageLocked(channelID, messageID string) *Message {
	for _, m := range s.messages[channelID] {
		if m.ID == messageID {
			return m
		}
	}
	return nil
}

// randomToken returns an unguessable hex string.
func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// cloneMessage deep-copies the slices of a message.
func cloneMessage(m *Message) Message {
	c := *m
	c.Embeds = slices.Clone(m.Embeds)
	c.Components = slices.Clone(m.Components)
	c.Attachments = slices.Clone(m.Attachments)
	return c
}
