package media

import (
	"bytes"
	"errors"
	"image/gif"
	"testing"
)

func TestProcessGIFStripsMetadata(t *testing.T) {
	plain := encodeGIF(t, 40, 30, 3)
	at := gifBlocksOffset(plain)
	var ext []byte
	ext = append(ext, gifExtensionBlock(0xfe, []byte(secretComment), []byte(secretGPS))...)
	ext = append(ext, gifExtensionBlock(gifLabelApp, []byte("XMP DataXMP"), xmpPacket())...)
	ext = append(ext, gifExtensionBlock(gifLabelApp, []byte("ICCRGBG1012"), []byte(secretAuthor))...)
	ext = append(ext, gifExtensionBlock(0x01, make([]byte, 12), []byte(secretMake))...) // plain text
	in := append(append(append([]byte(nil), plain[:at]...), ext...), plain[at:]...)
	in = append(in, "after the trailer "+secretGPS...)

	got, err := Process(t.Context(), in, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got.MediaType != TypeGIF || got.Ext != ".gif" || got.Width != 40 || got.Height != 30 {
		t.Fatalf("got %s %s %d×%d", got.MediaType, got.Ext, got.Width, got.Height)
	}
	mustNotContain(t, got.Data, secretComment, secretGPS, secretXMP, secretAuthor, secretMake, "XMP Data", "ICCRGBG1")
	if !bytes.Equal(got.Data, plain) {
		t.Error("stripped GIF differs from the original without its extensions")
	}
	a, err := gif.DecodeAll(bytes.NewReader(got.Data))
	if err != nil {
		t.Fatal(err)
	}
	b, err := gif.DecodeAll(bytes.NewReader(plain))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Image) != 3 || a.LoopCount != b.LoopCount {
		t.Fatalf("%d frames, loop %d", len(a.Image), a.LoopCount)
	}
	for k := range a.Image {
		samePixels(t, a.Image[k], b.Image[k])
		if a.Delay[k] != b.Delay[k] {
			t.Errorf("frame %d delay %d, want %d", k, a.Delay[k], b.Delay[k])
		}
	}
	if !bytes.Contains(got.Data, []byte(gifLoopNetscape)) {
		t.Error("looping extension dropped")
	}
}

func TestProcessGIFAddsMissingTrailer(t *testing.T) {
	plain := encodeGIF(t, 16, 16, 2)
	got, err := Process(t.Context(), plain[:len(plain)-1], Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Data, plain) {
		t.Error("trailer not restored")
	}
}

func TestProcessGIFRejects(t *testing.T) {
	good := encodeGIF(t, 20, 10, 2)
	at := gifBlocksOffset(good)
	bomb := append([]byte(nil), good...)
	bomb[6], bomb[7], bomb[8], bomb[9] = 0xff, 0xff, 0xff, 0xff
	frameOutside := append([]byte(nil), good...)
	frameOutside[8] = 5 // screen height 5, frames are 10 high
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"pixel bomb", bomb, ErrTooManyPixels},
		{"frame outside screen", frameOutside, ErrCorrupt},
		{"no frame", append(append([]byte(nil), good[:at]...), gifTrailer), ErrCorrupt},
		{"no frame and no trailer", good[:at], ErrCorrupt},
		{"truncated frame", good[:len(good)-8], ErrCorrupt},
		{"header only", good[:10], ErrCorrupt},
		{"unknown block", append(append([]byte(nil), good[:at]...), 0x99), ErrCorrupt},
		{"truncated colour table", good[:20], ErrCorrupt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Process(t.Context(), c.in, Limits{}); !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
}

func TestProcessGIFChecksEveryFrame(t *testing.T) {
	good := encodeGIF(t, 20, 10, 5)
	// Find the second image descriptor and break its LZW code size.
	var images []int
	for i := gifBlocksOffset(good); good[i] != gifTrailer; {
		if good[i] == gifImage {
			images = append(images, i)
		}
		end, err := gifBlockEnd(good, i)
		if err != nil {
			t.Fatal(err)
		}
		i = end
	}
	if len(images) != 5 {
		t.Fatalf("frames at %v", images)
	}
	codeSize := images[1] + 10 // after the image descriptor and its colour table
	if flags := good[images[1]+9]; flags&gifColorTableBit != 0 {
		codeSize += 3 << (1 + flags&7)
	}
	broken := append([]byte(nil), good...)
	broken[codeSize] = 11 // LZW minimum code size above 8
	if _, err := gif.Decode(bytes.NewReader(broken)); err != nil {
		t.Fatalf("first frame should still decode: %v", err)
	}
	if _, err := Process(t.Context(), broken, Limits{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("broken second frame: %v", err)
	}
	// Five 200-pixel frames exceed 4×MaxPixels when MaxPixels is 200.
	if _, err := Process(t.Context(), good, Limits{MaxPixels: 200}); !errors.Is(err, ErrTooManyPixels) {
		t.Errorf("animation over budget: %v", err)
	}
	if _, err := Process(t.Context(), good, Limits{MaxPixels: 250}); err != nil {
		t.Errorf("animation within budget: %v", err)
	}
}
