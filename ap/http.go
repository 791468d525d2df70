package ap

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Handler returns the HTTP handler of every ActivityPub route. Other routes
// (media, Discord) are mounted beside it by the caller.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	user := "/users/" + s.cfg.Username
	mux.HandleFunc("GET /.well-known/webfinger", s.handleWebFinger)
	mux.HandleFunc("GET /.well-known/host-meta", s.handleHostMeta)
	mux.HandleFunc("GET /.well-known/nodeinfo", s.handleNodeInfoIndex)
	mux.HandleFunc("GET /nodeinfo/2.1", s.handleNodeInfo)
	mux.HandleFunc("GET "+user, s.handleActor)
	mux.HandleFunc("GET /@"+s.cfg.Username, s.handleActor)
	mux.HandleFunc("POST "+user+"/inbox", s.handleInbox)
	mux.HandleFunc("POST /inbox", s.handleInbox)
	mux.HandleFunc("GET "+user+"/outbox", s.handleOutbox)
	mux.HandleFunc("GET "+user+"/followers", s.handleFollowers)
	mux.HandleFunc("GET /notes/{id}", s.handleNote)
	mux.HandleFunc("GET /tags/{tag}", s.handleTag)
	mux.HandleFunc("GET /{$}", s.handleActor)
	mux.HandleFunc("GET /about", s.handleAbout)
	mux.HandleFunc("GET /style.css", s.handleStyle)
	mux.HandleFunc("GET /favicon.svg", s.handleFavicon)
	mux.HandleFunc("GET /favicon.ico", s.handleFavicon)
	mux.HandleFunc("GET /robots.txt", s.handleRobots)
	mux.HandleFunc("GET /.well-known/tdmrep.json", s.handleTDMRep)
	return mux
}

