package richtext

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// isWordRune reports whether r is part of a word: a letter, mark, digit or
// underscore. A URL or a hashtag cannot start right after one.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	}
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)
}

// urlPunct holds the ASCII characters, besides letters and digits, that may
// appear in a URL (RFC 3986 unreserved, reserved and '%').
const urlPunct = "-._~:/?#[]@!$&'()*+,;=%"

// isURLRune reports whether r may be part of a linkified URL. Non-ASCII
// letters, marks and digits are allowed (IRIs such as
// https://ja.wikipedia.org/wiki/猫); non-ASCII punctuation such as "。" or "…"
// ends the URL.
func isURLRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' ||
			strings.IndexByte(urlPunct, byte(r)) >= 0
	}
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)
}

// scanURL looks for an http(s) URL starting at s[i]. It returns the end of the
// URL and true when there is one. When s[i:] starts with a scheme but is not
// a usable URL it returns the end of the whole candidate and false, so the
// caller can skip it as text (which keeps the scan linear); otherwise it
// returns i and false.
func scanURL(s string, i int) (int, bool) {
	sl := schemeLen(s[i:])
	if sl == 0 {
		return i, false
	}
	host := i + sl
	j := host
	for j < len(s) {
		r, n := utf8.DecodeRuneInString(s[j:])
		if !isURLRune(r) {
			break
		}
		j += n
	}
	runEnd := j
	j = trimURLTail(s, host, j)
	if j == host {
		return runEnd, false
	}
	u, err := url.Parse(s[i:j])
	if err != nil || u.Hostname() == "" || u.Opaque != "" {
		return runEnd, false
	}
	return j, true
}

// trimURLTail drops trailing punctuation from the candidate s[start:end]: a
// sentence's closing punctuation and quotes, and closing brackets that have
// no opening partner inside the URL, so that "(see https://x.org/a_(b))."
// links https://x.org/a_(b).
func trimURLTail(s string, start, end int) int {
	opens, closes := 0, 0
	squareOpens, squareCloses := 0, 0
	for k := start; k < end; k++ {
		switch s[k] {
		case '(':
			opens++
		case ')':
			closes++
		case '[':
			squareOpens++
		case ']':
			squareCloses++
		}
	}
	for end > start {
		switch s[end-1] {
		case '.', ',', ';', ':', '!', '?', '\'', '"', '*':
			end--
		case ')':
			if closes <= opens {
				return end
			}
			closes--
			end--
		case ']':
			if squareCloses <= squareOpens {
				return end
			}
			squareCloses--
			end--
		default:
			return end
		}
	}
	return end
}

// isTagPrecede reports whether a hashtag may not start right after r: after a
// word character (a#b), '&' (&#39;) or '/' (URL fragments).
func isTagPrecede(r rune) bool {
	return r == '&' || r == '/' || isWordRune(r)
}

// isTagSeparator reports whether r may join two parts of a hashtag name
// (middle dots, the katakana middle dot, zero-width non-joiner), but never end
// it.
func isTagSeparator(r rune) bool {
	return r == '\u00B7' || r == '\u30FB' || r == '\u200C'
}

// scanTag looks for a hashtag name starting at s[i], just after '#'. It
// returns the end of the name and whether it is a hashtag: at least one
// letter and at most maxTagRunes characters. When it is not, the returned end
// covers the whole run of name characters, so the caller can skip it as text.
func scanTag(s string, i int) (int, bool) {
	j, runes, letter := i, 0, false
	for j < len(s) {
		r, n := utf8.DecodeRuneInString(s[j:])
		if isTagSeparator(r) {
			next, _ := utf8.DecodeRuneInString(s[j+n:])
			if !isWordRune(next) {
				break
			}
		} else if !isWordRune(r) {
			break
		}
		if !letter && unicode.IsLetter(r) {
			letter = true
		}
		runes++
		j += n
	}
	return j, letter && runes <= maxTagRunes
}

// scanShortcode reports the end of a :shortcode: starting at s[i] (a colon)
// whose name is known to emoji, and the emoji; the colon must not follow a
// letter, digit or colon (prev) nor be followed by one after its closing colon.
func scanShortcode(s string, i int, prev rune, emoji *emojiTable) (int, string, bool) {
	if emoji.empty() || isShortcodeEdge(prev) {
		return i, "", false
	}
	n := shortcodeLen(s[i+1:])
	end := i + 1 + n
	if n == 0 || end >= len(s) || s[end] != ':' {
		return i, "", false
	}
	if next, _ := utf8.DecodeRuneInString(s[end+1:]); isShortcodeEdge(next) {
		return i, "", false
	}
	return end + 1, s[i+1 : end], true
}
