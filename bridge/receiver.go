package bridge

import (
	"context"
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
		if target := iriOf(doc["object"]); s.isOurNote(target) {
			return s.store.RecordInteraction(ctx, Interaction{NoteIRI: target, ActorIRI: in.Actor, Kind: kind, ActivityID: in.ID, At: in.ReceivedAt})
		}
	case "Create", "Update":
		obj, ok := doc["object"].(map[string]any)
		if !ok {
			return nil
		}
		target := iriOf(obj["inReplyTo"])
		if !s.isOurNote(target) {
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
		if err := s.moderator.InspectReply(ctx, in, doc, target); err != nil {
			return err
		}
		if target != "" && in.Type == "Create" && s.forwarder != nil {
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

// SetForwarder makes replies to our posts reach their Discord threads; call
// it before the server starts.
func (s *Service) SetForwarder(f *Forwarder) { s.forwarder = f }

func (s *Service) isOurNote(iri string) bool {
	return iri != "" && strings.HasPrefix(iri, s.ap.NoteIRI(""))
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
