package filter

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// maxDocDepth bounds how deeply a dispatch may nest objects and arrays.
// Discord payloads nest fewer than ten levels; the cap keeps hostile input
// from costing more than linear time in the evaluators that walk sub-values.
const maxDocDepth = 128

// errTooDeep reports a document nested beyond maxDocDepth.
var errTooDeep = errors.New("JSON nested too deeply")

// syntaxError describes malformed JSON found while scanning a dispatch.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.off, e.msg)
}

func errAt(off int, msg string) error { return &syntaxError{off: off, msg: msg} }

// skipWS returns the index of the first byte at or after i that is not JSON
// white space.
func skipWS(d []byte, i int) int {
	for i < len(d) {
		switch d[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

const (
	swarOnes  = 0x0101010101010101
	swarHighs = 0x8080808080808080
)

// swarSpecial returns, for eight bytes packed little-endian in x, a mask
// whose lowest set bit is the high bit of the first byte that is a quote, a
// backslash or a control character (below 0x20): the bytes that end the fast
// path through a JSON string. It is zero when there is none. (Bits above the
// first hit may be spurious; only the lowest one is meaningful.)
func swarSpecial(x uint64) uint64 {
	quote := x ^ (swarOnes * '"')
	slash := x ^ (swarOnes * '\\')
	t := ((quote - swarOnes) & ^quote) | ((slash - swarOnes) & ^slash) | ((x - swarOnes*0x20) & ^x)
	return t & swarHighs
}

// scanString scans the JSON string whose opening quote is at d[i]. It returns
// the index just past the closing quote and whether the string holds escape
// sequences (so its raw bytes differ from its value).
func scanString(d []byte, i int) (end int, esc bool, err error) {
	i++
	for {
		for i+8 <= len(d) {
			if m := swarSpecial(binary.LittleEndian.Uint64(d[i:])); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i >= len(d) {
			return 0, false, errAt(len(d), "unterminated string")
		}
		c := d[i]
		switch {
		case c == '"':
			return i + 1, esc, nil
		case c == '\\':
			esc = true
			if i+1 >= len(d) {
				return 0, false, errAt(len(d), "unterminated string")
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) {
					return 0, false, errAt(len(d), "unterminated string")
				}
				for k := i + 2; k < i+6; k++ {
					if hexVal(d[k]) < 0 {
						return 0, false, errAt(k, "invalid \\u escape")
					}
				}
				i += 6
			default:
				return 0, false, errAt(i+1, "invalid escape")
			}
		case c < 0x20:
			return 0, false, errAt(i, "control character in string")
		default:
			i++
		}
	}
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// scanNumber scans the JSON number starting at d[i] and returns the index
// just past it.
func scanNumber(d []byte, i int) (int, error) {
	start := i
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		return 0, errAt(start, "invalid number")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return 0, errAt(i, "invalid number")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return 0, errAt(i, "invalid number")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	return i, nil
}

// scanLiteral checks that d[i:] starts with lit and returns the index past it.
func scanLiteral(d []byte, i int, lit string) (int, error) {
	if len(d)-i < len(lit) || string(d[i:i+len(lit)]) != lit {
		return 0, errAt(i, "invalid literal")
	}
	return i + len(lit), nil
}

// skipValue validates and skips the JSON value starting at d[i] (no leading
// white space) and returns the index just past it. depth counts the
// containers already open around it.
func skipValue(d []byte, i, depth int) (int, error) {
	if i >= len(d) {
		return 0, errAt(i, "unexpected end of input")
	}
	switch c := d[i]; c {
	case '"':
		end, _, err := scanString(d, i)
		return end, err
	case '{', '[':
		return skipContainer(d, i, depth)
	case 't':
		return scanLiteral(d, i, "true")
	case 'f':
		return scanLiteral(d, i, "false")
	case 'n':
		return scanLiteral(d, i, "null")
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			return scanNumber(d, i)
		}
		return 0, errAt(i, "unexpected character")
	}
}
