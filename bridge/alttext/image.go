package alttext

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

const (
	// maxSourcePixels refuses images whose decoded size would be huge
	// (decompression bombs); 64 megapixels is about 256 MB as RGBA.
	maxSourcePixels = 64 << 20
	// jpegQuality is enough for a model looking at a 512 px copy.
	jpegQuality = 85
)

// preparedImage is the copy of an artwork that is sent upstream.
type preparedImage struct {
	dataURL       string
	mediaType     string // image/jpeg or image/png
	width, height int    // of the copy
	srcW, srcH    int    // of the original
}

// sniffFormat names the container format from the first bytes; the caller's
// media type is only a hint and is not trusted.
func sniffFormat(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "jpeg"
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return "gif"
	case len(b) >= 12 && bytes.Equal(b[:4], []byte("RIFF")) && bytes.Equal(b[8:12], []byte("WEBP")):
		return "webp"
	}
	return ""
}

// decodeImage decodes PNG, JPEG, GIF (first frame) or WebP, refusing
// anything whose declared size exceeds maxSourcePixels before decoding it.
func decodeImage(b []byte) (image.Image, error) {
	var (
		decodeConfig func([]byte) (image.Config, error)
		decode       func([]byte) (image.Image, error)
	)
	switch sniffFormat(b) {
	case "png":
		decodeConfig = func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }
	case "jpeg":
		decodeConfig = func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }
	case "gif":
		decodeConfig = func(b []byte) (image.Config, error) { return gif.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return gif.Decode(bytes.NewReader(b)) }
	case "webp":
		decodeConfig = func(b []byte) (image.Config, error) { return webp.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return webp.Decode(bytes.NewReader(b)) }
	default:
		return nil, newError(ErrUnsupportedImage, "not PNG, JPEG, GIF or WebP", nil)
	}
	cfg, err := decodeConfig(b)
	if err != nil {
		return nil, newError(ErrUnsupportedImage, "reading header", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, newError(ErrUnsupportedImage, fmt.Sprintf("empty image %dx%d", cfg.Width, cfg.Height), nil)
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxSourcePixels {
		return nil, newError(ErrUnsupportedImage, fmt.Sprintf("too many pixels %dx%d", cfg.Width, cfg.Height), nil)
	}
	img, err := decode(b)
	if err != nil {
		return nil, newError(ErrUnsupportedImage, "decoding", err)
	}
	if r := img.Bounds(); r.Dx() <= 0 || r.Dy() <= 0 {
		return nil, newError(ErrUnsupportedImage, "empty image", nil)
	}
	return img, nil
}

// fitSize returns w×h scaled down so the longest side is at most maxSide,
// keeping the aspect ratio; never scales up; never returns a zero side.
func fitSize(w, h, maxSide int) (int, int) {
	if w <= maxSide && h <= maxSide {
		return w, h
	}
	if w >= h {
		nh := int((int64(h)*int64(maxSide) + int64(w)/2) / int64(w))
		return maxSide, max(nh, 1)
	}
	nw := int((int64(w)*int64(maxSide) + int64(h)/2) / int64(h))
	return max(nw, 1), maxSide
}

// prepareImage decodes b, downscales it to at most MaxImageSide on its longest
// side (Catmull-Rom) and re-encodes it: JPEG when opaque, PNG when any pixel
// is transparent. Metadata is not carried over.
func prepareImage(b []byte) (preparedImage, error) {
	src, err := decodeImage(b)
	if err != nil {
		return preparedImage{}, err
	}
	sb := src.Bounds()
	w, h := fitSize(sb.Dx(), sb.Dy(), MaxImageSide)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if w == sb.Dx() && h == sb.Dy() {
		draw.Draw(dst, dst.Bounds(), src, sb.Min, draw.Src)
	} else {
		src, sb = preshrink(src, w, h)
		xdraw.CatmullRom.Scale(dst, dst.Bounds(), src, sb, xdraw.Src, nil)
	}

	var buf bytes.Buffer
	p := preparedImage{width: w, height: h, srcW: sb.Dx(), srcH: sb.Dy()}
	if dst.Opaque() {
		p.mediaType = "image/jpeg"
		err = jpeg.Encode(&buf, dst, &jpeg.Options{Quality: jpegQuality})
	} else {
		p.mediaType = "image/png"
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		err = enc.Encode(&buf, dst)
	}
	if err != nil {
		return preparedImage{}, newError(ErrUnsupportedImage, "re-encoding", err)
	}
	prefix := "data:" + p.mediaType + ";base64,"
	out := make([]byte, len(prefix)+base64.StdEncoding.EncodedLen(buf.Len()))
	copy(out, prefix)
	base64.StdEncoding.Encode(out[len(prefix):], buf.Bytes())
	p.dataURL = string(out)
	return p, nil
}

// preshrink halves src with a 2×2 box filter while the result is still at
// least 1.5 times the w×h target on both axes. The Catmull-Rom pass that
// follows costs about four operations per source pixel whatever the output
// size, so on a 12-megapixel photo this cuts the work several times over
// without visible loss: the box filter averages, it does not skip pixels.
func preshrink(src image.Image, w, h int) (image.Image, image.Rectangle) {
	sb := src.Bounds()
	worth := func(cw, ch int) bool { return 2*(cw/2) >= 3*w && 2*(ch/2) >= 3*h }
	if !worth(sb.Dx(), sb.Dy()) {
		return src, sb
	}
	cur := image.NewRGBA(image.Rect(0, 0, sb.Dx(), sb.Dy()))
	draw.Draw(cur, cur.Bounds(), src, sb.Min, draw.Src)
	for worth(cur.Rect.Dx(), cur.Rect.Dy()) {
		cur = halve(cur)
	}
	return cur, cur.Rect
}

// halve returns src at half size, each pixel the mean of a 2×2 block
// (premultiplied alpha, so averaging is exact). An odd last row or column is
// dropped. src must start at the origin.
func halve(src *image.RGBA) *image.RGBA {
	w, h := src.Rect.Dx()/2, src.Rect.Dy()/2
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		r0 := src.Pix[2*y*src.Stride:]
		r1 := src.Pix[(2*y+1)*src.Stride:]
		out := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		for x := 0; x < w; x++ {
			i, o := 8*x, 4*x
			for c := range 4 {
				sum := uint(r0[i+c]) + uint(r0[i+4+c]) + uint(r1[i+c]) + uint(r1[i+4+c])
				out[o+c] = uint8((sum + 2) / 4)
			}
		}
	}
	return dst
}
