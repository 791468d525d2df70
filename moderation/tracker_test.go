package moderation

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestTrackerTally(t *testing.T) {
	tr := NewTracker(time.Hour, 0)
	_ = tr.Record("A", "r", "1", t0, []TermCount{{"x", 2}, {"y", 1}})
	_ = tr.Record("A", "r", "2", t0.Add(time.Minute), []TermCount{{"x", 1}})
	_ = tr.Record("A", "other", "3", t0, []TermCount{{"z", 1}})
	_ = tr.Record("B", "r", "4", t0, []TermCount{{"z", 1}})
	got, _ := tr.Tally("A", "r", t0)
	if got != (Tally{Posts: 2, Hits: 4, Distinct: 2}) {
		t.Errorf("tally %+v", got)
	}
	got, _ = tr.Tally("A", "r", t0.Add(time.Second))
	if got != (Tally{Posts: 1, Hits: 1, Distinct: 1}) {
		t.Errorf("since: %+v", got)
	}
	if got, _ := tr.Tally("C", "r", t0); got != (Tally{}) {
		t.Errorf("unknown actor: %+v", got)
	}
	// An empty post ID is never replaced.
	_ = tr.Record("E", "r", "", t0, []TermCount{{"x", 1}})
	_ = tr.Record("E", "r", "", t0, []TermCount{{"x", 1}})
	if got, _ := tr.Tally("E", "r", t0); got.Posts != 2 {
		t.Errorf("empty IDs: %+v", got)
	}
}

func TestTrackerPrunesByTime(t *testing.T) {
	tr := NewTracker(time.Hour, 0)
	for i := 0; i < 1000; i++ {
		at := t0.Add(time.Duration(i) * time.Minute)
		if err := tr.Record(fmt.Sprintf("actor%d", i), "r", "p", at, []TermCount{{"x", 1}}); err != nil {
			t.Fatal(err)
		}
	}
	// At most the last hour plus one sweep interval (retention/8) is kept.
	if n := tr.Len(); n > 60+60/8+1 {
		t.Errorf("kept %d records, want about 60", n)
	}
	if len(tr.buckets) != tr.Len() {
		t.Errorf("empty buckets kept: %d buckets, %d records", len(tr.buckets), tr.Len())
	}
	tr.Prune(t0.Add(2000 * time.Minute))
	if tr.Len() != 0 || len(tr.buckets) != 0 {
		t.Errorf("Prune left %d", tr.Len())
	}
}

func TestTrackerLimitPerKey(t *testing.T) {
	tr := NewTracker(time.Hour, 5)
	for i := 0; i < 20; i++ {
		_ = tr.Record("A", "r", fmt.Sprint(i), t0, []TermCount{{fmt.Sprint(i), 1}})
	}
	got, _ := tr.Tally("A", "r", t0)
	if got.Posts != 5 || tr.Len() != 5 || got.Distinct != 5 {
		t.Errorf("limit: %+v, len %d", got, tr.Len())
	}
}

func TestTrackerConcurrent(t *testing.T) {
	tr := NewTracker(time.Hour, 0)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				_ = tr.Record("A", "r", fmt.Sprint(g, i), t0, []TermCount{{"x", 1}})
				_, _ = tr.Tally("A", "r", t0)
			}
		}()
	}
	wg.Wait()
	if got, _ := tr.Tally("A", "r", t0); got.Posts != 800 {
		t.Errorf("posts %d", got.Posts)
	}
}
