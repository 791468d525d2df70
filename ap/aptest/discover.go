package aptest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Discovered is what resolving a remote account yields.
type Discovered struct {
	ActorIRI          string
	PreferredUsername string
	Inbox             string
	SharedInbox       string // "" when the actor declares none
	KeyID             string
	PublicKeyPEM      string
	WebFingerURL      string // the WebFinger URL that answered, "" if none was asked
	Document          map[string]any
}

// DeliveryInbox is where an actor of style st delivers to this account: its
// shared inbox when st uses shared inboxes and one is declared, else its inbox.
func (d *Discovered) DeliveryInbox(st Style) string {
	if st.hasSharedInbox() && d.SharedInbox != "" {
		return d.SharedInbox
	}
	return d.Inbox
}

// Discover resolves target — "acct:user@host", "user@host", "@user@host" or an
// actor IRI — to its actor document and inboxes, the way the actor's style does:
//   - an account goes through WebFinger, then the "self" link is fetched;
//   - an actor IRI is fetched directly; GoToSocial then confirms it with
//     WebFinger for preferredUsername@host.
//
// GoToSocial asks WebFinger over https even for http actors; aptest mimics
// that by trying https first and falling back to http only when the host is a
// loopback address (the TLS attempt to a plain-http test server fails at
// once). The other styles ask over http on loopback and https elsewhere.
func (a *Actor) Discover(ctx context.Context, target string) (*Discovered, error) {
	if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") {
		d, err := a.fetchActor(ctx, target)
		if err != nil {
			return nil, err
		}
		if a.s.cfg.style == GoToSocial {
			u, _ := url.Parse(d.ActorIRI)
			jrd, wf, err := a.webFinger(ctx, "acct:"+d.PreferredUsername+"@"+u.Host, u.Host)
			if err != nil {
				return nil, err
			}
			if self := selfLink(jrd); self != d.ActorIRI {
				return nil, fmt.Errorf("aptest: WebFinger for %s points to %q, not %q", d.PreferredUsername, self, d.ActorIRI)
			}
			d.WebFingerURL = wf
		}
		a.s.remember(d)
		return d, nil
	}
	acct := strings.TrimPrefix(strings.TrimPrefix(target, "acct:"), "@")
	_, host, ok := strings.Cut(acct, "@")
	if !ok || host == "" {
		return nil, fmt.Errorf("aptest: %q is neither an account nor an IRI", target)
	}
	jrd, wf, err := a.webFinger(ctx, "acct:"+acct, host)
	if err != nil {
		return nil, err
	}
	self := selfLink(jrd)
	if self == "" {
		return nil, fmt.Errorf("aptest: WebFinger for %s has no ActivityPub self link", acct)
	}
	d, err := a.fetchActor(ctx, self)
	if err != nil {
		return nil, err
	}
	d.WebFingerURL = wf
	a.s.remember(d)
	return d, nil
}

// remember caches a discovery result by actor IRI.
func (s *Server) remember(d *Discovered) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.discovered[d.ActorIRI] = d
}

// resolve returns a cached discovery of an actor IRI or discovers it.
func (a *Actor) resolve(ctx context.Context, actorIRI string) (*Discovered, error) {
	a.s.mu.Lock()
	d, ok := a.s.discovered[actorIRI]
	a.s.mu.Unlock()
	if ok {
		return d, nil
	}
	return a.Discover(ctx, actorIRI)
}

// fetchActor GETs an actor document and reads its inboxes and key.
func (a *Actor) fetchActor(ctx context.Context, iri string) (*Discovered, error) {
	doc, err := a.fetch(ctx, iri)
	if err != nil {
		return nil, err
	}
	d := &Discovered{
		ActorIRI:          str(doc["id"]),
		PreferredUsername: str(doc["preferredUsername"]),
		Inbox:             str(doc["inbox"]),
		Document:          doc,
	}
	if d.ActorIRI != iri {
		return nil, fmt.Errorf("aptest: actor fetched from %s has id %q", iri, d.ActorIRI)
	}
	if d.Inbox == "" {
		return nil, fmt.Errorf("aptest: actor %s has no inbox", iri)
	}
	if ep, ok := doc["endpoints"].(map[string]any); ok {
		d.SharedInbox = str(ep["sharedInbox"])
	}
	if pk, ok := doc["publicKey"].(map[string]any); ok {
		d.KeyID, d.PublicKeyPEM = str(pk["id"]), str(pk["publicKeyPem"])
	}
	return d, nil
}

// webFinger asks host about resource, over https first for GoToSocial.
func (a *Actor) webFinger(ctx context.Context, resource, host string) (map[string]any, string, error) {
	loop := isLoopback(host)
	var schemes []string
	switch {
	case a.s.cfg.style.webFingerHTTPSFirst() && loop:
		schemes = []string{"https", "http"}
	case loop:
		schemes = []string{"http"}
	default:
		schemes = []string{"https"}
	}
	var errs []error
	for _, sc := range schemes {
		u := sc + "://" + host + "/.well-known/webfinger?resource=" + url.QueryEscape(resource)
		jrd, err := a.fetch(ctx, u)
		if err == nil {
			return jrd, u, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, "", fmt.Errorf("aptest: WebFinger %s: %w", resource, errors.Join(errs...))
}

// selfLink returns the href of the ActivityPub "self" link of a JRD.
func selfLink(jrd map[string]any) string {
	links, _ := jrd["links"].([]any)
	for _, l := range links {
		m, _ := l.(map[string]any)
		if str(m["rel"]) != "self" {
			continue
		}
		switch str(m["type"]) {
		case "application/activity+json",
			`application/ld+json; profile="https://www.w3.org/ns/activitystreams"`:
			return str(m["href"])
		}
	}
	return ""
}

// isLoopback reports whether host (with or without port) is a loopback address or localhost.
func isLoopback(host string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
