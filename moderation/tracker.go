package moderation

import (
	"sync"
	"time"
)

// DefaultTrackerLimit is the most posts a Tracker keeps per actor and
// ruleset unless told otherwise.
const DefaultTrackerLimit = 10000

// Tracker is an in-memory History for the dry-run tester and for tests. It
// reads no clock: times come from Record and Tally. Memory stays bounded:
// records older than the retention (measured from the newest time seen) are
// pruned as time advances, and at most limit posts are kept per actor and
// ruleset (the oldest go first). It is safe for concurrent use.
type Tracker struct {
	mu        sync.Mutex
	retention time.Duration
	limit     int
	buckets   map[bucketKey]*bucket
	newest    time.Time
	lastSweep time.Time
	records   int
}

// bucketKey is one actor and ruleset.
type bucketKey struct{ actor, ruleset string }

// bucket holds the records of one actor and ruleset, oldest first (in the
// order recorded).
type bucket struct {
	records []record
}

// record is one post's hits for one ruleset.
type record struct {
	postID string
	at     time.Time
	terms  []TermCount
}

// NewTracker returns a Tracker that keeps records for retention (use the
// rules' MaxWindow) and at most limit posts per actor and ruleset (0 means
// DefaultTrackerLimit). Thresholds of more posts than limit are never
// reached with it.
func NewTracker(retention time.Duration, limit int) *Tracker {
	if limit <= 0 {
		limit = DefaultTrackerLimit
	}
	if retention <= 0 {
		retention = DefaultWindow
	}
	return &Tracker{retention: retention, limit: limit, buckets: make(map[bucketKey]*bucket)}
}

// Record implements History.
func (t *Tracker) Record(actor, ruleset, postID string, at time.Time, terms []TermCount) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if at.After(t.newest) {
		t.newest = at
	}
	k := bucketKey{actor, ruleset}
	b := t.buckets[k]
	if b == nil {
		b = &bucket{}
		t.buckets[k] = b
	}
	if postID != "" {
		for i := range b.records {
			if b.records[i].postID == postID {
				b.records = append(b.records[:i], b.records[i+1:]...)
				t.records--
				break
			}
		}
	}
	b.records = append(b.records, record{postID: postID, at: at, terms: append([]TermCount(nil), terms...)})
	t.records++
	if over := len(b.records) - t.limit; over > 0 {
		b.records = append(b.records[:0], b.records[over:]...)
		t.records -= over
	}
	if t.newest.Sub(t.lastSweep) >= t.retention/8 {
		t.sweep(t.newest.Add(-t.retention))
		t.lastSweep = t.newest
	}
	return nil
}

// Tally implements History.
func (t *Tracker) Tally(actor, ruleset string, since time.Time) (Tally, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out Tally
	b := t.buckets[bucketKey{actor, ruleset}]
	if b == nil {
		return out, nil
	}
	var seen map[string]bool
	for _, r := range b.records {
		if r.at.Before(since) {
			continue
		}
		out.Posts++
		for _, tc := range r.terms {
			out.Hits += tc.Count
			if seen == nil {
				seen = make(map[string]bool)
			}
			if !seen[tc.Term] {
				seen[tc.Term] = true
				out.Distinct++
			}
		}
	}
	return out, nil
}

// Prune drops every record older than before.
func (t *Tracker) Prune(before time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweep(before)
}

// Len returns the number of records kept (posts per actor and ruleset).
func (t *Tracker) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.records
}

// sweep drops records older than before and empty buckets. t.mu is held.
func (t *Tracker) sweep(before time.Time) {
	for k, b := range t.buckets {
		kept := b.records[:0]
		for _, r := range b.records {
			if !r.at.Before(before) {
				kept = append(kept, r)
			}
		}
		t.records -= len(b.records) - len(kept)
		clear(b.records[len(kept):])
		b.records = kept
		if len(kept) == 0 {
			delete(t.buckets, k)
		}
	}
}
