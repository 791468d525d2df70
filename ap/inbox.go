package ap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sync"
	"time"

	"github.com/go-fed/activity/streams"
)

// ParseActivity decodes an inbox body strictly: one JSON object (no trailing
// data) with a string id and type and an actor (IRI or object with an id).
func ParseActivity(body []byte) (doc map[string]any, id, typ, actor string, err error) {
	// Unmarshal refuses anything but whitespace after the value, and costs
	// less than a Decoder (no copy of the body into a buffer of its own).
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, "", "", "", fmt.Errorf("malformed JSON: %w", err)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, "", "", "", errors.New("activity must be a JSON object")
	}
	id, _ = doc["id"].(string)
	if id == "" {
		return nil, "", "", "", errors.New("activity has no id")
	}
	switch t := doc["type"].(type) {
	case string:
		typ = t
	case []any:
		if len(t) > 0 {
			typ, _ = t[0].(string)
		}
	}
	if typ == "" {
		return nil, "", "", "", errors.New("activity has no type")
	}
	actor = idOf(doc["actor"])
	if actor == "" {
		return nil, "", "", "", errors.New("activity has no actor")
	}
	return doc, id, typ, actor, nil
}

// idOf returns the IRI of a value that is an IRI string, an object with an id,
// or a one-element array of either.
func idOf(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case map[string]any:
		s, _ := t["id"].(string)
		return s
	case []any:
		if len(t) == 1 {
			return idOf(t[0])
		}
	}
	return ""
}

func acceptableContentType(ct string) bool {
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch mt {
	case "application/activity+json", "application/ld+json", "application/json":
		return true
	}
	return false
}

// aboutOurObject reports false for a Like, Announce or EmojiReact whose
// object is not an object we serve: such an activity is answered 202 and
// neither stored nor handled. Other types report true.
func (s *Service) aboutOurObject(ctx context.Context, typ string, doc map[string]any) (bool, error) {
	switch typ {
	case "Like", "Announce", "EmojiReact":
	default:
		return true, nil
	}
	target := idOf(doc["object"])
	if origin(target) != origin(s.base.String()) {
		return false, nil
	}
	if _, err := s.store.Object(ctx, target); err != nil {
		if errors.Is(err, ErrNotFound) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// handleInbox serves POST to the shared inbox and the actor's inbox.
func (s *Service) handleInbox(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !acceptableContentType(r.Header.Get("Content-Type")) {
		httpError(w, http.StatusUnsupportedMediaType, "content type must be application/activity+json")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			httpError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", s.cfg.MaxBody))
			return
		}
		httpError(w, http.StatusBadRequest, "could not read body")
		return
	}
	doc, id, typ, actor, err := ParseActivity(body)
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	actorOrigin := origin(actor)
	if actorOrigin == "" {
		httpError(w, http.StatusBadRequest, "actor is not an http(s) IRI")
		return
	}
	if actorOrigin == origin(s.base.String()) {
		s.log.DebugContext(ctx, "inbox: activity in the name of a local actor", "actor", actor, "id", id)
		httpError(w, http.StatusUnauthorized, "actor is local")
		return
	}
	if s.isBlocked(ctx, hostOf(actor)) {
		httpError(w, http.StatusForbidden, "domain blocked")
		return
	}
	if origin(id) != actorOrigin {
		httpError(w, http.StatusBadRequest, "activity id is not on the actor's host")
		return
	}
	if status, msg := checkAuthority(typ, actor, doc); status != 0 {
		s.log.DebugContext(ctx, "inbox: activity refused", "actor", actor, "id", id, "reason", msg)
		httpError(w, status, msg)
		return
	}
	if p, err := ParseSignatureHeader(r.Header.Get("Signature")); err == nil {
		// The key usually lives on the actor's host, checked just above.
		if h := hostOf(p.KeyID); h != hostOf(actor) && s.isBlocked(ctx, h) {
			httpError(w, http.StatusForbidden, "domain blocked")
			return
		}
	}
	v, err := s.verifyRequest(ctx, r, body)
	if err != nil {
		s.log.DebugContext(ctx, "inbox: signature refused", "actor", actor, "err", err)
		httpError(w, http.StatusUnauthorized, publicReason(err))
		return
	}
	if v.Owner != actor {
		s.log.DebugContext(ctx, "inbox: key owner is not the actor", "actor", actor, "owner", v.Owner)
		httpError(w, http.StatusUnauthorized, "signature: key not owned by actor")
		return
	}
	if !s.admitRate(w, actorOrigin, typ) {
		s.log.DebugContext(ctx, "inbox: rate-limited", "actor", actor, "type", typ)
		return
	}
	if s.receiver != nil {
		ok, err := s.receiver.Admit(ctx, actor)
		if err != nil {
			s.log.ErrorContext(ctx, "inbox: admit", "actor", actor, "err", err)
			httpError(w, http.StatusServiceUnavailable, "try again later")
			return
		}
		if !ok {
			s.log.DebugContext(ctx, "inbox: dropped activity of a refused actor", "actor", actor, "id", id)
			w.WriteHeader(http.StatusAccepted)
			return
		}
	}
	if ok, err := s.aboutOurObject(ctx, typ, doc); err != nil {
		s.log.ErrorContext(ctx, "inbox: object lookup", "id", id, "err", err)
		httpError(w, http.StatusServiceUnavailable, "try again later")
		return
	} else if !ok {
		s.log.DebugContext(ctx, "inbox: interaction with no object of ours ignored", "actor", actor, "id", id)
		w.WriteHeader(http.StatusAccepted)
		return
	}
	in := InboundActivity{ID: id, Actor: actor, Type: typ, Raw: body, ReceivedAt: s.now()}
	isNew, err := s.store.RecordInbound(ctx, in)
	if err != nil {
		s.log.ErrorContext(ctx, "inbox: store", "id", id, "err", err)
		httpError(w, http.StatusServiceUnavailable, "try again later")
		return
	}
	if isNew {
		// Blocks briefly when the workers are behind: back-pressure on senders
		// rather than unbounded memory. What does not fit stays in the store for
		// the periodic backlog pass.
		s.inbound.enqueue(ctx, in, doc)
	}
	w.WriteHeader(http.StatusAccepted)
}

// inboundProcessor handles stored inbound activities off the request path.
type inboundProcessor struct {
	s      *Service
	queue  chan inboundItem
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type inboundItem struct {
	in  InboundActivity
	doc map[string]any
}

// inboundWorkers is how many activities are handled at once. Handling is
// mostly waiting for group commits (an interaction, a moderation decision,
// the processed mark: three in a row), so more workers than cores keep the
// cores busy and make each commit carry more writes; 16 left a steady load
// waiting on the writer, 48 keeps up with what the inbox accepts.
const inboundWorkers = 48

func newInboundProcessor(s *Service) *inboundProcessor {
	return &inboundProcessor{s: s, queue: make(chan inboundItem, 4096)}
}

func (p *inboundProcessor) start(ctx context.Context) {
	ctx, p.cancel = context.WithCancel(context.WithoutCancel(ctx))
	for range inboundWorkers {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case it := <-p.queue:
					p.process(ctx, it.in, it.doc)
				}
			}
		}()
	}
	// Activities accepted before a restart, or that did not fit in the queue,
	// are picked up from the store: at start, then every minute.
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.backlog(ctx, time.Time{})
		t := time.NewTicker(backlogInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				p.backlog(ctx, p.s.now().Add(-backlogInterval))
			}
		}
	}()
}

