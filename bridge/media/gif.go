package media

import (
	"bytes"
	"context"
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
// control extension, and a looping extension rewritten in its canonical
// 19-byte NETSCAPE2.0 form (loop count only). Comment, plain-text and every
// other application extension (XMP, ICC, ANIMEXTS, vendor data, NETSCAPE
// sub-blocks other than the loop count) are dropped, as is anything after the
// trailer. A file that ends cleanly after a frame but lacks the trailer gets
// one. Every frame must lie inside the logical screen; more frames than
// limits.MaxGIFFrames, or more blocks than limits.MaxChunks, are refused.
func stripGIF(data []byte, limits Limits) ([]byte, int, error) {
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
	frames, loopKept, maxFrames, maxBlocks := 0, false, limits.maxGIFFrames(), limits.maxGIFFrames()+limits.maxChunks()
	for blocks := 0; ; blocks++ {
		if blocks > maxBlocks {
			return nil, 0, refuse(ErrTooComplex,
				"this GIF is made of too many pieces: export it again with your app's usual GIF settings",
				"more than %d blocks, the limit is %d frames and %d extensions", maxBlocks, maxFrames, limits.maxChunks())
		}
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
			if frames == maxFrames {
				return nil, 0, refuse(ErrTooComplex,
					"this GIF has too many frames: shorten the animation or drop some frames, then export it again",
					"more than %d frames, the limit is %d", maxFrames, maxFrames)
			}
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
			switch label := data[i+1]; {
			case label == gifLabelGraphic:
				// Graphic control: one 4-byte sub-block and the terminator.
				if end-i != 8 || data[i+2] != 4 {
					return nil, 0, fmt.Errorf("%w: malformed graphic control extension at offset %d", ErrCorrupt, i)
				}
				out = append(out, data[i:end]...)
			case label == gifLabelApp && !loopKept && frames == 0:
				if loops, ok := gifLoopCount(data[i+2 : end]); ok {
					out = appendGIFLoop(out, loops)
					loopKept = true
				}
			}
			i = end
		default:
			return nil, 0, fmt.Errorf("%w: unknown block 0x%02x at offset %d", ErrCorrupt, data[i], i)
		}
	}
}

// gifLoopCount reads the loop count from the sub-blocks of a NETSCAPE2.0 (or
// its older twin ANIMEXTS1.0) application extension: the sub-block with id 1
// and two bytes of count.
func gifLoopCount(blocks []byte) (int, bool) {
	if len(blocks) < 1+gifAppIDLength || int(blocks[0]) != gifAppIDLength {
		return 0, false
	}
	if id := string(blocks[1 : 1+gifAppIDLength]); id != gifLoopNetscape && id != gifLoopAnimExts {
		return 0, false
	}
	for j := 1 + gifAppIDLength; j < len(blocks) && blocks[j] != 0; j += 1 + int(blocks[j]) {
		if n := int(blocks[j]); n >= 3 && j+3 < len(blocks) && blocks[j+1] == 1 {
			return int(blocks[j+2]) | int(blocks[j+3])<<8, true
		}
	}
	return 0, false
}

// appendGIFLoop appends the canonical NETSCAPE2.0 looping extension.
func appendGIFLoop(out []byte, loops int) []byte {
	out = append(out, gifExtension, gifLabelApp, gifAppIDLength)
	out = append(out, gifLoopNetscape...)
	return append(out, 3, 1, byte(loops), byte(loops>>8), 0)
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

// gifAnimationFactor bounds the pixels of all frames of a GIF together, as a
// multiple of Limits.MaxPixels: every frame is decoded to verify it.
const gifAnimationFactor = 4

// gifFrames lists the [start, end) offsets of the image blocks of a stripped
// GIF.
func gifFrames(data []byte) ([][2]int, error) {
	var frames [][2]int
	for i := gifBlocksOffset(data); i < len(data) && data[i] != gifTrailer; {
		end, err := gifBlockEnd(data, i)
		if err != nil {
			return nil, err
		}
		if data[i] == gifImage {
			frames = append(frames, [2]int{i, end})
		}
		i = end
	}
	return frames, nil
}

// checkGIFBudget refuses a stripped GIF whose frames together hold more than
// budget pixels, before any of them is decoded.
func checkGIFBudget(data []byte, budget int64) error {
	frames, err := gifFrames(data)
	if err != nil {
		return err
	}
	var total int64
	for _, f := range frames {
		i := f[0]
		w := int64(data[i+5]) | int64(data[i+6])<<8
		h := int64(data[i+7]) | int64(data[i+8])<<8
		total += w * h
	}
	if total > budget {
		return refuse(ErrTooManyPixels,
			"this GIF animation is too big (frames × size): make it shorter or smaller, then export it again",
			"%d frames hold %d pixels, the limit is %d", len(frames), total, budget)
	}
	return nil
}

// checkGIFFrames decodes every frame after the first of a stripped GIF, one at
// a time so memory stays bounded by one frame, checking ctx between frames.
// image/gif.Decode only reads the first frame, so without this a file whose
// later frames are broken would pass.
func checkGIFFrames(ctx context.Context, data []byte) error {
	frames, err := gifFrames(data)
	if err != nil {
		return err
	}
	header := data[:gifBlocksOffset(data)]
	single := make([]byte, 0, len(data))
	for k, f := range frames {
		if k == 0 {
			continue // decoded by the caller
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("GIF frame %d: %w", k, err)
		}
		single = append(append(append(single[:0], header...), data[f[0]:f[1]]...), gifTrailer)
		if _, err := gif.Decode(&ctxReader{ctx: ctx, r: bytes.NewReader(single)}); err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("GIF frame %d: %w", k, ctx.Err())
			}
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
