package media

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"io"
	"testing"
)

// The metadata fuzz targets plant a fuzzer-chosen marker in every place a
// format lets a file carry text or tracking data, keep a random subset of
// those places (layout bits), and assert that when Process accepts the file,
// the marker is nowhere in the output. A marker that also shows up when the
// metadata holds other bytes of the same length comes from the pixels or the
// fixed structure, not from metadata, and the input is skipped.

// metadataCase is one way of planting a marker in a file.
type metadataCase func(t testing.TB, marker []byte, layout uint16) []byte

// checkMetadataGone runs one fuzz input: build with the marker and with a
// same-length filler, and require the marker to be absent from the output.
func checkMetadataGone(t *testing.T, build metadataCase, marker []byte, layout uint16, decoded func([]byte) [][]byte) {
	if len(marker) < 6 || len(marker) > 64 {
		t.Skip("markers are 6 to 64 bytes")
	}
	filler := make([]byte, len(marker))
	for i, c := range marker {
		filler[i] = c ^ 0x5a
	}
	ref, err := Process(t.Context(), build(t, filler, layout), fuzzLimits())
	if err == nil && bytes.Contains(ref.Data, marker) {
		t.Skip("the marker occurs in the file without it")
	}
	got, err := Process(t.Context(), build(t, marker, layout), fuzzLimits())
	if err != nil {
		return
	}
	places := [][]byte{got.Data}
	if decoded != nil {
		places = append(places, decoded(got.Data)...)
	}
	for _, p := range places {
		if bytes.Contains(p, marker) {
			t.Fatalf("marker %q survived (layout %#x)", marker, layout)
		}
	}
}

// on reports whether bit k of layout is set.
func on(layout uint16, k int) bool { return layout&(1<<k) != 0 }

// markedICC is a display profile carrying the marker in its header, text
// tags and a private tag.
func markedICC(marker []byte) []byte { return displayProfile(2, string(marker)) }

func jpegWithMetadata(t testing.TB, marker []byte, layout uint16) []byte {
	plain := encodeJPEG(t, testPicture(16, 16, 3), 80)
	m := string(marker)
	var segs [][]byte
	add := func(k int, s []byte) {
		if on(layout, k) {
			segs = append(segs, s)
		}
	}
	add(0, jpegSegment(markerAPP0, []byte("JFIF\x00\x01\x02\x00\x00\x01\x00\x01\x02\x01"+m[:min(6, len(m))]+m)))
	add(1, jpegSegment(markerAPP0, []byte("JFXX\x00\x10"+m)))
	exif := exifTIFF(binary.BigEndian, uint16(1+layout>>13))
	add(2, jpegSegment(markerAPP1, append([]byte(exifHeader), bytes.ReplaceAll(exif, []byte(secretMake), marker[:min(len(marker), len(secretMake))])...)))
	add(3, jpegSegment(markerAPP1, []byte("http://ns.adobe.com/xap/1.0/\x00"+m)))
	icc := markedICC(marker)
	add(4, jpegSegment(markerAPP2, append([]byte(idICC+"\x01\x01"), icc...)))
	add(5, jpegSegment(markerAPP2, []byte("MPF\x00"+m)))
	add(6, jpegSegment(0xed, []byte("Photoshop 3.0\x008BIM"+m)))
	add(7, jpegSegment(markerAPP14, []byte("Adobe\x00\x64\x00\x00\x00\x00\x01"+m)))
	add(8, jpegSegment(markerCOM, marker))
	add(9, jpegSegment(markerAPP15, marker))
	add(10, jpegSegment(0xe3, marker))
	out := insertAfterSOI(plain, segs...)
	if on(layout, 11) {
		out = append(out, marker...) // after EOI
	}
	if on(layout, 12) { // a comment between the tables and the frame
		sof := bytes.Index(out, []byte{0xff, 0xc0})
		out = append(append(append([]byte(nil), out[:sof]...), jpegSegment(markerCOM, marker)...), out[sof:]...)
	}
	return out
}

