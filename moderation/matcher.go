package moderation

import "strings"

// termRef points from a matcher entry to one term of one ruleset.
type termRef struct {
	ruleset int32
	term    int32
	langs   []string // nil: any language
}

// dupTerm is a term listed twice in one ruleset.
type dupTerm struct {
	ruleset int
	term    string
}

// matcher finds every keyword and hashtag of every ruleset in one pass over
// a text's words. Keywords are paths in a trie whose edges are word IDs: the
// cost per word of text is one vocabulary lookup plus one trie step per word
// of a keyword that actually matches there, whatever the number of keywords.
// Hashtags are one map lookup per #tag.
type matcher struct {
	vocab    map[string]int32 // normalised word → word ID
	root     []int32          // word ID → trie node reached from the root (0: none)
	next     map[uint64]int32 // node<<32 | word ID → child node
	terminal [][]termRef      // node → terms ending there
	tags     map[string][]termRef
	// terms[r][t] is the display form of term t of ruleset r: the keyword
	// as written, or the hashtag with its '#'.
	terms              [][]string
	onlyIfNotSensitive []bool
}

// compileMatcher builds the matcher for rulesets, which NewRules has
// validated. It reports terms listed twice within one ruleset.
func compileMatcher(rulesets []Ruleset, n *normalizer) (*matcher, []dupTerm) {
	m := &matcher{
		vocab:              make(map[string]int32),
		next:               make(map[uint64]int32),
		terminal:           [][]termRef{nil}, // node 0 is "no node"
		tags:               make(map[string][]termRef),
		terms:              make([][]string, len(rulesets)),
		onlyIfNotSensitive: make([]bool, len(rulesets)),
	}
	var dups []dupTerm
	for ri, rs := range rulesets {
		m.onlyIfNotSensitive[ri] = rs.OnlyIfNotSensitive
		type entry struct {
			node int32
			pos  int // index in m.terminal[node]
		}
		seenKw := make(map[string]entry)
		for _, k := range rs.Keywords {
			text := n.appendNormalized(nil, []byte(k.Term))
			words, _ := segment(text, nil, nil)
			parts := make([]string, len(words))
			for i, w := range words {
				parts[i] = string(text[w.start:w.end])
			}
			key := strings.Join(parts, " ")
			if e, ok := seenKw[key]; ok {
				dups = append(dups, dupTerm{ri, k.Term})
				ref := &m.terminal[e.node][e.pos]
				ref.langs = mergeLangs(ref.langs, k.Languages)
				continue
			}
			node := int32(0)
			for i, p := range parts {
				id, ok := m.vocab[p]
				if !ok {
					id = int32(len(m.vocab))
					m.vocab[p] = id
					m.root = append(m.root, 0)
				}
				node = m.child(node, id, i == 0)
			}
			term := int32(len(m.terms[ri]))
			m.terms[ri] = append(m.terms[ri], k.Term)
			var langs []string
			if len(k.Languages) > 0 {
				langs = append([]string(nil), k.Languages...)
			}
			m.terminal[node] = append(m.terminal[node], termRef{int32(ri), term, langs})
			seenKw[key] = entry{node, len(m.terminal[node]) - 1}
		}
		seenTag := make(map[string]bool)
		for _, h := range rs.Hashtags {
			key := n.normalizeString(h)
			if seenTag[key] {
				dups = append(dups, dupTerm{ri, "#" + h})
				continue
			}
			seenTag[key] = true
			term := int32(len(m.terms[ri]))
			m.terms[ri] = append(m.terms[ri], "#"+h)
			m.tags[key] = append(m.tags[key], termRef{ruleset: int32(ri), term: term})
		}
	}
	return m, dups
}

// child returns the trie node reached from node by word id, creating it.
// fromRoot says node is the root.
func (m *matcher) child(node, id int32, fromRoot bool) int32 {
	if fromRoot {
		if c := m.root[id]; c != 0 {
			return c
		}
		c := m.newNode()
		m.root[id] = c
		return c
	}
	k := uint64(node)<<32 | uint64(uint32(id))
	if c, ok := m.next[k]; ok {
		return c
	}
	c := m.newNode()
	m.next[k] = c
	return c
}

// newNode allocates a trie node.
func (m *matcher) newNode() int32 {
	m.terminal = append(m.terminal, nil)
	return int32(len(m.terminal) - 1)
}

// mergeLangs combines the languages of two listings of one term: either
// being unlimited makes the term unlimited.
func mergeLangs(a, b []string) []string {
	if a == nil || len(b) == 0 {
		return nil
	}
	out := append([]string(nil), a...)
	for _, l := range b {
		found := false
		for _, x := range out {
			if x == l {
				found = true
				break
			}
		}
		if !found {
			out = append(out, l)
		}
	}
	return out
}

// langAllowed reports whether a term limited to langs applies to a post in
// postLangs. Unlimited terms apply to every post; limited terms never apply
// to posts of unknown language.
func langAllowed(langs, postLangs []string) bool {
	if langs == nil {
		return true
	}
	for _, l := range langs {
		for _, p := range postLangs {
			if l == p {
				return true
			}
		}
	}
	return false
}
