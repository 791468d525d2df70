package aptest

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Activities are plain JSON maps. Each gets a fresh id "…/activities/UUID"
// from the server's counter, is served at that id, and is delivered to the
// inbox a real server of the style would choose.

// newActivity builds the common fields of an activity.
func (a *Actor) newActivity(typ string, object any, sensitive bool) map[string]any {
	return map[string]any{
		"@context":  a.s.cfg.style.context(a.s.host, sensitive),
		"id":        a.s.base + "/activities/" + a.s.nextID(),
		"type":      typ,
		"actor":     a.IRI(),
		"object":    object,
		"published": a.s.cfg.now().UTC().Format(time.RFC3339),
	}
}

// send serves the activity at its id and delivers it to the actor owning targetIRI.
func (a *Actor) send(ctx context.Context, targetActor string, act map[string]any, opts []SignOption) (map[string]any, error) {
	d, err := a.resolve(ctx, targetActor)
	if err != nil {
		return nil, err
	}
	a.s.putObject(str(act["id"]), act)
	if err := a.deliver(ctx, d.DeliveryInbox(a.s.cfg.style), act, opts...); err != nil {
		return act, err
	}
	return act, nil
}

// Follow sends a Follow of target (an actor IRI or an account) and returns it.
func (a *Actor) Follow(ctx context.Context, target string, opts ...SignOption) (map[string]any, error) {
	d, err := a.Discover(ctx, target)
	if err != nil {
		return nil, err
	}
	act := a.newActivity("Follow", d.ActorIRI, false)
	return a.send(ctx, d.ActorIRI, act, opts)
}

// Undo sends an Undo of an activity this actor sent earlier (the activity is
// embedded, as Mastodon and GoToSocial do) to the inbox that received it.
func (a *Actor) Undo(ctx context.Context, activity map[string]any, opts ...SignOption) (map[string]any, error) {
	id := str(activity["id"])
	a.mu.Lock()
	inbox, ok := a.inboxOf[id]
	a.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("aptest: %s never sent activity %q", a.name, id)
	}
	inner := make(map[string]any, len(activity))
	for k, v := range activity {
		if k != "@context" {
			inner[k] = v
		}
	}
	act := a.newActivity("Undo", inner, false)
	a.s.putObject(str(act["id"]), act)
	return act, a.deliver(ctx, inbox, act, opts...)
}

// owner fetches an object (as the style fetches) and returns its attributedTo.
func (a *Actor) owner(ctx context.Context, objectIRI string) (string, map[string]any, error) {
	obj, err := a.fetch(ctx, objectIRI)
	if err != nil {
		return "", nil, err
	}
	owner := idOf(obj["attributedTo"])
	if owner == "" {
		owner = idOf(obj["actor"])
	}
	if owner == "" {
		return "", nil, fmt.Errorf("aptest: object %s has no attributedTo", objectIRI)
	}
	return owner, obj, nil
}

// Like fetches the object, then sends a Like of it to its author.
func (a *Actor) Like(ctx context.Context, objectIRI string, opts ...SignOption) (map[string]any, error) {
	owner, _, err := a.owner(ctx, objectIRI)
	if err != nil {
		return nil, err
	}
	act := a.newActivity("Like", objectIRI, false)
	act["to"] = a.s.cfg.style.many(owner)
	return a.send(ctx, owner, act, opts)
}

// Announce fetches the object, then sends a public Announce (boost) of it to its author.
func (a *Actor) Announce(ctx context.Context, objectIRI string, opts ...SignOption) (map[string]any, error) {
	owner, _, err := a.owner(ctx, objectIRI)
	if err != nil {
		return nil, err
	}
	act := a.newActivity("Announce", objectIRI, false)
	act["to"] = a.s.cfg.style.many(publicIRI)
	act["cc"] = a.s.cfg.style.many(owner, a.Followers())
	return a.send(ctx, owner, act, opts)
}

// NoteOption shapes the Note of a Reply.
type NoteOption func(*noteOptions)

type noteOptions struct {
	language  string
	summary   string
	sensitive bool
	hashtags  []string
	signOpts  []SignOption
}

// WithLanguage sets the contentMap language (default "en"; "" sends no contentMap).
func WithLanguage(lang string) NoteOption { return func(o *noteOptions) { o.language = lang } }

// WithContentWarning sets summary (the content warning) and marks the Note sensitive.
func WithContentWarning(summary string) NoteOption {
	return func(o *noteOptions) { o.summary, o.sensitive = summary, true }
}

// WithSensitive marks the Note sensitive without a content warning.
func WithSensitive() NoteOption { return func(o *noteOptions) { o.sensitive = true } }

// WithHashtags adds Hashtag tags (with or without '#') and links them in the content.
func WithHashtags(tags ...string) NoteOption {
	return func(o *noteOptions) { o.hashtags = append(o.hashtags, tags...) }
}

// WithSignOptions passes SignOptions to the delivery of the Create.
func WithSignOptions(opts ...SignOption) NoteOption {
	return func(o *noteOptions) { o.signOpts = append(o.signOpts, opts...) }
}