// wantsActivityJSON reports whether the client asked for ActivityStreams JSON
// rather than a web page.
func wantsActivityJSON(r *http.Request) bool {
	accept := strings.ToLower(r.Header.Get("Accept"))
	if accept == "" {
		return true
	}
	return strings.Contains(accept, "application/activity+json") ||
		strings.Contains(accept, "application/ld+json") ||
		(strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html"))
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		httpError(w, http.StatusInternalServerError, "encoding failed")
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Vary", "Accept")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeActivityJSON(w http.ResponseWriter, status int, v any) {
	writeJSON(w, status, ActivityContentType+"; charset=utf-8", v)
}

// ActorDocument is our actor as served.
func (s *Service) ActorDocument() map[string]any {
	doc := map[string]any{
		"@context":                  Context(),
		"id":                        s.ActorIRI(),
		"type":                      "Service",
		"preferredUsername":         s.cfg.Username,
		"name":                      s.cfg.DisplayName,
		"summary":                   "<p>" + escapeText(s.cfg.Summary) + "</p>",
		"url":                       s.ActorIRI(),
		"inbox":                     s.InboxIRI(),
		"outbox":                    s.OutboxIRI(),
		"followers":                 s.FollowersIRI(),
		"endpoints":                 map[string]any{"sharedInbox": s.SharedInboxIRI()},
		"manuallyApprovesFollowers": false,
		"discoverable":              true,
		"indexable":                 true,
		"published":                 "2026-01-01T00:00:00Z",
		"publicKey": map[string]any{
			"id":           s.KeyID(),
			"owner":        s.ActorIRI(),
			"publicKeyPem": s.pubPEM,
		},
	}
	if s.cfg.DisplayName == "" {
		doc["name"] = s.cfg.Username
	}
	if s.cfg.IconURL != "" {
		doc["icon"] = map[string]any{"type": "Image", "url": s.cfg.IconURL}
	}
	return doc
}

func (s *Service) handleActor(w http.ResponseWriter, r *http.Request) {
	if wantsActivityJSON(r) {
		writeActivityJSON(w, http.StatusOK, s.ActorDocument())
		return
	}
	s.renderProfile(w, r)
}

// webfingerAccts are the acct: resources naming our actor (host with and without port).
func (s *Service) webfingerAccts() []string {
	accts := []string{"acct:" + s.cfg.Username + "@" + s.base.Host}
	if h := s.base.Hostname(); h != s.base.Host {
		accts = append(accts, "acct:"+s.cfg.Username+"@"+h)
	}
	return accts
}

func (s *Service) handleWebFinger(w http.ResponseWriter, r *http.Request) {
	res := r.URL.Query().Get("resource")
	if res == "" {
		httpError(w, http.StatusBadRequest, "resource parameter required")
		return
	}
	match := res == s.ActorIRI()
	if !match {
		res2 := res
		if !strings.HasPrefix(strings.ToLower(res2), "acct:") && strings.Contains(res2, "@") && !strings.Contains(res2, "/") {
			res2 = "acct:" + strings.TrimPrefix(res2, "@")
		}
		for _, a := range s.webfingerAccts() {
			if strings.EqualFold(res2, a) {
				match = true
			}
		}
	}
	if !match {
		httpError(w, http.StatusNotFound, "no such resource")
		return
	}
	writeJSON(w, http.StatusOK, "application/jrd+json; charset=utf-8", map[string]any{
		"subject": s.webfingerAccts()[0],
		"aliases": []string{s.ActorIRI()},
		"links": []map[string]any{
			{"rel": "self", "type": ActivityContentType, "href": s.ActorIRI()},
			{"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": s.ActorIRI()},
		},
	})
}

func (s *Service) handleHostMeta(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/xrd+xml; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">
  <Link rel="lrdd" template="%s/.well-known/webfinger?resource={uri}"/>
</XRD>
`, escapeText(s.BaseURL()))
}

func (s *Service) handleNodeInfoIndex(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, "application/json", map[string]any{
		"links": []map[string]any{{
			"rel":  "http://nodeinfo.diaspora.software/ns/schema/2.1",
			"href": s.BaseURL() + "/nodeinfo/2.1",
		}},
	})
}

func (s *Service) handleNodeInfo(w http.ResponseWriter, r *http.Request) {
	posts, err := s.store.CountOutbox(r.Context())
	if err != nil {
		httpError(w, http.StatusServiceUnavailable, "try again later")
		return
	}
	version := s.cfg.Version
	if version == "" {
		version = "dev"
	}
	writeJSON(w, http.StatusOK, `application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"`, map[string]any{
		"version": "2.1",
		"software": map[string]any{
			"name":       strings.ToLower(s.cfg.Software),
			"version":    version,
			"repository": "https://github.com/artbridge/artbridge",
		},
		"protocols":         []string{"activitypub"},
		"services":          map[string]any{"inbound": []string{}, "outbound": []string{}},
		"openRegistrations": false,
		"usage": map[string]any{
			"users":      map[string]any{"total": 1, "activeMonth": 1, "activeHalfyear": 1},
			"localPosts": posts,
		},
		"metadata": map[string]any{
			"nodeName":        s.cfg.DisplayName,
			"nodeDescription": s.cfg.Summary,
			"aboutUrl":        s.BaseURL() + "/about",
		},
	})
}

// collectionPageSize is the number of items of one collection page.
const collectionPageSize = 20

