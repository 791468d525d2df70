package media

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"runtime"
	"strings"
	"testing"

	"github.com/buckket/go-blurhash"
)

func TestProcessSniffsTypeFromContent(t *testing.T) {
	// Files as an artist might name them; the names are never consulted.
	files := map[string]struct {
		data           []byte
		mediaType, ext string
	}{
		"cat.jpg":   {encodePNG(t, testPicture(20, 10, 6)), TypePNG, ".png"},
		"cat.png":   {encodeJPEG(t, testPicture(20, 10, 6), 80), TypeJPEG, ".jpg"},
		"cat.webp":  {encodeGIF(t, 20, 10, 1), TypeGIF, ".gif"},
		"cat.gif":   {readTestdata(t, "tiny.webp"), TypeWebP, ".webp"},
		"cat.jpeg ": {readTestdata(t, "tiny-metadata.webp"), TypeWebP, ".webp"},
	}
	for name, f := range files {
		got, err := Process(t.Context(), f.data, Limits{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.MediaType != f.mediaType || got.Ext != f.ext {
			t.Errorf("%s: %s %s, want %s %s", name, got.MediaType, got.Ext, f.mediaType, f.ext)
		}
		sum := sha256.Sum256(got.Data)
		if got.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: SHA256 %s does not match Data", name, got.SHA256)
		}
		x, y, err := blurhash.Components(got.Blurhash)
		if err != nil {
			t.Errorf("%s: blurhash %q: %v", name, got.Blurhash, err)
		}
		if wx, wy := components(got.Width, got.Height); x != wx || y != wy {
			t.Errorf("%s: blurhash has %d×%d components, want %d×%d", name, x, y, wx, wy)
		}
		if len(got.Data) > 0 && len(f.data) > 0 && &got.Data[0] == &f.data[0] {
			t.Errorf("%s: Data aliases the input", name)
		}
	}
}

func TestProcessRejectsOtherTypes(t *testing.T) {
	for name, data := range map[string]string{
		"empty":       "",
		"svg":         `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`,
		"html":        "<!doctype html><img src=x onerror=alert(1)>",
		"bmp":         "BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00",
		"tiff":        "II*\x00\x08\x00\x00\x00",
		"riff wave":   "RIFF\x24\x00\x00\x00WAVEfmt ",
		"avif":        "\x00\x00\x00\x1cftypavif\x00\x00\x00\x00",
		"png prefix":  "\x89PNG\r\n",
		"jpeg prefix": "\xff\xd8",
		"gif87 typo":  "GIF88a\x01\x00\x01\x00\x00\x00\x00",
		"zip":         "PK\x03\x04",
	} {
		_, err := Process(t.Context(), []byte(data), Limits{})
		if !errors.Is(err, ErrUnsupportedType) {
			t.Errorf("%s: got %v, want ErrUnsupportedType", name, err)
		}
	}
}

func TestProcessLimits(t *testing.T) {
	png := encodePNG(t, testPicture(100, 100, 7))
	jpg := encodeJPEG(t, testPicture(100, 100, 7), 80)

	_, err := Process(t.Context(), png, Limits{MaxBytes: int64(len(png) - 1)})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "limit") {
		t.Errorf("one byte over MaxBytes: %v", err)
	}
	if _, err := Process(t.Context(), png, Limits{MaxBytes: int64(len(png))}); err != nil {
		t.Errorf("exactly MaxBytes: %v", err)
	}
	if _, err := Process(t.Context(), png, Limits{MaxPixels: 9_999}); !errors.Is(err, ErrTooManyPixels) {
		t.Errorf("one pixel over MaxPixels: %v", err)
	}
	if _, err := Process(t.Context(), png, Limits{MaxPixels: 10_000}); err != nil {
		t.Errorf("exactly MaxPixels: %v", err)
	}
	jpegOnly := Limits{Types: []string{TypeJPEG}}
	if _, err := Process(t.Context(), png, jpegOnly); !errors.Is(err, ErrUnsupportedType) {
		t.Errorf("PNG when only JPEG is allowed: %v", err)
	}
	if _, err := Process(t.Context(), jpg, jpegOnly); err != nil {
		t.Errorf("JPEG when only JPEG is allowed: %v", err)
	}
	big := make([]byte, DefaultMaxBytes+1)
	copy(big, png)
	if _, err := Process(t.Context(), big, Limits{}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("default MaxBytes: %v", err)
	}
	d := DefaultLimits()
	if d.MaxBytes != DefaultMaxBytes || d.MaxPixels != DefaultMaxPixels || len(d.Types) != 4 {
		t.Errorf("DefaultLimits() = %+v", d)
	}
	if _, err := Process(t.Context(), png, d); err != nil {
		t.Errorf("DefaultLimits: %v", err)
	}
}

func TestProcessTruncationsAreCorrupt(t *testing.T) {
	files := map[string][]byte{
		"png":  encodePNG(t, testPicture(40, 30, 8)),
		"jpeg": encodeJPEG(t, testPicture(40, 30, 8), 80),
		"gif":  encodeGIF(t, 40, 30, 2),
		"webp": readTestdata(t, "tiny-metadata.webp"),
	}
	for name, data := range files {
		for n := 1; n < len(data); n++ {
			_, err := Process(t.Context(), data[:n], Limits{})
			switch {
			case err == nil && name == "gif":
				// A GIF cut exactly after a frame is repaired with a trailer.
			case err == nil && name == "webp" && n >= 12+8+10+8+len(tinyVP8L()):
				// Cut after the image chunk, inside metadata: the RIFF size
				// check refuses it.
				t.Errorf("%s cut at %d of %d: accepted", name, n, len(data))
			case err == nil:
				t.Errorf("%s cut at %d of %d: accepted", name, n, len(data))
			case !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupportedType):
				t.Errorf("%s cut at %d of %d: %v", name, n, len(data), err)
			case n > 16 && !errors.Is(err, ErrCorrupt):
				t.Errorf("%s cut at %d of %d: %v, want ErrCorrupt", name, n, len(data), err)
			}
		}
	}
}

func TestPixelBombsAreRefusedBeforeDecoding(t *testing.T) {
	p := encodePNG(t, testPicture(30, 20, 5))
	binary.BigEndian.PutUint32(p[16:], 60_000)
	binary.BigEndian.PutUint32(p[20:], 60_000)
	binary.BigEndian.PutUint32(p[29:], crc32.ChecksumIEEE(p[12:29]))
	j := encodeJPEG(t, testPicture(30, 20, 5), 80)
	sof := bytes.Index(j, []byte{0xff, 0xc0})
	binary.BigEndian.PutUint16(j[sof+5:], 65_000)
	binary.BigEndian.PutUint16(j[sof+7:], 65_000)
	for name, bomb := range map[string][]byte{"png": p, "jpeg": j} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Process(t.Context(), bomb, Limits{})
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrTooManyPixels) {
			t.Fatalf("%s: %v", name, err)
		}
		// A decode would allocate gigabytes; the header check allocates
		// about one copy of the (tiny) file.
		if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
			t.Errorf("%s: %d bytes allocated to refuse a bomb", name, n)
		}
	}
}