// Reply fetches the Note, then sends a Create of a public Note replying to it
// (inReplyTo, a Mention of its author, optional hashtags, contentMap, content
// warning) to the author. content is HTML. It returns the Create; the Note is
// served at its id.
func (a *Actor) Reply(ctx context.Context, noteIRI, content string, opts ...NoteOption) (map[string]any, error) {
	o := noteOptions{language: "en"}
	for _, opt := range opts {
		opt(&o)
	}
	owner, _, err := a.owner(ctx, noteIRI)
	if err != nil {
		return nil, err
	}
	st := a.s.cfg.style
	noteID := a.IRI() + "/statuses/" + a.s.nextID()
	var tags []any
	tags = append(tags, map[string]any{"type": "Mention", "href": owner, "name": mentionName(owner)})
	html := content
	for _, h := range o.hashtags {
		h = strings.TrimPrefix(h, "#")
		href := a.s.base + "/tags/" + strings.ToLower(h)
		tags = append(tags, map[string]any{"type": "Hashtag", "href": href, "name": "#" + h})
		html += ` <a href="` + href + `" class="mention hashtag" rel="tag">#<span>` + h + `</span></a>`
	}
	if !strings.HasPrefix(html, "<p>") {
		html = "<p>" + html + "</p>"
	}
	published := a.s.cfg.now().UTC().Format(time.RFC3339)
	note := map[string]any{
		"id":           noteID,
		"type":         "Note",
		"attributedTo": a.IRI(),
		"inReplyTo":    noteIRI,
		"content":      html,
		"published":    published,
		"url":          noteID,
		"to":           st.many(publicIRI),
		"cc":           st.many(owner, a.Followers()),
		"tag":          st.many(tags...),
	}
	if o.language != "" {
		note["contentMap"] = map[string]any{o.language: html}
	}
	if o.summary != "" {
		note["summary"] = o.summary
	}
	// Fedify writes "sensitive" (and declares it) only when true; the others always write it.
	if o.sensitive || st != Fedify {
		note["sensitive"] = o.sensitive
	}
	act := a.newActivity("Create", note, o.sensitive)
	act["to"], act["cc"], act["published"] = note["to"], note["cc"], published
	doc := make(map[string]any, len(note)+1)
	for k, v := range note {
		doc[k] = v
	}
	doc["@context"] = st.context(a.s.host, o.sensitive)
	a.s.putObject(noteID, doc)
	return a.send(ctx, owner, act, o.signOpts)
}

// mentionName renders "@user@host" from an actor IRI ".../users/user".
func mentionName(actorIRI string) string {
	rest, ok := strings.CutPrefix(actorIRI, "http://")
	if !ok {
		rest = strings.TrimPrefix(actorIRI, "https://")
	}
	host, p, _ := strings.Cut(rest, "/")
	return "@" + p[strings.LastIndex(p, "/")+1:] + "@" + host
}

// DeleteNote deletes a Note this actor created with Reply: its id answers 410
// from now on, and a Delete goes to every inbox the Create reached. The object
// is a Tombstone, or a bare IRI for GoToSocial.
func (a *Actor) DeleteNote(ctx context.Context, noteIRI string, opts ...SignOption) (map[string]any, error) {
	var object any = noteIRI
	if !a.s.cfg.style.deleteObjectIsBareIRI() {
		object = map[string]any{"id": noteIRI, "type": "Tombstone", "atomUri": noteIRI}
	}
	act := a.newActivity("Delete", object, false)
	act["to"] = a.s.cfg.style.many(publicIRI)
	a.s.markGone(noteIRI)
	a.s.putObject(str(act["id"]), act)
	return act, a.broadcast(ctx, act, opts)
}

// DeleteSelf deletes the actor: a Delete whose object is the actor IRI goes to
// every inbox the actor ever delivered to, then the actor, its key and its
// WebFinger answer 410/404. (The Delete is sent before the actor disappears,
// so receivers can still fetch its key to verify it.)
func (a *Actor) DeleteSelf(ctx context.Context, opts ...SignOption) (map[string]any, error) {
	act := a.newActivity("Delete", a.IRI(), false)
	act["to"] = a.s.cfg.style.many(publicIRI)
	a.s.putObject(str(act["id"]), act)
	err := a.broadcast(ctx, act, opts)
	a.mu.Lock()
	a.deleted = true
	a.mu.Unlock()
	return act, err
}

// broadcast delivers act to each distinct inbox the actor has posted to.
func (a *Actor) broadcast(ctx context.Context, act map[string]any, opts []SignOption) error {
	a.mu.Lock()
	seen := map[string]bool{}
	var inboxes []string
	for _, s := range a.sent {
		if !seen[s.Inbox] {
			seen[s.Inbox] = true
			inboxes = append(inboxes, s.Inbox)
		}
	}
	a.mu.Unlock()
	var firstErr error
	for _, in := range inboxes {
		if err := a.deliver(ctx, in, act, opts...); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}
