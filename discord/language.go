package discord

import (
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// MaxLanguages is the most languages a post can choose from: Discord's limit on
// the options of one select menu.
const MaxLanguages = 25

// maxLanguageTag bounds one configured tag (BCP 47 tags in practice stay short).
const maxLanguageTag = 35

// LanguageOption is one choice of the panel's language select.
type LanguageOption struct {
	Tag  string // BCP 47, as configured: "en", "pt-BR"
	Name string // shown to the artist: "English (en)"
}

// LanguageOptions names each tag in its own language, for the panel's select.
func LanguageOptions(tags []string) []LanguageOption {
	out := make([]LanguageOption, 0, len(tags))
	for _, t := range tags {
		out = append(out, LanguageOption{Tag: t, Name: languageName(t)})
	}
	return out
}

// languageName is "Deutsch (de)", or the tag alone when it has no known name.
func languageName(tag string) string {
	t, err := language.Parse(tag)
	if err != nil {
		return tag
	}
	if name := display.Self.Name(t); name != "" {
		return name + " (" + tag + ")"
	}
	return tag
}

// validateLanguages checks discord.languages and discord.default_language.
func validateLanguages(tags []string, def string, bad func(key, format string, args ...any)) {
	if len(tags) > MaxLanguages {
		bad("languages", "at most %d languages fit in the panel's select, not %d", MaxLanguages, len(tags))
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if len(t) > maxLanguageTag || strings.TrimSpace(t) != t || t == "" {
			bad("languages", "%q is not a BCP 47 language tag (like \"en\" or \"pt-BR\")", t)
			continue
		}
		if _, err := language.Parse(t); err != nil {
			bad("languages", "%q is not a BCP 47 language tag (like \"en\" or \"pt-BR\"): %v", t, err)
			continue
		}
		if seen[strings.ToLower(t)] {
			bad("languages", "%q is listed twice", t)
		}
		seen[strings.ToLower(t)] = true
	}
	found := false
	for _, t := range tags {
		found = found || strings.EqualFold(t, def)
	}
	if !found {
		bad("default_language", "%q is not one of discord.languages (%s)", def, strings.Join(tags, ", "))
	}
}
