package media

import (
	"bytes"
	"fmt"
)

// JPEG marker codes used by the segment walk.
const (
	markerSOI   = 0xd8
	markerEOI   = 0xd9
	markerSOS   = 0xda
	markerRST0  = 0xd0
	markerRST7  = 0xd7
	markerTEM   = 0x01
	markerAPP0  = 0xe0
	markerAPP1  = 0xe1
	markerAPP2  = 0xe2
	markerAPP14 = 0xee
	markerAPP15 = 0xef
	markerCOM   = 0xfe
)

// Identifiers at the start of the APPn payloads that are kept.
const (
	idJFIF  = "JFIF\x00"
	idICC   = "ICC_PROFILE\x00"
	idAdobe = "Adobe"
)

// stripJPEG rebuilds a JPEG from the segments that describe its pixels.
// Kept: SOI, a JFIF APP0 rewritten to its 14 fixed bytes (no thumbnail), the
// ICC profile (APP2, reassembled from its parts and rebuilt by sanitizeICC),
// an Adobe APP14 rewritten to its 12 fixed bytes (only the colour transform
// survives), the tables, frame and scans byte for byte, and EOI. Dropped:
// JFXX thumbnails, Exif, XMP, IPTC, MPF, every other APPn, COM, anything
// after EOI. When the first Exif segment carries an orientation other than
// 1, a minimal Exif segment with only that tag is written after JFIF, and
// the orientation is returned.
//
// Before anything is decoded, a file with more than limits.MaxJPEGScans scans
// or more than limits.MaxChunks segments is refused: every progressive scan
// costs a pass of the decoder over the whole image.
func stripJPEG(data []byte, limits Limits) ([]byte, int, error) {
	if len(data) < 4 || data[0] != 0xff || data[1] != markerSOI {
		return nil, 0, fmt.Errorf("%w: missing SOI marker", ErrCorrupt)
	}
	body := make([]byte, 0, len(data))
	var (
		jfif, adobe          []byte
		icc                  iccParts
		orientation          = 1
		seenExif             bool
		scans, segments      int
		maxScans, maxSegment = limits.maxJPEGScans(), limits.maxChunks()
		frame                jpegFrame
		scanPixels           int64
	)
	i := 2
	for ; ; segments++ {
		if segments > maxSegment {
			return nil, 0, refuse(ErrTooComplex,
				"this JPEG is made of too many pieces: export it again as a normal JPEG",
				"more than %d segments, the limit is %d", maxSegment, maxSegment)
		}
		// Skip bytes that are not a marker, as libjpeg and image/jpeg do, then
		// fill bytes.
		for i < len(data) && data[i] != 0xff {
			i++
		}
		for i < len(data) && data[i] == 0xff {
			i++
		}
		if i >= len(data) {
			return nil, 0, fmt.Errorf("%w: truncated before the EOI marker", ErrCorrupt)
		}
		m := data[i]
		i++
		switch {
		case m == markerEOI:
			if scans == 0 {
				return nil, 0, fmt.Errorf("%w: EOI before any scan", ErrCorrupt)
			}
			body = append(body, 0xff, markerEOI)
			out := make([]byte, 0, len(body)+len(jfif)+len(adobe)+64)
			out = append(out, 0xff, markerSOI)
			out = append(out, jfif...)
			if orientation != 1 {
				out = appendOrientationSegment(out, orientation)
			}
			if profile := sanitizeICC(icc.assemble()); profile != nil {
				out = appendJPEGSegment(out, markerAPP2, []byte(idICC), []byte{1, 1}, profile)
			}
			out = append(out, adobe...)
			return append(out, body...), orientation, nil
		case m == markerSOI || m == 0x00:
			return nil, 0, fmt.Errorf("%w: unexpected marker 0x%02x at offset %d", ErrCorrupt, m, i-1)
		case m == markerTEM || (m >= markerRST0 && m <= markerRST7):
			body = append(body, 0xff, m) // standalone marker, no length
			continue
		}
		if i+2 > len(data) {
			return nil, 0, fmt.Errorf("%w: truncated segment 0x%02x", ErrCorrupt, m)
		}
		n := int(data[i])<<8 | int(data[i+1])
		if n < 2 || i+n > len(data) {
			return nil, 0, fmt.Errorf("%w: segment 0x%02x at offset %d has bad length %d", ErrCorrupt, m, i-2, n)
		}
		segment := data[i-2 : i+n] // marker, length, payload
		payload := data[i+2 : i+n]
		i += n
		switch {
		case m == markerAPP0:
			// JFIF: identifier, version (2), units (1), densities (2+2), then
			// the thumbnail size (1+1) and pixels, which are dropped.
			if jfif == nil && scans == 0 && len(body) == 0 && len(payload) >= 14 && bytes.HasPrefix(payload, []byte(idJFIF)) {
				jfif = appendJPEGSegment(nil, markerAPP0, payload[:12], []byte{0, 0})
			}
		case m == markerAPP1:
			if !seenExif && bytes.HasPrefix(payload, []byte(exifHeader)) {
				seenExif = true
				orientation = exifOrientation(payload[len(exifHeader):])
			}
		case m == markerAPP2:
			if bytes.HasPrefix(payload, []byte(idICC)) {
				icc.add(payload[len(idICC):])
			}
		case m == markerAPP14:
			// Adobe: identifier, version (2), flags (2+2), colour transform
			// (1). The decoder reads only the transform.
			if adobe == nil && len(payload) >= 12 && bytes.HasPrefix(payload, []byte(idAdobe)) {
				adobe = appendJPEGSegment(nil, markerAPP14, []byte(idAdobe), []byte{0, 100, 0, 0, 0, 0}, payload[11:12])
			}
		case m > markerAPP0 && m <= markerAPP15, m == markerCOM:
			// Exif, XMP, IPTC/Photoshop, MPF, FlashPix, comments: dropped.
		case m == markerSOS:
			scans++
			if scans > maxScans {
				return nil, 0, refuse(ErrTooComplex, adviceScans,
					"more than %d scans, the limit is %d", maxScans, maxScans)
			}
			scanPixels += frame.scanPixels(payload)
			if budget := limits.maxJPEGScanPixels(); scanPixels > budget {
				return nil, 0, refuse(ErrTooComplex, adviceScans,
					"%d scans over %d×%d pixels make %d pixel passes, the limit is %d",
					scans, frame.width, frame.height, scanPixels, budget)
			}
			end := scanEnd(data, i)
			body = append(body, segment...)
			body = append(body, data[i:end]...)
			i = end
		case m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc:
			frame = parseJPEGFrame(payload)
			if px, maxPixels := frame.width*frame.height, limits.maxPixels(); px > maxPixels {
				return nil, 0, fmt.Errorf("%w: the frame declares %d×%d = %d pixels, the limit is %d",
					ErrTooManyPixels, frame.width, frame.height, px, maxPixels)
			}
			body = append(body, segment...)
		default:
			// DQT, DHT, DRI, DNL, DAC, EXP and the rest: structure the
			// decoder needs. The verifying decode rejects what it cannot use.
			body = append(body, segment...)
		}
	}
}

