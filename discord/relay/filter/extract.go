package filter

import (
	"errors"
	"math/bits"
)

// cset is a candidate set: every value a path reaches, already expanded the
// way sift expands arrays at the end of a path (each element, recursively,
// and the array itself), plus whether the path also ends on nothing.
type cset struct {
	vals    [][]byte // raw JSON values, sub-slices of the dispatch
	missing bool
}

// extraction holds the candidate sets of one scope's paths.
type extraction struct {
	sets []cset
}

func (x *extraction) reset(n int) {
	if cap(x.sets) < n {
		x.sets = make([]cset, n)
	}
	x.sets = x.sets[:n]
	for i := range x.sets {
		x.sets[i].vals = x.sets[i].vals[:0]
		x.sets[i].missing = false
	}
}

// release drops the references to dispatch bytes before x is pooled.
func (x *extraction) release() {
	for i := range x.sets {
		clear(x.sets[i].vals)
		x.sets[i].vals = x.sets[i].vals[:0]
	}
}

func (x *extraction) markMissing(mask uint64) {
	for mask != 0 {
		i := bits.TrailingZeros64(mask)
		x.sets[i].missing = true
		mask &^= 1 << uint(i)
	}
}

// Visiting modes: what a value stands for while the extractor walks it.
const (
	modeTerm = 1 << iota // it is a candidate of the path ending at the node
	modeStr              // the node's non-numeric kids apply (key lookup, or fan-out over arrays)
	modeNum              // the node's numeric kids apply (array index, or key lookup on objects)
	modeFull = modeTerm | modeStr | modeNum
)

// extractor walks raw JSON and a scope's trie together.
type extractor struct {
	d   []byte
	x   *extraction
	buf []byte

	// Early rejection, used for the top-level query only: once every path a
	// top-level condition reads is complete, the condition is evaluated, and
	// the walk stops with errDecided if it fails.
	early *earlyCheck

	// trusted skips the values no path reads with the trusted scanner
	// (skip_trusted.go), which assumes valid JSON; ix is its index of d.
	// Every value that becomes a candidate is still validated, since the
	// evaluator reads it.
	trusted bool
	ix      *trustedIndex
}

// earlyCheck evaluates top-level conditions while the dispatch is scanned.
type earlyCheck struct {
	ev        *evaluator
	conds     []cond
	needs     []uint64 // per condition: the slots it reads (0: not eligible)
	evaluated uint64   // conditions already evaluated (the first 64 only)
	held      uint64   // conditions among them that held
	complete  uint64   // slots whose candidates were final when completed
	dirty     uint64   // complete slots written again since (a repeated key)
}

// wrote records that the slots in mask received candidates (or were marked
// missing).
func (c *earlyCheck) wrote(mask uint64) { c.dirty |= mask & c.complete }

// known reports whether condition i was evaluated early, held, and read
// nothing that changed since, so that the final evaluation may skip it.
func (c *earlyCheck) known(i int) bool {
	return i < 64 && c.held&(1<<uint(i)) != 0 && c.needs[i]&c.dirty == 0
}

// errDecided stops the walk of a dispatch that can no longer match.
var errDecided = errors.New("filter: dispatch cannot match")

// completed records that the slots in mask are final and reports whether a
// condition has now failed.
func (c *earlyCheck) completed(x *extraction, mask uint64) bool {
	c.complete |= mask
	for i := range c.conds {
		if i >= 64 {
			break
		}
		n := c.needs[i]
		if n == 0 || n&^c.complete != 0 || c.evaluated&(1<<uint(i)) != 0 {
			continue
		}
		c.evaluated |= 1 << uint(i)
		cd := &c.conds[i]
		var set *cset
		if cd.path >= 0 {
			set = &x.sets[cd.path]
		}
		if !c.ev.cond(cd, set, nil, x) {
			return true
		}
		c.held |= 1 << uint(i)
	}
	return false
}

// run fills e.x with the candidates of every path under n in the value
// starting at e.d[i] and returns the index past that value, validating the
// value as it walks it.
func (e *extractor) run(n *trieNode, i int) (int, error) {
	return e.visit(n, i, 0, modeFull, true)
}

// visit walks the value at d[i] for trie node n. single is true when the
// value is reached through objects only (no array on the way), so that its
// paths are complete once it has been walked.
func (e *extractor) visit(n *trieNode, i, depth int, mode uint8, single bool) (int, error) {
	d := e.d
	if i >= len(d) {
		return 0, errAt(i, "unexpected end of input")
	}
	if n.term < 0 {
		mode &^= modeTerm
	}
	if e.trusted && mode&modeTerm != 0 && !n.walkOnly {
		// A candidate: the evaluator will read all of it, so validate it.
		e.trusted = false
		end, err := e.visit(n, i, depth, mode, single)
		e.trusted = true
		return end, err
	}
	var end int
	var err error
	switch d[i] {
	case '{':
		if (mode&modeStr != 0 && n.strMask != 0) || (mode&modeNum != 0 && n.numMask != 0) {
			end, err = e.object(n, i, depth+1, mode, single)
		} else {
			end, err = e.skip(i, depth)
		}
	case '[':
		if mode&modeTerm != 0 || (mode&modeStr != 0 && n.strMask != 0) || (mode&modeNum != 0 && n.numMask != 0) {
			end, err = e.array(n, i, depth+1, mode)
		} else {
			end, err = e.skip(i, depth)
		}
	default:
		end, err = e.skip(i, depth)
		if err == nil {
			var m uint64
			if mode&modeStr != 0 {
				m |= n.strMask
			}
			if mode&modeNum != 0 {
				m |= n.numMask
			}
			if m != 0 {
				e.markMissing(m)
			}
		}
	}
	if err != nil {
		return 0, err
	}
	if mode&modeTerm != 0 {
		s := &e.x.sets[n.term]
		s.vals = append(s.vals, d[i:end])
		if e.early != nil {
			e.early.wrote(1 << uint(n.term))
		}
	}
	return end, nil
}

