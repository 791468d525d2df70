package filter

import (
	"bytes"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// kind is the JSON type of a value, as $type and the comparison operators
// see it.
type kind uint8

const (
	kindMissing kind = iota // no value at all (JavaScript undefined)
	kindNull
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

// rawKind returns the kind of the well-formed raw JSON value v.
func rawKind(v []byte) kind {
	if len(v) == 0 {
		return kindMissing
	}
	switch v[0] {
	case '"':
		return kindString
	case '{':
		return kindObject
	case '[':
		return kindArray
	case 't', 'f':
		return kindBool
	case 'n':
		return kindNull
	default:
		return kindNumber
	}
}

// rawNumber parses the raw JSON number v as JavaScript does (IEEE 754
// double, nearest value). Short integers take a fast path.
func rawNumber(v []byte) float64 {
	if len(v) <= 15 {
		neg := false
		i := 0
		if v[0] == '-' {
			neg = true
			i = 1
		}
		n := int64(0)
		simple := i < len(v)
		for ; i < len(v); i++ {
			c := v[i]
			if c < '0' || c > '9' {
				simple = false
				break
			}
			n = n*10 + int64(c-'0')
		}
		if simple {
			if neg {
				if n == 0 {
					return negZero()
				}
				return -float64(n)
			}
			return float64(n)
		}
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil {
		// Out of range: JavaScript yields ±Infinity, as does ParseFloat.
		return f
	}
	return f
}

func negZero() float64 {
	z := 0.0
	return -z
}

// stringIter walks the value of a raw JSON string (quotes included) as UTF-16
// code units, decoding escapes on the fly without allocating.
type stringIter struct {
	s       []byte
	i       int
	pending rune // second half of a surrogate pair, or -1
}

func newStringIter(raw []byte) stringIter {
	return stringIter{s: raw[1 : len(raw)-1], pending: -1}
}

// nextRune returns the next code point of the string (lone surrogates from
// \u escapes come back as themselves), or -1 at the end.
func (it *stringIter) nextRune() rune {
	if it.i >= len(it.s) {
		return -1
	}
	c := it.s[it.i]
	if c != '\\' {
		if c < utf8.RuneSelf {
			it.i++
			return rune(c)
		}
		r, n := utf8.DecodeRune(it.s[it.i:])
		it.i += n
		return r
	}
	e := it.s[it.i+1]
	it.i += 2
	switch e {
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'u':
		r := hex4(it.s[it.i:])
		it.i += 4
		if utf16.IsSurrogate(r) && r < 0xDC00 && it.i+6 <= len(it.s) && it.s[it.i] == '\\' && it.s[it.i+1] == 'u' {
			r2 := hex4(it.s[it.i+2:])
			if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
				it.i += 6
				return dec
			}
		}
		return r
	default: // '"', '\\', '/'
		return rune(e)
	}
}

func hex4(b []byte) rune {
	return rune(hexVal(b[0])<<12 | hexVal(b[1])<<8 | hexVal(b[2])<<4 | hexVal(b[3]))
}

// decodeString returns the value of the raw JSON string raw (quotes
// included). Lone surrogates become U+FFFD, as in encoding/json.
func decodeString(raw []byte, esc bool) string {
	if !esc {
		return string(raw[1 : len(raw)-1])
	}
	return string(appendDecoded(make([]byte, 0, len(raw)), raw))
}

// appendDecoded appends the UTF-8 value of the raw JSON string raw to buf.
func appendDecoded(buf, raw []byte) []byte {
	it := newStringIter(raw)
	for r := it.nextRune(); r >= 0; r = it.nextRune() {
		buf = utf8.AppendRune(buf, r)
	}
	return buf
}

// rawStringEquals reports whether the raw JSON string raw (quotes included,
// esc telling whether it has escapes) has the value s.
func rawStringEquals(raw []byte, esc bool, s string) bool {
	if !esc {
		return string(raw[1:len(raw)-1]) == s
	}
	it := newStringIter(raw)
	j := 0
	for r := it.nextRune(); r >= 0; r = it.nextRune() {
		if utf16.IsSurrogate(r) {
			r = utf8.RuneError
		}
		if j >= len(s) {
			return false
		}
		r2, n := utf8.DecodeRuneInString(s[j:])
		if r != r2 {
			return false
		}
		j += n
	}
	return j == len(s)
}

// hasEscape reports whether the raw JSON string raw contains a backslash.
func hasEscape(raw []byte) bool { return bytes.IndexByte(raw, '\\') >= 0 }

// forEachElement calls f with each element of the well-formed raw JSON array
// a, stopping early when f returns false.
func forEachElement(a []byte, f func(elem []byte) bool) {
	i := skipWS(a, 1)
	if a[i] == ']' {
		return
	}
	for {
		end, err := skipValue(a, i, 0)
		if err != nil {
			return // unreachable for validated input
		}
		if !f(a[i:end]) {
			return
		}
		i = skipWS(a, end)
		if a[i] == ']' {
			return
		}
		i = skipWS(a, i+1)
	}
}

// arrayLen counts the elements of the well-formed raw JSON array a.
func arrayLen(a []byte) int {
	n := 0
	forEachElement(a, func([]byte) bool { n++; return true })
	return n
}
