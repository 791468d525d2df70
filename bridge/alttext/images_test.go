package alttext

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
)

// The Make* helpers build test images; they are exported (in a _test file
// only) so the external client tests can use them too.

// MakeArt returns a w×h image with gradients and a little structure, so that
// scaling and encoding do real work. alpha < 255 makes the left half
// translucent.
func MakeArt(w, h int, alpha uint8) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		row := img.Pix[y*img.Stride:]
		for x := range w {
			a := uint8(255)
			if x < w/2 {
				a = alpha
			}
			row[4*x] = uint8(x * 255 / max(w-1, 1))
			row[4*x+1] = uint8(y * 255 / max(h-1, 1))
			row[4*x+2] = uint8((x ^ y) & 0xff)
			row[4*x+3] = a
		}
	}
	return img
}

// MakePNG encodes MakeArt(w, h, alpha) as PNG.
func MakePNG(tb testing.TB, w, h int, alpha uint8) []byte {
	tb.Helper()
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.NoCompression} // fast to make, even under -race
	if err := enc.Encode(&buf, MakeArt(w, h, alpha)); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// MakeJPEG encodes an opaque MakeArt(w, h) as JPEG.
func MakeJPEG(tb testing.TB, w, h int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, MakeArt(w, h, 255), &jpeg.Options{Quality: 90}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// MakeGIF encodes a two-frame animation: the first frame w×h, the second a
// different colour. With transparent set, the first frame's palette index 0
// is transparent and used for the top-left quarter.
func MakeGIF(tb testing.TB, w, h int, transparent bool) []byte {
	tb.Helper()
	pal := append(color.Palette{}, palette.Plan9...)
	if transparent {
		pal[0] = color.NRGBA{}
	}
	f1 := image.NewPaletted(image.Rect(0, 0, w, h), pal)
	f2 := image.NewPaletted(image.Rect(0, 0, w, h), pal)
	for y := range h {
		for x := range w {
			i := uint8(1 + (x+y)%200)
			if transparent && x < w/2 && y < h/2 {
				i = 0
			}
			f1.SetColorIndex(x, y, i)
			f2.SetColorIndex(x, y, 250)
		}
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, &gif.GIF{Image: []*image.Paletted{f1, f2}, Delay: []int{10, 10}}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// MakeWebP writes a lossless (VP8L) WebP of one colour, w×h. The bitstream
// is the simplest the format allows: no transforms, no colour cache, and
// five prefix codes of a single symbol each, so every pixel takes zero bits.
func MakeWebP(w, h int, c color.NRGBA) []byte {
	var bw bitWriter
	bw.write(0x2f, 8) // VP8L signature
	bw.write(uint32(w-1), 14)
	bw.write(uint32(h-1), 14)
	bw.write(1, 1) // alpha is used
	bw.write(0, 3) // version
	bw.write(0, 1) // no transform
	bw.write(0, 1) // no colour cache
	bw.write(0, 1) // no meta prefix codes
	for _, sym := range []uint8{c.G, c.R, c.B, c.A} {
		bw.write(1, 1) // simple code
		bw.write(0, 1) // one symbol
		bw.write(1, 1) // symbol takes 8 bits
		bw.write(uint32(sym), 8)
	}
	bw.write(1, 1) // distance code: simple
	bw.write(0, 1) // one symbol
	bw.write(0, 1) // 1-bit symbol
	bw.write(0, 1) // symbol 0
	data := bw.bytes()
	if len(data)%2 == 1 {
		data = append(data, 0)
	}
	var out bytes.Buffer
	out.WriteString("RIFF")
	_ = binary.Write(&out, binary.LittleEndian, uint32(4+8+len(data)))
	out.WriteString("WEBPVP8L")
	_ = binary.Write(&out, binary.LittleEndian, uint32(len(bw.bytes())))
	out.Write(data)
	return out.Bytes()
}

type bitWriter struct {
	buf   []byte
	acc   uint64
	nbits uint
}

// write appends the n low bits of v, least significant first.
func (b *bitWriter) write(v uint32, n uint) {
	b.acc |= uint64(v&(1<<n-1)) << b.nbits
	b.nbits += n
	for b.nbits >= 8 {
		b.buf = append(b.buf, byte(b.acc))
		b.acc >>= 8
		b.nbits -= 8
	}
}

func (b *bitWriter) bytes() []byte {
	out := append([]byte(nil), b.buf...)
	if b.nbits > 0 {
		out = append(out, byte(b.acc))
	}
	return out
}
