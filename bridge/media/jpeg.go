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

// stripJPEG removes every APPn segment except APP0 JFIF, APP2 ICC profile and
// APP14 Adobe, every COM segment, and anything after EOI. Scan data is copied
// byte for byte. When the first Exif segment carries an orientation other than
// 1, a minimal Exif segment with only that tag is written after SOI (and
// JFIF), and the orientation is returned.
func stripJPEG(data []byte) ([]byte, int, error) {
	if len(data) < 4 || data[0] != 0xff || data[1] != markerSOI {
		return nil, 0, fmt.Errorf("%w: missing SOI marker", ErrCorrupt)
	}
	// head holds SOI and the JFIF segment; body holds everything after.
	head := make([]byte, 0, 32)
	head = append(head, 0xff, markerSOI)
	body := make([]byte, 0, len(data))
	orientation, seenExif, seenJFIF, seenSOS := 1, false, false, false
	i := 2
	for {
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
			if !seenSOS {
				return nil, 0, fmt.Errorf("%w: EOI before any scan", ErrCorrupt)
			}
			body = append(body, 0xff, markerEOI)
			if orientation != 1 {
				head = appendOrientationSegment(head, orientation)
			}
			return append(head, body...), orientation, nil
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
			if !seenJFIF && !seenSOS && len(body) == 0 && bytes.HasPrefix(payload, []byte(idJFIF)) {
				seenJFIF = true
				head = append(head, segment...)
			}
		case m == markerAPP1:
			if !seenExif && bytes.HasPrefix(payload, []byte(exifHeader)) {
				seenExif = true
				orientation = exifOrientation(payload[len(exifHeader):])
			}
		case m == markerAPP2:
			if bytes.HasPrefix(payload, []byte(idICC)) {
				body = append(body, segment...)
			}
		case m == markerAPP14:
			if bytes.HasPrefix(payload, []byte(idAdobe)) {
				body = append(body, segment...)
			}
		case m > markerAPP0 && m <= markerAPP15, m == markerCOM:
			// Exif, XMP, IPTC/Photoshop, MPF, FlashPix, comments: dropped.
		case m == markerSOS:
			seenSOS = true
			end := scanEnd(data, i)
			body = append(body, segment...)
			body = append(body, data[i:end]...)
			i = end
		default:
			// DQT, DHT, SOFn, DRI, DNL, DAC, EXP and the rest: structure the
			// decoder needs. The verifying decode rejects what it cannot use.
			body = append(body, segment...)
		}
	}
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
	payload := orientationExif(orientation)
	n := len(payload) + 2
	b = append(b, 0xff, markerAPP1, byte(n>>8), byte(n))
	return append(b, payload...)
}
