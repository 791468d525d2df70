package filter

import (
	"encoding/binary"
	"math/bits"
)

// skipContainer validates and skips the object or array starting at d[i]
// (d[i] is '{' or '['), depth counting the containers already open around
// it. It is the hot loop of Match: most of a dispatch is in containers the
// criteria never read, so it runs iteratively, with the open containers kept
// in a bit stack instead of on the call stack, and with the parser state
// held in the position in the code (goto) rather than in a variable, so that
// each token costs one branch on its first byte.
func skipContainer(d []byte, i, depth int) (int, error) {
	var (
		stack [maxDocDepth/64 + 1]uint64 // bit set: the container at that level is an object
		level int
		n     = len(d)
		c     byte
		err   error
		isObj bool
	)
	if depth+1 > maxDocDepth {
		return 0, errTooDeep
	}

open: // d[i] is '{' or '['
	if depth+level+1 > maxDocDepth {
		return 0, errTooDeep
	}
	isObj = d[i] == '{'
	if isObj {
		stack[level>>6] |= 1 << uint(level&63)
	} else {
		stack[level>>6] &^= 1 << uint(level&63)
	}
	level++
	i++
	if i < n && d[i] <= ' ' {
		i = skipWS(d, i)
	}
	if i >= n {
		return 0, errAt(i, "unexpected end of input")
	}
	if isObj {
		if d[i] == '}' {
			goto closed
		}
		goto key
	}
	if d[i] == ']' {
		goto closed
	}
	goto value

key: // expecting an object key at d[i] (white space skipped)
	if d[i] != '"' {
		return 0, errAt(i, "expected object key")
	}
	if i, err = skipStringFast(d, i); err != nil {
		return 0, err
	}
	if i < n && d[i] <= ' ' {
		i = skipWS(d, i)
	}
	if i >= n || d[i] != ':' {
		return 0, errAt(i, "expected ':'")
	}
	i++
	if i < n && d[i] <= ' ' {
		i = skipWS(d, i)
	}
	if i >= n {
		return 0, errAt(i, "unexpected end of input")
	}

value: // expecting a value at d[i] (white space skipped, i < n)
	c = d[i]
	switch {
	case c == '"':
		if i, err = skipStringFast(d, i); err != nil {
			return 0, err
		}
	case c == '{' || c == '[':
		goto open
	case c >= '0' && c <= '9' || c == '-':
		if i, err = scanNumber(d, i); err != nil {
			return 0, err
		}
	case c == 't':
		if n-i < 4 || string(d[i:i+4]) != "true" {
			return 0, errAt(i, "invalid literal")
		}
		i += 4
	case c == 'f':
		if n-i < 5 || string(d[i:i+5]) != "false" {
			return 0, errAt(i, "invalid literal")
		}
		i += 5
	case c == 'n':
		if n-i < 4 || string(d[i:i+4]) != "null" {
			return 0, errAt(i, "invalid literal")
		}
		i += 4
	default:
		return 0, errAt(i, "unexpected character")
	}

after: // after a value: expecting ',' or the closing bracket
	if i < n && d[i] <= ' ' {
		i = skipWS(d, i)
	}
	if i >= n {
		return 0, errAt(i, "unexpected end of input")
	}
	isObj = stack[(level-1)>>6]&(1<<uint((level-1)&63)) != 0
	switch c = d[i]; {
	case c == ',':
		i++
		if i < n && d[i] <= ' ' {
			i = skipWS(d, i)
		}
		if i >= n {
			return 0, errAt(i, "unexpected end of input")
		}
		if isObj {
			goto key
		}
		goto value
	case c == '}' && isObj, c == ']' && !isObj:
		goto closed
	case isObj:
		return 0, errAt(i, "expected ',' or '}'")
	default:
		return 0, errAt(i, "expected ',' or ']'")
	}

closed: // d[i] closes the innermost container
	i++
	level--
	if level == 0 {
		return i, nil
	}
	goto after
}

// skipStringFast returns the index past the JSON string starting at d[i],
// validating it; it is scanString without reporting escapes.
func skipStringFast(d []byte, i int) (int, error) {
	j := i + 1
	for j+8 <= len(d) {
		if m := swarSpecial(binary.LittleEndian.Uint64(d[j:])); m != 0 {
			j += bits.TrailingZeros64(m) >> 3
			if d[j] == '"' {
				return j + 1, nil
			}
			end, _, err := scanString(d, i)
			return end, err
		}
		j += 8
	}
	for j < len(d) {
		c := d[j]
		if c == '"' {
			return j + 1, nil
		}
		if c == '\\' || c < 0x20 {
			end, _, err := scanString(d, i)
			return end, err
		}
		j++
	}
	return 0, errAt(len(d), "unterminated string")
}
