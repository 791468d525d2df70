package moderation

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// normalizer turns text into the form keywords are matched in: Unicode NFKC
// (full-width letters become ASCII, ligatures split, compatibility forms
// unified) followed by full Unicode case folding. It keeps its buffers and
// its case folder between calls, so one normalizer must not be used by two
// goroutines at once.
type normalizer struct {
	fold cases.Caser
	tmp  []byte
}

// newNormalizer returns a ready normalizer.
func newNormalizer() *normalizer {
	return &normalizer{fold: cases.Fold()}
}

// appendNormalized appends the normalised form of src to dst.
func (n *normalizer) appendNormalized(dst, src []byte) []byte {
	ascii := true
	for _, c := range src {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		for _, c := range src {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
		}
		return dst
	}
	n.tmp = norm.NFKC.Append(n.tmp[:0], src...)
	start := len(dst)
	// Full case folding maps each character on its own, so ASCII is
	// lowered here and only the runs of other characters go through the
	// (much slower) Unicode case folder.
	for i := 0; i < len(n.tmp); {
		c := n.tmp[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		j := i + 1
		for j < len(n.tmp) && n.tmp[j] >= utf8.RuneSelf {
			j++
		}
		out, _, err := transform.Append(n.fold, dst, n.tmp[i:j])
		if err != nil {
			// Folding does not fail, even on invalid UTF-8; should it
			// ever, keep the NFKC text rather than lose it.
			out = append(dst, n.tmp[i:j]...)
		}
		dst = out
		i = j
	}
	// Folding can leave text that is not NFKC in rare cases (it may
	// produce decomposed sequences); compose again so that keywords and
	// text always agree.
	if !norm.NFKC.IsNormal(dst[start:]) {
		n.tmp = append(n.tmp[:0], dst[start:]...)
		dst = norm.NFKC.Append(dst[:start], n.tmp...)
	}
	return dst
}

// normalizeString returns the normalised form of s.
func (n *normalizer) normalizeString(s string) string {
	return string(n.appendNormalized(nil, []byte(s)))
}

// span is a byte range [start, end) of a normalised text.
type span struct{ start, end int32 }

// asciiWord marks the ASCII bytes that belong to words after normalisation
// (case folding has already turned A–Z into a–z).
var asciiWord = [utf8.RuneSelf]bool{
	'0': true, '1': true, '2': true, '3': true, '4': true, '5': true, '6': true, '7': true, '8': true, '9': true,
	'a': true, 'b': true, 'c': true, 'd': true, 'e': true, 'f': true, 'g': true, 'h': true, 'i': true,
	'j': true, 'k': true, 'l': true, 'm': true, 'n': true, 'o': true, 'p': true, 'q': true, 'r': true,
	's': true, 't': true, 'u': true, 'v': true, 'w': true, 'x': true, 'y': true, 'z': true,
	'A': true, 'B': true, 'C': true, 'D': true, 'E': true, 'F': true, 'G': true, 'H': true, 'I': true,
	'J': true, 'K': true, 'L': true, 'M': true, 'N': true, 'O': true, 'P': true, 'Q': true, 'R': true,
	'S': true, 'T': true, 'U': true, 'V': true, 'W': true, 'X': true, 'Y': true, 'Z': true,
}

// isWordRune reports whether r belongs to a word: letters, digits and marks.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiWord[r]
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// unspacedScripts are the scripts normally written without spaces between
// words. Each of their characters is a word of its own (with the marks that
// follow it), so a keyword in these scripts matches wherever its characters
// appear in sequence.
var unspacedScripts = []*unicode.RangeTable{
	unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai,
	unicode.Lao, unicode.Khmer, unicode.Myanmar, unicode.Tibetan, unicode.Yi,
}

// isUnspaced reports whether r is a letter of a script written without spaces.
func isUnspaced(r rune) bool {
	if r < 0x0E00 {
		return false
	}
	for _, t := range unspacedScripts {
		if unicode.Is(t, r) {
			return true
		}
	}
	return false
}

// segment splits normalised text into words and finds #hashtags in it.
//
// A word is a maximal run of letters, digits and combining marks; everything
// else (spaces, punctuation, symbols, emoji, '_', '#', '@', apostrophes …) separates
// words. A character of an unspaced script (Han, Hiragana, Katakana, Thai,
// Lao, Khmer, Myanmar, Tibetan, Yi) is a word by itself, together with the
// marks that follow it.
//
// A hashtag is '#' at the start or after a character that is neither part of
// a word nor '_', followed by one or more letters, digits, marks or '_'; its
// span excludes the '#'.
func segment(text []byte, words, tags []span) ([]span, []span) {
	inWord := false
	var start int
	prevWordish := false // previous rune was a word rune or '_'
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf && c != '#' {
			// ASCII other than '#': the common case, kept short.
			if asciiWord[c] {
				if !inWord {
					inWord = true
					start = i
				}
				prevWordish = true
			} else {
				if inWord {
					words = append(words, span{int32(start), int32(i)})
					inWord = false
				}
				prevWordish = c == '_'
			}
			i++
			continue
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(text[i:])
		}
		if c == '#' && !prevWordish {
			j := i + 1
			for j < len(text) {
				r2, s2 := rune(text[j]), 1
				if text[j] >= utf8.RuneSelf {
					r2, s2 = utf8.DecodeRune(text[j:])
				}
				if r2 != '_' && !isWordRune(r2) {
					break
				}
				j += s2
			}
			if j > i+1 {
				tags = append(tags, span{int32(i + 1), int32(j)})
			}
		}
		word := isWordRune(r)
		switch {
		case word && r >= 0x0E00 && isUnspaced(r):
			if inWord {
				words = append(words, span{int32(start), int32(i)})
				inWord = false
			}
			j := i + size
			for j < len(text) && text[j] >= utf8.RuneSelf {
				r2, s2 := utf8.DecodeRune(text[j:])
				if !unicode.IsMark(r2) {
					break
				}
				j += s2
			}
			words = append(words, span{int32(i), int32(j)})
			size = j - i
		case word:
			if !inWord {
				inWord = true
				start = i
			}
		default:
			if inWord {
				words = append(words, span{int32(start), int32(i)})
				inWord = false
			}
		}
		prevWordish = word || r == '_'
		i += size
	}
	if inWord {
		words = append(words, span{int32(start), int32(len(text))})
	}
	return words, tags
}
