package media

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// pngKeepAncillary reports whether an ancillary chunk survives stripping:
// colour management, transparency, physical size, significant bits,
// background, and APNG animation. Every other ancillary chunk (eXIf, tEXt,
// zTXt, iTXt, tIME and any private or unknown chunk, which may carry metadata
// too) is dropped.
func pngKeepAncillary(typ string) bool {
	switch typ {
	case "iCCP", "sRGB", "gAMA", "cHRM", "cICP", "mDCV", "cLLI", "sBIT", "pHYs",
		"tRNS", "bKGD", "hIST", "acTL", "fcTL", "fdAT":
		return true
	}
	return false
}

// pngKnownCritical reports whether typ is a critical chunk of PNG 1.2; a file
// with another critical chunk cannot be decoded and is refused.
func pngKnownCritical(typ string) bool {
	switch typ {
	case "IHDR", "PLTE", "IDAT", "IEND":
		return true
	}
	return false
}

// stripPNG keeps the signature, the critical chunks and the ancillary chunks pngKeepAncillary names,
// checking every CRC (also of dropped chunks) and dropping anything after
// IEND. PNG orientation is not applied: an eXIf chunk is dropped whole.
func stripPNG(data []byte) ([]byte, int, error) {
	out := make([]byte, 0, len(data))
	out = append(out, magicPNG...)
	i := len(magicPNG)
	for n := 0; ; n++ {
		if i+12 > len(data) {
			return nil, 0, fmt.Errorf("%w: truncated before the IEND chunk", ErrCorrupt)
		}
		length := binary.BigEndian.Uint32(data[i:])
		if length > 0x7fffffff || int64(length) > int64(len(data)-i-12) {
			return nil, 0, fmt.Errorf("%w: chunk at offset %d has length %d past the end of the file",
				ErrCorrupt, i, length)
		}
		end := i + 12 + int(length)
		typ := string(data[i+4 : i+8])
		if !validChunkType(data[i+4 : i+8]) {
			return nil, 0, fmt.Errorf("%w: bad chunk type %q at offset %d", ErrCorrupt, typ, i)
		}
		want := binary.BigEndian.Uint32(data[end-4:])
		if got := crc32.ChecksumIEEE(data[i+4 : end-4]); got != want {
			return nil, 0, fmt.Errorf("%w: %s chunk at offset %d fails its CRC", ErrCorrupt, typ, i)
		}
		if n == 0 && typ != "IHDR" {
			return nil, 0, fmt.Errorf("%w: first chunk is %q, not IHDR", ErrCorrupt, typ)
		}
		critical := typ[0]&0x20 == 0
		switch {
		case critical && !pngKnownCritical(typ):
			return nil, 0, fmt.Errorf("%w: unknown critical chunk %q", ErrUnsupportedType, typ)
		case critical, pngKeepAncillary(typ):
			out = append(out, data[i:end]...)
		}
		if typ == "IEND" {
			return out, 1, nil
		}
		i = end
	}
}

// validChunkType reports whether t is four ASCII letters, as PNG requires.
func validChunkType(t []byte) bool {
	for _, c := range t {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}
