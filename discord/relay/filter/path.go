package filter

import (
	"fmt"
	"strings"
)

// maxPathsPerScope bounds the distinct paths one query document (with its
// $and/$or/$nor children) may read; each gets a bit in a 64-bit mask.
const maxPathsPerScope = 64

// trieNode is one segment of the dotted paths a scope reads. The extractor
// walks a dispatch and the trie together, descending only into keys some
// path needs.
type trieNode struct {
	key     string
	numeric bool // JavaScript's Number(key) is not NaN: never fans out over arrays
	index   int  // canonical array index (digits, no leading zero), else -1
	kids    []*trieNode
	slot    int    // index of this node among its parent's kids
	term    int    // path slot ending here, or -1
	subtree uint64 // slots of every path ending in this subtree
	strMask uint64 // subtree slots of the non-numeric kids
	numMask uint64 // subtree slots of the numeric kids
	// kidBloom has bit keyBit(k.key) set for every kid k: a key whose bit
	// is clear names no kid (the common case, tested before any string).
	kidBloom uint64
	// walkOnly is set on a path end whose candidates are only ever walked
	// by $elemMatch through index-guarded code (see walkOnlySlots), so that
	// MatchTrusted need not validate them.
	walkOnly bool
}

// keyBit hashes a key (its decoded value) to one of 64 bits from its length
// and its first and last bytes.
func keyBit[T string | []byte](k T) uint64 {
	h := uint(len(k))
	if len(k) > 0 {
		h += uint(k[0])*5 + uint(k[len(k)-1])*3
	}
	return 1 << (h & 63)
}

func newTrieNode(key string, slot int) *trieNode {
	return &trieNode{key: key, numeric: jsNumeric(key), index: arrayIndex(key), slot: slot, term: -1}
}

// scope gathers the paths read against one candidate set: by a query
// document and the $and/$or/$nor inside it.
type scope struct {
	root  *trieNode
	paths []string
}

func newScope() *scope { return &scope{root: newTrieNode("", 0)} }

// slotFor returns the slot of the dotted path p in the scope, adding it.
func (s *scope) slotFor(p string) (int, error) {
	n := s.root
	for _, seg := range strings.Split(p, ".") {
		var next *trieNode
		for _, k := range n.kids {
			if k.key == seg {
				next = k
				break
			}
		}
		if next == nil {
			next = newTrieNode(seg, len(n.kids))
			n.kids = append(n.kids, next)
		}
		n = next
	}
	if n.term < 0 {
		if len(s.paths) >= maxPathsPerScope {
			return 0, fmt.Errorf("more than %d distinct paths in one query document", maxPathsPerScope)
		}
		n.term = len(s.paths)
		s.paths = append(s.paths, p)
	}
	return n.term, nil
}

// finish computes the masks once every path is in.
func (s *scope) finish() { finishNode(s.root) }

// markWalkOnly sets walkOnly on the path ends of the slots in mask.
func markWalkOnly(n *trieNode, mask uint64) {
	if n.term >= 0 && mask&(1<<uint(n.term)) != 0 {
		n.walkOnly = true
	}
	for _, k := range n.kids {
		markWalkOnly(k, mask)
	}
}

func finishNode(n *trieNode) uint64 {
	var m uint64
	if n.term >= 0 {
		m = 1 << uint(n.term)
	}
	for _, k := range n.kids {
		n.kidBloom |= keyBit(k.key)
		km := finishNode(k)
		m |= km
		if k.numeric {
			n.numMask |= km
		} else {
			n.strMask |= km
		}
	}
	n.subtree = m
	return m
}

// arrayIndex returns the array index a path segment names (decimal digits,
// no leading zero, as JavaScript array keys are written), or -1.
func arrayIndex(seg string) int {
	if seg == "" || len(seg) > 9 || (seg[0] == '0' && len(seg) > 1) {
		return -1
	}
	n := 0
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// jsNumeric reports whether JavaScript's Number(seg) is a number rather than
// NaN. sift (walkKeyPathValues in src/core.ts) fans a path out over the
// elements of an array only when the next segment is NaN as a number; a
// numeric segment indexes the array instead (and finds nothing unless it is
// a canonical index).
func jsNumeric(seg string) bool {
	s := strings.Trim(seg, " \t\n\v\f\r\u00a0\ufeff\u2028\u2029")
	if s == "" {
		return true
	}
	switch s {
	case "Infinity", "+Infinity", "-Infinity":
		return true
	}
	if len(s) > 2 && s[0] == '0' {
		base := 0
		switch s[1] {
		case 'x', 'X':
			base = 16
		case 'o', 'O':
			base = 8
		case 'b', 'B':
			base = 2
		}
		if base != 0 {
			for i := 2; i < len(s); i++ {
				d := hexVal(s[i])
				if d < 0 || d >= base {
					return false
				}
			}
			return true
		}
	}
	i := 0
	if s[0] == '+' || s[0] == '-' {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}
