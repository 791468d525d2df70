package filter

// evaluator holds the scratch space of one Match call; Filter pools them.
type evaluator struct {
	free    []*extraction
	sets    []*cset
	buf     []byte
	rootVal [1][]byte
	early   earlyCheck
	index   trustedIndex
	// left is what remains of the dispatch's MaxMatchSteps; over is set
	// once it is exhausted (see charge).
	left int
	over bool
}

func (ev *evaluator) getExtraction(n int) *extraction {
	var x *extraction
	if k := len(ev.free); k > 0 {
		x = ev.free[k-1]
		ev.free = ev.free[:k-1]
	} else {
		x = &extraction{}
	}
	x.reset(n)
	return x
}

func (ev *evaluator) putExtraction(x *extraction) {
	x.release()
	ev.free = append(ev.free, x)
}

func (ev *evaluator) getSet() *cset {
	if k := len(ev.sets); k > 0 {
		s := ev.sets[k-1]
		ev.sets = ev.sets[:k-1]
		s.vals, s.missing = s.vals[:0], false
		return s
	}
	return &cset{}
}

func (ev *evaluator) putSet(s *cset) {
	clear(s.vals)
	ev.sets = append(ev.sets, s)
}

// evalQuery evaluates q over the candidate set s: q's paths are resolved in
// every candidate (a missing candidate makes every path missing).
func (ev *evaluator) evalQuery(q *query, s *cset) bool {
	if q.scope == nil {
		return ev.conds(q.conds, s, nil)
	}
	x := ev.getExtraction(len(q.scope.paths))
	defer ev.putExtraction(x)
	if s.missing {
		x.markMissing(q.scope.root.subtree)
	}
	e := extractor{x: x, buf: ev.buf}
	for _, v := range s.vals {
		if !ev.charge(1 + len(v)) {
			return false
		}
		ev.runOn(&e, q.scope.root, v)
	}
	ev.buf = e.buf
	return ev.conds(q.conds, s, x)
}

// conds reports whether every condition holds; self is the query's own
// candidate set and x the candidates of its paths.
func (ev *evaluator) conds(cs []cond, self *cset, x *extraction) bool {
	for i := range cs {
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

func (ev *evaluator) cond(c *cond, set, self *cset, x *extraction) bool {
	n := 1
	if set != nil {
		n += len(set.vals)
		if c.op == opIn || c.op == opNin {
			n += len(set.vals) * len(c.lits)
		}
	}
	if !ev.charge(n) {
		return false
	}
	switch c.op {
	case opEq:
		return anyEqual(set, &c.lit)
	case opNe:
		return !anyEqual(set, &c.lit)
	case opGt, opGte, opLt, opLte:
		return anyOrdered(set, c)
	case opIn:
		return anyIn(set, c.lits)
	case opNin:
		return !anyIn(set, c.lits)
	case opExists:
		return (len(set.vals) > 0) == c.exists
	case opType:
		for _, v := range set.vals {
			if c.types.has(rawKind(v)) {
				return true
			}
		}
		return false
	case opRegex:
		for _, v := range set.vals {
			if rawKind(v) != kindString {
				continue
			}
			if !ev.charge(len(v) * c.reCost) {
				return false
			}
			if hasEscape(v) {
				ev.buf = appendDecoded(ev.buf[:0], v)
				if c.re.Match(ev.buf) {
					return true
				}
			} else if c.re.Match(v[1 : len(v)-1]) {
				return true
			}
		}
		return false
	case opSize:
		for _, v := range set.vals {
			if rawKind(v) == kindArray && arrayLen(v) == c.size {
				return true
			}
		}
		return false
	case opMod:
		for _, v := range set.vals {
			if rawKind(v) == kindNumber && jsMod(rawNumber(v), c.mod[0]) == c.mod[1] {
				return true
			}
		}
		return false
	case opElemMatch:
		return ev.elemMatch(c.sub, set)
	case opAll:
		if len(c.subs) == 0 {
			return false
		}
		for _, q := range c.subs {
			if !ev.evalQuery(q, set) {
				return false
			}
		}
		return true
	case opNot:
		return !ev.evalQuery(c.sub, set)
	case opAnd:
		for _, g := range c.groups {
			if !ev.conds(g, self, x) {
				return false
			}
		}
		return true
	case opOr, opNor:
		some := false
		for _, g := range c.groups {
			if ev.conds(g, self, x) {
				some = true
				break
			}
		}
		return some == (c.op == opOr)
	}
	return false
}

func anyEqual(set *cset, lit *literal) bool {
	if set.missing && lit.k == kindNull {
		return true
	}
	for _, v := range set.vals {
		if lit.equalRaw(v) {
			return true
		}
	}
	return false
}

func anyIn(set *cset, lits []literal) bool {
	for i := range lits {
		if anyEqual(set, &lits[i]) {
			return true
		}
	}
	return false
}

func orderedHolds(op opKind, cmp int) bool {
	switch op {
	case opGt:
		return cmp > 0
	case opGte:
		return cmp >= 0
	case opLt:
		return cmp < 0
	default:
		return cmp <= 0
	}
}

func anyOrdered(set *cset, c *cond) bool {
	if set.missing {
		if cmp, ok := c.lit.compareRaw(nil); ok && orderedHolds(c.op, cmp) {
			return true
		}
	}
	for _, v := range set.vals {
		if cmp, ok := c.lit.compareRaw(v); ok && orderedHolds(c.op, cmp) {
			return true
		}
	}
	return false
}

// elemMatch reports whether some array in set has an element on which q
// holds (the element expanded as a path end: itself, and its elements if it
// is an array).
func (ev *evaluator) elemMatch(q *query, set *cset) bool {
	for _, v := range set.vals {
		if rawKind(v) != kindArray {
			continue
		}
		found := false
		ev.forEachElement(v, func(elem []byte) bool {
			if !ev.charge(1) {
				return false
			}
			s := ev.getSet()
			s.vals = ev.leafExpand(s.vals, elem)
			found = ev.evalQuery(q, s)
			ev.putSet(s)
			return !found
		})
		if found {
			return true
		}
	}
	return false
}

// leafExpand appends v and, if v is an array, its elements recursively: the
// values sift tests at the end of a path.
func (ev *evaluator) leafExpand(dst [][]byte, v []byte) [][]byte {
	if rawKind(v) == kindArray {
		ev.forEachElement(v, func(elem []byte) bool {
			dst = ev.leafExpand(dst, elem)
			return true
		})
	}
	return append(dst, v)
}
