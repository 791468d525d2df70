package moderation

import (
	"fmt"
	"time"
)

// RulesetOutcome explains how one ruleset with hits in the post fared.
type RulesetOutcome struct {
	// Ruleset is the ruleset's name.
	Ruleset string
	// Action is the ruleset's action.
	Action Action
	// Tally is what the History counted for the actor within the window,
	// this post included.
	Tally Tally
	// Thresholds are the ruleset's thresholds.
	Thresholds Thresholds
	// Triggered says every threshold was reached.
	Triggered bool
}

// Verdict is the engine's decision on one post, with its reasons.
type Verdict struct {
	// PostID and Actor identify the post.
	PostID, Actor string
	// Action is the most severe action of the rulesets that triggered, or
	// ActionNone when none did.
	Action Action
	// Ruleset names the ruleset whose action won ("" when none triggered).
	// When several triggered with the same action, the first in the rules
	// file wins.
	Ruleset string
	// AppliesToActor says the action concerns the actor (silence, suspend)
	// and not just this post.
	AppliesToActor bool
	// Hits lists every hit of every ruleset, triggered or not.
	Hits []Hit
	// Outcomes explains each ruleset with hits, in rules order.
	Outcomes []RulesetOutcome
}

// Decide records hits (from Scan of the same post) in history, at time now,
// and decides the verdict: a ruleset triggers when the actor's tally within
// its window (since now minus the window, this post included) reaches all
// its thresholds; the most severe triggered action wins. Hits of rulesets
// that these rules do not know (scanned under older rules) are ignored.
func (e *Engine) Decide(post *Post, hits []RulesetHits, history History, now time.Time) (Verdict, error) {
	v := Verdict{PostID: post.ID, Actor: post.Actor}
	for _, rh := range hits {
		ri, ok := e.rules.byName[rh.Ruleset]
		if !ok {
			continue
		}
		rs := &e.rules.rulesets[ri]
		v.Hits = append(v.Hits, rh.Hits...)
		terms := termCounts(rh.Hits)
		if err := history.Record(post.Actor, rs.Name, post.ID, now, terms); err != nil {
			return Verdict{}, fmt.Errorf("moderation: record %q: %w", rs.Name, err)
		}
		t, err := history.Tally(post.Actor, rs.Name, now.Add(-rs.Window))
		if err != nil {
			return Verdict{}, fmt.Errorf("moderation: tally %q: %w", rs.Name, err)
		}
		o := RulesetOutcome{Ruleset: rs.Name, Action: rs.Action, Tally: t, Thresholds: rs.Thresholds, Triggered: t.reaches(rs.Thresholds)}
		v.Outcomes = append(v.Outcomes, o)
		if o.Triggered && (v.Ruleset == "" || rs.Action > v.Action) {
			v.Action = rs.Action
			v.Ruleset = rs.Name
		}
	}
	v.AppliesToActor = v.Action.AppliesToActor()
	return v, nil
}

// Moderate scans post and decides its verdict: Scan followed by Decide.
func (e *Engine) Moderate(post *Post, history History, now time.Time) (Verdict, error) {
	return e.Decide(post, e.Scan(post), history, now)
}

// termCounts sums the hits of one ruleset per term, in order of first hit.
func termCounts(hits []Hit) []TermCount {
	out := make([]TermCount, 0, len(hits))
	index := make(map[string]int, len(hits))
	for _, h := range hits {
		if i, ok := index[h.Term]; ok {
			out[i].Count += h.Count
			continue
		}
		index[h.Term] = len(out)
		out = append(out, TermCount{Term: h.Term, Count: h.Count})
	}
	return out
}
