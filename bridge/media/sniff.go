package media

import (
	"bytes"
	"fmt"
)

// Magic numbers, as the formats define them.
const (
	magicPNG   = "\x89PNG\r\n\x1a\n"
	magicJPEG  = "\xff\xd8\xff"
	magicGIF87 = "GIF87a"
	magicGIF89 = "GIF89a"
	magicRIFF  = "RIFF"
	magicWebP  = "WEBP"
)

// sniff recognises the format from the first bytes of data, never from a
// name or a declared type.
func sniff(data []byte) (format, error) {
	switch {
	case bytes.HasPrefix(data, []byte(magicPNG)):
		return format{mediaType: TypePNG, ext: ".png", strip: stripPNG}, nil
	case bytes.HasPrefix(data, []byte(magicJPEG)):
		return format{mediaType: TypeJPEG, ext: ".jpg", strip: stripJPEG}, nil
	case bytes.HasPrefix(data, []byte(magicGIF87)), bytes.HasPrefix(data, []byte(magicGIF89)):
		return format{mediaType: TypeGIF, ext: ".gif", strip: stripGIF}, nil
	case len(data) >= 12 && bytes.HasPrefix(data, []byte(magicRIFF)) && string(data[8:12]) == magicWebP:
		return format{mediaType: TypeWebP, ext: ".webp", strip: stripWebP}, nil
	}
	head := data
	if len(head) > 8 {
		head = head[:8]
	}
	return format{}, fmt.Errorf("%w: not a PNG, JPEG, GIF or WebP file (starts with %q)", ErrUnsupportedType, head)
}
