package filter

import (
	"math"
	"unicode/utf8"
)

// This file holds the value semantics of the language. They follow sift
// (github.com/crcn/sift.js, src/utils.ts `equals` and src/core.ts /
// src/operations.ts `numericalOperation`, read from sift 17's sources):
//
//   - equality: null equals null and a missing value (sift's `a == null && a
//     == b`); otherwise the JavaScript types must agree (`===` for numbers,
//     strings and booleans, so 1 never equals "1"); arrays are equal when
//     they have the same length and equal elements in order; objects are
//     equal when they have the same number of keys and every key of the
//     criteria object has an equal value in the other object (so, exactly as
//     in sift, a criteria key whose value is null also accepts a key that is
//     absent).
//   - ordering ($gt $gte $lt $lte): sift only compares values whose
//     JavaScript `typeof` equals that of the operand: numbers with numbers,
//     strings with strings (UTF-16 code unit order, as JavaScript's `<`),
//     booleans with booleans (false < true). A null operand has typeof
//     "object": `$gte: null` and `$lte: null` match null and missing values
//     (sift's `b === params`), `$gt: null` and `$lt: null` match nothing.

// literal is a compiled criteria value: nil, bool, float64, string, []any or
// map[string]any (numbers are float64, as in JavaScript).
type literal struct {
	k kind
	v any
	s string  // when k == kindString
	f float64 // when k == kindNumber
	b bool    // when k == kindBool
}

func newLiteral(v any) literal {
	switch x := v.(type) {
	case nil:
		return literal{k: kindNull, v: v}
	case bool:
		return literal{k: kindBool, v: v, b: x}
	case float64:
		return literal{k: kindNumber, v: v, f: x}
	case string:
		return literal{k: kindString, v: v, s: x}
	case []any:
		return literal{k: kindArray, v: v}
	default:
		return literal{k: kindObject, v: v}
	}
}

// equalRaw reports whether the candidate raw (nil for a missing value)
// equals the literal.
func (l *literal) equalRaw(raw []byte) bool {
	rk := rawKind(raw)
	switch l.k {
	case kindNull:
		return rk == kindNull || rk == kindMissing
	case kindString:
		return rk == kindString && rawStringEquals(raw, hasEscape(raw), l.s)
	case kindNumber:
		return rk == kindNumber && rawNumber(raw) == l.f
	case kindBool:
		return rk == kindBool && (raw[0] == 't') == l.b
	default:
		if rk != l.k {
			return false
		}
		return valuesEqual(l.v, decodeRaw(raw))
	}
}

// valuesEqual is sift's equality over decoded JSON values (a from the
// criteria, b from the dispatch; a missing value is passed as missingValue).
func valuesEqual(a, b any) bool {
	if isNullish(a) {
		return isNullish(b)
	}
	switch x := a.(type) {
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !valuesEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, av := range x {
			bv, ok := y[k]
			if !ok {
				bv = missingValue{}
			}
			if !valuesEqual(av, bv) {
				return false
			}
		}
		return true
	}
	return false
}

// missingValue stands for JavaScript's undefined inside decoded values.
type missingValue struct{}

func isNullish(v any) bool {
	if v == nil {
		return true
	}
	_, ok := v.(missingValue)
	return ok
}

// compareRaw orders the candidate raw against the literal for the
// comparison operators: it returns -1, 0 or +1 (raw relative to the
// literal), and ok=false when sift would not compare them at all.
func (l *literal) compareRaw(raw []byte) (int, bool) {
	rk := rawKind(raw)
	switch l.k {
	case kindNumber:
		if rk != kindNumber {
			return 0, false
		}
		f := rawNumber(raw)
		switch {
		case f < l.f:
			return -1, true
		case f > l.f:
			return 1, true
		}
		return 0, true
	case kindString:
		if rk != kindString {
			return 0, false
		}
		return compareUTF16Raw(raw, l.s), true
	case kindBool:
		if rk != kindBool {
			return 0, false
		}
		b := raw[0] == 't'
		switch {
		case b == l.b:
			return 0, true
		case b:
			return 1, true
		}
		return -1, true
	case kindNull:
		if rk == kindNull || rk == kindMissing {
			return 0, true
		}
	}
	return 0, false
}

// utf16Key maps a code point to a value whose order is JavaScript's UTF-16
// code unit order for the first code unit: code points above U+FFFF start
// with a high surrogate (0xD800–0xDBFF) and so sort before U+E000–U+FFFF.
func utf16Key(r rune) rune {
	if r > 0xFFFF {
		return 0xD800 + ((r - 0x10000) >> 10)
	}
	return r
}

// compareRunes orders two code points as JavaScript orders strings made of
// them: by UTF-16 code units.
func compareRunes(a, b rune) int {
	if a == b {
		return 0
	}
	ka, kb := utf16Key(a), utf16Key(b)
	if ka == kb { // both above U+FFFF with the same high surrogate
		ka, kb = a, b
	}
	if ka < kb {
		return -1
	}
	return 1
}

// compareUTF16Raw compares the value of a raw JSON string with s in UTF-16
// code unit order.
func compareUTF16Raw(raw []byte, s string) int {
	it := newStringIter(raw)
	j := 0
	for {
		r := it.nextRune()
		if r >= 0 && r <= 0xFFFF && r >= 0xD800 && r <= 0xDFFF {
			r = utf8.RuneError
		}
		if j >= len(s) {
			if r < 0 {
				return 0
			}
			return 1
		}
		if r < 0 {
			return -1
		}
		r2, n := utf8.DecodeRuneInString(s[j:])
		j += n
		if c := compareRunes(r, r2); c != 0 {
			return c
		}
	}
}

// jsMod is JavaScript's % on numbers (the result takes the dividend's sign).
func jsMod(a, b float64) float64 { return math.Mod(a, b) }
