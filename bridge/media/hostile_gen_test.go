package media

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// jpegBits writes entropy-coded JPEG data, most significant bit first, with a
// stuffed 0x00 after every 0xFF byte.
type jpegBits struct {
	out  []byte
	acc  uint32
	nacc uint
}

func (w *jpegBits) write(v uint32, n uint) {
	for n > 0 {
		n--
		w.acc = w.acc<<1 | v>>n&1
		w.nacc++
		if w.nacc == 8 {
			w.flushByte(byte(w.acc))
		}
	}
}

func (w *jpegBits) flushByte(b byte) {
	w.out = append(w.out, b)
	if b == 0xff {
		w.out = append(w.out, 0)
	}
	w.acc, w.nacc = 0, 0
}

// finish pads the last byte with 1 bits, as the standard asks.
func (w *jpegBits) finish() []byte {
	if w.nacc > 0 {
		w.flushByte(byte(w.acc<<(8-w.nacc) | 0xff>>w.nacc))
	}
	return w.out
}

// progressiveJPEG builds a valid progressive JPEG of w×h pixels with comps
// components (1 or 3, no subsampling) made of scans scans: one interleaved DC
// scan, then AC scans (1..63) cycling over the components, each coding its
// whole band as end-of-band runs. It is the shape of the hostile file: tiny,
// and every scan makes a decoder walk every block of a component again. All
// coefficients are zero, so the picture is flat grey.
func progressiveJPEG(w, h, comps, scans int) []byte {
	seg := func(b []byte, marker byte, payload ...byte) []byte {
		return append(binary.BigEndian.AppendUint16(append(b, 0xff, marker), uint16(len(payload)+2)), payload...)
	}
	b := []byte{0xff, markerSOI}
	b = seg(b, 0xdb, append([]byte{0}, bytes.Repeat([]byte{1}, 64)...)...) // DQT 0, all ones
	sof := []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), byte(comps)}
	for c := range comps {
		sof = append(sof, byte(c+1), 0x11, 0)
	}
	b = seg(b, 0xc2, sof...) // SOF2: progressive, Huffman
	// DC table 0: one 1-bit code for difference category 0.
	dc := append([]byte{0x00, 1}, make([]byte, 15)...)
	b = seg(b, 0xc4, append(dc, 0x00)...)
	// AC table 0: EOB0..EOB14 (end-of-band runs of 2^n + n bits), 4-bit
	// codes 0000..1110.
	ac := append([]byte{0x10, 0, 0, 0, 15}, make([]byte, 12)...)
	for n := range 15 {
		ac = append(ac, byte(n<<4))
	}
	b = seg(b, 0xc4, ac...)
	blocks := ((w + 7) / 8) * ((h + 7) / 8)
	// DC scan over all components: one '0' bit per block and component.
	sos := []byte{byte(comps)}
	for c := range comps {
		sos = append(sos, byte(c+1), 0x00)
	}
	b = seg(b, markerSOS, append(sos, 0, 0, 0)...)
	var dcBits jpegBits
	for range blocks * comps {
		dcBits.write(0, 1)
	}
	b = append(b, dcBits.finish()...)
	for s := 1; s < scans; s++ {
		c := (s - 1) % comps
		b = seg(b, markerSOS, 1, byte(c+1), 0x00, 1, 63, 0)
		var acBits jpegBits
		for left := blocks; left > 0; {
			run := min(left, 1<<15-1)
			n := bits.Len(uint(run)) - 1
			acBits.write(uint32(n), 4)
			acBits.write(uint32(run-1<<n), uint(n))
			left -= run
		}
		b = append(b, acBits.finish()...)
	}
	return append(b, 0xff, markerEOI)
}
