package media

import (
	"encoding/binary"
	"fmt"
)

// VP8X flag bits (first byte of the VP8X payload).
const (
	vp8xFlagAnimation = 1 << 1
	vp8xFlagXMP       = 1 << 2
	vp8xFlagEXIF      = 1 << 3
	vp8xFlagICC       = 1 << 5
)

// webpKeepChunk reports whether a chunk of an extended (VP8X) WebP survives:
// the image data and alpha. The colour profile is rebuilt by sanitizeICC;
// EXIF, XMP and unknown chunks are dropped.
func webpKeepChunk(fourCC string) bool {
	switch fourCC {
	case "VP8 ", "VP8L", "ALPH":
		return true
	}
	return false
}

// stripWebP rewrites the RIFF container: a simple file (VP8 or VP8L) keeps its
// one image chunk, an extended file keeps VP8X (with its EXIF and XMP flags
// cleared, and the ICC flag set exactly when a profile is kept), the chunks
// webpKeepChunk names and the ICC profile rebuilt by sanitizeICC. The RIFF size
// is recomputed and anything after the RIFF form is dropped. Animated WebP is
// refused: it cannot be decoded to verify it or compute its blurhash. More
// than limits.MaxChunks chunks are refused before anything is decoded.
func stripWebP(data []byte, limits Limits) ([]byte, int, error) {
	if len(data) < 12 {
		return nil, 0, fmt.Errorf("%w: truncated RIFF header", ErrCorrupt)
	}
	riffSize := int64(binary.LittleEndian.Uint32(data[4:8]))
	if riffSize < 4 || 8+riffSize > int64(len(data)) {
		return nil, 0, fmt.Errorf("%w: RIFF size %d does not fit the %d-byte file", ErrCorrupt, riffSize, len(data))
	}
	body := data[12 : 8+riffSize]
	out := make([]byte, 12, len(data))
	copy(out, data[:12])
	extended, iccKept, maxChunks := false, false, limits.maxChunks()
	for i, n := 0, 0; i < len(body); n++ {
		if n == maxChunks {
			return nil, 0, refuse(ErrTooComplex,
				"this WebP is made of too many pieces: export it again as a normal WebP",
				"more than %d chunks, the limit is %d", maxChunks, maxChunks)
		}
		if i+8 > len(body) {
			return nil, 0, fmt.Errorf("%w: truncated chunk header at offset %d", ErrCorrupt, 12+i)
		}
		fourCC := string(body[i : i+4])
		size := int64(binary.LittleEndian.Uint32(body[i+4 : i+8]))
		if int64(i)+8+size > int64(len(body)) {
			return nil, 0, fmt.Errorf("%w: %q chunk at offset %d has size %d past the end", ErrCorrupt, fourCC, 12+i, size)
		}
		payload := body[i+8 : i+8+int(size)]
		i += 8 + int(size) + int(size&1) // chunks are padded to an even size
		if n == 0 {
			switch fourCC {
			case "VP8 ", "VP8L":
				return appendRIFFChunk(out, fourCC, payload), 1, nil
			case "VP8X":
				if size != 10 {
					return nil, 0, fmt.Errorf("%w: VP8X chunk of %d bytes, not 10", ErrCorrupt, size)
				}
				if payload[0]&vp8xFlagAnimation != 0 {
					return nil, 0, refuse(ErrUnsupportedType,
						"animated WebP images can't be published: send the animation as a GIF, or a still image",
						"the VP8X header announces an animation")
				}
				extended = true
				vp8x := append([]byte(nil), payload...)
				vp8x[0] &^= vp8xFlagEXIF | vp8xFlagXMP
				out = appendRIFFChunk(out, fourCC, vp8x)
				continue
			default:
				return nil, 0, fmt.Errorf("%w: first chunk is %q, not VP8, VP8L or VP8X", ErrCorrupt, fourCC)
			}
		}
		switch {
		case fourCC == "ANIM" || fourCC == "ANMF":
			return nil, 0, refuse(ErrUnsupportedType,
				"animated WebP images can't be published: send the animation as a GIF, or a still image",
				"%q chunk", fourCC)
		case fourCC == "ICCP" && !iccKept:
			if profile := sanitizeICC(payload); profile != nil {
				out = appendRIFFChunk(out, fourCC, profile)
				iccKept = true
			}
		case fourCC == "VP8X":
			return nil, 0, fmt.Errorf("%w: second VP8X chunk", ErrCorrupt)
		case webpKeepChunk(fourCC):
			out = appendRIFFChunk(out, fourCC, payload)
		}
	}
	if !extended {
		return nil, 0, fmt.Errorf("%w: empty RIFF form", ErrCorrupt)
	}
	if iccKept {
		out[12+8] |= vp8xFlagICC
	} else {
		out[12+8] &^= vp8xFlagICC
	}
	binary.LittleEndian.PutUint32(out[4:8], uint32(len(out)-8))
	return out, 1, nil
}