// backlogInterval is how often stored but unhandled activities are looked for;
// only those older than this are taken, so nothing still queued in memory is
// handled twice.
const backlogInterval = time.Minute

// backlog processes stored activities received before olderThan (zero: all)
// that no worker has handled.
func (p *inboundProcessor) backlog(ctx context.Context, olderThan time.Time) {
	for ctx.Err() == nil {
		items, err := p.s.store.UnprocessedInbound(ctx, 200)
		if err != nil {
			p.s.log.ErrorContext(ctx, "inbound backlog", "err", err)
			return
		}
		n := 0
		for _, in := range items {
			if !olderThan.IsZero() && in.ReceivedAt.After(olderThan) {
				continue
			}
			p.process(ctx, in, nil)
			n++
		}
		if len(items) < 200 || n == 0 {
			return
		}
	}
}

// enqueue hands an activity to the workers, waiting up to a few seconds (or the
// request's end) when they are behind; what does not fit is left in the store
// for the backlog pass.
func (p *inboundProcessor) enqueue(ctx context.Context, in InboundActivity, doc map[string]any) {
	select {
	case p.queue <- inboundItem{in: in, doc: doc}:
		return // the usual case: no timer needed
	default:
	}
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	select {
	case p.queue <- inboundItem{in: in, doc: doc}:
	case <-ctx.Done():
	case <-t.C:
		p.s.log.Warn("inbound queue full; activity left for the backlog", "id", in.ID)
	}
}

func (p *inboundProcessor) stop(ctx context.Context) error {
	if p.cancel == nil {
		return nil
	}
	p.cancel()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("ap: inbound processor did not stop: %w", ctx.Err())
	}
}

