package alttext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ellipsis ends a draft that had to be cut.
const ellipsis = "…"

// cleanDraft turns the model's answer into plain description text:
//   - a leading "<think>…</think>" block (reasoning models served locally)
//     is dropped;
//   - CRLF becomes LF, other control characters and invalid UTF-8 are
//     removed, tabs become spaces;
//   - spaces are collapsed, lines trimmed, at most one blank line kept;
//   - one pair of straight or curly double quotes wrapping the whole text is
//     removed.
//
// Nothing else is rewritten: the words are the model's.
func cleanDraft(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	if strings.HasPrefix(s, "<think>") {
		if i := strings.Index(s, "</think>"); i >= 0 {
			s = s[i+len("</think>"):]
		} else {
			return "" // the model never left its reasoning
		}
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")

	var b strings.Builder
	b.Grow(len(s))
	blank := 0 // consecutive newlines already written
	space := false
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029':
			space = false
			if b.Len() > 0 && blank < 2 {
				b.WriteByte('\n')
				blank++
			}
		case unicode.IsSpace(r):
			space = true
		case unicode.IsControl(r) || r == '\ufeff':
			// dropped
		default:
			if space && blank == 0 && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			blank = 0
			b.WriteRune(r)
		}
	}
	out := strings.TrimSpace(b.String())
	return unquote(out)
}

// unquote removes one pair of double quotes that wraps the whole text, when
// the text holds no other quote of that kind.
func unquote(s string) string {
	for _, q := range [][2]string{{`"`, `"`}, {"\u201c", "\u201d"}} {
		if len(s) > len(q[0])+len(q[1]) && strings.HasPrefix(s, q[0]) && strings.HasSuffix(s, q[1]) {
			inner := s[len(q[0]) : len(s)-len(q[1])]
			if !strings.Contains(inner, q[0]) && !strings.Contains(inner, q[1]) {
				return strings.TrimSpace(inner)
			}
		}
	}
	return s
}

// refusalOpenings are how models open a refusal. Alt text for an artwork
// has no reason to start this way, so an answer that does is treated as a
// refusal. The list is deliberately short: a false positive only costs the
// artist a draft, but it should stay rare.
var refusalOpenings = [...]string{
	"i'm sorry", "i am sorry", "sorry, i", "sorry, but",
	"i can't", "i cannot", "i can not", "i won't", "i will not",
	"i'm unable", "i am unable", "i'm not able", "i am not able",
	"i'm not comfortable", "i am not comfortable",
	"as an ai", "unfortunately, i",
}

// looksLikeRefusal reports whether the cleaned answer opens like a refusal.
func looksLikeRefusal(s string) bool {
	head := s
	if len(head) > 64 {
		head = head[:64]
	}
	head = strings.ToLower(strings.ReplaceAll(head, "\u2019", "'"))
	for _, p := range refusalOpenings {
		if strings.HasPrefix(head, p) {
			return true
		}
	}
	return false
}

// labelAndCap prefixes label to text and caps the result at limit runes. A
// text that does not fit is cut at the last word boundary that leaves room
// for an ellipsis (or mid-word if the text has no space near the end, as in
// scripts written without spaces). It reports whether it cut.
func labelAndCap(label, text string, limit int) (string, bool) {
	full := label + text
	if utf8.RuneCountInString(full) <= limit {
		return full, false
	}
	room := limit - utf8.RuneCountInString(label) - utf8.RuneCountInString(ellipsis)
	if room <= 0 {
		return truncateRunes(label, limit), true
	}
	cut := truncateRunes(text, room)
	// Back up to a word boundary unless that would lose more than a fifth
	// of the room (long unspaced runs).
	if next, _ := utf8.DecodeRuneInString(text[len(cut):]); !unicode.IsSpace(next) {
		if i := strings.LastIndexFunc(cut, unicode.IsSpace); i >= 0 && utf8.RuneCountInString(cut[:i]) >= room*4/5 {
			cut = cut[:i]
		}
	}
	cut = strings.TrimRightFunc(cut, func(r rune) bool {
		return unicode.IsSpace(r) || r == ',' || r == ';' || r == ':' || r == '-' || r == '\u2013' || r == '\u2014'
	})
	return label + cut + ellipsis, true
}

// truncateRunes returns the longest prefix of s with at most n runes.
func truncateRunes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}
