package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap/aptest"
)

// exifMarker is planted in test images' metadata and must never be served.
const exifMarker = "GPS-48.8584N-2.2945E-secret"

// writeJPEGWithExif writes a real JPEG carrying an Exif APP1 segment with a
// recognisable GPS-like string.
func writeJPEGWithExif(t *testing.T, dir, name string) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	tiff := append([]byte("MM\x00\x2a\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00"), []byte(exifMarker)...)
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	seg = append(seg, payload...)
	out := append(append(append([]byte{}, raw[:2]...), seg...), raw[2:]...)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func writePNG(t testing.TB, dir, name string) string {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// follow makes actor follow our server and waits for the Accept.
func follow(t *testing.T, ctx context.Context, s *server, a *aptest.Actor) {
	t.Helper()
	before := len(a.Server().DeliveriesOfType("Accept"))
	if _, err := a.Follow(ctx, "art@"+strings.TrimPrefix(s.BaseURL, "http://")); err != nil {
		t.Fatalf("%s follow: %v", a.Acct(), err)
	}
	if _, err := a.Server().WaitForN(ctx, before+1, aptest.OfType("Accept"), 15*time.Second); err != nil {
		t.Fatalf("%s got no Accept: %v", a.Acct(), err)
	}
}

func attachmentsOf(t *testing.T, act map[string]any) []map[string]any {
	t.Helper()
	note, _ := act["object"].(map[string]any)
	list, _ := note["attachment"].([]any)
	var out []map[string]any
	for _, a := range list {
		out = append(out, a.(map[string]any))
	}
	return out
}

func TestPublishAndTakedownReachEveryServer(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	// Three remote servers; two followers share mastodon's shared inbox.
	masto := aptest.NewServer(t, aptest.WithStyle(aptest.Mastodon))
	gts := aptest.NewServer(t, aptest.WithStyle(aptest.GoToSocial))
	akkoma := aptest.NewServer(t, aptest.WithStyle(aptest.Akkoma))
	followers := []*aptest.Actor{masto.AddActor("ann"), masto.AddActor("ben"), gts.AddActor("gus"), akkoma.AddActor("kim")}
	for _, f := range followers {
		follow(t, ctx, s, f)
	}
	// A fourth server only fetches the Note (a boost seen elsewhere, say).
	fetcher := aptest.NewServer(t, aptest.WithStyle(aptest.Mastodon))
	fred := fetcher.AddActor("fred")

	dir := t.TempDir()
	jpg := writeJPEGWithExif(t, dir, "sunset.jpg")
	pngPath := writePNG(t, dir, "SPOILER_sketch.png")
	out, code := runCLI(t, "post", "publish", "--config", s.Config,
		"--image", jpg, "--alt", "A watercolour sunset over a harbour, boats in silhouette.",
		"--image", pngPath, "--alt", "Pencil sketch of the same harbour.",
		"--text", "New piece! #watercolour <script>alert(1)</script>", "--cw", "eye strain")
	if code != 0 {
		t.Fatalf("post publish exit %d", code)
	}
	noteIRI := strings.TrimSpace(out)
	if !strings.HasPrefix(noteIRI, s.BaseURL+"/notes/") {
		t.Fatalf("post publish printed %q", out)
	}

	for _, srv := range []*aptest.Server{masto, gts, akkoma} {
		create := srv.MustWaitFor(t, aptest.OfType("Create"), 15*time.Second)
		atts := attachmentsOf(t, create.Activity)
		if len(atts) != 2 {
			t.Fatalf("%s: %d attachments", srv.Style(), len(atts))
		}
		if atts[0]["name"] != "A watercolour sunset over a harbour, boats in silhouette." || atts[0]["summary"] != atts[0]["name"] {
			t.Fatalf("%s: alt text not in name and summary: %v", srv.Style(), atts[0])
		}
		note := create.Activity["object"].(map[string]any)
		if note["id"] != noteIRI || note["sensitive"] != true || note["summary"] != "eye strain" {
			t.Fatalf("%s: note %v", srv.Style(), note)
		}
		if strings.Contains(note["content"].(string), "<script") {
			t.Fatalf("%s: unsafe content %q", srv.Style(), note["content"])
		}
		// Media: right type, no metadata.
		for i, a := range atts {
			resp, body := get(t, a["url"].(string), "")
			want := []string{"image/jpeg", "image/png"}[i]
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != want || a["mediaType"] != want {
				t.Fatalf("media %v: %d %s", a["url"], resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if bytes.Contains(body, []byte(exifMarker)) || bytes.Contains(body, []byte("Exif\x00")) {
				t.Fatalf("media %v still carries metadata", a["url"])
			}
			if !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
				t.Fatalf("media cache headers: %q", resp.Header.Get("Cache-Control"))
			}
			req, _ := http.NewRequest(http.MethodGet, a["url"].(string), nil)
			req.Header.Set("Range", "bytes=0-9")
			rr, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			rr.Body.Close()
			if rr.StatusCode != http.StatusPartialContent || rr.Header.Get("Content-Range") == "" {
				t.Fatalf("range request: %d %q", rr.StatusCode, rr.Header.Get("Content-Range"))
			}
		}
	}
	// Exactly once per shared inbox, even with two followers behind it.
	time.Sleep(300 * time.Millisecond)
	if n := len(masto.DeliveriesOfType("Create")); n != 1 {
		t.Fatalf("mastodon's shared inbox got %d Creates, want 1", n)
	}
	if masto.DeliveriesOfType("Create")[0].Path != "/inbox" {
		t.Fatalf("Create went to %s, want the shared inbox", masto.DeliveriesOfType("Create")[0].Path)
	}

	// The outbox lists it; browsers get HTML, servers JSON.
	resp, body := get(t, noteIRI, "text/html")
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte("A watercolour sunset")) {
		t.Fatalf("note page: %d %s", resp.StatusCode, body)
	}
	resp, body = get(t, s.BaseURL+"/users/art/outbox?page=1", "application/activity+json")
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(noteIRI)) {
		t.Fatalf("outbox: %s", body)
	}
	// The hashtag's href is a page listing the post.
	resp, body = get(t, s.BaseURL+"/tags/watercolour", "text/html")
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(noteIRI)) {
		t.Fatalf("tag page: %d %s", resp.StatusCode, body)
	}

	// fred's server fetches the note with a signed GET.
	gr, err := fred.SignedGet(ctx, noteIRI)
	if err != nil {
		t.Fatal(err)
	}
	gr.Body.Close()
	if gr.StatusCode != 200 {
		t.Fatalf("signed fetch: %d", gr.StatusCode)
	}

	out, code = runCLI(t, "post", "delete", "--config", s.Config, noteIRI)
	if code != 0 || !strings.Contains(out, "deleted "+noteIRI) {
		t.Fatalf("post delete: %d %q", code, out)
	}
	for _, srv := range []*aptest.Server{masto, gts, akkoma, fetcher} {
		del := srv.MustWaitFor(t, aptest.OfType("Delete"), 15*time.Second)
		if obj, _ := del.Activity["object"].(map[string]any); obj["id"] != noteIRI || obj["type"] != "Tombstone" {
			t.Fatalf("%s: Delete object %v", srv.Style(), del.Activity["object"])
		}
	}
	resp, body = get(t, noteIRI, "application/activity+json")
	var ts map[string]any
	_ = json.Unmarshal(body, &ts)
	if resp.StatusCode != http.StatusGone || ts["type"] != "Tombstone" || ts["id"] != noteIRI {
		t.Fatalf("deleted note: %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, s.BaseURL+"/users/art/outbox?page=1", "application/activity+json"); resp.StatusCode != 200 {
		t.Fatal("outbox after takedown")
	}
	// Media files are gone.
	entries, _ := os.ReadDir(filepath.Join(s.DataDir, "media"))
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			t.Fatalf("media file %s left after takedown", e.Name())
		}
	}
	// The receipt counts confirmations.
	waitUntil(t, "the receipt to confirm 4 servers", 10*time.Second, func() bool {
		out, _ := runCLI(t, "post", "delete", "--config", s.Config, noteIRI)
		return strings.Contains(out, "4 confirmed")
	})
	for _, srv := range []*aptest.Server{masto, gts, akkoma, fetcher} {
		if len(srv.Rejected()) != 0 {
			t.Fatalf("%s refused: %+v", srv.Style(), srv.Rejected()[0])
		}
	}
}
