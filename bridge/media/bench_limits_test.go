package media

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU time (user and system) the process has used: the
// benchmark runs alone in its process, so the difference over the loop is
// the cost of the operations, whatever else runs on the machine.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// The worst files the default limits accept, one per format, each at its
// limits: what one intake can cost at most. Run with -benchtime=3x: one
// operation takes seconds. BenchmarkMemoryPass is the physical floor they are
// compared with: one write and one read of a decoded image's worth of memory.

// worstSide is the side of a square image at DefaultMaxPixels.
const worstSide = 7071

func benchProcess(b *testing.B, data []byte) {
	b.Helper()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	before := cpuTime(b)
	for b.Loop() {
		if _, err := Process(b.Context(), data, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
	// The machine is shared: CPU time says what the decode costs, wall time
	// (ns/op) also what the neighbours cost.
	b.ReportMetric(float64(cpuTime(b)-before)/float64(b.N)/1e6, "cpu-ms/op")
	b.ReportMetric(float64(len(data))/1e3, "file-kB")
}

// BenchmarkWorstJPEG64Scans: 64 scans (the scan limit) over 15.6 megapixels
// of one component, just under the billion pixel passes of the scan budget.
func BenchmarkWorstJPEG64Scans(b *testing.B) {
	benchProcess(b, progressiveJPEG(3950, 3950, 1, DefaultMaxJPEGScans))
}

// BenchmarkWorstJPEG50MP: 50 megapixels, three full-resolution components
// (the most coefficient memory), as many scans as the budget allows (one DC
// scan over all three, then 16 AC scans).
func BenchmarkWorstJPEG50MP(b *testing.B) {
	benchProcess(b, progressiveJPEG(worstSide, worstSide, 3, 17))
}

// BenchmarkWorstPNG50MP: 50 megapixels of 16-bit RGBA (8 bytes a pixel, the
// most a PNG decodes to) that compress to a small file: 400 MB to inflate,
// unfilter and check.
func BenchmarkWorstPNG50MP(b *testing.B) {
	img := image.NewNRGBA64(image.Rect(0, 0, worstSide, worstSide))
	for i := 0; i < len(img.Pix); i += 8 {
		img.Pix[i+6], img.Pix[i+7] = 0xff, 0xff // opaque, so the encoder keeps 16-bit RGBA
		img.Pix[i] = byte(i >> 13)
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		b.Fatal(err)
	}
	img = nil
	benchProcess(b, buf.Bytes())
}

// BenchmarkWorstGIF: frames holding gifAnimationFactor × 50 megapixels
// together (the frame pixel budget), four full-screen frames.
func BenchmarkWorstGIF(b *testing.B) {
	pal := color.Palette{color.Black, color.White, color.RGBA{200, 30, 30, 255}, color.RGBA{30, 30, 200, 255}}
	anim := &gif.GIF{}
	for f := range gifAnimationFactor {
		p := image.NewPaletted(image.Rect(0, 0, worstSide, worstSide), pal)
		for i := range p.Pix {
			p.Pix[i] = uint8((i/64 + f) % 4)
		}
		anim.Image = append(anim.Image, p)
		anim.Delay = append(anim.Delay, 10)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, anim); err != nil {
		b.Fatal(err)
	}
	anim = nil
	benchProcess(b, buf.Bytes())
}

// BenchmarkMemoryPass writes then reads 400 MB, the size of the largest
// decoded image (50 megapixels × 8 bytes): no decode of such an image can
// take less.
func BenchmarkMemoryPass(b *testing.B) {
	buf := make([]byte, DefaultMaxPixels*8)
	b.SetBytes(int64(len(buf)))
	var sink byte
	before := cpuTime(b)
	defer func() { b.ReportMetric(float64(cpuTime(b)-before)/float64(b.N)/1e6, "cpu-ms/op") }()
	for b.Loop() {
		clear(buf)
		sink ^= buf[len(buf)/2]
		for i := 0; i < len(buf); i += 4096 {
			sink ^= buf[i]
		}
	}
	_ = sink
}

// hostileJPEG is the file of issue 15: 2000×2000, 800 progressive scans.
func hostileJPEG() []byte { return progressiveJPEG(2000, 2000, 1, 800) }

// BenchmarkHostileJPEGRefused: what the hostile file costs now.
func BenchmarkHostileJPEGRefused(b *testing.B) {
	data := hostileJPEG()
	for b.Loop() {
		if _, err := Process(b.Context(), data, Limits{}); err == nil {
			b.Fatal("accepted")
		}
	}
}

// BenchmarkHostileJPEGDecoded: what decoding it costs, as it was before the
// scan limits.
func BenchmarkHostileJPEGDecoded(b *testing.B) {
	data := hostileJPEG()
	before := cpuTime(b)
	for b.Loop() {
		if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime(b)-before)/float64(b.N)/1e6, "cpu-ms/op")
}
