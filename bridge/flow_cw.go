package bridge

import (
	"regexp"
	"slices"
	"strings"

	"github.com/artbridge/artbridge/discord"
)

// spoilerPattern matches Discord's ||spoiler|| markup, across lines too.
var spoilerPattern = regexp.MustCompile(`(?s)\|\|(.+?)\|\|`)

// maxSuggestedCW bounds a content warning suggested from spoiler text.
const maxSuggestedCW = 100

// unspoil removes Discord's spoiler pipes from text (the Fediverse has no inline
// spoilers: literal pipes would show) and suggests the first spoilered text as
// a content warning, since hiding something is what the artist meant.
func unspoil(text string) (plain, suggestion string) {
	first := ""
	plain = spoilerPattern.ReplaceAllStringFunc(text, func(m string) string {
		inner := strings.TrimSpace(m[2 : len(m)-2])
		if first == "" {
			first = inner
		}
		return inner
	})
	first = strings.Join(strings.Fields(first), " ")
	if truncateRunes(first, maxSuggestedCW) != first {
		first = strings.TrimSpace(truncateRunes(first, maxSuggestedCW-1)) + "…"
	}
	return plain, first
}

// cleanCW is a content warning as the artist typed it, on one line and capped.
func cleanCW(s string) string {
	return truncateRunes(strings.Join(strings.Fields(s), " "), discord.MaxContentWarning)
}

// languageChoice returns the configured tag matching v (any case), if any.
func (f *Flow) languageChoice(v string) (string, bool) {
	i := slices.IndexFunc(f.cfg.Languages, func(t string) bool { return strings.EqualFold(t, v) })
	if i < 0 {
		return "", false
	}
	return f.cfg.Languages[i], true
}

// sameWords reports whether a and b differ at most in white space.
func sameWords(a, b string) bool {
	return strings.Join(strings.Fields(a), " ") == strings.Join(strings.Fields(b), " ")
}
