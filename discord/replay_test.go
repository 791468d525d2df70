package discord

import (
	"strconv"
	"testing"
	"time"
)

func TestReplayGuardRefusesAReplayUntilItsTimestampIsStale(t *testing.T) {
	t.Parallel()
	g := newReplayGuard(10)
	now := time.Unix(1_700_000_000, 0)
	stale := now.Add(maxTimestampSkew)
	if v := g.admit("1", stale, now); v != replayFresh {
		t.Fatalf("first sight: %v", v)
	}
	if v := g.admit("1", stale, now.Add(time.Minute)); v != replaySeen {
		t.Fatalf("replay within the window: %v, want replaySeen", v)
	}
	// Once the timestamp is stale the signature check refuses it anyway; the
	// entry is dropped so memory does not grow.
	if v := g.admit("2", now.Add(2*maxTimestampSkew), stale); v != replayFresh {
		t.Fatalf("another ID: %v", v)
	}
	if n := g.size(); n != 1 {
		t.Fatalf("%d entries remembered after the first went stale, want 1", n)
	}
}

func TestReplayGuardIsBoundedAndRefusesWhenFull(t *testing.T) {
	t.Parallel()
	g := newReplayGuard(3)
	now := time.Unix(1_700_000_000, 0)
	for i := range 3 {
		if v := g.admit(strconv.Itoa(i), now.Add(maxTimestampSkew), now); v != replayFresh {
			t.Fatalf("entry %d: %v", i, v)
		}
	}
	if v := g.admit("new", now.Add(maxTimestampSkew), now); v != replayFull {
		t.Fatalf("over the cap: %v, want replayFull (never forget a live ID to make room)", v)
	}
	if v := g.admit("0", now.Add(maxTimestampSkew), now); v != replaySeen {
		t.Fatalf("a replay when full: %v, want replaySeen", v)
	}
	later := now.Add(maxTimestampSkew)
	if v := g.admit("new", later.Add(maxTimestampSkew), later); v != replayFresh {
		t.Fatalf("after expiry: %v", v)
	}
	if n := g.size(); n != 1 {
		t.Fatalf("%d entries, want 1", n)
	}
}
