package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"

	"github.com/artbridge/artbridge/discord/relay/filter"
)

// aliasPattern is what an alias may look like.
var aliasPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Limits on registered fields.
const (
	maxTokenLen  = 512
	maxSecretLen = 512
	maxDstLen    = 2048
	maxIntents   = 1<<26 - 1
)

// registrationRequest is the body of PUT /relays/{alias} (DCC's format).
type registrationRequest struct {
	Token        string          `json:"token"`
	Intents      *int64          `json:"intents"`
	Criteria     json.RawMessage `json:"criteria"`
	Dst          string          `json:"dst"`
	ClientSecret string          `json:"clientSecret"`
	// Protocol is artbridge's addition: "" or "dcc" for DCC's raw frames,
	// ProtocolArtbridge for sequence numbers, acknowledgements and resume.
	Protocol string `json:"protocol"`
}

// Handler serves the registration API:
//
//	PUT    /relays/{alias}   create (registration key) or update (its secret)
//	DELETE /relays/{alias}   remove (its secret or the registration key)
//	GET    /relays           every relay's status (registration key)
//	GET    /relays/{alias}   one relay's status (its secret or the registration key)
//
// "Its secret" is DCC's form: Basic credentials whose decoded text is the
// whole clientSecret (see authenticate).
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /relays/{alias}", s.handlePut)
	mux.HandleFunc("DELETE /relays/{alias}", s.handleDelete)
	mux.HandleFunc("GET /relays", s.handleList)
	mux.HandleFunc("GET /relays/{alias}", s.handleGet)
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	if code == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="artbridge relay", charset="UTF-8"`)
	}
	writeJSON(w, code, map[string]string{"error": msg})
}

// claim marks alias busy; false if another change to it is in progress.
func (s *Service) claim(alias string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.busy[alias] {
		return false
	}
	s.busy[alias] = true
	return true
}

func (s *Service) release(alias string) {
	s.mu.Lock()
	delete(s.busy, alias)
	s.mu.Unlock()
}

// normaliseCriteria accepts criteria as a JSON object or as a JSON string
// holding one (DCC clients send either) and returns the object's text.
func normaliseCriteria(raw json.RawMessage) []byte {
	t := bytes.TrimSpace(raw)
	if len(t) > 0 && t[0] == '"' {
		var s string
		if json.Unmarshal(t, &s) == nil {
			return []byte(s)
		}
	}
	return t
}

func (s *Service) handlePut(w http.ResponseWriter, r *http.Request) {
	alias := r.PathValue("alias")
	if !aliasPattern.MatchString(alias) {
		writeError(w, http.StatusBadRequest, "alias must be 1 to 64 of A-Z a-z 0-9 _ -")
		return
	}
	ctx := r.Context()
	acc, ok := s.authenticate(w, r, alias)
	if !ok {
		return
	}
	if !acc.exists && !acc.operator {
		// A client's own secret cannot create an alias: only the operator can.
		writeError(w, http.StatusUnauthorized, unauthorisedMessage)
		return
	}
	exists := acc.exists
	// Claimed only after authentication, so strangers cannot block an alias.
	if !s.claim(alias) {
		writeError(w, http.StatusConflict, "another change to this relay is in progress")
		return
	}
	defer s.release(alias)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRegistrationBytes))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "body too large")
		return
	}
	var req registrationRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "body must be a JSON object {token, intents, criteria, dst, clientSecret}")
		return
	}
	if msg := s.validate(ctx, &req); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	criteria := normaliseCriteria(req.Criteria)
	f, cerr := filter.Compile(criteria)
	reason := ""
	if cerr != nil {
		reason = criteriaReason(cerr)
	}
	reg, err := s.sealRegistration(alias, req, criteria, reason)
	if err != nil {
		s.log.Error("relay: seal registration", "relay", alias, "err", err)
		writeError(w, http.StatusInternalServerError, "cannot seal the registration")
		return
	}
	set := settings{token: req.Token, intents: *req.Intents, dst: req.Dst, secret: req.ClientSecret,
		protocol: protocolOf(req)}
	if !exists {
		s.create(ctx, w, reg, set, f)
		return
	}
	s.update(ctx, w, reg, set, f)
}

// validate checks a registration's fields; it returns the problem or "".
func (s *Service) validate(ctx context.Context, req *registrationRequest) string {
	switch {
	case req.Token == "" || len(req.Token) > maxTokenLen:
		return "token is required"
	case req.Intents == nil || *req.Intents < 0 || *req.Intents > maxIntents:
		return "intents must be a gateway intents bit field"
	case len(bytes.TrimSpace(req.Criteria)) == 0 || bytes.Equal(bytes.TrimSpace(req.Criteria), []byte("null")):
		return "criteria is required (a filter object; {} matches everything)"
	case req.ClientSecret == "" || len(req.ClientSecret) > maxSecretLen:
		return "clientSecret is required (at most 512 bytes)"
	case !strongSecret(req.ClientSecret):
		return weakSecretMessage
	case req.Protocol != "" && req.Protocol != ProtocolDCC && req.Protocol != ProtocolArtbridge:
		return fmt.Sprintf("protocol must be %q (the default) or %q", ProtocolDCC, ProtocolArtbridge)
	case len(req.Dst) > maxDstLen:
		return "dst is too long"
	}
	if err := s.checkDst(ctx, req.Dst); err != nil {
		return err.Error()
	}
	return ""
}

// protocolOf is the stored protocol of a request ("" for DCC's).
func protocolOf(req registrationRequest) string {
	if req.Protocol == ProtocolArtbridge {
		return ProtocolArtbridge
	}
	return ""
}

// sealRegistration builds the stored form of a registration.
func (s *Service) sealRegistration(alias string, req registrationRequest, criteria []byte, reason string) (Registration, error) {
	tok, err := s.sealer.Seal(PurposeToken, alias, []byte(req.Token))
	if err != nil {
		return Registration{}, err
	}
	sec, err := s.sealer.Seal(PurposeClientSecret, alias, []byte(req.ClientSecret))
	if err != nil {
		return Registration{}, err
	}
	salt, hash, err := newSecretHash(req.ClientSecret)
	if err != nil {
		return Registration{}, err
	}
	return Registration{
		Alias: alias, SealedToken: tok, Intents: *req.Intents, Criteria: criteria, Dst: req.Dst,
		SealedSecret: sec, SecretSalt: salt, SecretHash: hash, DisabledReason: reason, Protocol: protocolOf(req),
	}, nil
}

func (s *Service) create(ctx context.Context, w http.ResponseWriter, reg Registration, set settings, f *filter.Filter) {
	s.mu.Lock()
	running, closed := s.started && !s.closed, s.closed
	s.mu.Unlock()
	if closed {
		writeError(w, http.StatusServiceUnavailable, "the relay is shutting down")
		return
	}
	err := s.store.CreateRelay(ctx, reg, s.cfg.MaxRelays)
	switch {
	case errors.Is(err, ErrExists):
		writeError(w, http.StatusConflict, "this alias was registered concurrently")
		return
	case errors.Is(err, ErrTooMany):
		writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("this relay serves at most %d bots", s.cfg.MaxRelays))
		return
	case err != nil:
		s.log.Error("relay: create", "relay", reg.Alias, "err", err)
		writeError(w, http.StatusInternalServerError, "storage error")
		return
	}
	wk := newWorker(s, reg, set, f)
	s.mu.Lock()
	s.workers[reg.Alias] = wk
	if running {
		wk.start(s.ctx)
	}
	s.mu.Unlock()
	s.log.Info("relay registered", "relay", reg.Alias, "enabled", reg.DisabledReason == "", "disabled_reason", reg.DisabledReason)
	writeJSON(w, http.StatusCreated, wk.status())
}

func (s *Service) update(ctx context.Context, w http.ResponseWriter, reg Registration, set settings, f *filter.Filter) {
	err := s.store.UpdateRelay(ctx, reg)
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusConflict, "this relay was deleted concurrently")
		return
	}
	if err != nil {
		s.log.Error("relay: update", "relay", reg.Alias, "err", err)
		writeError(w, http.StatusInternalServerError, "storage error")
		return
	}
	wk := s.worker(reg.Alias)
	if wk == nil {
		writeError(w, http.StatusServiceUnavailable, "the relay is not running")
		return
	}
	wk.apply(set, reg.Criteria, f, reg.DisabledReason)
	s.log.Info("relay updated", "relay", reg.Alias, "enabled", reg.DisabledReason == "", "disabled_reason", reg.DisabledReason)
	writeJSON(w, http.StatusOK, wk.status())
}

// apply takes a new registration into a running worker, restarting only
// what changed: the gateway for a new token or intents (or a change of
// enabled state), the downstream connection for a new dst or secret.
func (w *worker) apply(set settings, criteria []byte, f *filter.Filter, disabled string) {
	w.mu.Lock()
	old := w.set
	wasDisabled := w.disabled
	w.set = set
	w.disabled = disabled
	if disabled != "" {
		w.lastDisable = disabled
	}
	w.mu.Unlock()
	w.filter.Store(f)
	if old.token != set.token || old.intents != set.intents || (wasDisabled == "") != (disabled == "") {
		signal(w.resetGW)
	}
	if old.dst != set.dst || old.secret != set.secret || old.protocol != set.protocol {
		signal(w.resetDS)
	}
}

func (s *Service) handleDelete(w http.ResponseWriter, r *http.Request) {
	alias := r.PathValue("alias")
	if !aliasPattern.MatchString(alias) {
		writeError(w, http.StatusBadRequest, "bad alias")
		return
	}
	acc, ok := s.authenticate(w, r, alias)
	if !ok {
		return
	}
	if !acc.exists {
		writeError(w, http.StatusNotFound, "no such relay") // only the operator gets here
		return
	}
	if !s.claim(alias) {
		writeError(w, http.StatusConflict, "another change to this relay is in progress")
		return
	}
	defer s.release(alias)
	if err := s.store.DeleteRelay(r.Context(), alias); err != nil && !errors.Is(err, ErrNotFound) {
		s.log.Error("relay: delete", "relay", alias, "err", err)
		writeError(w, http.StatusInternalServerError, "storage error")
		return
	}
	s.mu.Lock()
	wk := s.workers[alias]
	delete(s.workers, alias)
	s.mu.Unlock()
	if wk != nil {
		if wk.ctx != nil {
			wk.stop()
		}
		s.identify.forget(tokenKey(wk.settings().token))
	}
	s.log.Info("relay deleted", "relay", alias)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request) {
	if !s.authenticateOperator(w, r) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"relays": s.Statuses()})
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) {
	alias := r.PathValue("alias")
	if !aliasPattern.MatchString(alias) {
		writeError(w, http.StatusBadRequest, "bad alias")
		return
	}
	acc, ok := s.authenticate(w, r, alias)
	if !ok {
		return
	}
	if !acc.exists {
		writeError(w, http.StatusNotFound, "no such relay")
		return
	}
	st, ok := s.RelayStatus(alias)
	if !ok {
		writeError(w, http.StatusServiceUnavailable, "the relay is not running")
		return
	}
	writeJSON(w, http.StatusOK, st)
}
