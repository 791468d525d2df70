package aptest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is one fake remote Fediverse host listening on 127.0.0.1:0. It serves
// WebFinger, host-meta, NodeInfo, actor documents, keys and the objects its
// actors created; it verifies and records every inbox POST; its answers can be
// scripted at runtime; and its actors can act towards the server under test.
// All methods are safe for concurrent use.
type Server struct {
	t      testing.TB
	cfg    config
	ts     *httptest.Server
	base   string // scheme://host, no trailing slash
	host   string // 127.0.0.1:PORT
	client *http.Client
	keys   *keyCache

	mu         sync.Mutex
	actors     map[string]*Actor
	order      []*Actor
	nextKey    int
	counter    uint64
	objects    map[string]map[string]any // path → document served at it
	gone       map[string]bool           // path → answers 410 Gone
	discovered map[string]*Discovered    // actor IRI → discovery result
	requests   []Request
	deliveries []Delivery
	seen       map[string]int // inbox path + "\x00" + activity id → times received
	dups       int
	scripts    map[string]*script // path → scripted answer; "" = whole server
	down       bool
	latency    time.Duration
	accept     int
	changed    chan struct{} // closed and replaced on every new record
	stop       chan struct{} // closed at cleanup, before the listener closes
}

// NewServer starts a fake host and stops it when the test ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		t:          t,
		cfg:        cfg,
		actors:     map[string]*Actor{},
		objects:    map[string]map[string]any{},
		gone:       map[string]bool{},
		discovered: map[string]*Discovered{},
		seen:       map[string]int{},
		scripts:    map[string]*script{},
		accept:     cfg.acceptStatus,
		changed:    make(chan struct{}),
		stop:       make(chan struct{}),
	}
	if s.cfg.pool == nil {
		s.cfg.pool = NewKeyPool()
	}
	s.client = cfg.client
	if s.client == nil {
		tr := &http.Transport{
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     30 * time.Second,
		}
		s.client = &http.Client{Transport: tr, Timeout: 10 * time.Second}
		t.Cleanup(tr.CloseIdleConnections)
	}
	s.keys = cfg.keys
	if s.keys == nil {
		s.keys = newKeyCache()
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.base = s.ts.URL
	s.host = strings.TrimPrefix(s.base, "http://")
	t.Cleanup(s.ts.Close)
	t.Cleanup(func() { close(s.stop) }) // runs first: ends sleeping handlers
	return s
}

// URL returns the host's base URL, e.g. "http://127.0.0.1:40123".
func (s *Server) URL() string { return s.base }

// Host returns "127.0.0.1:PORT".
func (s *Server) Host() string { return s.host }

// Style returns the style the host imitates.
func (s *Server) Style() Style { return s.cfg.style }

// SharedInbox returns the shared inbox URL, or "" for styles without one.
func (s *Server) SharedInbox() string {
	if !s.cfg.style.hasSharedInbox() {
		return ""
	}
	return s.base + "/inbox"
}

// Client returns the HTTP client the host uses for its outgoing requests.
func (s *Server) Client() *http.Client { return s.client }

var actorNameRE = regexp.MustCompile(`^[a-z0-9_]{1,30}$`)

