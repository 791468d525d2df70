package filter

import (
	"errors"
	"fmt"
	"sync"
)

// ErrInvalidDispatch is wrapped by the error Match returns for input that is
// not one well-formed JSON value.
var ErrInvalidDispatch = errors.New("invalid dispatch JSON")

// Filter is compiled criteria. It is immutable and safe for concurrent use.
type Filter struct {
	q     *query
	needs []uint64 // per top-level condition: the slots it reads, 0 if it cannot be decided early
	// readsSelf is true when a top-level condition reads the dispatch as a
	// whole ({"$type": "object"}), so that MatchTrusted must validate it all.
	readsSelf bool
	pool      sync.Pool
}

// Compile parses criteria, a JSON object in the query language described in
// the package documentation. Every error wraps ErrInvalidCriteria and says
// where in the criteria the problem is.
func Compile(criteria []byte) (*Filter, error) {
	m, err := parseCriteria(criteria)
	if err != nil {
		return nil, err
	}
	if err := checkCost(m); err != nil {
		return nil, err
	}
	var c compiler
	q, err := c.compileQuery(m, "")
	if err != nil {
		return nil, err
	}
	f := &Filter{q: q, needs: make([]uint64, len(q.conds))}
	for i := range q.conds {
		if n, ok := condNeeds(&q.conds[i], q.scope); ok {
			f.needs[i] = n
		}
	}
	f.readsSelf = readsSelf(q.conds)
	f.pool.New = func() any { return &evaluator{} }
	return f, nil
}

// Match reports whether the raw gateway dispatch (the whole payload, e.g.
// {"op":0,"d":{…},"s":42,"t":"MESSAGE_CREATE"}) satisfies the criteria.
//
// The dispatch is validated as it is scanned, and input that is not exactly
// one well-formed JSON value (white space around it allowed) never matches.
// Match stops reading as soon as a top-level condition has failed, so the
// error (wrapping ErrInvalidDispatch) is reported only when the malformed
// part is reached: an invalid dispatch gives (false, error) or (false, nil),
// never true. Callers that must tell the two apart validate separately, as
// RunFilterTest does.
func (f *Filter) Match(dispatch []byte) (bool, error) {
	return f.match(dispatch, false)
}

// MatchTrusted is Match for a dispatch already known to be valid JSON, such
// as one the gateway client has already decoded (discordgo unmarshals every
// payload with encoding/json, which rejects invalid JSON, before handing its
// raw "d" on).
//
// On valid JSON nested at most 128 deep, MatchTrusted gives exactly the
// answer of Match (duplicate keys included), and never an error. What it
// drops is the validation of the parts the criteria never read: values under
// keys no path names are jumped over by counting brackets and finding the
// closing quotes of strings, without checking their grammar or their
// nesting depth. The values the criteria do read (those compared,
// regex-matched or walked by $elemMatch, $all and $not), every object key
// holding an escape, and the whole dispatch when a top-level operator reads
// it (as {"$type": "object"} does) are still validated, so an invalid
// dispatch may get any answer, or an error wrapping ErrInvalidDispatch, but
// never makes MatchTrusted panic or read out of bounds. Criteria that read
// nothing ({}) match without looking at the dispatch.
func (f *Filter) MatchTrusted(dispatch []byte) (bool, error) {
	if f.q.scope == nil && len(f.q.conds) == 0 {
		return true, nil
	}
	ev := f.pool.Get().(*evaluator)
	defer f.pool.Put(ev)
	return f.matchTrustedWith(ev, dispatch)
}

// matchTrustedWith is MatchTrusted with the evaluator ev.
func (f *Filter) matchTrustedWith(ev *evaluator, dispatch []byte) (bool, error) {
	if f.q.scope == nil && len(f.q.conds) == 0 {
		return true, nil
	}
	return f.matchWith(ev, dispatch, !f.readsSelf && f.q.scope != nil)
}

// match is Match, or MatchTrusted when trusted is true.
func (f *Filter) match(dispatch []byte, trusted bool) (bool, error) {
	ev := f.pool.Get().(*evaluator)
	defer f.pool.Put(ev)
	return f.matchWith(ev, dispatch, trusted)
}

// matchWith is match with the evaluator ev.
func (f *Filter) matchWith(ev *evaluator, dispatch []byte, trusted bool) (bool, error) {
	ev.left, ev.over = MaxMatchSteps, false
	i := skipWS(dispatch, 0)
	var x *extraction
	var end int
	var err error
	if f.q.scope != nil {
		x = ev.getExtraction(len(f.q.scope.paths))
		defer ev.putExtraction(x)
		ev.early = earlyCheck{ev: ev, conds: f.q.conds, needs: f.needs}
		e := extractor{d: dispatch, x: x, buf: ev.buf, early: &ev.early, trusted: trusted}
		// The index serves the trusted scan and, in both modes, nested
		// queries re-reading validated values (nested.go).
		ev.index.reset(dispatch)
		defer ev.index.reset(nil)
		if trusted {
			e.ix = &ev.index
		}
		end, err = e.run(f.q.scope.root, i)
		ev.buf = e.buf
		if err == errDecided {
			return false, ev.overBudget()
		}
	} else {
		end, err = skipValue(dispatch, i, 0)
	}
	if err == nil && skipWS(dispatch, end) != len(dispatch) {
		err = errAt(skipWS(dispatch, end), "data after the JSON value")
	}
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrInvalidDispatch, err)
	}
	ev.rootVal[0] = dispatch[i:end]
	self := cset{vals: ev.rootVal[:]}
	var ok bool
	if x == nil {
		ok = ev.conds(f.q.conds, &self, x)
	} else {
		ok = ev.topConds(f.q.conds, &self, x)
	}
	ev.rootVal[0] = nil
	if err := ev.overBudget(); err != nil {
		return false, err
	}
	return ok, nil
}

// condNeeds returns the slots a top-level condition reads and whether it can
// be evaluated before the whole dispatch is scanned: it must read paths only
// (or be a logical operator over such conditions), never the dispatch itself.
func condNeeds(c *cond, sc *scope) (uint64, bool) {
	switch c.op {
	case opAnd, opOr, opNor:
		var m uint64
		for _, g := range c.groups {
			for i := range g {
				n, ok := condNeeds(&g[i], sc)
				if !ok {
					return 0, false
				}
				m |= n
			}
		}
		return m, m != 0
	}
	if c.path < 0 || sc == nil {
		return 0, false
	}
	return 1 << uint(c.path), true
}

// readsSelf reports whether a condition of cs, or of the $and/$or/$nor
// inside it, applies to the query's own candidate set rather than a path.
func readsSelf(cs []cond) bool {
	for i := range cs {
		c := &cs[i]
		switch c.op {
		case opAnd, opOr, opNor:
			for _, g := range c.groups {
				if readsSelf(g) {
					return true
				}
			}
		default:
			if c.path < 0 {
				return true
			}
		}
	}
	return false
}

// topConds is conds for the top-level query after an extraction with early
// checks: the conditions the early checks found to hold, on candidates that
// have not changed since, are not evaluated again.
func (ev *evaluator) topConds(cs []cond, self *cset, x *extraction) bool {
	for i := range cs {
		if ev.early.known(i) {
			continue
		}
		c := &cs[i]
		set := self
		if c.path >= 0 {
			set = &x.sets[c.path]
		}
		if !ev.cond(c, set, self, x) {
			return false
		}
	}
	return true
}
