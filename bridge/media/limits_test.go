package media

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
)

// refusedAs fails unless err is an *Error of the given kind whose text starts
// with advice.
func refusedAs(t *testing.T, err, kind error, advice string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, kind) {
		t.Fatalf("error %v (%T), want a *Error wrapping %v", err, err, kind)
	}
	if !strings.HasPrefix(err.Error(), advice) || e.ArtistMessage() != err.Error() {
		t.Fatalf("message %q, want it to start with %q", err, advice)
	}
}

func TestJPEGWithTooManyScansIsRefusedBeforeDecoding(t *testing.T) {
	const advice = "this image has too many progressive passes — export it again as a normal JPEG"
	hostile := progressiveJPEG(2000, 2000, 1, 800) // ~3 s of decoding
	_, err := Process(t.Context(), hostile, Limits{})
	refusedAs(t, err, ErrTooComplex, advice)
	if !strings.Contains(err.Error(), "the limit is 64") {
		t.Errorf("message %q does not give the limit", err)
	}
	atLimit := progressiveJPEG(64, 64, 3, DefaultMaxJPEGScans)
	if _, err := Process(t.Context(), atLimit, Limits{}); err != nil {
		t.Fatalf("%d scans: %v", DefaultMaxJPEGScans, err)
	}
	_, err = Process(t.Context(), progressiveJPEG(64, 64, 3, DefaultMaxJPEGScans+1), Limits{})
	refusedAs(t, err, ErrTooComplex, advice)
	if _, err := Process(t.Context(), atLimit, Limits{MaxJPEGScans: 10}); !errors.Is(err, ErrTooComplex) {
		t.Errorf("MaxJPEGScans 10: %v", err)
	}
}

// The scans' work is bounded as a whole: 64 scans are fine on a small image,
// not over 16 megapixels; a baseline JPEG is far below the budget at any
// accepted size.
func TestJPEGScanWorkIsBounded(t *testing.T) {
	_, err := Process(t.Context(), progressiveJPEG(4000, 4000, 1, 64), Limits{})
	refusedAs(t, err, ErrTooComplex, "this image has too many progressive passes")
	if !strings.Contains(err.Error(), "the limit is 1000000000") {
		t.Errorf("message %q does not give the limit", err)
	}
	// The same file is fine when each scan covers fewer pixels.
	if _, err := Process(t.Context(), progressiveJPEG(1000, 1000, 1, 64), Limits{}); err != nil {
		t.Fatal(err)
	}
	// Chroma scans of a subsampled image count a quarter of the pixels each.
	f := parseJPEGFrame([]byte{8, 0x03, 0xe8, 0x07, 0xd0, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1}) // 2000×1000, 4:2:0
	if y, cb, all := f.scanPixels([]byte{1, 1, 0}), f.scanPixels([]byte{1, 2, 0}), f.scanPixels([]byte{3, 1, 0, 2, 0, 3, 0}); y != 2000*1000 || cb != 1000*504 || all != y+2*cb {
		t.Errorf("scan pixels Y %d, Cb %d, all %d", y, cb, all)
	}
	if _, err := Process(t.Context(), progressiveJPEG(1000, 1000, 1, 64), Limits{MaxJPEGScanPixels: 63 * 1000 * 1000}); !errors.Is(err, ErrTooComplex) {
		t.Errorf("MaxJPEGScanPixels: %v", err)
	}
}

func TestJPEGWithTooManySegmentsIsRefused(t *testing.T) {
	plain := encodeJPEG(t, testPicture(16, 16, 1), 80)
	var many [][]byte
	for range DefaultMaxChunks + 1 {
		many = append(many, jpegSegment(0xc4, []byte{0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}))
	}
	_, err := Process(t.Context(), insertAfterSOI(plain, many...), Limits{})
	refusedAs(t, err, ErrTooComplex, "this JPEG is made of too many pieces")
}

func TestPNGWithTooManyChunksIsRefused(t *testing.T) {
	plain := encodePNG(t, testPicture(8, 8, 1))
	var many [][]byte
	for range DefaultMaxChunks {
		many = append(many, pngChunk("zzZz", nil))
	}
	_, err := Process(t.Context(), insertAfterIHDR(plain, many...), Limits{})
	refusedAs(t, err, ErrTooComplex, "this PNG is made of too many pieces")
	if _, err := Process(t.Context(), insertAfterIHDR(plain, many[:100]...), Limits{}); err != nil {
		t.Errorf("100 chunks: %v", err)
	}
}

