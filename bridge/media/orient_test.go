package media

import (
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/buckket/go-blurhash"
)

// rotCW and flipH are the two primitive display operations; every Exif
// orientation is a composition of them (independently of orient's formulas).
func rotCW(src *image.NRGBA) *image.NRGBA {
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	dst := image.NewNRGBA(image.Rect(0, 0, h, w))
	for y := range h {
		for x := range w {
			dst.SetNRGBA(h-1-y, x, src.NRGBAAt(x, y))
		}
	}
	return dst
}

func flipH(src *image.NRGBA) *image.NRGBA {
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			dst.SetNRGBA(w-1-x, y, src.NRGBAAt(x, y))
		}
	}
	return dst
}

// displayAs applies the Exif orientation o to a stored picture.
func displayAs(src *image.NRGBA, o int) *image.NRGBA {
	switch o {
	case 2:
		return flipH(src)
	case 3:
		return rotCW(rotCW(src))
	case 4:
		return rotCW(rotCW(flipH(src)))
	case 5:
		return rotCW(rotCW(rotCW(flipH(src))))
	case 6:
		return rotCW(src)
	case 7:
		return rotCW(flipH(src))
	case 8:
		return rotCW(rotCW(rotCW(src)))
	}
	return src
}

func TestOrientMatchesExifDefinition(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 5, 3))
	rgba := image.NewRGBA(src.Bounds())
	for y := range 3 {
		for x := range 5 {
			c := color.NRGBA{R: uint8(x * 40), G: uint8(y * 80), B: 7, A: 255}
			src.SetNRGBA(x, y, c)
			rgba.Set(x, y, c)
		}
	}
	for o := 1; o <= 8; o++ {
		samePixels(t, orient(rgba, o), displayAs(src, o))
	}
}

// blurhashDistance decodes two hashes to 16×16 pictures and returns the mean
// absolute difference per channel (0 to 255).
func blurhashDistance(t testing.TB, a, b string) float64 {
	t.Helper()
	ia, err := blurhash.Decode(a, 16, 16, 1)
	if err != nil {
		t.Fatal(err)
	}
	ib, err := blurhash.Decode(b, 16, 16, 1)
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for y := range 16 {
		for x := range 16 {
			ar, ag, ab, _ := ia.At(x, y).RGBA()
			br, bg, bb, _ := ib.At(x, y).RGBA()
			sum += math.Abs(float64(ar>>8)-float64(br>>8)) + math.Abs(float64(ag>>8)-float64(bg>>8)) +
				math.Abs(float64(ab>>8)-float64(bb>>8))
		}
	}
	return sum / (16 * 16 * 3)
}

func TestBlurhashDistanceSeesOrientation(t *testing.T) {
	// Guard for TestProcessJPEGOrientation: a wrong orientation must be far
	// beyond its tolerance.
	stored := testPicture(90, 60, 2)
	a, err := Process(t.Context(), encodePNG(t, stored), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Process(t.Context(), encodePNG(t, displayAs(stored, 3)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	d := blurhashDistance(t, a.Blurhash, b.Blurhash)
	t.Logf("rotated distance %.1f", d)
	if d < 30 {
		t.Errorf("rotated picture only %.1f away", d)
	}
}

func TestComponents(t *testing.T) {
	for _, c := range []struct{ w, h, x, y int }{
		{4000, 3000, 4, 3}, {3000, 4000, 3, 4}, {1000, 1000, 4, 4}, {1100, 1000, 4, 4}, {1, 64, 3, 4},
	} {
		if x, y := components(c.w, c.h); x != c.x || y != c.y {
			t.Errorf("%d×%d: %d×%d, want %d×%d", c.w, c.h, x, y, c.x, c.y)
		}
	}
}
