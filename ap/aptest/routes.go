package aptest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// route answers one request; it returns a Delivery for a verified inbox POST.
func (s *Server) route(w http.ResponseWriter, r *http.Request, body []byte, rec *Request) *Delivery {
	p := r.URL.Path
	switch {
	case p == "/.well-known/webfinger":
		s.serveWebFinger(w, r)
		return nil
	case p == "/.well-known/host-meta":
		s.serveHostMeta(w)
		return nil
	case p == "/.well-known/nodeinfo":
		writeJSON(w, http.StatusOK, "application/json", map[string]any{
			"links": []any{map[string]any{
				"rel":  "http://nodeinfo.diaspora.software/ns/schema/2.1",
				"href": s.base + "/nodeinfo/2.1",
			}},
		})
		return nil
	case p == "/nodeinfo/2.1":
		s.serveNodeInfo(w)
		return nil
	case p == "/inbox" && s.cfg.style.hasSharedInbox():
		return s.serveInbox(w, r, body, rec, nil)
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		s.mu.Lock()
		doc, ok := s.objects[p]
		gone := s.gone[p]
		s.mu.Unlock()
		if gone {
			writeJSON(w, http.StatusGone, "application/activity+json", tombstone(s, s.base+p))
			return nil
		}
		if ok {
			if !s.checkFetch(w, r, rec, false) {
				return nil
			}
			writeJSON(w, http.StatusOK, "application/activity+json", doc)
			return nil
		}
	}
	if rest, ok := strings.CutPrefix(p, "/users/"); ok {
		name, sub, _ := strings.Cut(rest, "/")
		if a := s.Actor(name); a != nil {
			return s.serveActorPath(w, r, body, rec, a, sub)
		}
	}
	http.NotFound(w, r)
	return nil
}

// serveActorPath answers /users/NAME and what lies under it.
func (s *Server) serveActorPath(w http.ResponseWriter, r *http.Request, body []byte, rec *Request, a *Actor, sub string) *Delivery {
	if sub == "inbox" {
		return s.serveInbox(w, r, body, rec, a)
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return nil
	}
	if a.Deleted() {
		writeJSON(w, http.StatusGone, "application/activity+json", tombstone(s, a.IRI()))
		return nil
	}
	switch sub {
	case "":
		// The actor document holds the key for "#main-key" styles, so it stays
		// readable without a signature (see RequireSignedFetch).
		if !s.checkFetch(w, r, rec, s.cfg.style.keyIDHasFragment()) {
			return nil
		}
		writeJSON(w, http.StatusOK, "application/activity+json", a.document())
	case "main-key":
		if s.cfg.style.keyIDHasFragment() {
			http.NotFound(w, r)
			return nil
		}
		writeJSON(w, http.StatusOK, "application/activity+json", a.keyDocument())
	case "outbox", "followers", "following":
		if !s.checkFetch(w, r, rec, false) {
			return nil
		}
		writeJSON(w, http.StatusOK, "application/activity+json", map[string]any{
			"@context":   contextAS,
			"id":         a.IRI() + "/" + sub,
			"type":       "OrderedCollection",
			"totalItems": 0,
		})
	default:
		http.NotFound(w, r)
	}
	return nil
}

// checkFetch applies RequireSignedFetch to a GET and verifies any signature on
// it. keyDoc marks a document that must stay readable without a signature and
// whose signatures are not checked (checking would need this very document on
// the other side, looping between two such servers). It reports whether to serve.
func (s *Server) checkFetch(w http.ResponseWriter, r *http.Request, rec *Request, keyDoc bool) bool {
	if keyDoc {
		return true
	}
	signed := r.Header.Get("Signature") != "" || r.Header.Get("Signature-Input") != ""
	if !signed {
		if s.cfg.requireSignedFetch {
			rec.Reason = ReasonUnsignedFetch
			http.Error(w, "signature required", http.StatusUnauthorized)
			return false
		}
		return true
	}
	res := s.verifyRequest(r.Context(), r, nil, s.firstActor())
	rec.KeyID = res.keyID
	if res.reason == ReasonNone {
		rec.Verified = true
		return true
	}
	rec.Err = res.err
	if s.cfg.requireSignedFetch {
		rec.Reason = res.reason
		http.Error(w, "signature rejected: "+string(res.reason), http.StatusUnauthorized)
		return false
	}
	// Not enforced: serve, but keep why it did not verify (Status stays 200,
	// so the request does not count as rejected).
	rec.Reason = res.reason
	return true
}

// serveInbox verifies and records a POST to the shared inbox (owner nil) or an actor's inbox.
func (s *Server) serveInbox(w http.ResponseWriter, r *http.Request, body []byte, rec *Request, owner *Actor) *Delivery {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return nil
	}
	signer := owner
	if signer == nil {
		signer = s.firstActor()
	}
	res := s.verifyRequest(r.Context(), r, body, signer)
	rec.KeyID = res.keyID
	if res.reason != ReasonNone {
		rec.Reason = res.reason
		rec.Err = res.err
		status := http.StatusUnauthorized
		if res.reason == ReasonBadJSON || res.reason == ReasonNoActor {
			status = http.StatusBadRequest
		}
		s.cfg.logger.Debug("aptest: inbox rejected", "host", s.host, "path", r.URL.Path,
			"reason", res.reason, "err", res.err)
		http.Error(w, fmt.Sprintf("rejected: %s", res.reason), status)
		return nil
	}
	rec.Verified = true
	s.mu.Lock()
	accept := s.accept
	s.mu.Unlock()
	d := &Delivery{
		Inbox:     s.base + r.URL.Path,
		Path:      r.URL.Path,
		Activity:  res.activity,
		Raw:       body,
		ID:        str(res.activity["id"]),
		Type:      str(res.activity["type"]),
		Actor:     res.actor,
		KeyID:     res.keyID,
		Algorithm: res.algorithm,
		Header:    rec.Header,
		Time:      rec.Time,
	}
	w.WriteHeader(accept)
	return d
}

// writeJSON answers a JSON document.
func writeJSON(w http.ResponseWriter, status int, contentType string, doc any) {
	b, err := json.Marshal(doc)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// str returns v as a string, or "".
func str(v any) string {
	s, _ := v.(string)
	return s
}

// idOf returns an IRI given as a string, an object with "id", or a one-element array of either.
func idOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		return str(x["id"])
	case []any:
		if len(x) > 0 {
			return idOf(x[0])
		}
	}
	return ""
}
