package media

import (
	"fmt"
	"image"
	"image/color"

	"github.com/buckket/go-blurhash"
)

// Blurhash sampling: the image is reduced to at most thumbSide pixels on its
// longer side, each thumbnail pixel averaging up to samplesPerAxis² evenly
// spread source pixels. A 4000×3000 photo thus costs about 48,000 pixel reads
// instead of 12 million, and the hash is indistinguishable.
const (
	thumbSide      = 64
	samplesPerAxis = 4
)

// blurhashOf computes the blurhash of img as displayed with the given Exif
// orientation (1 to 8).
func blurhashOf(img image.Image, orientation int) (string, error) {
	thumb := thumbnail(img)
	thumb = orient(thumb, orientation)
	b := thumb.Bounds()
	xc, yc := components(b.Dx(), b.Dy())
	hash, err := blurhash.Encode(xc, yc, thumb)
	if err != nil {
		return "", fmt.Errorf("%w: blurhash: %w", ErrCorrupt, err)
	}
	return hash, nil
}

// components picks the blurhash grid from the aspect ratio: 4×3 for
// landscape, 3×4 for portrait, 4×4 when neither side is 20% longer.
func components(w, h int) (x, y int) {
	switch {
	case w*5 > h*6:
		return 4, 3
	case h*5 > w*6:
		return 3, 4
	}
	return 4, 4
}

// thumbnail returns a small copy of img, at most thumbSide on its longer side,
// with its origin at (0,0), by averaging a grid of samples in each cell.
func thumbnail(img image.Image) *image.RGBA {
	src := img.Bounds()
	sw, sh := src.Dx(), src.Dy()
	tw, th := sw, sh
	if tw > thumbSide || th > thumbSide {
		if sw >= sh {
			tw, th = thumbSide, max(1, sh*thumbSide/sw)
		} else {
			tw, th = max(1, sw*thumbSide/sh), thumbSide
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, tw, th))
	for ty := range th {
		y0, y1 := src.Min.Y+ty*sh/th, src.Min.Y+(ty+1)*sh/th
		for tx := range tw {
			x0, x1 := src.Min.X+tx*sw/tw, src.Min.X+(tx+1)*sw/tw
			var r, g, b, a, n uint32
			for sy := range samplesPerAxis {
				y := y0 + (2*sy+1)*(y1-y0)/(2*samplesPerAxis)
				for sx := range samplesPerAxis {
					x := x0 + (2*sx+1)*(x1-x0)/(2*samplesPerAxis)
					cr, cg, cb, ca := img.At(x, y).RGBA()
					r, g, b, a, n = r+cr>>8, g+cg>>8, b+cb>>8, a+ca>>8, n+1
				}
			}
			dst.SetRGBA(tx, ty, color.RGBA{R: uint8(r / n), G: uint8(g / n), B: uint8(b / n), A: uint8(a / n)})
		}
	}
	return dst
}

// orient returns img transformed for display under an Exif orientation:
// 2 mirror, 3 rotate 180°, 4 flip, 5 transpose, 6 rotate 90° clockwise,
// 7 transverse, 8 rotate 90° counter-clockwise.
func orient(img *image.RGBA, orientation int) *image.RGBA {
	if orientation < 2 || orientation > 8 {
		return img
	}
	sw, sh := img.Bounds().Dx(), img.Bounds().Dy()
	dw, dh := sw, sh
	if orientation >= 5 {
		dw, dh = sh, sw
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for dy := range dh {
		for dx := range dw {
			var sx, sy int
			switch orientation {
			case 2:
				sx, sy = sw-1-dx, dy
			case 3:
				sx, sy = sw-1-dx, sh-1-dy
			case 4:
				sx, sy = dx, sh-1-dy
			case 5:
				sx, sy = dy, dx
			case 6:
				sx, sy = dy, sh-1-dx
			case 7:
				sx, sy = sw-1-dy, sh-1-dx
			case 8:
				sx, sy = sw-1-dy, dx
			}
			dst.SetRGBA(dx, dy, img.RGBAAt(sx, sy))
		}
	}
	return dst
}
