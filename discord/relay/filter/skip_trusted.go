package filter

import (
	"math/bits"
	"slices"
)

// This file is the scanner behind MatchTrusted: it skips values the criteria
// never read, assuming the input is valid JSON. It reads the dispatch 64
// bytes at a time (classify.go) into masks of the quotes that delimit
// strings and of the brackets outside strings, so that skipping a string or
// a container costs a few bit operations per block instead of a branch per
// token. It checks nothing but bounds: on invalid input it returns some
// position past the start (or -1 when it runs off the end), never panics and
// always makes progress. Values the evaluator reads are never skipped this
// way: the extractor validates them (see visit).

// trustedIndex holds the masks of the blocks of d read so far; blocks are
// computed in order, a batch at a time on demand, so that a dispatch
// rejected early is not classified to its end.
type trustedIndex struct {
	d []byte
	// blocks holds, per block: quote the quotes that open or close a
	// string, bslash the backslashes, brk the brackets outside strings and
	// open the opening ones among them.
	blocks []blockMasks
	inStr  uint64 // all ones when the next block starts inside a string
	escCar uint64 // 1 when the next block's first byte is escaped
}

// indexBatch is how many blocks trustedIndex computes at least at a time.
const indexBatch = 8

// maxKeptBlocks bounds the storage a pooled trustedIndex keeps between
// dispatches (128 KiB of masks, for 256 KiB of JSON): a rare huge dispatch
// such as a GUILD_CREATE should not pin its masks in every pooled evaluator.
const maxKeptBlocks = 4096

// reset prepares x for d, keeping its storage unless it grew large.
func (x *trustedIndex) reset(d []byte) {
	x.d = d
	if cap(x.blocks) > maxKeptBlocks {
		x.blocks = nil
	}
	x.blocks = x.blocks[:0]
	x.inStr, x.escCar = 0, 0
}

// ensure computes the masks up to block b and reports whether b is within d.
func (x *trustedIndex) ensure(b int) bool {
	if b < len(x.blocks) {
		return true
	}
	return x.extend(b)
}

// extend computes the masks of a batch of blocks including b, if b is
// within d.
func (x *trustedIndex) extend(b int) bool {
	total := (len(x.d) + 63) >> 6
	if b >= total {
		return false
	}
	first := len(x.blocks)
	last := min(max(b+1, first+indexBatch), total)
	x.blocks = slices.Grow(x.blocks, last-first)[:last]
	classifyBlocks(x.blocks[first:last], x.d[first<<6:])
	if rest := len(x.d) - (last-1)<<6; rest < 64 { // a partial last block
		var tail [64]byte
		copy(tail[:], x.d[(last-1)<<6:])
		classifyBlocks(x.blocks[last-1:last], tail[:])
	}
	for k := first; k < last; k++ {
		m := &x.blocks[k]
		if m.bslash|x.escCar != 0 {
			var escaped uint64
			escaped, x.escCar = escapedBytes(m.bslash, x.escCar)
			m.quote &^= escaped
		}
		s := prefixXor(m.quote) ^ x.inStr
		x.inStr = uint64(int64(s) >> 63)
		m.brk &^= s
		m.open &= m.brk
	}
	return true
}

// nextQuote returns the index of the first string delimiter at or after i,
// or -1.
func (x *trustedIndex) nextQuote(i int) int {
	b := i >> 6
	if !x.ensure(b) {
		return -1
	}
	m := x.blocks[b].quote &^ (1<<uint(i&63) - 1)
	for m == 0 {
		b++
		if !x.ensure(b) {
			return -1
		}
		m = x.blocks[b].quote
	}
	return b<<6 + bits.TrailingZeros64(m)
}

// hasBackslash reports whether d[i:j] holds a backslash (blocks up to j-1
// already computed).
func (x *trustedIndex) hasBackslash(i, j int) bool {
	for ; i < j; i = (i | 63) + 1 {
		m := x.blocks[i>>6].bslash &^ (1<<uint(i&63) - 1)
		if end := j - i&^63; end < 64 {
			m &= 1<<uint(end) - 1
		}
		if m != 0 {
			return true
		}
	}
	return false
}

// skipString returns the index past the string whose opening quote is d[i],
// or -1.
func (x *trustedIndex) skipString(i int) int {
	end := x.nextQuote(i + 1)
	if end < 0 {
		return -1
	}
	return end + 1
}

// key returns the index past the object key whose opening quote is d[i] and
// whether it holds a backslash, or -1.
func (x *trustedIndex) key(i int) (int, bool) {
	i++
	if b := i >> 6; b < len(x.blocks) {
		// Fast path: the key ends in the block it starts in.
		low := uint64(1)<<uint(i&63) - 1
		if m := x.blocks[b].quote &^ low; m != 0 {
			p := bits.TrailingZeros64(m)
			return b<<6 + p + 1, x.blocks[b].bslash&^low&(1<<uint(p)-1) != 0
		}
	}
	end := x.nextQuote(i)
	if end < 0 {
		return -1, false
	}
	return end + 1, x.hasBackslash(i, end)
}

// skipContainer returns the index past the object or array starting at
// d[i] (d[i] is '{' or '['), or -1. It counts the brackets outside strings;
// a block whose closing brackets cannot bring the depth to zero costs two
// population counts.
func (x *trustedIndex) skipContainer(i int) int {
	b := i >> 6
	if !x.ensure(b) {
		return -1
	}
	m := x.blocks[b].brk &^ (1<<uint(i&63) - 1)
	depth := 0
	for {
		open := x.blocks[b].open
		closes := bits.OnesCount64(m &^ open)
		if depth > closes {
			depth += bits.OnesCount64(m&open) - closes
		} else {
			for ; m != 0; m &= m - 1 {
				p := bits.TrailingZeros64(m)
				depth += int(open>>uint(p)&1)*2 - 1
				if depth == 0 {
					return b<<6 + p + 1
				}
			}
		}
		b++
		if !x.ensure(b) {
			return -1
		}
		m = x.blocks[b].brk
	}
}

// skip returns the index past the JSON value starting at d[i] (no leading
// white space), or -1.
func (x *trustedIndex) skip(i int) int {
	d := x.d
	if i >= len(d) {
		return -1
	}
	switch d[i] {
	case '"':
		return x.skipString(i)
	case '{', '[':
		return x.skipContainer(i)
	}
	// A number or a literal: it runs to the next delimiter.
	for i++; i < len(d); i++ {
		switch d[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
	}
	return i
}
