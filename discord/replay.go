package discord

import (
	"container/heap"
	"sync"
	"time"
)

// maxRememberedInteractions caps the interaction IDs the HTTP endpoint
// remembers. Entries leave when their signed timestamp falls out of the
// freshness window, so the cap is only reached by more than this many
// interactions within five minutes (over 300 a second).
const maxRememberedInteractions = 100_000

// replayGuard remembers the IDs of HTTP interactions already accepted, for as
// long as their signed timestamp would still pass the freshness check, so a
// captured request sent again is refused. Memory is bounded: expired entries are
// dropped on every call, and when the cap is reached by unexpired entries new
// interactions are refused (a replay is never let through to save memory).
type replayGuard struct {
	mu     sync.Mutex
	seen   map[string]time.Time // interaction ID → when its timestamp goes stale
	byTime expiryHeap
	limit  int
}

func newReplayGuard(limit int) *replayGuard {
	return &replayGuard{seen: map[string]time.Time{}, limit: limit}
}

// replayVerdict is the outcome of replayGuard.admit.
type replayVerdict int

const (
	replayFresh replayVerdict = iota // first sight: handle it
	replaySeen                       // a replay: refuse with 401
	replayFull                       // too many live entries: refuse with 503
)

// admit records id, whose signed timestamp stays acceptable until staleAt, and
// reports whether it was new. now drives the expiry of older entries.
func (g *replayGuard) admit(id string, staleAt, now time.Time) replayVerdict {
	g.mu.Lock()
	defer g.mu.Unlock()
	for len(g.byTime) > 0 && !g.byTime[0].staleAt.After(now) {
		e := heap.Pop(&g.byTime).(expiryEntry)
		if g.seen[e.id].Equal(e.staleAt) {
			delete(g.seen, e.id)
		}
	}
	if until, ok := g.seen[id]; ok && until.After(now) {
		return replaySeen
	}
	if len(g.seen) >= g.limit {
		return replayFull
	}
	g.seen[id] = staleAt
	heap.Push(&g.byTime, expiryEntry{id: id, staleAt: staleAt})
	return replayFresh
}

// size is the number of remembered IDs (for tests).
func (g *replayGuard) size() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.seen)
}

type expiryEntry struct {
	id      string
	staleAt time.Time
}

// expiryHeap orders entries by staleAt, soonest first (container/heap).
type expiryHeap []expiryEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].staleAt.Before(h[j].staleAt) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiryEntry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
