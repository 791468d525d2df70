package ap

import (
	"net/http"
	"strconv"
)

// checkAuthority refuses an activity that acts on what its actor does not
// own, judged from the body alone: the object an actor creates, updates or
// deletes is on the actor's own host and, when it names an author, is the
// actor's; an Undo undoes an activity of the actor's, on its host. It returns
// the status and the few words of the refusal, or 0.
func checkAuthority(typ, actor string, doc map[string]any) (int, string) {
	obj := doc["object"]
	objID := idOf(obj)
	switch typ {
	case "Create", "Update", "Delete":
		if objID == "" {
			return http.StatusBadRequest, "object has no id"
		}
		if !sameOrigin(objID, actor) {
			return http.StatusForbidden, "object is not on the actor's host"
		}
		if m, ok := obj.(map[string]any); ok {
			if a, has := m["attributedTo"]; has && idOf(a) != actor {
				return http.StatusForbidden, "object is not the actor's"
			}
			if a, has := m["actor"]; has && idOf(a) != actor {
				return http.StatusForbidden, "object is not the actor's"
			}
		}
	case "Undo":
		if objID == "" {
			return http.StatusBadRequest, "object has no id"
		}
		if !sameOrigin(objID, actor) {
			return http.StatusForbidden, "object is not on the actor's host"
		}
		if m, ok := obj.(map[string]any); ok {
			if a, has := m["actor"]; has && idOf(a) != actor {
				return http.StatusForbidden, "undo of another actor's activity"
			}
		}
	}
	return 0, ""
}

// admitRate takes a token from the sender host's buckets (the Follow bucket
// too for a Follow); when one is empty it answers 429 with Retry-After and
// reports false.
func (s *Service) admitRate(w http.ResponseWriter, senderOrigin, typ string) bool {
	now := s.now()
	ok, wait := s.inLimit.take(senderOrigin, now)
	if ok && typ == "Follow" {
		ok, wait = s.follows.take(senderOrigin, now)
	}
	if ok {
		return true
	}
	secs := int(wait.Seconds()) + 1
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	httpError(w, http.StatusTooManyRequests, "too many activities from your host; retry later")
	return false
}
