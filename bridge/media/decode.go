package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/webp"
)

// decodeConfig reads the dimensions from the header of data, a file of the
// given media type, without decoding the pixels.
func decodeConfig(mediaType string, data []byte) (image.Config, error) {
	r := bytes.NewReader(data)
	var (
		cfg image.Config
		err error
	)
	switch mediaType {
	case TypePNG:
		cfg, err = png.DecodeConfig(r)
	case TypeJPEG:
		cfg, err = jpeg.DecodeConfig(r)
	case TypeGIF:
		cfg, err = gif.DecodeConfig(r)
	case TypeWebP:
		cfg, err = webp.DecodeConfig(bytes.NewReader(webpForDecoder(data)))
	default:
		return image.Config{}, fmt.Errorf("%w: %s", ErrUnsupportedType, mediaType)
	}
	if err != nil {
		return image.Config{}, classify(mediaType, "header", err)
	}
	return cfg, nil
}

// decodeImage decodes data (the first frame of an animation) and checks that
// it matches the header's dimensions cfg.
func decodeImage(ctx context.Context, mediaType string, data []byte, cfg image.Config) (image.Image, error) {
	r := &ctxReader{ctx: ctx, r: bytes.NewReader(data)}
	var (
		img image.Image
		err error
	)
	switch mediaType {
	case TypePNG:
		img, err = png.Decode(r)
	case TypeJPEG:
		img, err = jpeg.Decode(r)
	case TypeGIF:
		img, err = gif.Decode(r)
	case TypeWebP:
		img, err = webp.Decode(&ctxReader{ctx: ctx, r: bytes.NewReader(webpForDecoder(data))})
	default:
		return nil, fmt.Errorf("%w: %s", ErrUnsupportedType, mediaType)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s pixels: %w", mediaType, ctx.Err())
		}
		return nil, classify(mediaType, "pixels", err)
	}
	b := img.Bounds()
	if mediaType == TypeGIF {
		// A GIF frame may cover only part of the logical screen.
		if b.Empty() || !b.In(image.Rect(0, 0, cfg.Width, cfg.Height)) {
			return nil, fmt.Errorf("%w: %s first frame %v is outside the %d×%d screen",
				ErrCorrupt, mediaType, b, cfg.Width, cfg.Height)
		}
		return img, nil
	}
	if b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, fmt.Errorf("%w: %s header says %d×%d but the pixels are %d×%d",
			ErrCorrupt, mediaType, cfg.Width, cfg.Height, b.Dx(), b.Dy())
	}
	return img, nil
}

// classify wraps a decoder error: variants the decoders do not implement are
// unsupported, everything else is corrupt.
func classify(mediaType, what string, err error) error {
	var (
		jpegUnsupported jpeg.UnsupportedError
		pngUnsupported  png.UnsupportedError
	)
	if errors.As(err, &jpegUnsupported) || errors.As(err, &pngUnsupported) {
		return fmt.Errorf("%w: %s %s: %w", ErrUnsupportedType, mediaType, what, err)
	}
	return fmt.Errorf("%w: %s %s: %w", ErrCorrupt, mediaType, what, err)
}

// ctxReader fails every read once ctx is done, so a decoder reading from it
// gives up at its next read: every 4 KiB of input for the standard decoders.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
