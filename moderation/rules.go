package moderation

import (
	"fmt"
	"strings"
	"time"
)

// DefaultWindow is the window of a ruleset that names none: 30 days.
const DefaultWindow = 720 * time.Hour

// MaxKeywordWords is the most words a keyword may have. A character of a
// script written without spaces counts as one word.
const MaxKeywordWords = 64

// Thresholds are the counts, per remote actor within a ruleset's window, that
// must all be reached for the ruleset to trigger.
type Thresholds struct {
	// Posts is the number of posts with at least one hit.
	Posts int
	// Hits is the number of term occurrences, all posts together.
	Hits int
	// Distinct is the number of different terms found.
	Distinct int
}

// Keyword is a plain term, optionally limited to posts in some languages.
type Keyword struct {
	// Term is the keyword as written by the operator: one or more words.
	Term string
	// Languages are primary language subtags ("en", "de"). Empty means the
	// keyword applies to posts in any language, and to posts whose language
	// is unknown.
	Languages []string
}

// Ruleset is one [[rulesets]] entry of a rules file.
type Ruleset struct {
	// Name identifies the ruleset in verdicts and in stored counts; unique.
	Name string
	// Action is applied when the thresholds are reached.
	Action Action
	// OnlyIfNotSensitive makes the ruleset skip posts already marked
	// sensitive.
	OnlyIfNotSensitive bool
	// Window is how long a hit counts towards the thresholds.
	Window time.Duration
	// Thresholds must all be reached for the ruleset to trigger.
	Thresholds Thresholds
	// Hashtags are matched against Hashtag tags and #tags in the text; they
	// are stored without the leading '#'.
	Hashtags []string
	// Keywords are matched as whole words in the text.
	Keywords []Keyword
}

// Warning is a problem in a rules file that does not stop it from loading.
type Warning struct {
	// File is the rules file's name.
	File string
	// Index is the 1-based position of the ruleset in the file.
	Index int
	// Ruleset is the ruleset's name.
	Ruleset string
	// Message explains the problem.
	Message string
}

// String formats the warning as "file: ruleset N "name": message".
func (w Warning) String() string {
	return fmt.Sprintf("%s: ruleset %d %q: %s", w.File, w.Index, w.Ruleset, w.Message)
}

// RulesError is why a rules file was refused. Its message names the file,
// the ruleset (by position and, when known, name) and the reason.
type RulesError struct {
	// File is the rules file's name.
	File string
	// Index is the 1-based position of the ruleset at fault, or 0 when the
	// problem is not inside one ruleset.
	Index int
	// Ruleset is the name of the ruleset at fault, when known.
	Ruleset string
	// Reason explains the problem.
	Reason string
	// Err is the underlying error, if any (for example a TOML syntax error).
	Err error
}

