package media

import "encoding/binary"

// exifHeader starts the payload of an Exif APP1 segment (and nothing else).
const exifHeader = "Exif\x00\x00"

// tagOrientation is the Exif/TIFF Orientation tag; its SHORT value is 1 to 8.
const tagOrientation = 0x0112

// exifOrientation reads the Orientation tag from IFD0 of a TIFF structure (the
// part of an Exif segment after "Exif\0\0"). It returns 1 when the tag is
// missing, malformed or out of range: a broken Exif block never makes an image
// fail, it only loses its rotation.
func exifOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	if order.Uint16(tiff[2:4]) != 42 {
		return 1
	}
	ifd := int64(order.Uint32(tiff[4:8]))
	if ifd < 8 || ifd+2 > int64(len(tiff)) {
		return 1
	}
	count := int64(order.Uint16(tiff[ifd:]))
	for i := int64(0); i < count; i++ {
		entry := ifd + 2 + 12*i
		if entry+12 > int64(len(tiff)) {
			return 1
		}
		e := tiff[entry : entry+12]
		if order.Uint16(e[0:2]) != tagOrientation {
			continue
		}
		const typeShort = 3
		if order.Uint16(e[2:4]) != typeShort || order.Uint32(e[4:8]) != 1 {
			return 1
		}
		if v := int(order.Uint16(e[8:10])); v >= 1 && v <= 8 {
			return v
		}
		return 1
	}
	return 1
}

// orientationExif returns the payload of a minimal Exif APP1 segment that
// holds only IFD0 with one Orientation entry: 32 bytes, no other tag.
func orientationExif(orientation int) []byte {
	b := make([]byte, 0, 32)
	b = append(b, exifHeader...)
	b = append(b, "MM\x00\x2a"...)          // big-endian TIFF, magic 42
	b = binary.BigEndian.AppendUint32(b, 8) // IFD0 right after the header
	b = binary.BigEndian.AppendUint16(b, 1) // one entry
	b = binary.BigEndian.AppendUint16(b, tagOrientation)
	b = binary.BigEndian.AppendUint16(b, 3) // SHORT
	b = binary.BigEndian.AppendUint32(b, 1) // count
	b = binary.BigEndian.AppendUint16(b, uint16(orientation))
	b = binary.BigEndian.AppendUint16(b, 0) // value padding
	b = binary.BigEndian.AppendUint32(b, 0) // no next IFD
	return b
}
