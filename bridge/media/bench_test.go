package media

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"testing"
)

// photoLike is a w×h picture with smooth gradients, circles and per-pixel
// noise on every channel, which compresses like a photograph or a painting
// (a 4000×3000 JPEG of it at quality 90 is about 4 MB).
func photoLike(w, h int) *image.RGBA {
	rng := rand.New(rand.NewPCG(42, 7))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			r := 128 + 100*math.Sin(6*fx+2*fy)
			g := 128 + 100*math.Cos(4*fy-3*fx)
			b := 128 + 100*math.Sin(9*fx*fy)
			if dx, dy := fx-0.3, fy-0.6; dx*dx+dy*dy < 0.02 {
				r, g, b = 240, 200, 60
			}
			n := func(v float64) uint8 { return uint8(max(0, min(255, v+float64(rng.IntN(41)-20)))) }
			img.SetRGBA(x, y, color.RGBA{n(r), n(g), n(b), 255})
		}
	}
	return img
}

func benchJPEG(b *testing.B) []byte {
	b.Helper()
	jpg := encodeJPEG(b, photoLike(4000, 3000), 90)
	return insertAfterSOI(jpg, exifSegment(binary.LittleEndian, 6), xmpSegment(), iccSegment())
}

func BenchmarkProcessJPEG4000x3000(b *testing.B) {
	data := benchJPEG(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Process(b.Context(), data, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(data))/1e6, "file-MB")
}

func BenchmarkProcessPNG1500x1500(b *testing.B) {
	data := insertAfterIHDR(encodePNG(b, photoLike(1500, 1500)),
		pngChunk("tEXt", []byte("GPS\x00somewhere")), pngChunk("eXIf", exifTIFF(binary.BigEndian, 1)))
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Process(b.Context(), data, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(data))/1e6, "file-MB")
}

// BenchmarkBlurhash4000x3000 measures the blurhash step alone, on the decoded
// 4000×3000 JPEG (the target is under 20 ms).
func BenchmarkBlurhash4000x3000(b *testing.B) {
	img, err := jpeg.Decode(bytes.NewReader(benchJPEG(b)))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := blurhashOf(img, 6); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStripJPEG4000x3000 measures the metadata surgery alone.
func BenchmarkStripJPEG4000x3000(b *testing.B) {
	data := benchJPEG(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := stripJPEG(data, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