func (p *inboundProcessor) process(ctx context.Context, in InboundActivity, doc map[string]any) {
	s := p.s
	if doc == nil {
		var err error
		if doc, _, _, _, err = ParseActivity(in.Raw); err != nil {
			_ = s.store.MarkInboundProcessed(ctx, in.ID, s.now(), err.Error())
			return
		}
	}
	err := s.handleActivity(ctx, in, doc)
	msg := ""
	if err != nil {
		msg = err.Error()
		s.log.WarnContext(ctx, "inbound activity failed", "id", in.ID, "type", in.Type, "err", err)
	}
	if err := s.store.MarkInboundProcessed(ctx, in.ID, s.now(), msg); err != nil {
		s.log.ErrorContext(ctx, "mark inbound processed", "id", in.ID, "err", err)
	}
}

// handledTypes are the activity types artbridge acts on (here or in the Receiver).
var handledTypes = map[string]bool{
	"Follow": true, "Undo": true, "Delete": true, "Like": true, "Announce": true,
	"Create": true, "Update": true, "EmojiReact": true,
}

// handleActivity does the actor-level protocol and hands the rest to the Receiver.
func (s *Service) handleActivity(ctx context.Context, in InboundActivity, doc map[string]any) error {
	if !handledTypes[in.Type] {
		// Not one we act on: go-fed tells an ActivityStreams type we ignore from
		// one nobody defined; either way it is dropped, logged at debug.
		_, err := streams.ToType(ctx, doc)
		s.log.DebugContext(ctx, "ignoring activity", "type", in.Type, "id", in.ID,
			"known_type", !errors.Is(err, streams.ErrUnhandledType))
		return nil
	}
	switch in.Type {
	case "Follow":
		if err := s.handleFollow(ctx, in, doc); err != nil {
			return err
		}
	case "Undo":
		if err := s.handleUndo(ctx, in, doc); err != nil {
			return err
		}
	case "Update":
		if idOf(doc["object"]) == in.Actor {
			// The body is not trusted: the actor's own server is asked.
			if _, err := s.refreshActor(ctx, in.Actor); err != nil {
				return fmt.Errorf("update of actor %s: %w", in.Actor, err)
			}
		}
	case "Delete":
		if idOf(doc["object"]) == in.Actor {
			if _, err := s.store.RemoveFollower(ctx, in.Actor); err != nil {
				return err
			}
		}
	}
	if s.receiver == nil {
		return nil
	}
	return s.receiver.Receive(ctx, in, doc)
}

func (s *Service) handleFollow(ctx context.Context, in InboundActivity, doc map[string]any) error {
	if idOf(doc["object"]) != s.ActorIRI() {
		s.log.DebugContext(ctx, "follow of someone else ignored", "object", idOf(doc["object"]))
		return nil
	}
	ra, err := s.ResolveActor(ctx, in.Actor)
	if err != nil {
		return fmt.Errorf("follow from %s: %w", in.Actor, err)
	}
	if err := s.store.AddFollower(ctx, Follower{
		ActorIRI: in.Actor, Inbox: ra.Inbox, SharedInbox: ra.SharedInbox, FollowID: in.ID, CreatedAt: s.now(),
	}); err != nil {
		return err
	}
	acceptID := s.ActivityIRI(newID())
	accept, err := s.acceptDocument(acceptID, doc)
	if err != nil {
		return err
	}
	body, err := Marshal(accept)
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "new follower", "actor", in.Actor)
	return s.Publish(ctx, Activity{IRI: acceptID, Type: "Accept", JSON: body, Published: s.now()}, []string{ra.Inbox})
}

func (s *Service) handleUndo(ctx context.Context, in InboundActivity, doc map[string]any) error {
	obj := doc["object"]
	isFollow := false
	switch t := obj.(type) {
	case map[string]any:
		typ, _ := t["type"].(string)
		isFollow = typ == "Follow" && idOf(t["object"]) == s.ActorIRI()
		if a := idOf(t["actor"]); a != "" && a != in.Actor {
			return fmt.Errorf("undo of another actor's activity refused")
		}
	case string:
		fs, err := s.followerByFollowID(ctx, in.Actor, t)
		if err != nil {
			return err
		}
		isFollow = fs
	}
	if !isFollow {
		return nil
	}
	removed, err := s.store.RemoveFollower(ctx, in.Actor)
	if err == nil && removed {
		s.log.InfoContext(ctx, "follower left", "actor", in.Actor)
	}
	return err
}

// followerByFollowID reports whether actor follows us through the Follow followID.
func (s *Service) followerByFollowID(ctx context.Context, actor, followID string) (bool, error) {
	f, err := s.store.Follower(ctx, actor)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return f.FollowID == followID, nil
}

// httpError writes a short plain-text error.
func httpError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg+"\n")
}
