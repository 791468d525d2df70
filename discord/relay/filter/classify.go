package filter

import (
	"encoding/binary"
	"math/bits"
)

// This file turns 64-byte blocks of a dispatch into bit masks (bit k for
// byte k of the block), from which the bytes inside strings are computed
// without branching; trustedIndex (skip_trusted.go) builds on them.

// swarLows7 has the seven low bits of every byte set.
const swarLows7 = 0x7f7f7f7f7f7f7f7f

// zeroBytes returns, for eight bytes packed in t, the high bit of every
// byte that is zero (exactly: no borrow crosses bytes).
func zeroBytes(t uint64) uint64 {
	return ^((t&swarLows7 + swarLows7) | t) & swarHighs
}

// gatherHighs packs the high bits of the eight bytes of m into the low
// eight bits of the result, byte 0 first.
func gatherHighs(m uint64) uint64 {
	return (m >> 7 * 0x0102040810204080) >> 56
}

// blockMasks are the masks of one 64-byte block: quote has the bytes '"',
// bslash '\\', brk the brackets '[', ']', '{' and '}' (and also 'Y', '_', 'y'
// and 0x7f, which never occur outside strings in valid JSON), open the bytes
// whose bit 1 is set (among brackets: '[' and '{').
type blockMasks struct {
	quote, bslash, brk, open uint64
}

// classifyBlocksGo fills dst[k] with the masks of src[64k:64k+64], for as
// many whole blocks as both hold.
func classifyBlocksGo(dst []blockMasks, src []byte) {
	n := min(len(dst), len(src)/64)
	for b := 0; b < n; b++ {
		var m blockMasks
		for k := 0; k < 8; k++ {
			x := binary.LittleEndian.Uint64(src[b*64+k*8:])
			m.quote |= gatherHighs(zeroBytes(x^swarOnes*'"')) << (8 * k)
			m.bslash |= gatherHighs(zeroBytes(x^swarOnes*'\\')) << (8 * k)
			m.brk |= gatherHighs(zeroBytes(x&(swarOnes*0xD9)^swarOnes*0x59)) << (8 * k)
			m.open |= gatherHighs(x<<6&swarHighs) << (8 * k)
		}
		dst[b] = m
	}
}

// prefixXor sets each bit of the result to the parity of the bits of x at
// and below it: applied to the quotes of a block, it marks the bytes inside
// strings (opening quotes included, closing quotes not).
func prefixXor(x uint64) uint64 {
	x ^= x << 1
	x ^= x << 2
	x ^= x << 4
	x ^= x << 8
	x ^= x << 16
	x ^= x << 32
	return x
}

// escapedBytes returns the bytes of a block that a backslash escapes, given
// its backslash mask and carry (1 when the block's first byte is escaped by
// the previous block's last backslash), and the carry into the next block.
func escapedBytes(bslash, carry uint64) (escaped, next uint64) {
	escaped = carry
	for b := bslash &^ carry; b != 0; {
		p := bits.TrailingZeros64(b)
		if p == 63 {
			return escaped, 1
		}
		escaped |= 2 << p
		b &^= 3 << p
	}
	return escaped, 0
}
