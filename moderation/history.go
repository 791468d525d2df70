package moderation

import "time"

// TermCount is how often one term occurred in one post.
type TermCount struct {
	// Term is the term as Hit.Term names it.
	Term string
	// Count is its number of occurrences in the post, all fields together.
	Count int
}

// Tally is what a History counts for one actor and ruleset within a window.
type Tally struct {
	// Posts is the number of posts recorded with hits.
	Posts int
	// Hits is the sum of the term occurrences of those posts.
	Hits int
	// Distinct is the number of different terms among them.
	Distinct int
}

// reaches reports whether every count reaches its threshold.
func (t Tally) reaches(th Thresholds) bool {
	return t.Posts >= th.Posts && t.Hits >= th.Hits && t.Distinct >= th.Distinct
}

// History keeps the hits that thresholds count, per remote actor and ruleset
// name. The server implements it on its database; Tracker implements it in
// memory. Keys are ruleset names, so counts survive a reload of the rules.
//
// A database implementation can keep one row per (actor, ruleset, post,
// term) with the time and count: Record replaces the rows of (actor,
// ruleset, post) and Tally is one aggregate query over rows at or after
// since.
type History interface {
	// Record stores the hits of post postID for actor and ruleset at time at.
	// Recording a post ID again replaces what was recorded for it before
	// (an edited post is counted once, as it now reads). An empty postID
	// is never replaced.
	Record(actor, ruleset, postID string, at time.Time, terms []TermCount) error
	// Tally counts what was recorded for actor and ruleset at or after since.
	Tally(actor, ruleset string, since time.Time) (Tally, error)
}
