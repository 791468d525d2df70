package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/webp"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTinyWebPIsARealWebP(t *testing.T) {
	for _, name := range []string{"tiny.webp", "tiny-metadata.webp"} {
		img, err := webp.Decode(bytes.NewReader(readTestdata(t, name)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		samePixels(t, img, tinyWebPImage())
	}
}

func TestProcessWebPStripsEXIFAndXMP(t *testing.T) {
	in := readTestdata(t, "tiny-metadata.webp")
	got, err := Process(t.Context(), in, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got.MediaType != TypeWebP || got.Ext != ".webp" || got.Width != tinyWebPW || got.Height != tinyWebPH {
		t.Fatalf("got %s %s %d×%d", got.MediaType, got.Ext, got.Width, got.Height)
	}
	mustNotContain(t, got.Data, secretMake, secretXMP, secretAuthor, secretComment, "EXIF", "XMP ", "prVt")
	if size := binary.LittleEndian.Uint32(got.Data[4:8]); int(size) != len(got.Data)-8 {
		t.Errorf("RIFF size %d, file is %d bytes", size, len(got.Data))
	}
	if string(got.Data[12:16]) != "VP8X" {
		t.Fatalf("first chunk %q", got.Data[12:16])
	}
	if flags := got.Data[20]; flags&(vp8xFlagEXIF|vp8xFlagXMP) != 0 {
		t.Errorf("VP8X flags %08b still announce metadata", flags)
	}
	img, err := webp.Decode(bytes.NewReader(got.Data))
	if err != nil {
		t.Fatal(err)
	}
	samePixels(t, img, tinyWebPImage())
	// The chunks are exactly VP8X and VP8L.
	want := riffWebP(
		[2]string{"VP8X", vp8xPayload(0, tinyWebPW, tinyWebPH)},
		[2]string{"VP8L", string(tinyVP8L())},
	)
	if !bytes.Equal(got.Data, want) {
		t.Errorf("stripped file\n%x\nwant\n%x", got.Data, want)
	}
}

func TestProcessSimpleWebPDropsTrailingData(t *testing.T) {
	in := append(readTestdata(t, "tiny.webp"), secretComment...)
	got, err := Process(t.Context(), in, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Data, tinyWebP()) {
		t.Errorf("got %x", got.Data)
	}
}

func TestProcessWebPAlphaFlagOnLossless(t *testing.T) {
	// libwebp sets the VP8X alpha flag on lossless frames with alpha; the file
	// must be accepted and stored unchanged.
	in := riffWebP(
		[2]string{"VP8X", vp8xPayload(vp8xFlagAlpha|vp8xFlagEXIF, tinyWebPW, tinyWebPH)},
		[2]string{"VP8L", string(tinyVP8L())},
		[2]string{"EXIF", string(exifTIFF(binary.BigEndian, 1))},
	)
	got, err := Process(t.Context(), in, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Data[20] != vp8xFlagAlpha {
		t.Errorf("flags %08b, want only alpha", got.Data[20])
	}
}

func TestProcessWebPRejects(t *testing.T) {
	vp8l := string(tinyVP8L())
	big := []byte(vp8l)
	// Patch the VP8L header to claim 16384×16384.
	binary.LittleEndian.PutUint32(big[1:5], 0x3fff|0x3fff<<14)
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"animated", riffWebP([2]string{"VP8X", vp8xPayload(vp8xFlagAnimation, 6, 4)}, [2]string{"ANIM", "\x00\x00\x00\x00\x00\x00"}), ErrUnsupportedType},
		{"ANMF without flag", riffWebP([2]string{"VP8X", vp8xPayload(0, 6, 4)}, [2]string{"ANMF", vp8l}), ErrUnsupportedType},
		{"canvas bomb", riffWebP([2]string{"VP8X", vp8xPayload(0, 16384, 16384)}, [2]string{"VP8L", vp8l}), ErrTooManyPixels},
		{"bitstream bomb", riffWebP([2]string{"VP8L", string(big)}), ErrTooManyPixels},
		{"bitstream larger than canvas", riffWebP([2]string{"VP8X", vp8xPayload(0, 6, 4)}, [2]string{"VP8L", string(big)}), ErrCorrupt},
		{"no image chunk", riffWebP([2]string{"VP8X", vp8xPayload(0, 6, 4)}), ErrCorrupt},
		{"unknown first chunk", riffWebP([2]string{"ICCP", "x"}), ErrCorrupt},
		{"truncated", tinyWebP()[:30], ErrCorrupt},
		{"chunk past end", append(tinyWebP()[:16], 0xff, 0xff, 0, 0), ErrCorrupt},
		{"VP8 bomb", riffWebP([2]string{"VP8 ", vp8Header(16000, 16000)}), ErrTooManyPixels},
		{"VP8 larger than canvas", riffWebP([2]string{"VP8X", vp8xPayload(0, 16, 16)}, [2]string{"VP8 ", vp8Header(16000, 16000)}), ErrCorrupt},
		{"VP8 garbage", riffWebP([2]string{"VP8X", vp8xPayload(0, 16, 16)}, [2]string{"VP8 ", vp8Header(16, 16) + "\xff\x00\x12"}), ErrCorrupt},
		{"VP8 inter frame", riffWebP([2]string{"VP8 ", "\x11\x00\x00\x00\x00\x00\x00\x00\x00\x00"}), ErrCorrupt},
		{"garbage bitstream", riffWebP([2]string{"VP8L", "\x2f\x05\xc0\x00\x00\xff\xff\xff\xff"}), ErrCorrupt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			if c.name == "chunk past end" {
				binary.LittleEndian.PutUint32(in[4:8], uint32(len(in)-8))
			}
			_, err := Process(t.Context(), in, Limits{})
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
}

// vp8Header is the 10-byte start of a VP8 key frame of the given size, with an
// empty first partition.
func vp8Header(w, h int) string {
	return string([]byte{0x10, 0, 0, 0x9d, 0x01, 0x2a, byte(w), byte(w >> 8), byte(h), byte(h >> 8)})
}