func pngWithMetadata(t testing.TB, marker []byte, layout uint16) []byte {
	plain := encodePNG(t, testPicture(12, 10, 3))
	m := string(marker)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(markedICC(marker))
	zw.Close()
	var chunks [][]byte
	add := func(k int, c []byte) {
		if on(layout, k) {
			chunks = append(chunks, c)
		}
	}
	add(0, pngChunk("tEXt", []byte("Comment\x00"+m)))
	add(1, pngChunk("zTXt", append([]byte("Author\x00\x00"), zlibOf(marker)...)))
	add(2, pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00"+m)))
	add(3, pngChunk("eXIf", bytes.ReplaceAll(exifTIFF(binary.BigEndian, 6), []byte(secretMake), marker[:min(len(marker), len(secretMake))])))
	add(4, pngChunk("tIME", marker))
	add(5, pngChunk("iCCP", append([]byte("ICC\x00\x00"), z.Bytes()...)))
	add(6, pngChunk("acTL", []byte{0, 0, 0, 2, 0, 0, 0, 0}))
	add(7, pngChunk("fdAT", append([]byte{0, 0, 0, 1}, marker...)))
	add(8, pngChunk("prVt", marker))
	// Kept types at a size they cannot have (a marker of 6 bytes or more,
	// twice, is at least 12 bytes).
	add(9, pngChunk("pHYs", append(marker, marker...)))
	add(10, pngChunk("gAMA", append(marker, marker...)))
	out := insertAfterIHDR(plain, chunks...)
	if on(layout, 11) {
		out = append(out, marker...)
	}
	if on(layout, 12) { // text after the image data
		out = append(out[:len(out)-12:len(out)-12], append(pngChunk("tEXt", []byte("Title\x00"+m)), out[len(out)-12:]...)...)
	}
	return out
}

func zlibOf(b []byte) []byte {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(b)
	zw.Close()
	return z.Bytes()
}

// pngDecompressed returns what the compressed chunks of a PNG (iCCP, zTXt,
// iTXt) inflate to, so a marker hidden by compression is seen too.
func pngDecompressed(data []byte) [][]byte {
	var out [][]byte
	for i := len(magicPNG); i+12 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[i:]))
		if i+12+n > len(data) {
			break
		}
		typ, body := string(data[i+4:i+8]), data[i+8:i+8+n]
		if typ == "iCCP" || typ == "zTXt" || typ == "iTXt" {
			if nul := bytes.IndexByte(body, 0); nul >= 0 && nul+2 <= len(body) {
				if zr, err := zlib.NewReader(bytes.NewReader(body[nul+2:])); err == nil {
					b, _ := io.ReadAll(io.LimitReader(zr, 1<<20))
					out = append(out, b)
				}
			}
		}
		i += 12 + n
	}
	return out
}

func gifWithMetadata(t testing.TB, marker []byte, layout uint16) []byte {
	plain := encodeGIF(t, 8, 8, 2)
	at := gifBlocksOffset(plain)
	var exts []byte
	add := func(k int, e []byte) {
		if on(layout, k) {
			exts = append(exts, e...)
		}
	}
	add(0, gifExtensionBlock(0xfe, marker))
	add(1, gifExtensionBlock(0x01, []byte("\x00\x00\x00\x00\x08\x00\x08\x00\x08\x08\x00\x01"), marker))
	add(2, gifExtensionBlock(gifLabelApp, []byte("XMP DataXMP"), marker))
	add(3, gifExtensionBlock(gifLabelApp, []byte("ICCRGBG1012"), markedICC(marker)[:200]))
	add(4, gifExtensionBlock(gifLabelApp, []byte(gifLoopNetscape), []byte{1, 0, 0}, append([]byte{2}, marker...)))
	add(5, gifExtensionBlock(gifLabelApp, []byte(gifLoopNetscape), append([]byte{1, 0, 0}, marker...)))
	add(6, gifExtensionBlock(gifLabelApp, []byte(gifLoopAnimExts), []byte{1, 3, 0}, marker))
	add(7, gifExtensionBlock(gifLabelApp, marker))
	add(8, gifExtensionBlock(0x42, marker))
	out := append(append(append([]byte(nil), plain[:at]...), exts...), plain[at:]...)
	if on(layout, 9) { // a comment between the frames
		second := bytes.LastIndex(out, []byte{gifExtension, gifLabelGraphic})
		out = append(append(append([]byte(nil), out[:second]...), gifExtensionBlock(0xfe, marker)...), out[second:]...)
	}
	if on(layout, 10) {
		out = append(out, marker...) // after the trailer
	}
	return out
}