// AddActor creates an actor with its own RSA-2048 key (from the server's key
// pool unless WithKey or WithSharedKey says otherwise). It fails the test on a
// bad or duplicate name.
func (s *Server) AddActor(name string, opts ...ActorOption) *Actor {
	s.t.Helper()
	if !actorNameRE.MatchString(name) {
		s.t.Fatalf("aptest: bad actor name %q (want [a-z0-9_]{1,30})", name)
	}
	var ac actorConfig
	for _, o := range opts {
		o(&ac)
	}
	key := ac.key
	keyIndex := -1
	if key == nil && s.cfg.sharedKey != nil {
		key = s.cfg.sharedKey
	}
	if key == nil {
		s.mu.Lock()
		keyIndex = s.nextKey
		s.nextKey++
		s.mu.Unlock()
		k, err := s.cfg.pool.Key(keyIndex)
		if err != nil {
			s.t.Fatalf("aptest: key for %s: %v", name, err)
		}
		key = k
	}
	a, err := newActor(s, name, key, keyIndex, ac)
	if err != nil {
		s.t.Fatalf("aptest: actor %s: %v", name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.actors[name]; dup {
		s.t.Fatalf("aptest: actor %s already exists", name)
	}
	s.actors[name] = a
	s.order = append(s.order, a)
	return a
}

// Actor returns the named actor, or nil.
func (s *Server) Actor(name string) *Actor {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.actors[name]
}

// nextID returns a fresh UUID-shaped identifier, unique within the server
// (and, since IRIs carry host:port, unique across servers).
func (s *Server) nextID() string {
	s.mu.Lock()
	s.counter++
	n := s.counter
	s.mu.Unlock()
	return fmt.Sprintf("00000000-0000-4000-8000-%012x", n)
}

// firstActor is the actor that signs host-level requests (like an instance actor).
func (s *Server) firstActor() *Actor {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.order) == 0 {
		return nil
	}
	return s.order[0]
}

// putObject serves doc at the path of its IRI.
func (s *Server) putObject(iri string, doc map[string]any) {
	p := strings.TrimPrefix(iri, s.base)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.objects[p] = doc
}

// Serve makes the host answer GETs of path with doc, whatever it says: the
// documents a hostile server would forge (a key document naming another
// host's actor, an actor with someone else's inbox).
func (s *Server) Serve(path string, doc map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.objects[path] = doc
}

// markGone makes the path of iri answer 410 Gone with a Tombstone.
func (s *Server) markGone(iri string) {
	p := strings.TrimPrefix(iri, s.base)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gone[p] = true
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// serveHTTP records the request, applies Down, latency and scripts, then routes.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rec := Request{
		Method: r.Method,
		Path:   r.URL.Path,
		Query:  r.URL.RawQuery,
		Host:   r.Host,
		Header: r.Header.Clone(),
		Time:   s.cfg.now(),
	}
	rec.Header.Set("Host", r.Host)
	if sig := r.Header.Get("Signature"); sig != "" {
		rec.Signed = true
		if p, err := parseSignature(sig); err == nil {
			rec.KeyID = p.keyID
		}
	}
	if r.Header.Get("Signature-Input") != "" {
		rec.Signed = true
	}

	s.mu.Lock()
	down, latency := s.down, s.latency
	sc := s.takeScript(r.URL.Path)
	s.mu.Unlock()

	if down {
		rec.Status = StatusDropped
		s.record(rec, nil)
		dropConnection(w)
		return
	}
	if latency > 0 {
		if !s.sleep(r.Context(), latency) {
			return
		}
	}
	if sc != nil {
		if sc.Latency > 0 && !s.sleep(r.Context(), sc.Latency) {
			return
		}
		rec.Scripted = true
		if sc.Drop {
			rec.Status = StatusDropped
			s.record(rec, nil)
			dropConnection(w)
			return
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, s.cfg.maxBody))
		rec.Body = body
		rec.Status = sc.Status
		s.record(rec, nil)
		for k, vs := range sc.Header {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		if sc.RetryAfter != "" {
			w.Header().Set("Retry-After", sc.RetryAfter)
		}
		w.WriteHeader(sc.Status)
		_, _ = io.WriteString(w, sc.Body)
		return
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, s.cfg.maxBody+1))
	if err != nil {
		rec.Status = http.StatusBadRequest
		rec.Reason = ReasonBadBody
		rec.Err = err.Error()
		s.record(rec, nil)
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	rec.Body = body
	if int64(len(body)) > s.cfg.maxBody {
		rec.Status = http.StatusRequestEntityTooLarge
		rec.Reason = ReasonTooLarge
		s.record(rec, nil)
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sw := &statusWriter{ResponseWriter: w}
	delivery := s.route(sw, r, body, &rec)
	if sw.status == 0 {
		sw.WriteHeader(http.StatusOK)
	}
	rec.Status = sw.status
	s.record(rec, delivery)
}

// record stores a request (and a verified delivery) and wakes waiters.
// A delivery is stored before the response is written, so a sender that saw
// 2xx always finds it in Deliveries.
func (s *Server) record(rec Request, d *Delivery) {
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	if d != nil {
		key := d.Path + "\x00" + d.ID
		s.seen[key]++
		if s.seen[key] > 1 {
			d.Duplicate = true
			s.dups++
		}
		s.deliveries = append(s.deliveries, *d)
	}
	close(s.changed)
	s.changed = make(chan struct{})
	sink := s.cfg.sink
	s.mu.Unlock()
	if sink != nil {
		sink.note(rec, d)
	}
}

// dropConnection closes the client's connection without an answer.
func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// PutDocument serves doc as application/activity+json at iriOrPath (an IRI on
// this host or a path), e.g. a Note written by one of its actors. Signed GETs
// of it are verified, and required under RequireSignedFetch.
func (s *Server) PutDocument(iriOrPath string, doc map[string]any) {
	s.putObject(s.base+scriptKey(iriOrPath), doc)
}

// Gone makes iriOrPath answer 410 Gone with a Tombstone.
func (s *Server) Gone(iriOrPath string) {
	s.markGone(s.base + scriptKey(iriOrPath))
}