// A zlib stream that inflates to far more than the image needs is refused by
// the decoder after reading one byte too many, not inflated to the end.
func TestPNGZipBombIsRefused(t *testing.T) {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write(make([]byte, 32<<20)) // 32 MiB of zeros, about 32 KB compressed
	zw.Close()
	ihdr := []byte{0, 0, 0, 16, 0, 0, 0, 16, 8, 0, 0, 0, 0} // 16×16 grey: 272 bytes of rows
	p := append([]byte(magicPNG), pngChunk("IHDR", ihdr)...)
	p = append(p, pngChunk("IDAT", z.Bytes())...)
	p = append(p, pngChunk("IEND", nil)...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Process(t.Context(), p, Limits{})
	runtime.ReadMemStats(&after)
	refusedAs(t, err, ErrCorrupt, adviceCorrupt)
	if n := after.TotalAlloc - before.TotalAlloc; n > 16<<20 {
		t.Errorf("%d bytes allocated to refuse a zip bomb", n)
	}
}

func TestGIFWithTooManyFramesIsRefused(t *testing.T) {
	pal := color.Palette{color.Black, color.White}
	anim := &gif.GIF{}
	for range DefaultMaxGIFFrames + 1 {
		anim.Image = append(anim.Image, image.NewPaletted(image.Rect(0, 0, 1, 1), pal))
		anim.Delay = append(anim.Delay, 1)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, anim); err != nil {
		t.Fatal(err)
	}
	_, err := Process(t.Context(), buf.Bytes(), Limits{})
	refusedAs(t, err, ErrTooComplex, "this GIF has too many frames")
	if _, err := Process(t.Context(), buf.Bytes(), Limits{MaxGIFFrames: DefaultMaxGIFFrames + 1}); err != nil {
		t.Errorf("with the limit raised: %v", err)
	}
	// Extensions count too: thousands of empty comments.
	g := encodeGIF(t, 8, 8, 1)
	at := gifBlocksOffset(g)
	spam := bytes.Repeat(gifExtensionBlock(0xfe, []byte("x")), DefaultMaxGIFFrames+DefaultMaxChunks+1)
	_, err = Process(t.Context(), append(append(append([]byte(nil), g[:at]...), spam...), g[at:]...), Limits{})
	refusedAs(t, err, ErrTooComplex, "this GIF is made of too many pieces")
}

func TestGIFFramesOverTheirPixelBudgetAreRefused(t *testing.T) {
	g := encodeGIF(t, 10, 10, 5) // 500 pixels of frames
	if _, err := Process(t.Context(), g, Limits{MaxPixels: 125}); err != nil {
		t.Fatalf("at the budget: %v", err)
	}
	_, err := Process(t.Context(), g, Limits{MaxPixels: 124})
	refusedAs(t, err, ErrTooManyPixels, "this GIF animation is too big")
}

func TestWebPWithTooManyChunksIsRefused(t *testing.T) {
	chunks := [][2]string{{"VP8X", vp8xPayload(0, 16, 16)}}
	for range DefaultMaxChunks {
		chunks = append(chunks, [2]string{"zzzz", ""})
	}
	chunks = append(chunks, [2]string{"VP8L", string(tinyVP8L())})
	_, err := Process(t.Context(), riffWebP(chunks...), Limits{})
	refusedAs(t, err, ErrTooComplex, "this WebP is made of too many pieces")
}

func TestAnimatedWebPIsRefusedWithAdvice(t *testing.T) {
	in := riffWebP([2]string{"VP8X", vp8xPayload(vp8xFlagAnimation, 16, 16)}, [2]string{"ANIM", "\x00\x00\x00\x00\x00\x00"})
	_, err := Process(t.Context(), in, Limits{})
	refusedAs(t, err, ErrUnsupportedType, "animated WebP images can't be published")
}

// countdownCtx is a context whose deadline passes after a given number of
// Err calls: a deterministic stand-in for a clock running out part way
// through a decode.
type countdownCtx struct {
	context.Context
	left atomic.Int64
}

func (c *countdownCtx) Err() error {
	if c.left.Add(-1) < 0 {
		return context.DeadlineExceeded
	}
	return nil
}

func TestDeadlineAbandonsTheDecode(t *testing.T) {
	big := encodePNG(t, photoLike(800, 800)) // hundreds of 4 KiB reads
	for _, checks := range []int64{0, 1, 2, 5, 20} {
		ctx := &countdownCtx{Context: context.Background()}
		ctx.left.Store(checks)
		_, err := Process(ctx, big, Limits{})
		refusedAs(t, err, ErrTooComplex, adviceTooSlow)
		// The read that sees the deadline fails; the few checks after it
		// are the error path, not more decoding.
		if late := -ctx.left.Load(); late > 4 {
			t.Errorf("after the deadline at check %d, %d more checks ran", checks, late)
		}
	}
	g := encodeGIF(t, 64, 64, 40)
	ctx := &countdownCtx{Context: context.Background()}
	ctx.left.Store(30) // inside the frame loop
	_, err := Process(ctx, g, Limits{})
	refusedAs(t, err, ErrTooComplex, adviceTooSlow)
}

func TestCancelledIsNotTheArtistsFault(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := Process(ctx, encodePNG(t, testPicture(8, 8, 1)), Limits{})
	var e *Error
	if !errors.Is(err, context.Canceled) || errors.As(err, &e) {
		t.Fatalf("cancelled: %v (%T), want context.Canceled and no *Error", err, err)
	}
}

func TestEveryRefusalSpeaksToTheArtist(t *testing.T) {
	png := encodePNG(t, testPicture(10, 10, 1))
	cases := map[string]struct {
		in     []byte
		limits Limits
		kind   error
		advice string
	}{
		"svg":       {[]byte("<svg/>"), Limits{}, ErrUnsupportedType, adviceUnsupported},
		"big file":  {png, Limits{MaxBytes: 10}, ErrTooLarge, adviceTooLarge},
		"big image": {png, Limits{MaxPixels: 99}, ErrTooManyPixels, adviceTooMany},
		"truncated": {png[:len(png)-20], Limits{}, ErrCorrupt, adviceCorrupt},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Process(t.Context(), c.in, c.limits)
			refusedAs(t, err, c.kind, c.advice)
			if strings.HasPrefix(err.Error(), "media:") {
				t.Errorf("message %q starts with the package name", err)
			}
		})
	}
}