// findKid returns the kid of n named by the raw JSON string key (escaped
// tells whether it holds escapes) among the kids that apply in mode, or nil.
func (e *extractor) findKid(n *trieNode, key []byte, escaped bool, mode uint8) *trieNode {
	body := key[1 : len(key)-1]
	var decoded []byte
	if escaped {
		e.buf = appendDecoded(e.buf[:0], key)
		decoded = e.buf
		if n.kidBloom&keyBit(decoded) == 0 {
			return nil
		}
	} else if n.kidBloom&keyBit(body) == 0 {
		return nil
	}
	for _, k := range n.kids {
		if k.numeric {
			if mode&modeNum == 0 {
				continue
			}
		} else if mode&modeStr == 0 {
			continue
		}
		if escaped {
			if string(decoded) == k.key {
				return k
			}
		} else if string(body) == k.key {
			return k
		}
	}
	return nil
}

func (e *extractor) object(n *trieNode, i, depth int, mode uint8, single bool) (int, error) {
	if depth > maxDocDepth {
		return 0, errTooDeep
	}
	d := e.d
	var seen uint64
	i = skipWS(d, i+1)
	if i < len(d) && d[i] == '}' {
		i++
	} else {
		for {
			if i >= len(d) {
				return 0, errAt(i, "unexpected end of input")
			}
			if d[i] != '"' {
				return 0, errAt(i, "expected object key")
			}
			end, esc, err := e.key(i)
			if err != nil {
				return 0, err
			}
			kid := e.findKid(n, d[i:end], esc, mode)
			i = skipWS(d, end)
			if i >= len(d) || d[i] != ':' {
				return 0, errAt(i, "expected ':'")
			}
			i = skipWS(d, i+1)
			if kid != nil {
				seen |= 1 << uint(kid.slot)
				i, err = e.visit(kid, i, depth, modeFull, single)
				if err == nil && single && e.early != nil && e.early.completed(e.x, kid.subtree) {
					err = errDecided
				}
			} else {
				i, err = e.skip(i, depth)
			}
			if err != nil {
				return 0, err
			}
			i = skipWS(d, i)
			if i >= len(d) {
				return 0, errAt(i, "unterminated object")
			}
			if d[i] == '}' {
				i++
				break
			}
			if d[i] != ',' {
				return 0, errAt(i, "expected ',' or '}'")
			}
			i = skipWS(d, i+1)
		}
	}
	for _, k := range n.kids {
		if seen&(1<<uint(k.slot)) != 0 {
			continue
		}
		if (k.numeric && mode&modeNum != 0) || (!k.numeric && mode&modeStr != 0) {
			e.markMissing(k.subtree)
		}
	}
	return i, nil
}

func (e *extractor) array(n *trieNode, i, depth int, mode uint8) (int, error) {
	if depth > maxDocDepth {
		return 0, errTooDeep
	}
	d := e.d
	elemMode := mode & modeTerm
	if mode&modeStr != 0 && n.strMask != 0 {
		elemMode |= modeStr
	}
	indexing := mode&modeNum != 0 && n.numMask != 0
	count := 0
	i = skipWS(d, i+1)
	if i < len(d) && d[i] == ']' {
		i++
	} else {
		for {
			var kid *trieNode
			if indexing {
				for _, k := range n.kids {
					if k.index == count {
						kid = k
						break
					}
				}
			}
			var end int
			var err error
			switch {
			case kid != nil:
				end, err = e.visit(kid, i, depth, modeFull, false)
				if err == nil && elemMode != 0 {
					_, err = e.visit(n, i, depth, elemMode, false)
				}
			case elemMode != 0:
				end, err = e.visit(n, i, depth, elemMode, false)
			default:
				end, err = e.skip(i, depth)
			}
			if err != nil {
				return 0, err
			}
			count++
			i = skipWS(d, end)
			if i >= len(d) {
				return 0, errAt(i, "unterminated array")
			}
			if d[i] == ']' {
				i++
				break
			}
			if d[i] != ',' {
				return 0, errAt(i, "expected ',' or ']'")
			}
			i = skipWS(d, i+1)
		}
	}
	if indexing {
		for _, k := range n.kids {
			if k.numeric && (k.index < 0 || k.index >= count) {
				e.markMissing(k.subtree)
			}
		}
	}
	return i, nil
}

// markMissing records that the paths in mask also end on nothing.
func (e *extractor) markMissing(mask uint64) {
	e.x.markMissing(mask)
	if e.early != nil {
		e.early.wrote(mask)
	}
}

// skip returns the index past the value at e.d[i], which no path reads:
// validated as it is skipped, or jumped over when the extractor is trusted.
func (e *extractor) skip(i, depth int) (int, error) {
	if !e.trusted {
		return skipValue(e.d, i, depth)
	}
	end := e.ix.skip(i)
	if end < 0 {
		return 0, errAt(len(e.d), "unexpected end of input")
	}
	return end, nil
}

// key scans the object key whose opening quote is e.d[i] and returns the
// index past it and whether it holds escapes. A trusted extractor still
// validates keys with escapes, since findKid decodes them.
func (e *extractor) key(i int) (int, bool, error) {
	if !e.trusted {
		return scanString(e.d, i)
	}
	end, esc := e.ix.key(i)
	if end < 0 {
		return 0, false, errAt(len(e.d), "unterminated string")
	}
	if esc {
		return scanString(e.d, i)
	}
	return end, false, nil
}
