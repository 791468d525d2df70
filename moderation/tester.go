package moderation

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// testerHit is one hit in a tester output line.
type testerHit struct {
	Term  string `json:"term"`
	Field Field  `json:"field"`
}

// testerLine is the tester's output for one post.
type testerLine struct {
	ID      string      `json:"id"`
	Actor   string      `json:"actor"`
	Action  string      `json:"action"`
	Ruleset string      `json:"ruleset"`
	Hits    []testerHit `json:"hits"`
}

// testerError is the tester's output for a line it could not read.
type testerError struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
}

// RunTester is the dry run behind `artbridge moderation test`. It reads
// JSONL from posts (one ActivityStreams object or Create/Update activity per
// line; blank lines are skipped), runs the posts in order through a fresh
// engine and in-memory Tracker, measuring windows on each post's published
// time (a post without one takes the time of the post before it), and
// writes one JSON line per post to out:
//
//	{"id":…,"actor":…,"action":…,"ruleset":…,"hits":[{"term":…,"field":…}]}
//
// action is "none" and ruleset "" when no ruleset triggers; hits lists each
// term and field once, from every ruleset. A line that is not a post gives
// {"line":N,"error":…} and the run goes on. Only reading posts or writing
// out can fail the run.
func RunTester(rules *Rules, posts io.Reader, out io.Writer) error {
	e := NewEngine(rules)
	tr := NewTracker(rules.MaxWindow(), 0)
	r := bufio.NewReaderSize(posts, 64<<10)
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	var last time.Time // published time of the post before
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			if werr := enc.Encode(testLine(e, tr, &last, n, line)); werr != nil {
				return fmt.Errorf("moderation tester: write: %w", werr)
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("moderation tester: read line %d: %w", n, err)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("moderation tester: write: %w", err)
	}
	return nil
}

// testLine runs one input line and returns what to print for it.
func testLine(e *Engine, tr *Tracker, last *time.Time, n int, line []byte) any {
	p, err := ParsePost(line)
	if err != nil {
		return testerError{Line: n, Error: err.Error()}
	}
	now := p.Published
	if now.IsZero() {
		now = *last
	}
	*last = now
	v, err := e.Moderate(&p, tr, now)
	if err != nil {
		return testerError{Line: n, Error: err.Error()}
	}
	out := testerLine{ID: v.PostID, Actor: v.Actor, Action: v.Action.String(), Ruleset: v.Ruleset, Hits: []testerHit{}}
	seen := make(map[testerHit]bool)
	for _, h := range v.Hits {
		th := testerHit{Term: h.Term, Field: h.Field}
		if !seen[th] {
			seen[th] = true
			out.Hits = append(out.Hits, th)
		}
	}
	return out
}
