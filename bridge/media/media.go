package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
)

// Media types Process recognises.
const (
	TypePNG  = "image/png"
	TypeJPEG = "image/jpeg"
	TypeGIF  = "image/gif"
	TypeWebP = "image/webp"
)

// Default limits, used for zero fields of Limits.
const (
	// DefaultMaxBytes is the largest file accepted by default: 16 MiB.
	DefaultMaxBytes = 16 << 20
	// DefaultMaxPixels is the largest width×height accepted by default: 50
	// megapixels. Decoding costs up to 8 bytes per pixel (16-bit RGBA PNG), so
	// this bounds one decode to about 400 MB in the worst case and 150 MB for a
	// typical JPEG.
	DefaultMaxPixels = 50_000_000
	// DefaultMaxJPEGScans is the most scans (SOS segments) a JPEG may have by
	// default. Each progressive scan makes the decoder walk every block of the
	// image again, so the cost of a decode grows with scans × pixels while the
	// file stays tiny. Encoders write 1 scan (baseline) or about 10
	// (progressive: libjpeg 10, mozjpeg up to about 20); 64 leaves room.
	DefaultMaxJPEGScans = 64
	// DefaultMaxJPEGScanPixels bounds the work of all the scans of a JPEG
	// together: the sum, over the scans, of the pixels of the components each
	// one covers. The decoder spends about the same time on every block of a
	// scan whatever the scan holds (it copies each 8×8 block of coefficients
	// in and out), so this, not the file size, is what a decode costs. A
	// billion accepts a libjpeg progressive file (10 scans) at 50 megapixels
	// without chroma subsampling, and 64 scans up to about 15 megapixels.
	DefaultMaxJPEGScanPixels = 1_000_000_000
	// DefaultMaxGIFFrames is the most frames a GIF may have by default. Every
	// frame is decoded to check it, so the count bounds the per-frame overhead
	// a file of tiny frames would otherwise multiply.
	DefaultMaxGIFFrames = 1000
	// DefaultMaxChunks is the most chunks (PNG) or RIFF chunks (WebP), and
	// the most JPEG segments or GIF extension blocks, a file may have by
	// default. Real files have a few dozen.
	DefaultMaxChunks = 4096
)

// Limits bounds what Process accepts. The zero value means the defaults.
type Limits struct {
	// MaxBytes is the largest accepted file size; 0 or less means
	// DefaultMaxBytes.
	MaxBytes int64
	// MaxPixels is the largest accepted width×height, checked from the header
	// before the image is decoded; 0 or less means DefaultMaxPixels.
	MaxPixels int64
	// MaxJPEGScans is the most scans a JPEG may have; 0 or less means
	// DefaultMaxJPEGScans.
	MaxJPEGScans int
	// MaxJPEGScanPixels bounds the pixels all scans of a JPEG cover
	// together; 0 or less means DefaultMaxJPEGScanPixels.
	MaxJPEGScanPixels int64
	// MaxGIFFrames is the most frames a GIF may have; 0 or less means
	// DefaultMaxGIFFrames.
	MaxGIFFrames int
	// MaxChunks is the most PNG chunks, WebP chunks, JPEG segments or GIF
	// blocks a file may have; 0 or less means DefaultMaxChunks.
	MaxChunks int
	// Types lists the accepted media types (TypePNG, TypeJPEG, TypeGIF,
	// TypeWebP); empty means all four. Unknown entries accept nothing.
	Types []string
}

// DefaultLimits returns the limits used for a zero Limits, spelled out.
func DefaultLimits() Limits {
	return Limits{
		MaxBytes:          DefaultMaxBytes,
		MaxPixels:         DefaultMaxPixels,
		MaxJPEGScans:      DefaultMaxJPEGScans,
		MaxJPEGScanPixels: DefaultMaxJPEGScanPixels,
		MaxGIFFrames:      DefaultMaxGIFFrames,
		MaxChunks:         DefaultMaxChunks,
		Types:             []string{TypePNG, TypeJPEG, TypeGIF, TypeWebP},
	}
}

func (l Limits) maxBytes() int64 {
	if l.MaxBytes <= 0 {
		return DefaultMaxBytes
	}
	return l.MaxBytes
}

func (l Limits) maxPixels() int64 {
	if l.MaxPixels <= 0 {
		return DefaultMaxPixels
	}
	return l.MaxPixels
}

func (l Limits) maxJPEGScans() int { return orDefault(l.MaxJPEGScans, DefaultMaxJPEGScans) }
func (l Limits) maxJPEGScanPixels() int64 {
	if l.MaxJPEGScanPixels <= 0 {
		return DefaultMaxJPEGScanPixels
	}
	return l.MaxJPEGScanPixels
}
func (l Limits) maxGIFFrames() int { return orDefault(l.MaxGIFFrames, DefaultMaxGIFFrames) }
func (l Limits) maxChunks() int    { return orDefault(l.MaxChunks, DefaultMaxChunks) }

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

