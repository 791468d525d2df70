package richtext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// zeroWidthSpace keeps a converted :shortcode: apart from a neighbouring
// letter, digit or colon without showing anything.
const zeroWidthSpace = '\u200B'

// sanitize returns s as valid UTF-8 (each invalid byte becomes U+FFFD), with
// \r\n, \r, U+2028 turned into \n and U+2029 into a blank line, control
// characters other than \n and \t removed, and Discord custom emoji markup
// replaced by :shortcode: (recorded in emoji).
//
// It stops early once the output holds more than limit+1 non-space
// characters: every later character would be cut by capText anyway, and the
// text kept so far normalises to a prefix of what the whole would.
func sanitize(s string, limit int, emoji *emojiTable) string {
	var b strings.Builder
	b.Grow(min(len(s), 4*limit+16))
	visible := 0
	for i := 0; i < len(s) && visible <= limit+1; {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == '\n' || c == '\t':
				b.WriteByte(c)
				continue
			case c == '\r':
				b.WriteByte('\n')
				if i < len(s) && s[i] == '\n' {
					i++
				}
				continue
			case c < 0x20 || c == 0x7f:
				continue
			case c == '<':
				if e, n, ok := parseDiscordEmoji(s[i-1:]); ok {
					i += n - 1
					writeShortcode(&b, e.Shortcode, s[skipRemoved(s, i):])
					emoji.add(e)
					visible += len(e.Shortcode) + 2
					continue
				}
			}
			b.WriteByte(c)
			if c != ' ' {
				visible++
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == utf8.RuneError && n == 1:
			// Invalid byte: written below as U+FFFD.
		case r <= 0x9f: // C1 controls
			continue
		case r == '\u2028':
			b.WriteByte('\n')
			continue
		case r == '\u2029':
			b.WriteString("\n\n")
			continue
		case r == '\uFFFE' || r == '\uFFFF':
			continue
		}
		b.WriteRune(r)
		if !unicode.IsSpace(r) {
			visible++
		}
	}
	return b.String()
}

// writeShortcode writes :name:, separated by zero-width spaces from a letter,
// digit or colon on either side (rest is the input that follows), so that
// Fediverse software recognises it.
func writeShortcode(b *strings.Builder, name, rest string) {
	if prev, _ := utf8.DecodeLastRuneInString(b.String()); isShortcodeEdge(prev) {
		b.WriteRune(zeroWidthSpace)
	}
	b.WriteByte(':')
	b.WriteString(name)
	b.WriteByte(':')
	if next, _ := utf8.DecodeRuneInString(rest); isShortcodeEdge(next) {
		b.WriteRune(zeroWidthSpace)
	}
}

// canonical trims trailing whitespace from every line, drops whitespace-only
// lines, joins paragraphs (runs of lines separated by blank lines) with "\n\n"
// (or "\n" when single is true) and trims the leading whitespace of each
// paragraph. The result neither starts nor ends with whitespace.
func canonical(s string, single bool) string {
	var b strings.Builder
	b.Grow(len(s))
	started, blank := false, false
	for rest, more := s, true; more; {
		var line string
		line, rest, more = strings.Cut(rest, "\n")
		line = strings.TrimRightFunc(line, unicode.IsSpace)
		if line == "" {
			blank = started
			continue
		}
		switch {
		case !started:
			line = strings.TrimLeftFunc(line, unicode.IsSpace)
		case blank && !single:
			b.WriteString("\n\n")
			line = strings.TrimLeftFunc(line, unicode.IsSpace)
		default:
			b.WriteByte('\n')
		}
		started, blank = true, false
		b.WriteString(line)
	}
	return b.String()
}

// capText returns s unchanged if it has at most limit characters. Otherwise it
// cuts s to at most limit-1 characters, at the last whitespace if that keeps at
// least half of them (a hard cut otherwise), trims trailing whitespace and
// appends "…".
func capText(s string, limit int) string {
	if len(s) <= limit || utf8.RuneCountInString(s) <= limit {
		return s
	}
	keep := limit - 1
	off := 0
	for range keep {
		_, n := utf8.DecodeRuneInString(s[off:])
		off += n
	}
	cut := s[:off]
	if next, _ := utf8.DecodeRuneInString(s[off:]); !unicode.IsSpace(next) {
		if j := strings.LastIndexFunc(cut, unicode.IsSpace); j > 0 && utf8.RuneCountInString(cut[:j]) >= keep/2 {
			cut = cut[:j]
		}
	}
	return strings.TrimRightFunc(cut, unicode.IsSpace) + "…"
}
