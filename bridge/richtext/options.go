package richtext

import "strings"

// DefaultMaxChars is the cap on a caption's characters when Options.MaxChars
// is zero or negative.
const DefaultMaxChars = 5000

// maxTagRunes is the longest hashtag name, in characters, that is recognised.
const maxTagRunes = 100

// Options tunes Render and Paragraph.
type Options struct {
	// TagURL returns the href of a hashtag's page, for example
	// https://art.example.org/tags/cat; it receives the name as written,
	// without '#'. A hashtag whose TagURL is nil or does not return an http(s)
	// URL is still listed in Result.Hashtags but rendered as plain text.
	TagURL func(tag string) string
	// MaxChars caps the rendered text, in characters (runes), ellipsis
	// included; a longer text is cut at a word boundary and ends with "…".
	// Zero or negative means DefaultMaxChars.
	MaxChars int
}

func (o Options) maxChars() int {
	if o.MaxChars <= 0 {
		return DefaultMaxChars
	}
	return o.MaxChars
}

// tagHref returns the escaped-to-be href of a hashtag, or "" when the hashtag
// must not be linked.
func (o Options) tagHref(name string) string {
	if o.TagURL == nil {
		return ""
	}
	href := o.TagURL(name)
	if !hasHTTPScheme(href) {
		return ""
	}
	return href
}

// hasHTTPScheme reports whether s starts with http:// or https://, in any case.
func hasHTTPScheme(s string) bool {
	return schemeLen(s) > 0
}

// schemeLen returns the length of a leading "http://" or "https://" (matched
// case-insensitively) in s, or 0.
func schemeLen(s string) int {
	switch {
	case len(s) >= 8 && strings.EqualFold(s[:8], "https://"):
		return 8
	case len(s) >= 7 && strings.EqualFold(s[:7], "http://"):
		return 7
	}
	return 0
}
