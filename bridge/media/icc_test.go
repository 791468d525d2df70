package media

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// iccTag is one tag of a hand-built ICC profile.
type iccTag struct {
	sig  string
	data []byte
}

// xyzTag is an XYZType tag value.
func xyzTag(x, y, z int32) []byte {
	b := []byte("XYZ \x00\x00\x00\x00")
	for _, v := range []int32{x, y, z} {
		b = binary.BigEndian.AppendUint32(b, uint32(v))
	}
	return b
}

// gammaTag is a curveType tag holding one gamma value (u8Fixed8).
func gammaTag(g uint16) []byte {
	return binary.BigEndian.AppendUint16([]byte("curv\x00\x00\x00\x00\x00\x00\x00\x01"), g)
}

// textTag is a v2 textType tag, as cprt often is.
func textTag(s string) []byte {
	return append([]byte("text\x00\x00\x00\x00"+s), 0)
}

// buildICC writes an ICC profile of the given major version: a monitor RGB
// profile with an XYZ connection space, whose header fields that identify a
// device or a moment (CMM, date, platform, maker, model, creator, ID) hold
// the marker, and with the tags given.
func buildICC(version byte, marker string, tags ...iccTag) []byte {
	h := make([]byte, iccHeaderLen)
	fill := func(at, n int) { copy(h[at:at+n], bytes.Repeat([]byte(marker), n)) }
	fill(4, 4) // CMM
	h[8] = version
	copy(h[12:], "mntrRGB XYZ ")
	fill(24, 12) // date
	copy(h[36:], "acsp")
	fill(40, 4)  // platform
	fill(48, 16) // maker, model, attributes
	copy(h[68:], xyzTag(0xf6d6, 0x10000, 0xd32d)[8:])
	fill(80, 4)   // creator
	fill(84, 16)  // profile ID
	fill(100, 28) // reserved
	table := binary.BigEndian.AppendUint32(nil, uint32(len(tags)))
	var data []byte
	start := iccHeaderLen + 4 + 12*len(tags)
	for _, t := range tags {
		table = append(table, t.sig...)
		table = binary.BigEndian.AppendUint32(table, uint32(start+len(data)))
		table = binary.BigEndian.AppendUint32(table, uint32(len(t.data)))
		data = append(data, t.data...)
		for len(data)%4 != 0 {
			data = append(data, 0)
		}
	}
	p := append(append(h, table...), data...)
	binary.BigEndian.PutUint32(p, uint32(len(p)))
	return p
}

// displayProfile is a plausible display profile whose text tags, private tag
// and header all carry marker.
func displayProfile(version byte, marker string) []byte {
	return buildICC(version, marker,
		iccTag{"desc", textTag(marker)},
		iccTag{"cprt", textTag("Copyright " + marker)},
		iccTag{"dmnd", textTag(marker)},
		iccTag{"wtpt", xyzTag(0xf6d6, 0x10000, 0xd32d)},
		iccTag{"rXYZ", xyzTag(0x6fa2, 0x38f5, 0x0390)},
		iccTag{"gXYZ", xyzTag(0x6299, 0xb785, 0x18da)},
		iccTag{"bXYZ", xyzTag(0x24a0, 0x0f84, 0xb6cf)},
		iccTag{"rTRC", gammaTag(0x0233)},
		iccTag{"gTRC", gammaTag(0x0233)},
		iccTag{"bTRC", gammaTag(0x0233)},
		iccTag{"zzzz", append([]byte("zzzz\x00\x00\x00\x00"), marker...)},
	)
}

// parseICCTags reads a profile's tag table, failing on anything out of
// bounds.
func parseICCTags(t testing.TB, p []byte) map[string][]byte {
	t.Helper()
	if len(p) < iccHeaderLen+4 || int(binary.BigEndian.Uint32(p)) != len(p) || string(p[36:40]) != "acsp" {
		t.Fatalf("not a profile: %d bytes", len(p))
	}
	n := int(binary.BigEndian.Uint32(p[iccHeaderLen:]))
	tags := map[string][]byte{}
	for k := range n {
		e := p[iccHeaderLen+4+12*k:]
		off, size := int(binary.BigEndian.Uint32(e[4:])), int(binary.BigEndian.Uint32(e[8:]))
		if off+size > len(p) {
			t.Fatalf("tag %q out of bounds", e[:4])
		}
		tags[string(e[:4])] = p[off : off+size]
	}
	return tags
}

func TestSanitizeICCKeepsColourDropsText(t *testing.T) {
	for _, version := range []byte{2, 4} {
		const marker = "TRACKME1"
		in := displayProfile(version, marker)
		out := sanitizeICC(in)
		if out == nil {
			t.Fatalf("v%d: profile dropped", version)
		}
		mustNotContain(t, out, marker, "Copyright", "dmnd", "cprt", "zzzz")
		tags := parseICCTags(t, out)
		inTags := parseICCTags(t, in)
		for _, sig := range []string{"wtpt", "rXYZ", "gXYZ", "bXYZ", "rTRC", "gTRC", "bTRC"} {
			if !bytes.Equal(tags[sig], inTags[sig]) {
				t.Errorf("v%d: %s not kept as is", version, sig)
			}
		}
		if len(tags) != 8 {
			t.Errorf("v%d: %d tags, want the 7 colour tags and desc", version, len(tags))
		}
		wantType := map[byte]string{2: "desc", 4: "mluc"}[version]
		if d := tags["desc"]; len(d) < 4 || string(d[:4]) != wantType {
			t.Errorf("v%d: description of type %q, want %q", version, d, wantType)
		}
		if !bytes.Equal(out[12:24], in[12:24]) || out[8] != version || !bytes.Equal(out[68:80], in[68:80]) {
			t.Errorf("v%d: colorimetric header fields changed", version)
		}
		if again := sanitizeICC(out); !bytes.Equal(again, out) {
			t.Errorf("v%d: not idempotent", version)
		}
	}
}

func TestSanitizeICCDropsWhatABrowserWouldNotUse(t *testing.T) {
	good := displayProfile(4, "x")
	mutate := func(f func(p []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	cases := map[string][]byte{
		"empty":          nil,
		"short":          good[:100],
		"bad magic":      mutate(func(p []byte) []byte { copy(p[36:], "nope"); return p }),
		"size past end":  mutate(func(p []byte) []byte { binary.BigEndian.PutUint32(p, uint32(len(p)+1)); return p }),
		"version 5":      mutate(func(p []byte) []byte { p[8] = 5; return p }),
		"device link":    mutate(func(p []byte) []byte { copy(p[12:], "link"); return p }),
		"Lab data":       mutate(func(p []byte) []byte { copy(p[16:], "Lab "); return p }),
		"too many tags":  mutate(func(p []byte) []byte { binary.BigEndian.PutUint32(p[iccHeaderLen:], maxICCTags+1); return p }),
		"tag past end":   mutate(func(p []byte) []byte { binary.BigEndian.PutUint32(p[iccHeaderLen+4+12*3+8:], 1<<20); return p }),
		"text in a kept": buildICC(4, "x", iccTag{"rXYZ", textTag("secret")}),
		"huge":           buildICC(4, "x", iccTag{"A2B0", append([]byte("mft2\x00\x00\x00\x00"), make([]byte, maxICCBytes)...)}),
	}
	for name, p := range cases {
		if out := sanitizeICC(p); out != nil {
			t.Errorf("%s: kept a %d-byte profile", name, len(out))
		}
	}
}
