package moderation

import (
	"sort"
	"sync"
)

// Field names the part of a post a hit was found in.
type Field string

// The scanned fields.
const (
	// FieldContent is content or contentMap (HTML).
	FieldContent Field = "content"
	// FieldSummary is summary, the content warning.
	FieldSummary Field = "summary"
	// FieldName is name (an article's title, a poll's question on some
	// servers).
	FieldName Field = "name"
	// FieldAttachment is an attachment's name or summary: its alt text.
	FieldAttachment Field = "attachment"
	// FieldPoll is the name of a poll option (oneOf/anyOf).
	FieldPoll Field = "poll"
	// FieldTag is a Hashtag tag object.
	FieldTag Field = "tag"
)

// Hit is one term found in one field of a post.
type Hit struct {
	// Ruleset is the name of the ruleset the term belongs to.
	Ruleset string
	// Term is the keyword as written in the rules, or the hashtag with '#'.
	Term string
	// Field is where the term was found.
	Field Field
	// Count is how many times the term occurs in that field.
	Count int
}

// RulesetHits are the hits of one ruleset in one post.
type RulesetHits struct {
	// Ruleset is the ruleset's name.
	Ruleset string
	// Hits are in the order found: by field, then by first occurrence.
	Hits []Hit
}

// Engine matches posts against Rules and decides verdicts. It is immutable
// and safe for concurrent use; to change rules, build a new Engine (counts
// kept in a History survive, as they are keyed by ruleset name).
type Engine struct {
	rules *Rules
	pool  sync.Pool // *scanState
}

// NewEngine returns an engine for rules.
func NewEngine(rules *Rules) *Engine {
	e := &Engine{rules: rules}
	e.pool.New = func() any { return &scanState{norm: newNormalizer()} }
	return e
}

// Rules returns the engine's rules.
func (e *Engine) Rules() *Rules { return e.rules }

// hitAcc accumulates the occurrences of one term in one field.
type hitAcc struct {
	ruleset, term int32
	field         Field
	count         int
}

// hitKey identifies a hitAcc.
type hitKey struct {
	ruleset, term int32
	field         Field
}

// linearHits is how many distinct hits are searched linearly before an
// index map is built.
const linearHits = 32

// scanState is the scratch space of one Scan, reused through the pool.
type scanState struct {
	norm      *normalizer
	m         *matcher
	sensitive bool
	raw, text []byte
	words     []span
	tags      []span
	ids       []int32
	langs     []string
	hits      []hitAcc
	index     map[hitKey]int
}

// reset prepares the state for a post.
func (s *scanState) reset(m *matcher, sensitive bool) {
	s.m = m
	s.sensitive = sensitive
	s.hits = s.hits[:0]
	s.langs = s.langs[:0]
	s.index = nil
}

// add records one occurrence of term of ruleset in field.
func (s *scanState) add(ruleset, term int32, field Field, n int) {
	if s.sensitive && s.m.onlyIfNotSensitive[ruleset] {
		return
	}
	k := hitKey{ruleset, term, field}
	if s.index != nil {
		if i, ok := s.index[k]; ok {
			s.hits[i].count += n
			return
		}
	} else {
		for i := range s.hits {
			h := &s.hits[i]
			if h.ruleset == ruleset && h.term == term && h.field == field {
				h.count += n
				return
			}
		}
	}
	s.hits = append(s.hits, hitAcc{ruleset, term, field, n})
	if s.index != nil {
		s.index[k] = len(s.hits) - 1
	} else if len(s.hits) > linearHits {
		s.index = make(map[hitKey]int, 2*len(s.hits))
		for i, h := range s.hits {
			s.index[hitKey{h.ruleset, h.term, h.field}] = i
		}
	}
}

// scanHTML scans an HTML field.
func (s *scanState) scanHTML(field Field, html string) {
	if html == "" {
		return
	}
	s.raw = htmlToText(s.raw[:0], html)
	s.text = s.norm.appendNormalized(s.text[:0], s.raw)
	s.match(field)
}

// scanPlain scans a plain-text field.
func (s *scanState) scanPlain(field Field, text string) {
	if text == "" {
		return
	}
	s.raw = append(s.raw[:0], text...)
	s.text = s.norm.appendNormalized(s.text[:0], s.raw)
	s.match(field)
}