// Error implements error.
func (e *RulesError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	b.WriteString(": ")
	if e.Index > 0 {
		fmt.Fprintf(&b, "ruleset %d", e.Index)
		if e.Ruleset != "" {
			fmt.Fprintf(&b, " %q", e.Ruleset)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// Unwrap returns the underlying error.
func (e *RulesError) Unwrap() error { return e.Err }

// Rules is a validated, compiled set of rulesets. It is immutable and safe
// for concurrent use.
type Rules struct {
	file     string
	rulesets []Ruleset
	byName   map[string]int
	m        *matcher
}

// File returns the name the rules were loaded from.
func (r *Rules) File() string { return r.file }

// Rulesets returns a copy of the rulesets, in file order, with defaults
// filled in and hashtags without '#'.
func (r *Rules) Rulesets() []Ruleset {
	out := make([]Ruleset, len(r.rulesets))
	for i, rs := range r.rulesets {
		rs.Hashtags = append([]string(nil), rs.Hashtags...)
		kws := make([]Keyword, len(rs.Keywords))
		for j, k := range rs.Keywords {
			kws[j] = Keyword{Term: k.Term, Languages: append([]string(nil), k.Languages...)}
		}
		rs.Keywords = kws
		out[i] = rs
	}
	return out
}

// MaxWindow returns the longest window of all rulesets (DefaultWindow when
// there are none): counts older than this are never needed.
func (r *Rules) MaxWindow() time.Duration {
	w := time.Duration(0)
	for _, rs := range r.rulesets {
		w = max(w, rs.Window)
	}
	if w == 0 {
		return DefaultWindow
	}
	return w
}

// NewRules validates and compiles rulesets built in Go. file names them in
// errors and warnings. A zero Window becomes DefaultWindow and a zero
// threshold becomes 1 (a rules file cannot write 0: ParseRules refuses it).
func NewRules(file string, rulesets []Ruleset) (*Rules, []Warning, error) {
	r := &Rules{file: file, byName: make(map[string]int, len(rulesets))}
	var warnings []Warning
	n := newNormalizer()
	for i, rs := range rulesets {
		idx := i + 1
		fail := func(format string, args ...any) error {
			return &RulesError{File: file, Index: idx, Ruleset: rs.Name, Reason: fmt.Sprintf(format, args...)}
		}
		if strings.TrimSpace(rs.Name) == "" {
			return nil, nil, fail("missing name")
		}
		if prev, dup := r.byName[rs.Name]; dup {
			return nil, nil, fail("duplicate ruleset name (also ruleset %d)", prev+1)
		}
		if _, ok := actionNamesLookup(rs.Action); !ok {
			return nil, nil, fail("unknown action %d", int(rs.Action))
		}
		if rs.Window < 0 {
			return nil, nil, fail("window must be positive, not %s", rs.Window)
		}
		if rs.Window == 0 {
			rs.Window = DefaultWindow
		}
		for _, t := range []struct {
			name string
			v    *int
		}{{"posts", &rs.Thresholds.Posts}, {"hits", &rs.Thresholds.Hits}, {"distinct", &rs.Thresholds.Distinct}} {
			if *t.v < 0 {
				return nil, nil, fail("thresholds.%s must be at least 1, not %d", t.name, *t.v)
			}
			if *t.v == 0 {
				*t.v = 1
			}
		}
		if len(rs.Hashtags) == 0 && len(rs.Keywords) == 0 {
			return nil, nil, fail("no hashtags or keywords")
		}
		tags := make([]string, 0, len(rs.Hashtags))
		for _, h := range rs.Hashtags {
			t := strings.TrimSpace(h)
			t = strings.TrimPrefix(strings.TrimPrefix(t, "#"), "＃")
			if t == "" {
				return nil, nil, fail("empty hashtag")
			}
			if !isHashtagBody(n.normalizeString(t)) {
				return nil, nil, fail("hashtag %q may only hold letters, digits, marks and '_'", h)
			}
			tags = append(tags, t)
		}
		rs.Hashtags = tags
		kws := make([]Keyword, 0, len(rs.Keywords))
		for _, k := range rs.Keywords {
			term := strings.TrimSpace(k.Term)
			if term == "" {
				return nil, nil, fail("empty keyword term")
			}
			normTerm := n.appendNormalized(nil, []byte(term))
			if len(normTerm) > 0 && normTerm[0] == '#' {
				return nil, nil, fail("keyword %q starts with '#': list hashtags under hashtags", k.Term)
			}
			words, _ := segment(normTerm, nil, nil)
			if len(words) == 0 {
				return nil, nil, fail("keyword %q has no letters or digits", k.Term)
			}
			if len(words) > MaxKeywordWords {
				return nil, nil, fail("keyword %q has %d words, more than %d", k.Term, len(words), MaxKeywordWords)
			}
			langs := make([]string, 0, len(k.Languages))
			for _, l := range k.Languages {
				p, ok := primarySubtag(l)
				if !ok {
					return nil, nil, fail("keyword %q: bad language %q", k.Term, l)
				}
				langs = append(langs, p)
			}
			kws = append(kws, Keyword{Term: term, Languages: langs})
		}
		rs.Keywords = kws
		if rs.Action == ActionSuspend && rs.Thresholds == (Thresholds{1, 1, 1}) {
			warnings = append(warnings, Warning{File: file, Index: idx, Ruleset: rs.Name,
				Message: "suspend with all thresholds at 1 suspends an actor for a single word; consider higher thresholds"})
		}
		r.byName[rs.Name] = i
		r.rulesets = append(r.rulesets, rs)
	}
	m, dups := compileMatcher(r.rulesets, n)
	for _, d := range dups {
		warnings = append(warnings, Warning{File: file, Index: d.ruleset + 1, Ruleset: r.rulesets[d.ruleset].Name,
			Message: fmt.Sprintf("term %q is listed more than once; counted as one term", d.term)})
	}
	r.m = m
	return r, warnings, nil
}

// actionNamesLookup returns a's name and whether a is a known action.
func actionNamesLookup(a Action) (string, bool) {
	if a < 0 || int(a) >= len(actionNames) {
		return "", false
	}
	return actionNames[a], true
}

// isHashtagBody reports whether s (normalised) is a valid hashtag without
// its '#': one or more letters, digits, marks or '_'.
func isHashtagBody(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r != '_' && !isWordRune(r) {
			return false
		}
	}
	return true
}

// primarySubtag returns the lowercased primary subtag of a BCP 47 language
// tag ("en-GB" → "en", "pt_BR" → "pt"), and false when there is none
// ("", "und", "*", digits).
func primarySubtag(tag string) (string, bool) {
	tag = strings.TrimSpace(tag)
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	if len(tag) < 2 || len(tag) > 8 {
		return "", false
	}
	upper := false
	for i := 0; i < len(tag); i++ {
		c := tag[i]
		switch {
		case 'a' <= c && c <= 'z':
		case 'A' <= c && c <= 'Z':
			upper = true
		default:
			return "", false
		}
	}
	s := tag
	if upper {
		s = strings.ToLower(tag)
	}
	if s == "und" {
		return "", false
	}
	return s, true
}
