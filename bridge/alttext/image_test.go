package alttext

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"golang.org/x/image/webp"
)

func decodeDataURL(t *testing.T, p preparedImage) image.Image {
	t.Helper()
	prefix := "data:" + p.mediaType + ";base64,"
	if !strings.HasPrefix(p.dataURL, prefix) {
		t.Fatalf("data URL starts %q, want %q", p.dataURL[:min(40, len(p.dataURL))], prefix)
	}
	raw, err := base64.StdEncoding.DecodeString(p.dataURL[len(prefix):])
	if err != nil {
		t.Fatal(err)
	}
	var img image.Image
	if p.mediaType == "image/jpeg" {
		img, err = jpeg.Decode(bytes.NewReader(raw))
	} else {
		img, err = png.Decode(bytes.NewReader(raw))
	}
	if err != nil {
		t.Fatalf("decoding the copy: %v", err)
	}
	return img
}

func TestPrepareImage(t *testing.T) {
	tests := []struct {
		name          string
		in            []byte
		wantW, wantH  int
		wantMediaType string
	}{
		{"large opaque PNG", MakePNG(t, 1200, 900, 255), 512, 384, "image/jpeg"},
		{"portrait JPEG", MakeJPEG(t, 270, 600), 230, 512, "image/jpeg"},
		{"translucent PNG", MakePNG(t, 520, 520, 128), 512, 512, "image/png"},
		{"small PNG is not enlarged", MakePNG(t, 100, 40, 255), 100, 40, "image/jpeg"},
		{"animated GIF", MakeGIF(t, 600, 200, false), 512, 171, "image/jpeg"},
		{"GIF with transparency", MakeGIF(t, 300, 200, true), 300, 200, "image/png"},
		{"WebP", MakeWebP(1024, 100, color.NRGBA{R: 200, G: 100, B: 50, A: 255}), 512, 50, "image/jpeg"},
		{"very wide", MakePNG(t, 5000, 3, 255), 512, 1, "image/jpeg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := prepareImage(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if p.width != tt.wantW || p.height != tt.wantH || p.mediaType != tt.wantMediaType {
				t.Fatalf("got %dx%d %s, want %dx%d %s", p.width, p.height, p.mediaType, tt.wantW, tt.wantH, tt.wantMediaType)
			}
			img := decodeDataURL(t, p)
			if b := img.Bounds(); b.Dx() != tt.wantW || b.Dy() != tt.wantH {
				t.Fatalf("encoded copy is %v", b)
			}
		})
	}
}

func TestPrepareImageKeepsContent(t *testing.T) {
	// A WebP of one colour must come out as (nearly) that colour.
	want := color.NRGBA{R: 200, G: 100, B: 50, A: 255}
	in := MakeWebP(520, 520, want)
	if _, err := webp.Decode(bytes.NewReader(in)); err != nil {
		t.Fatalf("test WebP does not decode: %v", err)
	}
	p, err := prepareImage(in)
	if err != nil {
		t.Fatal(err)
	}
	r, g, b, _ := decodeDataURL(t, p).At(256, 256).RGBA()
	near := func(got uint32, want uint8) bool { d := int(got>>8) - int(want); return d > -6 && d < 6 }
	if !near(r, want.R) || !near(g, want.G) || !near(b, want.B) {
		t.Fatalf("centre pixel %d,%d,%d, want about %v", r>>8, g>>8, b>>8, want)
	}
	// The first GIF frame is the one described, not the second.
	p, err = prepareImage(MakeGIF(t, 64, 64, false))
	if err != nil {
		t.Fatal(err)
	}
	if r, g, b, _ := decodeDataURL(t, p).At(0, 0).RGBA(); r == g && g == b && r>>8 > 200 {
		t.Fatal("looks like the second frame")
	}
}

func TestPrepareImageRejects(t *testing.T) {
	bomb := func() []byte {
		// A PNG header that declares 30000×30000 pixels.
		var buf bytes.Buffer
		_ = png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1)))
		b := buf.Bytes()
		// IHDR width/height live at offsets 16 and 20.
		copy(b[16:], []byte{0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30})
		return b
	}()
	pngBytes := MakePNG(t, 50, 50, 255)
	for name, in := range map[string][]byte{
		"empty":     nil,
		"text":      []byte("<html>not an image</html>"),
		"truncated": pngBytes[:len(pngBytes)/2],
		"bomb":      bomb,
		"bmp":       []byte("BM\x00\x00\x00\x00\x00\x00\x00\x00"),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := prepareImage(in)
			if !errors.Is(err, ErrUnsupportedImage) {
				t.Fatalf("got %v, want ErrUnsupportedImage", err)
			}
		})
	}
}

func TestFitSize(t *testing.T) {
	for _, tt := range []struct{ w, h, ww, wh int }{
		{512, 512, 512, 512}, {513, 512, 512, 511}, {2000, 1500, 512, 384}, {1500, 2000, 384, 512},
		{1, 10000, 1, 512}, {10000, 1, 512, 1}, {300, 200, 300, 200},
	} {
		if w, h := fitSize(tt.w, tt.h, 512); w != tt.ww || h != tt.wh {
			t.Errorf("fitSize(%d, %d) = %d, %d, want %d, %d", tt.w, tt.h, w, h, tt.ww, tt.wh)
		}
	}
}

func BenchmarkPrepareImage(b *testing.B) {
	for _, bc := range []struct {
		name string
		in   []byte
	}{
		{"PNG-2000x1500", MakePNG(b, 2000, 1500, 255)},
		{"JPEG-4000x3000", MakeJPEG(b, 4000, 3000)},
		{"PNG-800x800-alpha", MakePNG(b, 800, 800, 128)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.in)))
			for b.Loop() {
				if _, err := prepareImage(bc.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