func webpWithMetadata(t testing.TB, marker []byte, layout uint16) []byte {
	m := string(marker)
	if !on(layout, 0) { // the simple format: only trailing data to drop
		return append(tinyWebP(), marker...)
	}
	chunks := [][2]string{{"VP8X", vp8xPayload(vp8xFlagEXIF|vp8xFlagXMP|vp8xFlagICC, tinyWebPW, tinyWebPH)}}
	add := func(k int, fourCC, payload string) {
		if on(layout, k) {
			chunks = append(chunks, [2]string{fourCC, payload})
		}
	}
	add(1, "ICCP", string(markedICC(marker)))
	chunks = append(chunks, [2]string{"VP8L", string(tinyVP8L())})
	add(2, "EXIF", string(bytes.ReplaceAll(exifTIFF(binary.LittleEndian, 1), []byte(secretMake), marker[:min(len(marker), len(secretMake))])))
	add(3, "XMP ", m)
	add(4, "prVt", m)
	add(5, "ICCP", m) // a second profile
	out := riffWebP(chunks...)
	if on(layout, 6) {
		out = append(out, marker...)
	}
	return out
}

func fuzzMetadata(f *testing.F, build metadataCase, decoded func([]byte) [][]byte) {
	for _, m := range []string{"TRACKME-0001", secretComment, secretGPS, "\xff\xd9\x00\x00\xff\xfe!!"} {
		for _, layout := range []uint16{0xffff, 0, 0x5555, 0xaaaa, 1, 0x8001} {
			f.Add([]byte(m), layout)
		}
	}
	f.Fuzz(func(t *testing.T, marker []byte, layout uint16) {
		checkMetadataGone(t, build, marker, layout, decoded)
	})
}

func FuzzJPEGMetadataGone(f *testing.F) { fuzzMetadata(f, jpegWithMetadata, nil) }
func FuzzPNGMetadataGone(f *testing.F)  { fuzzMetadata(f, pngWithMetadata, pngDecompressed) }
func FuzzGIFMetadataGone(f *testing.F)  { fuzzMetadata(f, gifWithMetadata, nil) }
func FuzzWebPMetadataGone(f *testing.F) { fuzzMetadata(f, webpWithMetadata, nil) }

// The fuzz targets only mean something if the planted files are accepted:
// every builder's file with every place filled must pass Process.
func TestMetadataFuzzSeedsAreAccepted(t *testing.T) {
	marker := []byte("TRACKME-0001")
	for name, build := range map[string]metadataCase{
		"jpeg": jpegWithMetadata, "png": pngWithMetadata, "gif": gifWithMetadata, "webp": webpWithMetadata,
	} {
		for _, layout := range []uint16{0xffff, 0x7fff, 0} {
			in := build(t, marker, layout)
			if layout != 0 && !bytes.Contains(in, marker) {
				t.Fatalf("%s %#x: the marker was not planted", name, layout)
			}
			if _, err := Process(t.Context(), in, fuzzLimits()); err != nil {
				t.Errorf("%s %#x: %v", name, layout, err)
			}
		}
	}
}
