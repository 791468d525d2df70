package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"golang.org/x/image/webp"
)

// fuzzLimits keeps each fuzz input cheap to decode.
func fuzzLimits() Limits { return Limits{MaxBytes: 1 << 20, MaxPixels: 1 << 20} }

func FuzzProcess(f *testing.F) {
	small := testPicture(24, 16, 9)
	jpg := encodeJPEG(f, small, 75)
	f.Add(jpg)
	f.Add(insertAfterSOI(jpg, exifSegment(binary.LittleEndian, 6), xmpSegment(), iccSegment(), adobeSegment(),
		jpegSegment(markerCOM, []byte(secretComment))))
	f.Add(insertAfterSOI(jpg, exifSegment(binary.BigEndian, 8)))
	p := encodePNG(f, small)
	f.Add(p)
	f.Add(insertAfterIHDR(p, pngChunk("tEXt", []byte("GPS\x00here")), pngChunk("eXIf", exifTIFF(binary.BigEndian, 3))))
	g := encodeGIF(f, 16, 8, 3)
	f.Add(g)
	f.Add(append(append(append([]byte(nil), g[:gifBlocksOffset(g)]...),
		gifExtensionBlock(0xfe, []byte(secretComment))...), g[gifBlocksOffset(g):]...))
	f.Add(tinyWebP())
	f.Add(tinyWebPWithMetadata())
	f.Add([]byte("RIFF\x04\x00\x00\x00WEBP"))
	f.Add([]byte{0xff, 0xd8, 0xff, 0xd9})
	f.Add(riffWebP([2]string{"VP8X", vp8xPayload(vp8xFlagAlpha, 16, 16)}, [2]string{"VP8 ", vp8Header(16, 16) + "\x00\x00"}))
	f.Add(progressiveJPEG(24, 16, 3, 12))
	f.Add(progressiveJPEG(24, 16, 1, DefaultMaxJPEGScans+1))
	f.Add(jpegWithMetadata(f, []byte("TRACKME-0001"), 0xffff))
	f.Add(pngWithMetadata(f, []byte("TRACKME-0001"), 0xffff))
	f.Add(gifWithMetadata(f, []byte("TRACKME-0001"), 0xffff))
	f.Add(webpWithMetadata(f, []byte("TRACKME-0001"), 0xffff))

	f.Fuzz(func(t *testing.T, data []byte) {
		in := append([]byte(nil), data...)
		got, err := Process(t.Context(), data, fuzzLimits())
		if !bytes.Equal(in, data) {
			t.Fatal("Process modified its input")
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || strings.HasPrefix(err.Error(), "media:") {
				t.Fatalf("error %q (%T) is not an artist-readable *Error", err, err)
			}
			n := 0
			for _, e := range []error{ErrUnsupportedType, ErrTooLarge, ErrTooManyPixels, ErrTooComplex, ErrCorrupt} {
				if errors.Is(err, e) {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("error %q wraps %d of the package's errors", err, n)
			}
			return
		}
		checkDecodes(t, got)
		again, err := Process(t.Context(), got.Data, fuzzLimits())
		if err != nil {
			t.Fatalf("processing the output again: %v", err)
		}
		if !bytes.Equal(again.Data, got.Data) || again.Width != got.Width || again.Height != got.Height ||
			again.Blurhash != got.Blurhash {
			t.Fatal("Process is not idempotent")
		}
	})
}

// checkDecodes fails unless img.Data decodes with the standard decoders (every
// frame, for GIF) to img's dimensions.
func checkDecodes(t *testing.T, img Image) {
	t.Helper()
	r := bytes.NewReader(img.Data)
	var (
		b   image.Rectangle
		err error
	)
	switch img.MediaType {
	case TypePNG:
		var m image.Image
		if m, err = png.Decode(r); err == nil {
			b = m.Bounds()
		}
	case TypeJPEG:
		var m image.Image
		if m, err = jpeg.Decode(r); err == nil {
			b = m.Bounds()
		}
	case TypeGIF:
		var g *gif.GIF
		if g, err = gif.DecodeAll(r); err == nil {
			b = image.Rect(0, 0, g.Config.Width, g.Config.Height)
		}
	case TypeWebP:
		var m image.Image
		if m, err = webp.Decode(bytes.NewReader(webpForDecoder(img.Data))); err == nil {
			b = m.Bounds()
		}
	default:
		t.Fatalf("media type %q", img.MediaType)
	}
	if err != nil {
		t.Fatalf("returned %s does not decode: %v", img.MediaType, err)
	}
	w, h := b.Dx(), b.Dy()
	if img.MediaType == TypeJPEG && w != img.Width {
		w, h = h, w // rotated by the Exif orientation
	}
	if w != img.Width || h != img.Height {
		t.Fatalf("decoded %v, reported %d×%d", b, img.Width, img.Height)
	}
}
