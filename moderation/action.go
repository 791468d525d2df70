package moderation

import "fmt"

// Action is what a ruleset does to a post (and, for silence and suspend, to
// its actor) when it triggers. Actions are ordered by severity: a larger value
// is more severe.
type Action int

// The actions, from least to most severe.
const (
	// ActionNone records the hit only.
	ActionNone Action = iota
	// ActionNotify records the hit and tells the moderators.
	ActionNotify
	// ActionSensitive passes the post on with a content warning and
	// spoilered media.
	ActionSensitive
	// ActionSilence keeps the post but does not pass it on; it applies to the
	// actor.
	ActionSilence
	// ActionSuspend rejects the actor and drops its activities.
	ActionSuspend
)

// actionNames maps each Action to its name in rules files and verdicts.
var actionNames = [...]string{
	ActionNone:      "none",
	ActionNotify:    "notify",
	ActionSensitive: "sensitive",
	ActionSilence:   "silence",
	ActionSuspend:   "suspend",
}

// String returns the action's name as written in rules files.
func (a Action) String() string {
	if a < 0 || int(a) >= len(actionNames) {
		return fmt.Sprintf("Action(%d)", int(a))
	}
	return actionNames[a]
}

// AppliesToActor reports whether the action concerns the remote actor as a
// whole (silence, suspend) rather than only the post.
func (a Action) AppliesToActor() bool {
	return a == ActionSilence || a == ActionSuspend
}

// ParseAction returns the Action named s (none, notify, sensitive, silence,
// suspend).
func ParseAction(s string) (Action, error) {
	for i, n := range actionNames {
		if n == s {
			return Action(i), nil
		}
	}
	return ActionNone, fmt.Errorf("unknown action %q (want none, notify, sensitive, silence or suspend)", s)
}

// MarshalText implements encoding.TextMarshaler.
func (a Action) MarshalText() ([]byte, error) {
	if a < 0 || int(a) >= len(actionNames) {
		return nil, fmt.Errorf("moderation: invalid action %d", int(a))
	}
	return []byte(actionNames[a]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (a *Action) UnmarshalText(b []byte) error {
	v, err := ParseAction(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}
