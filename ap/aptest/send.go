package aptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// Post signs activity as the actor's style does and POSTs it to inboxURL. The
// caller closes the response body. A Fedify-style actor first signs with RFC
// 9421 and, answered 400 or 401, signs again with draft-cavage and retries
// once; Sent records which scheme the final attempt used. SignOptions produce
// deliberately bad requests.
func (a *Actor) Post(ctx context.Context, inboxURL string, activity map[string]any, opts ...SignOption) (*http.Response, error) {
	var o signOptions
	for _, opt := range opts {
		opt(&o)
	}
	body, err := json.Marshal(activity)
	if err != nil {
		return nil, fmt.Errorf("aptest: marshal activity: %w", err)
	}
	scheme := o.scheme
	fallback := false
	switch {
	case o.unsigned:
		scheme = SchemeNone
	case scheme == "" && a.s.cfg.style.triesRFC9421First():
		scheme, fallback = SchemeRFC9421, true
	case scheme == "":
		scheme = SchemeCavage
	}
	sent := Sent{ID: str(activity["id"]), Type: str(activity["type"]), Inbox: inboxURL, Time: a.s.cfg.now()}
	resp, err := a.postOnce(ctx, inboxURL, body, scheme, o)
	sent.Attempts = 1
	if err == nil && fallback && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusBadRequest) {
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		scheme = SchemeCavage
		sent.Attempts = 2
		resp, err = a.postOnce(ctx, inboxURL, body, scheme, o)
	}
	sent.Scheme = scheme
	if err == nil {
		sent.Status = resp.StatusCode
	}
	a.mu.Lock()
	a.sent = append(a.sent, sent)
	if sent.ID != "" {
		a.inboxOf[sent.ID] = inboxURL
	}
	a.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// postOnce sends one signed attempt.
func (a *Actor) postOnce(ctx context.Context, inboxURL string, body []byte, scheme Scheme, o signOptions) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, inboxURL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("aptest: request %s: %w", inboxURL, err)
	}
	ct := o.contentType
	if ct == "" {
		ct = "application/activity+json"
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Accept", "application/activity+json")
	req.Header.Set("User-Agent", a.s.cfg.style.userAgent(a.s.host))
	switch scheme {
	case SchemeRFC9421:
		err = a.signRFC9421(req, body, o)
	case SchemeCavage:
		err = a.signCavage(req, body, o)
	case SchemeNone:
		req.Header.Set("Date", a.s.cfg.now().Add(o.dateOffset).UTC().Format(http.TimeFormat))
		if !o.noDigest {
			req.Header.Set("Digest", digestOf(body))
		}
	default:
		err = fmt.Errorf("aptest: unknown signature scheme %q", scheme)
	}
	if err != nil {
		return nil, err
	}
	resp, err := a.s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("aptest: post %s: %w", inboxURL, err)
	}
	return resp, nil
}

// deliver posts activity and turns a non-2xx answer into a *StatusError.
func (a *Actor) deliver(ctx context.Context, inboxURL string, activity map[string]any, opts ...SignOption) error {
	resp, err := a.Post(ctx, inboxURL, activity, opts...)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &StatusError{URL: inboxURL, Status: resp.StatusCode, Body: string(b)}
	}
	return nil
}

// SignedGet GETs url signed by the actor (draft-cavage, (request-target) host
// date), asking for ActivityStreams JSON, whatever the style — use it to be
// "a host that fetched the Note". The caller closes the response body.
func (a *Actor) SignedGet(ctx context.Context, url string, opts ...SignOption) (*http.Response, error) {
	var o signOptions
	for _, opt := range opts {
		opt(&o)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("aptest: request %s: %w", url, err)
	}
	req.Header.Set("Accept", `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`)
	req.Header.Set("User-Agent", a.s.cfg.style.userAgent(a.s.host))
	if !o.unsigned {
		if err := a.signCavage(req, nil, o); err != nil {
			return nil, err
		}
	}
	resp, err := a.s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("aptest: get %s: %w", url, err)
	}
	return resp, nil
}

// fetch GETs a document the way the style does: signed when the style signs
// every GET, unsigned otherwise.
func (a *Actor) fetch(ctx context.Context, url string) (map[string]any, error) {
	var signer *Actor
	if a.s.cfg.style.signsGET() {
		signer = a
	}
	return a.s.getJSON(ctx, url, signer)
}
