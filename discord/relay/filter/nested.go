package filter

// This file lets the evaluator walk the values it has already validated
// (candidates of a path, which nested queries, $elemMatch and $size read
// again) with the trusted scanner of skip_trusted.go instead of validating
// them a second time. A candidate is a sub-slice of the dispatch, which the
// evaluator's trustedIndex classifies on demand; everything before the
// candidate was validated (Match) or classified by the same index
// (MatchTrusted), so the index's view of where strings start and end inside
// the candidate is the true one for valid JSON. Every position it gives is
// still checked to lie inside the candidate, falling back to the validating
// scanner otherwise, so invalid input cannot make it read out of bounds.

// offsetOf returns the offset of v in the classified dispatch, or -1 when v
// is not a non-empty sub-slice of it.
func (x *trustedIndex) offsetOf(v []byte) int {
	if len(v) == 0 || len(x.d) == 0 {
		return -1
	}
	off := cap(x.d) - cap(v)
	if off < 0 || off > len(x.d)-len(v) || &x.d[off] != &v[0] {
		return -1
	}
	return off
}

// forEachElement calls f with each element of the validated raw array a
// until f returns false, as the package function does, jumping over the
// elements with the index when a is part of the dispatch.
func (ev *evaluator) forEachElement(a []byte, f func(elem []byte) bool) {
	off := ev.index.offsetOf(a)
	if off < 0 {
		forEachElement(a, f)
		return
	}
	i := skipWS(a, 1)
	if a[i] == ']' {
		return
	}
	for {
		end := ev.index.skip(off+i) - off
		if end <= i || end > len(a)-1 {
			end2, err := skipValue(a, i, 0)
			if err != nil {
				return // unreachable for validated input
			}
			end = end2
		}
		if !f(a[i:end]) {
			return
		}
		i = skipWS(a, end)
		if i >= len(a) || a[i] == ']' {
			return
		}
		i = skipWS(a, i+1)
	}
}

// runOn fills e.x with the candidates of the paths under the scope root in
// the validated value v, reading it through the index when v is part of the
// dispatch.
func (ev *evaluator) runOn(e *extractor, root *trieNode, v []byte) {
	if off := ev.index.offsetOf(v); off >= 0 {
		// On invalid input (MatchTrusted only) the walk may stop early or
		// be wrong, leaving any answer; it never leaves the dispatch.
		e.d, e.trusted, e.ix = ev.index.d, true, &ev.index
		e.run(root, off)
		return
	}
	e.d, e.trusted, e.ix = v, false, nil
	e.run(root, 0) // cannot fail: v was validated
}