func (l Limits) allows(mediaType string) bool {
	return len(l.Types) == 0 || slices.Contains(l.Types, mediaType)
}

// Image is an image ready to be stored and attached to a Note.
type Image struct {
	// Data is the file with its metadata removed; it never aliases the input.
	Data []byte
	// MediaType is the sniffed type: "image/png", "image/jpeg", "image/gif" or
	// "image/webp".
	MediaType string
	// Ext is the file extension matching MediaType, with its dot: ".png",
	// ".jpg", ".gif" or ".webp".
	Ext string
	// Width and Height are the displayed dimensions in pixels, after the JPEG
	// Exif orientation is applied.
	Width, Height int
	// Blurhash is the blurhash of the image as displayed, 4×3 components for
	// landscape, 3×4 for portrait and 4×4 for roughly square images.
	Blurhash string
	// SHA256 is the lower-case hex SHA-256 of Data.
	SHA256 string
}

// format is what each supported type provides to Process.
type format struct {
	mediaType string
	ext       string
	// strip returns the file without metadata and the Exif orientation (1 to
	// 8) to display it with. It refuses, before any decoding, a file whose
	// structure breaks the limits.
	strip func(data []byte, limits Limits) (out []byte, orientation int, err error)
}

// Process checks an uploaded image against limits, strips its metadata and
// computes what a Note attachment needs. See the package documentation for the
// guarantees.
//
// ctx bounds the time spent: it is checked between the steps and on every
// read the decoders make, so a deadline abandons a decode part way through
// (a decode whose input is already in memory is bounded by the limits
// instead). An image refused because of the file is an *Error wrapping
// ErrUnsupportedType, ErrTooLarge, ErrTooManyPixels, ErrTooComplex (also when
// ctx's deadline passes) or ErrCorrupt; when ctx is cancelled, the error
// wraps context.Canceled instead.
func Process(ctx context.Context, data []byte, limits Limits) (Image, error) {
	img, err := process(ctx, data, limits)
	if err != nil {
		return Image{}, forArtist(ctx, err)
	}
	return img, nil
}

func process(ctx context.Context, data []byte, limits Limits) (Image, error) {
	if n, maxBytes := int64(len(data)), limits.maxBytes(); n > maxBytes {
		return Image{}, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, n, maxBytes)
	}
	f, err := sniff(data)
	if err != nil {
		return Image{}, err
	}
	if !limits.allows(f.mediaType) {
		return Image{}, fmt.Errorf("%w: %s is not accepted here", ErrUnsupportedType, f.mediaType)
	}
	stripped, orientation, err := f.strip(data, limits)
	if err != nil {
		return Image{}, fmt.Errorf("%w (%s)", err, f.mediaType)
	}
	cfg, err := decodeConfig(f.mediaType, stripped)
	if err != nil {
		return Image{}, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return Image{}, fmt.Errorf("%w: %s declares %d×%d pixels", ErrCorrupt, f.mediaType, cfg.Width, cfg.Height)
	}
	if px, maxPixels := int64(cfg.Width)*int64(cfg.Height), limits.maxPixels(); px > maxPixels {
		return Image{}, fmt.Errorf("%w: %s declares %d×%d = %d pixels, the limit is %d",
			ErrTooManyPixels, f.mediaType, cfg.Width, cfg.Height, px, maxPixels)
	}
	if f.mediaType == TypeWebP {
		// The VP8/VP8L frame header may declare a larger size than the VP8X
		// canvas that DecodeConfig reports: check it before decoding too.
		if err := checkWebPFrame(stripped, cfg.Width, cfg.Height); err != nil {
			return Image{}, err
		}
	}
	if f.mediaType == TypeGIF {
		// Before any frame is decoded: the frames' pixels together.
		if err := checkGIFBudget(stripped, gifAnimationFactor*limits.maxPixels()); err != nil {
			return Image{}, err
		}
	}
	if err := ctx.Err(); err != nil {
		return Image{}, err
	}
	img, err := decodeImage(ctx, f.mediaType, stripped, cfg)
	if err != nil {
		return Image{}, err
	}
	if f.mediaType == TypeGIF {
		if err := checkGIFFrames(ctx, stripped); err != nil {
			return Image{}, err
		}
	}
	if err := ctx.Err(); err != nil {
		return Image{}, err
	}
	hash, err := blurhashOf(img, orientation)
	if err != nil {
		return Image{}, err
	}
	w, h := cfg.Width, cfg.Height
	if orientation >= 5 {
		w, h = h, w
	}
	sum := sha256.Sum256(stripped)
	return Image{
		Data:      stripped,
		MediaType: f.mediaType,
		Ext:       f.ext,
		Width:     w,
		Height:    h,
		Blurhash:  hash,
		SHA256:    hex.EncodeToString(sum[:]),
	}, nil
}
