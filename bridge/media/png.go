package media

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
)

// pngKeepAncillary reports whether an ancillary chunk of this type and payload
// survives stripping: colour management, transparency, physical size,
// significant bits, background and histogram, each only at a size its
// definition allows, so none can carry extra bytes. iCCP is rebuilt by
// stripPNG instead. Every other ancillary chunk (eXIf, tEXt, zTXt, iTXt,
// tIME, the APNG animation chunks acTL, fcTL and fdAT, and any private or
// unknown chunk, which may carry metadata too) is dropped.
func pngKeepAncillary(typ string, payload []byte) bool {
	size := len(payload)
	switch typ {
	case "sRGB":
		return size == 1 && payload[0] <= 3 // rendering intent
	case "gAMA":
		return size == 4
	case "cHRM":
		return size == 32
	case "cICP":
		return size == 4
	case "mDCV":
		return size == 24
	case "cLLI":
		return size == 8
	case "sBIT":
		return size >= 1 && size <= 4
	case "pHYs":
		return size == 9 && payload[8] <= 1 // unit: unknown or metre
	case "tRNS":
		return size <= 256
	case "bKGD":
		return size == 1 || size == 2 || size == 6
	case "hIST":
		return size <= 512 && size%2 == 0
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

// stripPNG keeps the signature, the critical chunks, the ancillary chunks
// pngKeepAncillary names and a rebuilt iCCP chunk, checking every CRC (also
// of dropped chunks) and dropping anything after IEND. PNG orientation is not
// applied: an eXIf chunk is dropped whole. An animated PNG keeps only its
// default image, the one every PNG decoder shows (and the one verified by
// decoding): the other frames cannot be checked, so they are not published.
// More than limits.MaxChunks chunks are refused before anything is decoded.
func stripPNG(data []byte, limits Limits) ([]byte, int, error) {
	out := make([]byte, 0, len(data))
	out = append(out, magicPNG...)
	i := len(magicPNG)
	maxChunks := limits.maxChunks()
	seenICC := false
	for n := 0; ; n++ {
		if n == maxChunks {
			return nil, 0, refuse(ErrTooComplex,
				"this PNG is made of too many pieces: export it again as a normal PNG",
				"more than %d chunks, the limit is %d", maxChunks, maxChunks)
		}
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
		case critical, pngKeepAncillary(typ, data[i+8:end-4]):
			out = append(out, data[i:end]...)
		case typ == "iCCP" && !seenICC:
			seenICC = true
			if profile := sanitizeICC(pngICCProfile(data[i+8 : end-4])); profile != nil {
				out = appendPNGICC(out, profile)
			}
		}
		if typ == "IEND" {
			return out, 1, nil
		}
		i = end
	}
}

// pngICCProfile returns the profile an iCCP chunk holds (a keyword, a NUL, the
// compression method 0 and a zlib stream), or nil when it is malformed or
// inflates to more than maxICCInput bytes.
func pngICCProfile(chunk []byte) []byte {
	nul := bytes.IndexByte(chunk, 0)
	if nul < 1 || nul > 79 || nul+2 > len(chunk) || chunk[nul+1] != 0 {
		return nil
	}
	zr, err := zlib.NewReader(bytes.NewReader(chunk[nul+2:]))
	if err != nil {
		return nil
	}
	defer zr.Close()
	profile, err := io.ReadAll(io.LimitReader(zr, maxICCInput+1))
	if err != nil || len(profile) > maxICCInput {
		return nil
	}
	return profile
}

// appendPNGICC appends an iCCP chunk with a fixed keyword holding profile.
func appendPNGICC(out, profile []byte) []byte {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(profile) // writes to a bytes.Buffer do not fail
	zw.Close()
	payload := append([]byte("ICC profile\x00\x00"), z.Bytes()...)
	start := len(out)
	out = binary.BigEndian.AppendUint32(out, uint32(len(payload)))
	out = append(out, "iCCP"...)
	out = append(out, payload...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[start+4:]))
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
