package richtext

import "unicode"

// Discord emoji names are 2 to 32 characters of [A-Za-z0-9_], which is also
// what Mastodon accepts as a shortcode. Snowflakes fit in 20 decimal digits.
const (
	minShortcode = 2
	maxShortcode = 32
	maxSnowflake = 20
)

// emojiTable collects the Discord custom emoji converted by sanitize, keyed by
// shortcode; the first ID seen for a shortcode wins.
type emojiTable struct {
	list  []Emoji
	index map[string]int
	used  []bool
}

func (t *emojiTable) add(e Emoji) {
	if t.index == nil {
		t.index = make(map[string]int)
	}
	if _, ok := t.index[e.Shortcode]; ok {
		return
	}
	t.index[e.Shortcode] = len(t.list)
	t.list = append(t.list, e)
	t.used = append(t.used, false)
}

// use returns the emoji named shortcode the first time it is used, and false
// when it is unknown or already used.
func (t *emojiTable) use(shortcode string) (Emoji, bool) {
	i, ok := t.index[shortcode]
	if !ok || t.used[i] {
		return Emoji{}, false
	}
	t.used[i] = true
	return t.list[i], true
}

func (t *emojiTable) empty() bool { return len(t.list) == 0 }

// parseDiscordEmoji parses Discord custom emoji markup, <:name:id> or
// <a:name:id>, at the start of s and returns the emoji and the markup's length
// in s. It reads s as sanitize will write it: characters that sanitize removes
// (control characters, U+FFFE, U+FFFF) are skipped, so markup with a NUL inside
// is still recognised and the rendered text never contains markup that a
// second rendering would convert. It reads no further than the first byte that
// cannot continue the markup.
func parseDiscordEmoji(s string) (Emoji, int, bool) {
	if s == "" || s[0] != '<' {
		return Emoji{}, 0, false
	}
	var name [maxShortcode]byte
	var id [maxSnowflake]byte
	nameLen, idLen := 0, 0
	i := skipRemoved(s, 1)
	animated := i < len(s) && s[i] == 'a'
	if animated {
		i = skipRemoved(s, i+1)
	}
	if i >= len(s) || s[i] != ':' {
		return Emoji{}, 0, false
	}
	for i = skipRemoved(s, i+1); i < len(s) && isShortcodeByte(s[i]); i = skipRemoved(s, i+1) {
		if nameLen == maxShortcode {
			return Emoji{}, 0, false
		}
		name[nameLen] = s[i]
		nameLen++
	}
	if nameLen < minShortcode || i >= len(s) || s[i] != ':' {
		return Emoji{}, 0, false
	}
	for i = skipRemoved(s, i+1); i < len(s) && s[i] >= '0' && s[i] <= '9'; i = skipRemoved(s, i+1) {
		if idLen == maxSnowflake {
			return Emoji{}, 0, false
		}
		id[idLen] = s[i]
		idLen++
	}
	if idLen == 0 || i >= len(s) || s[i] != '>' {
		return Emoji{}, 0, false
	}
	return Emoji{Shortcode: string(name[:nameLen]), ID: string(id[:idLen]), Animated: animated}, i + 1, true
}

// skipRemoved returns the index of the first byte at or after i that does not
// start a character sanitize removes.
func skipRemoved(s string, i int) int {
	for i < len(s) {
		switch c := s[i]; {
		case c < 0x20 && c != '\n' && c != '\t' && c != '\r' || c == 0x7f:
			i++
		case c == 0xC2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9f: // C1 control
			i += 2
		case c == 0xEF && i+2 < len(s) && s[i+1] == 0xBF && (s[i+2] == 0xBE || s[i+2] == 0xBF): // U+FFFE, U+FFFF
			i += 3
		default:
			return i
		}
	}
	return i
}

// shortcodeLen returns the length of the shortcode at the start of s, or 0 if
// there is none of an acceptable length. It never reads past maxShortcode+1
// bytes.
func shortcodeLen(s string) int {
	n := 0
	for n < len(s) && n <= maxShortcode && isShortcodeByte(s[n]) {
		n++
	}
	if n < minShortcode || n > maxShortcode {
		return 0
	}
	return n
}

func isShortcodeByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// isShortcodeEdge reports whether r may not touch a :shortcode: (Mastodon
// only replaces a shortcode that is not next to a letter, digit or colon).
func isShortcodeEdge(r rune) bool {
	return r == ':' || unicode.IsLetter(r) || unicode.IsDigit(r)
}
