package aptest

import (
	"encoding/xml"
	"net/http"
	"strings"
)

// serveWebFinger answers acct:NAME@HOST and actor-IRI resources.
func (s *Server) serveWebFinger(w http.ResponseWriter, r *http.Request) {
	res := r.URL.Query().Get("resource")
	var a *Actor
	if acct, ok := strings.CutPrefix(res, "acct:"); ok {
		name, host, found := strings.Cut(acct, "@")
		if found && host == s.host {
			a = s.Actor(name)
		}
	} else if name, ok := strings.CutPrefix(res, s.base+"/users/"); ok {
		a = s.Actor(name)
	}
	if a == nil || a.Deleted() {
		http.NotFound(w, r)
		return
	}
	writeJSON(w, http.StatusOK, "application/jrd+json", map[string]any{
		"subject": "acct:" + a.Acct(),
		"aliases": []any{a.IRI(), s.base + "/@" + a.name},
		"links": []any{
			map[string]any{"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": s.base + "/@" + a.name},
			map[string]any{"rel": "self", "type": "application/activity+json", "href": a.IRI()},
		},
	})
}

// xrd is the host-meta document.
type xrd struct {
	XMLName xml.Name `xml:"XRD"`
	XMLNS   string   `xml:"xmlns,attr"`
	Link    struct {
		Rel      string `xml:"rel,attr"`
		Type     string `xml:"type,attr"`
		Template string `xml:"template,attr"`
	} `xml:"Link"`
}

// serveHostMeta answers the host-meta XRD pointing at WebFinger.
func (s *Server) serveHostMeta(w http.ResponseWriter) {
	var doc xrd
	doc.XMLNS = "http://docs.oasis-open.org/ns/xri/xrd-1.0"
	doc.Link.Rel = "lrdd"
	doc.Link.Type = "application/jrd+json"
	doc.Link.Template = s.base + "/.well-known/webfinger?resource={uri}"
	b, err := xml.Marshal(doc)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/xrd+xml")
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(b)
}

// serveNodeInfo answers NodeInfo 2.1 naming the imitated software.
func (s *Server) serveNodeInfo(w http.ResponseWriter) {
	name, version := s.cfg.style.software()
	s.mu.Lock()
	users := len(s.order)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, "application/json", map[string]any{
		"version":           "2.1",
		"software":          map[string]any{"name": name, "version": version},
		"protocols":         []any{"activitypub"},
		"services":          map[string]any{"inbound": []any{}, "outbound": []any{}},
		"openRegistrations": false,
		"usage":             map[string]any{"users": map[string]any{"total": users}},
		"metadata":          map[string]any{},
	})
}
