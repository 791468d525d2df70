package media

import (
	"bytes"
	"fmt"
	"image/gif"
)

// GIF block introducers and extension labels.
const (
	gifExtension     = 0x21
	gifImage         = 0x2c
	gifTrailer       = 0x3b
	gifLabelGraphic  = 0xf9
	gifLabelApp      = 0xff
	gifAppIDLength   = 11
	gifLoopNetscape  = "NETSCAPE2.0"
	gifLoopAnimExts  = "ANIMEXTS1.0"
	gifColorTableBit = 0x80
)

// stripGIF keeps the header, the colour tables, every frame with its graphic
// control extension, and the looping application extensions (NETSCAPE2.0,
// ANIMEXTS1.0). Comment, plain-text and other application extensions (XMP,
// ICC, vendor data) are dropped, as is anything after the trailer. A file that
// ends cleanly after a frame but lacks the trailer gets one. Every frame must
// lie inside the logical screen.
func stripGIF(data []byte) ([]byte, int, error) {
	const headerLen = 6 + 7 // signature+version, logical screen descriptor
	if len(data) < headerLen {
		return nil, 0, fmt.Errorf("%w: truncated header", ErrCorrupt)
	}
	screenW := int(data[6]) | int(data[7])<<8
	screenH := int(data[8]) | int(data[9])<<8
	i := gifBlocksOffset(data)
	if i > len(data) {
		return nil, 0, fmt.Errorf("%w: truncated global colour table", ErrCorrupt)
	}
	out := make([]byte, 0, len(data))
	out = append(out, data[:i]...)
	frames := 0
	for {
		if i >= len(data) {
			if frames == 0 {
				return nil, 0, fmt.Errorf("%w: no frame before the end of the file", ErrCorrupt)
			}
			return append(out, gifTrailer), 1, nil
		}
		switch data[i] {
		case gifTrailer:
			if frames == 0 {
				return nil, 0, fmt.Errorf("%w: no frame before the trailer", ErrCorrupt)
			}
			return append(out, gifTrailer), 1, nil
		case gifImage:
			end, err := gifBlockEnd(data, i)
			if err != nil {
				return nil, 0, err
			}
			d := data[i+1 : i+10]
			left, top := int(d[0])|int(d[1])<<8, int(d[2])|int(d[3])<<8
			w, h := int(d[4])|int(d[5])<<8, int(d[6])|int(d[7])<<8
			if w == 0 || h == 0 || left+w > screenW || top+h > screenH {
				return nil, 0, fmt.Errorf("%w: frame %d (%d×%d at %d,%d) lies outside the %d×%d screen",
					ErrCorrupt, frames, w, h, left, top, screenW, screenH)
			}
			out = append(out, data[i:end]...)
			i = end
			frames++
		case gifExtension:
			end, err := gifBlockEnd(data, i)
			if err != nil {
				return nil, 0, err
			}
			if data[i+1] == gifLabelGraphic && (end-i != 8 || data[i+2] != 4) {
				// Graphic control: one 4-byte sub-block and the terminator.
				return nil, 0, fmt.Errorf("%w: malformed graphic control extension at offset %d", ErrCorrupt, i)
			}
			if gifKeepExtension(data[i+1], data[i+2:end]) {
				out = append(out, data[i:end]...)
			}
			i = end
		default:
			return nil, 0, fmt.Errorf("%w: unknown block 0x%02x at offset %d", ErrCorrupt, data[i], i)
		}
	}
}

// gifSubBlocksEnd returns the offset just after the chain of data sub-blocks
// starting at i, including its zero-length terminator.
func gifSubBlocksEnd(data []byte, i int) (int, error) {
	for {
		if i >= len(data) {
			return 0, fmt.Errorf("%w: truncated data sub-blocks", ErrCorrupt)
		}
		n := int(data[i])
		i += 1 + n
		if n == 0 {
			return i, nil
		}
	}
}

// gifKeepExtension reports whether an extension with this label and these
// sub-blocks survives: graphic control, and the looping application
// extensions.
func gifKeepExtension(label byte, blocks []byte) bool {
	switch label {
	case gifLabelGraphic:
		return true
	case gifLabelApp:
		if len(blocks) < 1+gifAppIDLength || int(blocks[0]) != gifAppIDLength {
			return false
		}
		id := string(blocks[1 : 1+gifAppIDLength])
		return id == gifLoopNetscape || id == gifLoopAnimExts
	}
	return false
}

// gifAnimationFactor bounds the pixels of all frames of a GIF together, as a
// multiple of Limits.MaxPixels: every frame is decoded to verify it.
const gifAnimationFactor = 4

// checkGIFFrames decodes every frame after the first of a stripped GIF, one at
// a time so memory stays bounded by one frame, after checking that all frames
// together hold at most budget pixels. image/gif.Decode only reads the first
// frame, so without this a file whose later frames are broken would pass.
func checkGIFFrames(data []byte, budget int64) error {
	header := data[:gifBlocksOffset(data)]
	var frames [][2]int
	var total int64
	for i := len(header); i < len(data) && data[i] != gifTrailer; {
		end, err := gifBlockEnd(data, i)
		if err != nil {
			return err
		}
		if data[i] == gifImage {
			frames = append(frames, [2]int{i, end})
			w := int64(data[i+5]) | int64(data[i+6])<<8
			h := int64(data[i+7]) | int64(data[i+8])<<8
			total += w * h
		}
		i = end
	}
	if total > budget {
		return fmt.Errorf("%w: %d frames hold %d pixels, the limit is %d", ErrTooManyPixels, len(frames), total, budget)
	}
	single := make([]byte, 0, len(data))
	for k, f := range frames {
		if k == 0 {
			continue // decoded by the caller
		}
		single = append(append(append(single[:0], header...), data[f[0]:f[1]]...), gifTrailer)
		if _, err := gif.Decode(bytes.NewReader(single)); err != nil {
			return fmt.Errorf("%w: GIF frame %d: %w", ErrCorrupt, k, err)
		}
	}
	return nil
}

// gifBlocksOffset returns the offset of the first block after the header and
// the global colour table of a GIF already checked by stripGIF.
func gifBlocksOffset(data []byte) int {
	i := 13
	if flags := data[10]; flags&gifColorTableBit != 0 {
		i += 3 << (1 + flags&7)
	}
	return i
}

// gifBlockEnd returns the offset just after the image or extension block at i.
func gifBlockEnd(data []byte, i int) (int, error) {
	switch data[i] {
	case gifImage:
		if i+10 > len(data) {
			return 0, fmt.Errorf("%w: truncated image descriptor at offset %d", ErrCorrupt, i)
		}
		j := i + 10
		if flags := data[i+9]; flags&gifColorTableBit != 0 {
			j += 3 << (1 + flags&7)
		}
		return gifSubBlocksEnd(data, j+1) // after the LZW minimum code size
	case gifExtension:
		if i+2 > len(data) {
			return 0, fmt.Errorf("%w: truncated extension at offset %d", ErrCorrupt, i)
		}
		return gifSubBlocksEnd(data, i+2)
	}
	return 0, fmt.Errorf("%w: unknown block 0x%02x at offset %d", ErrCorrupt, data[i], i)
}
