package bridge

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestUnspoilRemovesPipesAndSuggests(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, plain, cw string }{
		{"||blood|| A knight", "blood A knight", "blood"},
		{"no spoiler", "no spoiler", ""},
		{"a ||first\nline|| b ||second||", "a first\nline b second", "first line"},
		{"|| || x", " x", ""},
		{"unclosed ||pipes", "unclosed ||pipes", ""},
		{"||" + strings.Repeat("é", 200) + "||", strings.Repeat("é", 200), strings.Repeat("é", 99) + "…"},
	}
	for _, c := range cases {
		plain, cw := unspoil(c.in)
		if plain != c.plain || cw != c.cw {
			t.Errorf("unspoil(%q) = %q, %q; want %q, %q", c.in, plain, cw, c.plain, c.cw)
		}
	}
}

func FuzzUnspoil(f *testing.F) {
	for _, s := range []string{"", "||a||", "||||", "|||a|||", "x||y||z||w", "||\n||"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		plain, cw := unspoil(s)
		if utf8.RuneCountInString(cw) > maxSuggestedCW {
			t.Fatalf("suggestion of %d characters", utf8.RuneCountInString(cw))
		}
		if len(plain) > len(s) {
			t.Fatalf("unspoil grew the text")
		}
		if strings.Contains(s, "||") && spoilerPattern.MatchString(s) && strings.Count(plain, "||") >= strings.Count(s, "||") {
			t.Fatalf("pipes kept in %q", plain)
		}
	})
}
