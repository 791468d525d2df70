package bridge

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/artbridge/artbridge/ap"
)

var _ ap.Receiver = (*Service)(nil)

// Admit lets every actor in; moderation (suspensions) narrows this.
func (s *Service) Admit(ctx context.Context, actorIRI string) (bool, error) {
	if s.moderator == nil {
		return true, nil
	}
	return s.moderator.Admit(ctx, actorIRI)
}

// Receive records interactions with our posts (they widen a takedown's reach)
// and passes replies and mentions through moderation.
func (s *Service) Receive(ctx context.Context, in ap.InboundActivity, doc map[string]any) error {
	switch in.Type {
	case "Like", "Announce", "EmojiReact":
		kind := "like"
		if in.Type == "Announce" {
			kind = "announce"
		}
		target := iriOf(doc["object"])
		exists, err := s.noteExists(ctx, target)
		if err != nil {
			return err
		}
		if exists {
			if err := s.store.RecordInteraction(ctx, Interaction{NoteIRI: target, ActorIRI: in.Actor, Kind: kind, ActivityID: in.ID, At: in.ReceivedAt}); err != nil {
				return err
			}
			if s.forwarder != nil {
				s.forwarder.CountsChanged(target)
			}
		}
	case "Undo":
		return s.undoInteraction(ctx, in, doc)
	case "Create", "Update":
		obj, ok := doc["object"].(map[string]any)
		if !ok {
			return nil
		}
		target := iriOf(obj["inReplyTo"])
		exists, err := s.noteExists(ctx, target)
		if err != nil {
			return err
		}
		if !exists {
			target = ""
		}
		if target != "" {
			if err := s.store.RecordInteraction(ctx, Interaction{NoteIRI: target, ActorIRI: in.Actor, Kind: "reply", ActivityID: in.ID, At: in.ReceivedAt}); err != nil {
				return err
			}
		}
		if s.moderator == nil {
			return nil
		}
		if s.forwarder == nil || !isPublicOrUnlisted(doc, obj) {
			// Without Discord there is no thread to forward replies to, and
			// followers-only and direct replies are recorded but never shown.
			target = ""
		}
		if err := s.moderator.InspectReply(ctx, in, doc, target); err != nil {
			return err
		}
		if target != "" && in.Type == "Create" {
			s.forwarder.Wake()
		}
	case "Delete":
		// A reply deleted by its author leaves the Discord thread too.
		if s.forwarder != nil {
			if replyID := iriOf(doc["object"]); replyID != "" && replyID != in.Actor {
				return s.forwarder.Withdraw(ctx, in.Actor, replyID)
			}
		}
	}
	return nil
}

// undoInteraction handles the Undo of a Like, Announce or EmojiReact (the
// actor layer has refused an Undo of another actor's activity): the
// interaction stops counting, but still widens a takedown's reach.
func (s *Service) undoInteraction(ctx context.Context, in ap.InboundActivity, doc map[string]any) error {
	var activityID, noteIRI, kind string
	switch o := doc["object"].(type) {
	case string:
		activityID = o
	case map[string]any:
		activityID = iriOf(o)
		switch typ, _ := o["type"].(string); typ {
		case "Like", "EmojiReact":
			kind = "like"
		case "Announce":
			kind = "announce"
		default:
			return nil
		}
		noteIRI = iriOf(o["object"])
	default:
		return nil
	}
	at := in.ReceivedAt
	if at.IsZero() {
		at = s.now()
	}
	notes, err := s.store.UndoInteraction(ctx, in.Actor, activityID, noteIRI, kind, at)
	if err != nil {
		return err
	}
	if s.forwarder != nil {
		for _, n := range notes {
			s.forwarder.CountsChanged(n)
		}
	}
	return nil
}

// SetForwarder makes replies to our posts reach their Discord threads; call
// it before the server starts.
func (s *Service) SetForwarder(f *Forwarder) { s.forwarder = f }

func (s *Service) isOurNote(iri string) bool {
	return iri != "" && strings.HasPrefix(iri, s.ap.NoteIRI(""))
}

// noteExists reports whether iri is one of our Notes with a post behind it
// (taken down or not: interactions with a taken-down Note still widen the
// takedown's reach). Anything else is ignored, not stored.
func (s *Service) noteExists(ctx context.Context, iri string) (bool, error) {
	if !s.isOurNote(iri) {
		return false, nil
	}
	id := strings.TrimPrefix(iri, s.ap.NoteIRI(""))
	if id == "" || strings.ContainsAny(id, "/?#") {
		return false, nil
	}
	_, err := s.store.Post(ctx, id)
	if errors.Is(err, ErrNotFound) || errors.Is(err, ap.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up note %s: %w", id, err)
	}
	return true, nil
}

// publicAddress is the ActivityStreams Public collection, in its three spellings.
var publicAddress = map[string]bool{
	"https://www.w3.org/ns/activitystreams#Public": true,
	"as:Public": true,
	"Public":    true,
}

// isPublicOrUnlisted reports whether a reply is addressed to Public in to
// (public) or cc (unlisted), reading the object's addressing, or the
// activity's when the object has none.
func isPublicOrUnlisted(activity, obj map[string]any) bool {
	src := obj
	if obj["to"] == nil && obj["cc"] == nil {
		src = activity
	}
	for _, field := range []string{"to", "cc"} {
		for _, a := range addresses(src[field]) {
			if publicAddress[a] {
				return true
			}
		}
	}
	return false
}

// addresses lists the IRIs of an addressing field (one value or an array).
func addresses(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case map[string]any:
		return []string{iriOf(t)}
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			if len(out) >= 1000 {
				break
			}
			out = append(out, iriOf(x))
		}
		return out
	}
	return nil
}

// iriOf returns the IRI of a string or an object with an id.
func iriOf(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case map[string]any:
		id, _ := t["id"].(string)
		return id
	case []any:
		if len(t) > 0 {
			return iriOf(t[0])
		}
	}
	return ""
}
