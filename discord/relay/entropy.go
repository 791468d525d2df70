package relay

import (
	"math"
	"unicode"
	"unicode/utf8"
)

// minSecretBits is the least estimated entropy of a client secret: 16 bytes.
const minSecretBits = 128

// weakSecretMessage explains a refused client secret to the bot's author.
const weakSecretMessage = "clientSecret is too weak: it must carry at least 16 bytes (128 bits) of randomness, " +
	"because it is the only thing that protects the bot's token registration and the bot's websocket; " +
	"use for example \"admin:\" followed by 32 random hex digits (openssl rand -hex 16)"

// secretBits estimates the entropy of a client secret in bits. It is the
// smaller of two estimates, so that neither a long run of one character
// nor a short string over a large alphabet passes:
//
//   - the length times log2 of the alphabet its character classes span
//     (lower case, upper case, digits, other ASCII, other runes);
//   - the length times the Shannon entropy of its own character
//     frequencies, times 1.5 (a random string of n characters over k
//     symbols shows fewer than log2 k bits per character when n is close to
//     k; the factor keeps 32 random hex digits above 140 bits while
//     "abcabcabc…" of the same length stays below 90).
//
// 32 random hex digits (16 bytes) always pass; base64 of exactly 16 bytes
// can fall short, so the documentation asks for 24 base64 characters.
func secretBits(s string) float64 {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return 0
	}
	var lower, upper, digit, punct, other bool
	counts := map[rune]int{}
	for _, r := range s {
		counts[r]++
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		case r < utf8.RuneSelf && unicode.IsPrint(r):
			punct = true
		default:
			other = true
		}
	}
	alphabet := 0
	for _, c := range []struct {
		on   bool
		size int
	}{{lower, 26}, {upper, 26}, {digit, 10}, {punct, 33}, {other, 1000}} {
		if c.on {
			alphabet += c.size
		}
	}
	classBits := float64(n) * math.Log2(float64(alphabet))
	shannon := 0.0
	for _, c := range counts {
		p := float64(c) / float64(n)
		shannon -= p * math.Log2(p)
	}
	return math.Min(classBits, 1.5*float64(n)*shannon)
}

// strongSecret reports whether s is long and random enough to be a client secret.
func strongSecret(s string) bool { return secretBits(s) >= minSecretBits }
