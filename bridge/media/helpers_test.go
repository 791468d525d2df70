package media

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"
)

// Strings planted in test metadata; none may survive stripping.
const (
	secretMake    = "LeakyCam-9000"
	secretXMP     = "exif:GPSLatitude"
	secretAuthor  = "Author"
	secretGPS     = "GPS 48.8584N 2.2945E"
	secretComment = "shot at home, 12 Secret Street"
)

// testPicture is a w×h picture with gradients, shapes and some noise, so that
// orientation and pixel changes show.
func testPicture(w, h int, seed uint64) *image.NRGBA {
	rng := rand.New(rand.NewPCG(seed, 1))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			r := uint8(255 * x / max(1, w-1))
			g := uint8(255 * y / max(1, h-1))
			b := uint8(rng.IntN(64))
			if x < w/3 && y < h/3 { // a bright top-left block marks orientation
				r, g, b = 250, 250, 30
			}
			img.SetNRGBA(x, y, color.NRGBA{R: r, G: g, B: b, A: 255})
		}
	}
	return img
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodeJPEG(t testing.TB, img image.Image, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// encodeGIF encodes frames as an animated, looping GIF with a palette of 16
// greys and colours.
func encodeGIF(t testing.TB, w, h, frames int) []byte {
	t.Helper()
	pal := color.Palette{}
	for i := range 16 {
		pal = append(pal, color.RGBA{uint8(i * 16), uint8(255 - i*16), uint8(i * 8), 255})
	}
	anim := &gif.GIF{LoopCount: 0}
	for f := range frames {
		p := image.NewPaletted(image.Rect(0, 0, w, h), pal)
		for y := range h {
			for x := range w {
				p.SetColorIndex(x, y, uint8((x/4+y/4+f)%16))
			}
		}
		anim.Image = append(anim.Image, p)
		anim.Delay = append(anim.Delay, 10)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, anim); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// byteOrder reads and appends in one byte order.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// tiffEntry is one IFD entry of a hand-built TIFF structure.
type tiffEntry struct {
	tag, typ uint16
	count    uint32
	value    []byte // inline when 4 bytes or fewer, else stored at an offset
}

// exifTIFF builds an Exif TIFF block whose IFD0 holds Make, Orientation and a
// pointer to a GPS IFD with latitude and longitude, in the given byte order.
func exifTIFF(order byteOrder, orientation uint16) []byte {
	short := func(v uint16) []byte { return order.AppendUint16(nil, v) }
	rationals := func(vs ...uint32) []byte {
		var b []byte
		for _, v := range vs {
			b = order.AppendUint32(b, v)
			b = order.AppendUint32(b, 1)
		}
		return b
	}
	make0 := append([]byte(secretMake), 0)
	gps := []tiffEntry{
		{0x0001, 2, 2, []byte("N\x00")},
		{0x0002, 5, 3, rationals(48, 51, 30)},
		{0x0003, 2, 2, []byte("E\x00")},
		{0x0004, 5, 3, rationals(2, 17, 40)},
	}
	// Layout: header(8) | IFD0 | IFD0 data | GPS IFD | GPS data.
	ifd0Len := 2 + 12*3 + 4
	ifd0Data := len(make0)
	gpsOff := 8 + ifd0Len + ifd0Data
	ifd0 := []tiffEntry{
		{0x010f, 2, uint32(len(make0)), make0},
		{tagOrientation, 3, 1, short(orientation)},
		{0x8825, 4, 1, order.AppendUint32(nil, uint32(gpsOff))},
	}
	var b []byte
	if order == byteOrder(binary.LittleEndian) {
		b = append(b, "II"...)
	} else {
		b = append(b, "MM"...)
	}
	b = order.AppendUint16(b, 42)
	b = order.AppendUint32(b, 8)
	b = appendIFD(b, order, ifd0, 8)
	b = appendIFD(b, order, gps, gpsOff)
	return b
}

// appendIFD appends an IFD located at offset off, followed by its out-of-line
// values.
func appendIFD(b []byte, order byteOrder, entries []tiffEntry, off int) []byte {
	dataOff := off + 2 + 12*len(entries) + 4
	var data []byte
	b = order.AppendUint16(b, uint16(len(entries)))
	for _, e := range entries {
		b = order.AppendUint16(b, e.tag)
		b = order.AppendUint16(b, e.typ)
		b = order.AppendUint32(b, e.count)
		if len(e.value) <= 4 {
			v := make([]byte, 4)
			copy(v, e.value)
			b = append(b, v...)
		} else {
			b = order.AppendUint32(b, uint32(dataOff+len(data)))
			data = append(data, e.value...)
		}
	}
	b = order.AppendUint32(b, 0)
	return append(b, data...)
}

// jpegSegment builds a JPEG marker segment.
func jpegSegment(marker byte, payload []byte) []byte {
	n := len(payload) + 2
	return append([]byte{0xff, marker, byte(n >> 8), byte(n)}, payload...)
}

func exifSegment(order byteOrder, orientation uint16) []byte {
	return jpegSegment(markerAPP1, append([]byte(exifHeader), exifTIFF(order, orientation)...))
}

func xmpPacket() []byte {
	return []byte(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description ` +
		secretXMP + `="48,51.5N" dc:creator="` + secretAuthor + `"/></rdf:RDF></x:xmpmeta>`)
}

func xmpSegment() []byte {
	return jpegSegment(markerAPP1, append([]byte("http://ns.adobe.com/xap/1.0/\x00"), xmpPacket()...))
}

// insertAfterSOI puts segments right after the SOI marker (and before the
// JFIF segment Go does not write anyway).
func insertAfterSOI(jpg []byte, segments ...[]byte) []byte {
	out := append([]byte(nil), jpg[:2]...)
	for _, s := range segments {
		out = append(out, s...)
	}
	return append(out, jpg[2:]...)
}

// pngChunk builds a PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// insertAfterIHDR puts chunks right after the IHDR chunk.
func insertAfterIHDR(p []byte, chunks ...[]byte) []byte {
	const afterIHDR = 8 + 12 + 13
	out := append([]byte(nil), p[:afterIHDR]...)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, p[afterIHDR:]...)
}

// gifExtensionBlock builds an extension with the given label and sub-blocks.
func gifExtensionBlock(label byte, blocks ...[]byte) []byte {
	b := []byte{gifExtension, label}
	for _, s := range blocks {
		b = append(b, byte(len(s)))
		b = append(b, s...)
	}
	return append(b, 0)
}

// samePixels fails the test unless a and b have the same bounds and colours.
func samePixels(t testing.TB, a, b image.Image) {
	t.Helper()
	if a.Bounds() != b.Bounds() {
		t.Fatalf("bounds %v != %v", a.Bounds(), b.Bounds())
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ar, ag, ab, aa := a.At(x, y).RGBA()
			br, bg, bb, ba := b.At(x, y).RGBA()
			if ar != br || ag != bg || ab != bb || aa != ba {
				t.Fatalf("pixel (%d,%d) differs: %v vs %v", x, y, a.At(x, y), b.At(x, y))
			}
		}
	}
}

// mustNotContain fails if data holds any of the secrets.
func mustNotContain(t testing.TB, data []byte, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if bytes.Contains(data, []byte(s)) {
			t.Errorf("output still contains %q", s)
		}
	}
}
