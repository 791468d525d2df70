package media

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"
)

// The WebP files in testdata are built here by hand, because no WebP encoder
// is available: a lossless VP8L bitstream whose five prefix codes are "simple"
// codes. Green and red each take one of two values (one bit per pixel each),
// blue and alpha are constant (zero bits), and there is no transform, colour
// cache or backward reference. Set ARTBRIDGE_WRITE_TESTDATA=1 to rewrite them.

const (
	tinyWebPW, tinyWebPH = 6, 4
	tinyRed0, tinyRed1   = 0x20, 0xe0
	tinyGreen0, tinyGrn1 = 0x10, 0xc0
	tinyBlue, tinyAlpha  = 0x80, 0xff
)

// tinyWebPPixel is the colour of pixel (x,y) in the tiny WebP pictures.
func tinyWebPPixel(x, y int) color.NRGBA {
	c := color.NRGBA{R: tinyRed0, G: tinyGreen0, B: tinyBlue, A: tinyAlpha}
	if x >= tinyWebPW/2 {
		c.R = tinyRed1
	}
	if (x+y)%2 == 1 {
		c.G = tinyGrn1
	}
	return c
}

// tinyWebPImage is what the tiny WebP files decode to.
func tinyWebPImage() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, tinyWebPW, tinyWebPH))
	for y := range tinyWebPH {
		for x := range tinyWebPW {
			img.SetNRGBA(x, y, tinyWebPPixel(x, y))
		}
	}
	return img
}

// bitWriter writes bits least significant first, as VP8L reads them.
type bitWriter struct {
	buf   []byte
	acc   uint64
	nbits uint
}

func (w *bitWriter) write(v uint64, n uint) {
	w.acc |= v << w.nbits
	w.nbits += n
	for w.nbits >= 8 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc >>= 8
		w.nbits -= 8
	}
}

func (w *bitWriter) bytes() []byte {
	if w.nbits > 0 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc, w.nbits = 0, 0
	}
	return w.buf
}

// simpleCode writes a "simple" prefix code of one or two 8-bit symbols.
func (w *bitWriter) simpleCode(symbols ...byte) {
	w.write(1, 1)                      // is_simple
	w.write(uint64(len(symbols)-1), 1) // num_symbols - 1
	w.write(1, 1)                      // is_first_8bits
	for _, s := range symbols {
		w.write(uint64(s), 8)
	}
}

// tinyVP8L returns the VP8L bitstream of tinyWebPImage.
func tinyVP8L() []byte {
	var w bitWriter
	w.write(0x2f, 8)
	w.write(tinyWebPW-1, 14)
	w.write(tinyWebPH-1, 14)
	w.write(0, 1) // alpha_is_used hint
	w.write(0, 3) // version
	w.write(0, 1) // no transform
	w.write(0, 1) // no colour cache
	w.write(0, 1) // no meta prefix codes
	w.simpleCode(tinyGreen0, tinyGrn1)
	w.simpleCode(tinyRed0, tinyRed1)
	w.simpleCode(tinyBlue)
	w.simpleCode(tinyAlpha)
	w.simpleCode(0) // distance
	for y := range tinyWebPH {
		for x := range tinyWebPW {
			c := tinyWebPPixel(x, y)
			w.write(boolBit(c.G == tinyGrn1), 1)
			w.write(boolBit(c.R == tinyRed1), 1)
		}
	}
	return w.bytes()
}

func boolBit(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// riffWebP wraps chunks (fourCC, payload pairs) in a RIFF WEBP form.
func riffWebP(chunks ...[2]string) []byte {
	out := []byte("RIFF\x00\x00\x00\x00WEBP")
	for _, c := range chunks {
		out = appendRIFFChunk(out, c[0], []byte(c[1]))
	}
	return out
}

// vp8xPayload builds a VP8X payload with the given flags and canvas size.
func vp8xPayload(flags byte, w, h int) string {
	b := []byte{flags, 0, 0, 0}
	b = append(b, byte(w-1), byte((w-1)>>8), byte((w-1)>>16))
	b = append(b, byte(h-1), byte((h-1)>>8), byte((h-1)>>16))
	return string(b)
}

// tinyWebP is the simple lossless file testdata/tiny.webp.
func tinyWebP() []byte {
	return riffWebP([2]string{"VP8L", string(tinyVP8L())})
}

// tinyWebPWithMetadata is testdata/tiny-metadata.webp: the same picture in an
// extended file with EXIF (with GPS), XMP and a private chunk.
func tinyWebPWithMetadata() []byte {
	return riffWebP(
		[2]string{"VP8X", vp8xPayload(vp8xFlagEXIF|vp8xFlagXMP, tinyWebPW, tinyWebPH)},
		[2]string{"VP8L", string(tinyVP8L())},
		[2]string{"EXIF", string(exifTIFF(binary.LittleEndian, 1))},
		[2]string{"XMP ", string(xmpPacket())},
		[2]string{"prVt", secretComment},
	)
}

func TestWebPTestdataIsCurrent(t *testing.T) {
	for name, want := range map[string][]byte{
		"tiny.webp":          tinyWebP(),
		"tiny-metadata.webp": tinyWebPWithMetadata(),
	} {
		path := filepath.Join("testdata", name)
		if os.Getenv("ARTBRIDGE_WRITE_TESTDATA") == "1" {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from its generator; rerun with ARTBRIDGE_WRITE_TESTDATA=1", path)
		}
	}
}