// adviceScans is the artist's message for a JPEG whose scans cost too much.
const adviceScans = "this image has too many progressive passes — export it again as a normal JPEG"

// jpegFrame is what a SOFn segment says about the size of the image and of
// its components.
type jpegFrame struct {
	width, height int64
	maxH, maxV    int64
	// sampling maps a component id to its horizontal and vertical sampling
	// factors.
	sampling map[byte][2]int64
}

// parseJPEGFrame reads a SOFn payload; a malformed one yields a frame with no
// components, which the verifying decode refuses anyway.
func parseJPEGFrame(p []byte) jpegFrame {
	f := jpegFrame{sampling: map[byte][2]int64{}}
	if len(p) < 6 {
		return f
	}
	f.height, f.width = int64(p[1])<<8|int64(p[2]), int64(p[3])<<8|int64(p[4])
	for c := 0; c < int(p[5]) && 6+3*c+2 < len(p); c++ {
		h, v := int64(p[7+3*c]>>4), int64(p[7+3*c]&15)
		f.sampling[p[6+3*c]] = [2]int64{h, v}
		f.maxH, f.maxV = max(f.maxH, h), max(f.maxV, v)
	}
	return f
}

// scanPixels returns how many pixels (in 8×8 blocks, rounded up) the scan
// whose SOS payload is p walks: the pixels of each component it covers.
func (f jpegFrame) scanPixels(p []byte) int64 {
	var total int64
	if len(p) < 1 || f.maxH == 0 || f.maxV == 0 {
		return f.width * f.height // before any frame: count the whole image
	}
	for c := 0; c < int(p[0]) && 1+2*c < len(p); c++ {
		s, ok := f.sampling[p[1+2*c]]
		if !ok {
			continue
		}
		w := (f.width*s[0] + f.maxH - 1) / f.maxH
		h := (f.height*s[1] + f.maxV - 1) / f.maxV
		total += (w + 7) / 8 * ((h + 7) / 8) * 64
	}
	return total
}

// appendJPEGSegment appends a marker segment whose payload is the parts
// concatenated (at most 65533 bytes, which callers ensure).
func appendJPEGSegment(b []byte, marker byte, parts ...[]byte) []byte {
	n := 2
	for _, p := range parts {
		n += len(p)
	}
	b = append(b, 0xff, marker, byte(n>>8), byte(n))
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// iccParts collects the APP2 parts of an ICC profile: each starts with its
// sequence number (1-based) and the number of parts.
type iccParts struct {
	parts [][]byte
	total int
	bad   bool
}

func (p *iccParts) add(part []byte) {
	if len(part) < 2 || part[0] == 0 || part[1] == 0 || p.total+len(part) > maxICCInput {
		p.bad = true
		return
	}
	if p.parts == nil {
		p.parts = make([][]byte, part[1])
	}
	seq := int(part[0])
	if int(part[1]) != len(p.parts) || seq > len(p.parts) || p.parts[seq-1] != nil {
		p.bad = true
		return
	}
	p.parts[seq-1] = part[2:]
	p.total += len(part)
}

// assemble returns the whole profile, or nil when parts are missing,
// repeated or inconsistent.
func (p *iccParts) assemble() []byte {
	if p.bad || p.parts == nil {
		return nil
	}
	var profile []byte
	for _, part := range p.parts {
		if part == nil {
			return nil
		}
		profile = append(profile, part...)
	}
	return profile
}

// scanEnd returns the offset of the marker that ends the entropy-coded data
// starting at i (or len(data)): the first 0xFF not followed by a stuffed 0x00,
// a restart marker or another fill byte.
func scanEnd(data []byte, i int) int {
	for {
		j := bytes.IndexByte(data[i:], 0xff)
		if j < 0 || i+j+1 >= len(data) {
			return len(data)
		}
		i += j
		next := data[i+1]
		switch {
		case next == 0x00, next >= markerRST0 && next <= markerRST7:
			i += 2
		case next == 0xff:
			i++
		default:
			return i
		}
	}
}

// appendOrientationSegment appends to b an APP1 segment holding a minimal
// Exif block with only the Orientation tag.
func appendOrientationSegment(b []byte, orientation int) []byte {
	return appendJPEGSegment(b, markerAPP1, orientationExif(orientation))
}