// match finds keywords and #hashtags in s.text.
func (s *scanState) match(field Field) {
	m := s.m
	s.words, s.tags = segment(s.text, s.words[:0], s.tags[:0])
	ids := s.ids[:0]
	for _, w := range s.words {
		id, ok := m.vocab[string(s.text[w.start:w.end])]
		if !ok {
			id = -1
		}
		ids = append(ids, id)
	}
	s.ids = ids
	for i, id := range ids {
		if id < 0 {
			continue
		}
		node := m.root[id]
		for j := i; node != 0; {
			for _, ref := range m.terminal[node] {
				if langAllowed(ref.langs, s.langs) {
					s.add(ref.ruleset, ref.term, field, 1)
				}
			}
			j++
			if j >= len(ids) || ids[j] < 0 {
				break
			}
			node = m.next[uint64(node)<<32|uint64(uint32(ids[j]))]
		}
	}
	for _, t := range s.tags {
		for _, ref := range m.tags[string(s.text[t.start:t.end])] {
			s.add(ref.ruleset, ref.term, field, 1)
		}
	}
}

// matchTagObjects matches the names of Hashtag tag objects. A tag object
// counts only when its hashtag was not already found as a #tag in the text
// (servers list the hashtags of the text as tags too) and only once per
// post.
func (s *scanState) matchTagObjects(names []string) {
	for _, name := range names {
		s.raw = append(s.raw[:0], name...)
		s.text = s.norm.appendNormalized(s.text[:0], s.raw)
		body := s.text
		if len(body) > 0 && body[0] == '#' {
			body = body[1:]
		}
		for _, ref := range s.m.tags[string(body)] {
			if s.hasTermHit(ref.ruleset, ref.term) {
				continue
			}
			s.add(ref.ruleset, ref.term, FieldTag, 1)
		}
	}
}

// hasTermHit reports whether term of ruleset was already found in any field.
func (s *scanState) hasTermHit(ruleset, term int32) bool {
	for _, h := range s.hits {
		if h.ruleset == ruleset && h.term == term {
			return true
		}
	}
	return false
}

// Scan finds every term of every ruleset in post. It keeps no state: the
// result depends on post and the rules only. Rulesets with
// only_if_not_sensitive report nothing for posts marked sensitive. The
// result lists rulesets in rules order and is nil when nothing was found.
func (e *Engine) Scan(post *Post) []RulesetHits {
	s := e.pool.Get().(*scanState)
	defer e.pool.Put(s)
	s.reset(e.rules.m, post.Sensitive)
	for _, l := range post.Languages {
		if p, ok := primarySubtag(l); ok {
			s.langs = append(s.langs, p)
		}
	}
	s.scanHTML(FieldContent, post.Content)
	s.scanPlain(FieldSummary, post.Summary)
	s.scanPlain(FieldName, post.Name)
	for _, a := range post.AltTexts {
		s.scanPlain(FieldAttachment, a)
	}
	for _, o := range post.PollOptions {
		s.scanPlain(FieldPoll, o)
	}
	s.matchTagObjects(post.Hashtags)
	if len(s.hits) == 0 {
		return nil
	}
	return s.results(e.rules)
}

// results groups the accumulated hits by ruleset, in rules order.
func (s *scanState) results(r *Rules) []RulesetHits {
	acc := append([]hitAcc(nil), s.hits...)
	sort.SliceStable(acc, func(i, j int) bool { return acc[i].ruleset < acc[j].ruleset })
	hits := make([]Hit, len(acc))
	var out []RulesetHits
	start := 0
	for i, h := range acc {
		hits[i] = Hit{
			Ruleset: r.rulesets[h.ruleset].Name,
			Term:    s.m.terms[h.ruleset][h.term],
			Field:   h.field,
			Count:   h.count,
		}
		if i+1 == len(acc) || acc[i+1].ruleset != h.ruleset {
			out = append(out, RulesetHits{Ruleset: hits[i].Ruleset, Hits: hits[start : i+1 : i+1]})
			start = i + 1
		}
	}
	return out
}