// appendRIFFChunk appends a chunk with its header and padding to out, and
// fixes the RIFF size in out's header.
func appendRIFFChunk(out []byte, fourCC string, payload []byte) []byte {
	out = append(out, fourCC...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(payload)))
	out = append(out, payload...)
	if len(payload)&1 == 1 {
		out = append(out, 0)
	}
	binary.LittleEndian.PutUint32(out[4:8], uint32(len(out)-8))
	return out
}

// checkWebPFrame checks that the VP8 or VP8L bitstream of a stripped still
// WebP declares the same size as the header (w×h), before it is decoded: a
// VP8X canvas may be small while the bitstream inside claims 16383×16383.
func checkWebPFrame(data []byte, w, h int) error {
	for i := 12; i+8 <= len(data); {
		fourCC := string(data[i : i+4])
		size := int(binary.LittleEndian.Uint32(data[i+4 : i+8]))
		if i+8+size > len(data) {
			break
		}
		p := data[i+8 : i+8+size]
		var fw, fh int
		switch fourCC {
		case "VP8 ":
			// 3-byte frame tag, start code 9d 01 2a, 14-bit width and height.
			if len(p) < 10 || p[3] != 0x9d || p[4] != 0x01 || p[5] != 0x2a {
				return fmt.Errorf("%w: bad VP8 frame header", ErrCorrupt)
			}
			fw = int(binary.LittleEndian.Uint16(p[6:8]) & 0x3fff)
			fh = int(binary.LittleEndian.Uint16(p[8:10]) & 0x3fff)
		case "VP8L":
			// Signature 0x2f, then 14-bit width-1 and height-1.
			if len(p) < 5 || p[0] != 0x2f {
				return fmt.Errorf("%w: bad VP8L header", ErrCorrupt)
			}
			bits := binary.LittleEndian.Uint32(p[1:5])
			fw = int(bits&0x3fff) + 1
			fh = int(bits>>14&0x3fff) + 1
		default:
			i += 8 + size + size&1
			continue
		}
		if fw != w || fh != h {
			return fmt.Errorf("%w: WebP canvas is %d×%d but its bitstream is %d×%d", ErrCorrupt, w, h, fw, fh)
		}
		return nil
	}
	return fmt.Errorf("%w: no VP8 or VP8L chunk", ErrCorrupt)
}

// vp8xFlagAlpha is the VP8X bit announcing transparency.
const vp8xFlagAlpha = 1 << 4

// webpForDecoder returns data as golang.org/x/image/webp can decode it. That
// decoder insists that the VP8X alpha flag is set exactly when an ALPH chunk
// precedes a lossy VP8 frame, while libwebp also sets it on lossless (VP8L)
// frames that carry alpha in their bitstream. The flag is only a hint, so a
// copy with the flag matching the chunks is decoded; the stored file keeps the
// flag as the artist's encoder wrote it.
func webpForDecoder(data []byte) []byte {
	const vp8xFlags = 12 + 8 // RIFF header, VP8X chunk header
	if len(data) < vp8xFlags+10 || string(data[12:16]) != "VP8X" {
		return data
	}
	hasALPH := false
	for i := 12; i+8 <= len(data); {
		fourCC := string(data[i : i+4])
		if fourCC == "ALPH" {
			hasALPH = true
		}
		size := int(binary.LittleEndian.Uint32(data[i+4 : i+8]))
		i += 8 + size + size&1
	}
	flagged := data[vp8xFlags]&vp8xFlagAlpha != 0
	if flagged == hasALPH {
		return data
	}
	c := append([]byte(nil), data...)
	c[vp8xFlags] ^= vp8xFlagAlpha
	return c
}