func pageParam(r *http.Request) (int, bool) {
	p := r.URL.Query().Get("page")
	if p == "" {
		return 0, false
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 {
		return 1, true
	}
	return n, true
}

// collection serves an OrderedCollection at base, or one of its pages.
func (s *Service) collection(w http.ResponseWriter, r *http.Request, base string, total int, items func(offset, limit int) ([]any, error)) {
	page, paged := pageParam(r)
	if !paged {
		doc := map[string]any{
			"@context":   "https://www.w3.org/ns/activitystreams",
			"id":         base,
			"type":       "OrderedCollection",
			"totalItems": total,
		}
		if total > 0 {
			doc["first"] = base + "?page=1"
			doc["last"] = fmt.Sprintf("%s?page=%d", base, (total+collectionPageSize-1)/collectionPageSize)
		}
		writeActivityJSON(w, http.StatusOK, doc)
		return
	}
	list, err := items((page-1)*collectionPageSize, collectionPageSize)
	if err != nil {
		httpError(w, http.StatusServiceUnavailable, "try again later")
		return
	}
	if list == nil {
		list = []any{}
	}
	doc := map[string]any{
		"@context":     Context(),
		"id":           fmt.Sprintf("%s?page=%d", base, page),
		"type":         "OrderedCollectionPage",
		"partOf":       base,
		"totalItems":   total,
		"orderedItems": list,
	}
	if page*collectionPageSize < total {
		doc["next"] = fmt.Sprintf("%s?page=%d", base, page+1)
	}
	if page > 1 {
		doc["prev"] = fmt.Sprintf("%s?page=%d", base, page-1)
	}
	writeActivityJSON(w, http.StatusOK, doc)
}

func (s *Service) handleFollowers(w http.ResponseWriter, r *http.Request) {
	total, err := s.store.CountFollowers(r.Context())
	if err != nil {
		httpError(w, http.StatusServiceUnavailable, "try again later")
		return
	}
	s.collection(w, r, s.FollowersIRI(), total, func(offset, limit int) ([]any, error) {
		fs, err := s.store.Followers(r.Context(), offset, limit)
		out := make([]any, 0, len(fs))
		for _, f := range fs {
			out = append(out, f.ActorIRI)
		}
		return out, err
	})
}

func (s *Service) handleOutbox(w http.ResponseWriter, r *http.Request) {
	total, err := s.store.CountOutbox(r.Context())
	if err != nil {
		httpError(w, http.StatusServiceUnavailable, "try again later")
		return
	}
	if !wantsActivityJSON(r) {
		s.renderProfile(w, r)
		return
	}
	s.collection(w, r, s.OutboxIRI(), total, func(offset, limit int) ([]any, error) {
		acts, err := s.store.Outbox(r.Context(), offset, limit)
		out := make([]any, 0, len(acts))
		for _, a := range acts {
			var doc map[string]any
			if err := json.Unmarshal(a.JSON, &doc); err != nil {
				continue
			}
			delete(doc, "@context")
			out = append(out, doc)
		}
		return out, err
	})
}

// handleNote serves one of our notes: JSON for servers, HTML for browsers,
// 410 Gone with a Tombstone once it is deleted. A signed fetch is remembered so
// the takedown reaches the fetching server too.
func (s *Service) handleNote(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	iri := s.NoteIRI(r.PathValue("id"))
	obj, err := s.store.Object(ctx, iri)
	if errors.Is(err, ErrNotFound) {
		httpError(w, http.StatusNotFound, "no such note")
		return
	}
	if err != nil {
		httpError(w, http.StatusServiceUnavailable, "try again later")
		return
	}
	if r.Header.Get("Signature") != "" {
		if v, err := s.verifyRequest(ctx, r, nil); err == nil {
			if err := s.store.RecordObjectFetch(ctx, iri, v.Owner, s.now()); err != nil {
				s.log.WarnContext(ctx, "record object fetch", "err", err)
			}
		} else {
			s.log.DebugContext(ctx, "signed fetch did not verify", "err", err)
		}
	}
	if !obj.DeletedAt.IsZero() {
		if !wantsActivityJSON(r) {
			s.renderGone(w, r)
			return
		}
		ts, err := s.TombstoneDocument(iri, obj.Type, obj.DeletedAt)
		if err != nil {
			httpError(w, http.StatusInternalServerError, "encoding failed")
			return
		}
		writeActivityJSON(w, http.StatusGone, ts)
		return
	}
	if !wantsActivityJSON(r) {
		s.renderNote(w, r, obj)
		return
	}
	w.Header().Set("Content-Type", ActivityContentType+"; charset=utf-8")
	w.Header().Set("Vary", "Accept")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(obj.JSON)
}
