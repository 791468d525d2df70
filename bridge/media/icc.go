package media

import (
	"encoding/binary"
	"unicode/utf16"
)

// ICC profiles are kept, because dropping one changes the colours of a
// wide-gamut (Display P3, Adobe RGB) picture, but never as the artist's file
// had them: sanitizeICC rebuilds the profile from its colorimetric tags only.
// The text a profile can carry (description, copyright, device maker and
// model, dates, creator, profile ID, private and unknown tags) is gone; the
// description is replaced by a fixed one. What is left is numbers that say
// how to show the colours.
const (
	// maxICCInput is the largest profile read at all; a larger one is dropped
	// without being parsed.
	maxICCInput = 1 << 20
	// maxICCBytes is the largest rebuilt profile kept: what one JPEG APP2
	// segment holds. Display profiles are 0.5 to 4 KB; bigger ones are
	// printer profiles with large lookup tables, dropped.
	maxICCBytes = 65535 - 2 - len(idICC) - 2
	// maxICCTags is the most tags a profile may list.
	maxICCTags = 64
	// iccHeaderLen is the size of the fixed profile header.
	iccHeaderLen = 128
	// iccDescription is the description every kept profile gets.
	iccDescription = "artbridge ICC profile"
)

// iccKeepTag reports whether a tag with this signature survives: white and
// black points, chromatic adaptation, primaries, tone curves and colour
// lookup tables.
func iccKeepTag(sig string) bool {
	switch sig {
	case "wtpt", "bkpt", "chad", "chrm", "lumi", "cicp",
		"rXYZ", "gXYZ", "bXYZ", "rTRC", "gTRC", "bTRC", "kTRC",
		"A2B0", "A2B1", "A2B2", "B2A0", "B2A1", "B2A2":
		return true
	}
	return false
}

// iccKeepType reports whether tag data of this type survives: numeric types
// only, never text.
func iccKeepType(typ string) bool {
	switch typ {
	case "XYZ ", "curv", "para", "sf32", "mft1", "mft2", "mAB ", "mBA ", "chrm", "cicp":
		return true
	}
	return false
}

// sanitizeICC rebuilds profile from its header's colorimetric fields and the
// tags iccKeepTag names, and adds a fixed description. It returns nil when
// the profile is not one a browser would use (bad header, tags out of
// bounds, a colour space other than RGB, grey or CMYK) or is too large: the
// image is then shown as sRGB.
func sanitizeICC(profile []byte) []byte {
	if len(profile) < iccHeaderLen+4 || len(profile) > maxICCInput {
		return nil
	}
	be := binary.BigEndian
	size := be.Uint32(profile[0:4])
	if int64(size) > int64(len(profile)) || size < iccHeaderLen+4 || string(profile[36:40]) != "acsp" {
		return nil
	}
	profile = profile[:size]
	version := profile[8]
	class, space, pcs := string(profile[12:16]), string(profile[16:20]), string(profile[20:24])
	switch {
	case version != 2 && version != 4,
		class != "mntr" && class != "scnr" && class != "prtr" && class != "spac",
		space != "RGB " && space != "GRAY" && space != "CMYK",
		pcs != "XYZ " && pcs != "Lab ":
		return nil
	}
	count := be.Uint32(profile[iccHeaderLen:])
	if count > maxICCTags || int64(iccHeaderLen+4+12*count) > int64(len(profile)) {
		return nil
	}
	type tag struct {
		sig       string
		off, size uint32
	}
	var kept []tag
	for k := range count {
		e := profile[iccHeaderLen+4+12*k:]
		t := tag{sig: string(e[0:4]), off: be.Uint32(e[4:8]), size: be.Uint32(e[8:12])}
		if !iccKeepTag(t.sig) {
			continue
		}
		if t.size < 8 || int64(t.off)+int64(t.size) > int64(len(profile)) || t.off < iccHeaderLen {
			return nil
		}
		if !iccKeepType(string(profile[t.off : t.off+4])) {
			return nil
		}
		kept = append(kept, t)
	}
	desc := iccDescriptionTag(version)
	n := uint32(len(kept) + 1)
	out := make([]byte, iccHeaderLen, 1024)
	be.PutUint32(out[8:], be.Uint32(profile[8:12]))     // version
	copy(out[12:24], profile[12:24])                    // class, colour space, PCS
	copy(out[36:40], "acsp")                            // magic
	be.PutUint32(out[64:], be.Uint32(profile[64:68])&3) // rendering intent
	copy(out[68:80], profile[68:80])                    // PCS illuminant
	out = be.AppendUint32(out, n)
	table := len(out)
	out = append(out, make([]byte, 12*n)...)
	// Tags that share data in the input share it in the output too.
	placed := map[[2]uint32]uint32{}
	put := func(entry int, sig string, data []byte, key [2]uint32) {
		off, ok := placed[key]
		if !ok || key == ([2]uint32{}) {
			for len(out)%4 != 0 {
				out = append(out, 0)
			}
			off = uint32(len(out))
			out = append(out, data...)
			placed[key] = off
		}
		e := out[table+12*entry:]
		copy(e[0:4], sig)
		be.PutUint32(e[4:], off)
		be.PutUint32(e[8:], uint32(len(data)))
	}
	for k, t := range kept {
		put(k, t.sig, profile[t.off:t.off+t.size], [2]uint32{t.off, t.size})
	}
	put(len(kept), "desc", desc, [2]uint32{})
	for len(out)%4 != 0 {
		out = append(out, 0)
	}
	if len(out) > maxICCBytes {
		return nil
	}
	be.PutUint32(out[0:4], uint32(len(out)))
	return out
}

// iccDescriptionTag returns the fixed description as the profile version
// expects it: textDescriptionType for version 2, multiLocalizedUnicodeType
// for version 4.
func iccDescriptionTag(version byte) []byte {
	be := binary.BigEndian
	if version == 2 {
		b := []byte("desc\x00\x00\x00\x00")
		b = be.AppendUint32(b, uint32(len(iccDescription)+1))
		b = append(b, iccDescription...)
		b = append(b, 0)
		b = be.AppendUint32(b, 0) // Unicode language code
		b = be.AppendUint32(b, 0) // Unicode count
		b = be.AppendUint16(b, 0) // ScriptCode code
		b = append(b, 0)          // ScriptCode count
		return append(b, make([]byte, 67)...)
	}
	text := utf16.Encode([]rune(iccDescription))
	b := []byte("mluc\x00\x00\x00\x00")
	b = be.AppendUint32(b, 1)  // one record
	b = be.AppendUint32(b, 12) // record size
	b = append(b, "enUS"...)
	b = be.AppendUint32(b, uint32(2*len(text)))
	b = be.AppendUint32(b, 28) // offset of the string
	for _, c := range text {
		b = be.AppendUint16(b, c)
	}
	return b
}
