package moderation

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// mustEngine parses rules text and returns an engine for it.
func mustEngine(t testing.TB, rules string) *Engine {
	t.Helper()
	r, _, err := ParseRules("test.toml", []byte(rules))
	if err != nil {
		t.Fatal(err)
	}
	return NewEngine(r)
}

// hitStrings renders hits as "ruleset/term/field×count", sorted.
func hitStrings(rh []RulesetHits) []string {
	var out []string
	for _, r := range rh {
		for _, h := range r.Hits {
			if h.Ruleset != r.Ruleset {
				panic("hit in the wrong ruleset")
			}
			out = append(out, fmt.Sprintf("%s/%s/%s×%d", h.Ruleset, h.Term, h.Field, h.Count))
		}
	}
	sort.Strings(out)
	return out
}

// joined renders hits as one string for comparisons.
func joined(rh []RulesetHits) string { return strings.Join(hitStrings(rh), " ") }
