package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/png"
	"testing"
)

// pngChunkTypes lists the chunk types of a PNG file in order.
func pngChunkTypes(t testing.TB, data []byte) []string {
	t.Helper()
	var types []string
	for i := 8; i+12 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[i:]))
		types = append(types, string(data[i+4:i+8]))
		i += 12 + n
	}
	return types
}

func decodePNG(t testing.TB, data []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestProcessPNGStripsMetadata(t *testing.T) {
	plain := encodePNG(t, testPicture(50, 40, 4))
	actl := pngChunk("acTL", []byte{0, 0, 0, 1, 0, 0, 0, 0})
	in := insertAfterIHDR(plain,
		pngChunk("gAMA", []byte{0, 0, 0xb1, 0x8f}),
		pngChunk("sRGB", []byte{0}),
		pngChunk("pHYs", []byte{0, 0, 0x0b, 0x13, 0, 0, 0x0b, 0x13, 1}),
		actl,
		pngChunk("tEXt", []byte(secretAuthor+"\x00Jane Doe")),
		pngChunk("tEXt", []byte("Comment\x00"+secretGPS)),
		pngChunk("zTXt", []byte("Software\x00\x00x\x9c\x03\x00\x00\x00\x00\x01")),
		pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00"+string(xmpPacket()))),
		pngChunk("tIME", []byte{0x07, 0xe9, 1, 2, 3, 4, 5}),
		pngChunk("eXIf", exifTIFF(binary.BigEndian, 6)),
		pngChunk("prVt", []byte(secretComment)),
	)
	in = append(in, secretGPS...) // after IEND
	got, err := Process(t.Context(), in, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got.MediaType != TypePNG || got.Ext != ".png" || got.Width != 50 || got.Height != 40 {
		t.Fatalf("got %s %s %d×%d", got.MediaType, got.Ext, got.Width, got.Height)
	}
	mustNotContain(t, got.Data, secretMake, secretXMP, secretAuthor, secretGPS, secretComment,
		"tEXt", "zTXt", "iTXt", "tIME", "eXIf", "prVt")
	types := pngChunkTypes(t, got.Data)
	want := []string{"IHDR", "gAMA", "sRGB", "pHYs", "IDAT", "IEND"}
	if len(types) != len(want) {
		t.Fatalf("chunks %v, want %v", types, want)
	}
	for k := range want {
		if types[k] != want[k] {
			t.Fatalf("chunks %v, want %v", types, want)
		}
	}
	samePixels(t, decodePNG(t, got.Data), decodePNG(t, plain))
}

func TestProcessPNGRejects(t *testing.T) {
	good := encodePNG(t, testPicture(30, 20, 5))
	withIHDR := func(w, h uint32) []byte {
		b := append([]byte(nil), good...)
		binary.BigEndian.PutUint32(b[16:], w)
		binary.BigEndian.PutUint32(b[20:], h)
		binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
		return b
	}
	badCRC := append([]byte(nil), good...)
	badCRC[len(badCRC)-20] ^= 0xff // inside IDAT
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"pixel bomb", withIHDR(100_000, 100_000), ErrTooManyPixels},
		{"just over the limit", withIHDR(10_000, 5_001), ErrTooManyPixels},
		{"bad CRC", badCRC, ErrCorrupt},
		{"CRC of a dropped chunk", insertAfterIHDR(good, append(pngChunk("tEXt", []byte("a\x00b"))[:11], 0, 0, 0, 0)), ErrCorrupt},
		{"truncated", good[:len(good)/2], ErrCorrupt},
		{"missing IEND", good[:len(good)-12], ErrCorrupt},
		{"signature only", []byte(magicPNG), ErrCorrupt},
		{"first chunk not IHDR", append([]byte(magicPNG), pngChunk("IDAT", nil)...), ErrCorrupt},
		{"huge chunk length", append(append([]byte(magicPNG), 0xff, 0xff, 0xff, 0xf0), "IHDR"...), ErrCorrupt},
		{"bad chunk type", insertAfterIHDR(good, pngChunk("t#Xt", nil)), ErrCorrupt},
		{"unknown critical chunk", insertAfterIHDR(good, pngChunk("ABCD", nil)), ErrUnsupportedType},
		{"zero size", withIHDR(0, 20), ErrCorrupt},
		{"IDAT with garbage", func() []byte {
			b := insertAfterIHDR(encodePNG(t, testPicture(30, 20, 5))[:33], pngChunk("IDAT", []byte("not zlib")), pngChunk("IEND", nil))
			return b
		}(), ErrCorrupt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Process(t.Context(), c.in, Limits{}); !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
}
