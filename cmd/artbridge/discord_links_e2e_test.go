package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/artbridge/artbridge/ap/aptest"
	"github.com/artbridge/artbridge/discord/discordtest"
)

// jpegWithExif is a JPEG carrying an APP1 Exif segment that holds marker.
func jpegWithExif(t *testing.T, marker string) []byte {
	t.Helper()
	plain := jpegBytes(t, 64, 48)
	payload := append([]byte("Exif\x00\x00MM\x00*\x00\x00\x00\x08"), marker...)
	seg := []byte{0xFF, 0xE1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	out := append([]byte{}, plain[:2]...)
	out = append(append(out, seg...), payload...)
	return append(out, plain[2:]...)
}

// countingSite is a web server on loopback that counts what it is asked.
func countingSite(t *testing.T, body []byte, contentType string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write(body)
	}))
	t.Cleanup(site.Close)
	return site, &n
}

// A post that links its art: the panel offers the image Discord embedded, nothing
// is fetched before the artist says yes, then the copy from Discord's media proxy
// is stored without its metadata, self-hosted, and the post credits the link.
func TestDiscordLinkOnlyPostPublishesAfterConfirmation(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	w := newDiscordWorld(t)
	s := w.serve(t, ctx, "")
	remote := followedBy(t, ctx, s)

	const marker = "GPS-51.5N-SECRET"
	page := "https://art.example/mira/status/12345"
	// Discord unfurls the link a moment after the message is created.
	thread, err := w.dc.CreateForumThread(w.forum, artistID, "Linked piece", "New piece! "+page)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.dc.UnfurlLinks(thread, thread, discordtest.LinkPreview{PageURL: page, ImageURL: "https://pbs.art.example/media/abc.jpg",
		Title: "Mira on art.example",
		Image: &discordtest.File{Name: "abc.jpg", ContentType: "image/jpeg", Data: jpegWithExif(t, marker), Width: 64, Height: 48}}); err != nil {
		t.Fatal(err)
	}
	p := w.panel(t, ctx, thread, func(m discordtest.Message) bool {
		return strings.Contains(panelText(m), "Use this image from art.example?")
	})
	var previewed bool
	for _, e := range p.Embeds {
		previewed = previewed || (e.Image != nil && strings.Contains(e.Image.URL, "/external/"))
	}
	if !previewed {
		t.Fatalf("the offer does not preview the image: %+v", p.Embeds)
	}
	if n := w.dc.ProxyFetches(); n != 0 {
		t.Fatalf("%d fetches of the linked image before the artist confirmed", n)
	}
	// A stranger cannot accept it.
	in := click(t, ctx, w, otherID, p, "use_links")
	if f := waitFollowup(t, ctx, w, in); !strings.Contains(f.Content, "Only the artist") {
		t.Fatalf("a stranger's Use linked images answered %q", f.Content)
	}
	if n := w.dc.ProxyFetches(); n != 0 {
		t.Fatalf("a stranger's press fetched the image (%d)", n)
	}
	click(t, ctx, w, artistID, p, "use_links")
	p = w.panel(t, ctx, thread, func(m discordtest.Message) bool { return strings.Contains(panelText(m), "Linked images copied") })
	if n := w.dc.ProxyFetches(); n != 1 {
		t.Fatalf("%d fetches from Discord's media proxy, want 1", n)
	}
	confirmTwice(t, ctx, w, thread)
	create := remote.MustWaitFor(t, aptest.OfType("Create"), 20*time.Second)
	note := create.Activity["object"].(map[string]any)
	if c := note["content"].(string); !strings.Contains(c, "Source:") || !strings.Contains(c, page) {
		t.Fatalf("the post does not credit the link: %q", c)
	}
	atts := attachmentsOf(t, create.Activity)
	if len(atts) != 1 {
		t.Fatalf("attachments %v", atts)
	}
	u := atts[0]["url"].(string)
	if !strings.HasPrefix(u, s.BaseURL+"/") {
		t.Fatalf("the image is not self-hosted: %s", u)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(data) == 0 {
		t.Fatalf("self-hosted image answered %d", resp.StatusCode)
	}
	if bytes.Contains(data, []byte(marker)) || bytes.Contains(data, []byte("Exif\x00")) {
		t.Fatal("the published image still carries the EXIF segment")
	}
}

// A direct link to an image on a private address is offered (Discord did not
// embed it) but refused when the artist accepts; a link to a page is explained
// and never fetched.
func TestDiscordPrivateLinkRefusedAndPagesNeverFetched(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	w := newDiscordWorld(t)
	s := w.serve(t, ctx, "")
	imgSite, imgHits := countingSite(t, pngBytes(t, 20, 20), "image/png")
	pageSite, pageHits := countingSite(t, []byte("<html><meta property=og:image content=/x.png></html>"), "text/html")

	thread, err := w.dc.CreateForumThread(w.forum, artistID, "Private", "Here: "+imgSite.URL+"/art.png")
	if err != nil {
		t.Fatal(err)
	}
	p := w.panel(t, ctx, thread, func(m discordtest.Message) bool {
		return strings.Contains(panelText(m), "Use this image from 127.0.0.1?")
	})
	click(t, ctx, w, artistID, p, "use_links")
	p = w.panel(t, ctx, thread, func(m discordtest.Message) bool { return strings.Contains(panelText(m), "private network") })
	if n := imgHits.Load(); n != 0 {
		t.Fatalf("the private address was fetched %d times", n)
	}
	click(t, ctx, w, artistID, p, "confirm")
	w.panel(t, ctx, thread, func(m discordtest.Message) bool { return strings.Contains(panelText(m), "There is no image yet") })
	if n := countRows(t, s.DataDir, "posts"); n != 0 {
		t.Fatalf("%d posts from a refused link", n)
	}

	// Discord's preview of the page has no image: it is a page, explained.
	pageThread, err := w.dc.CreateForumThreadWithPreviews(w.forum, artistID, "Page", "My gallery: "+pageSite.URL+"/gallery",
		discordtest.LinkPreview{PageURL: pageSite.URL + "/gallery", Title: "My gallery"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.dc.WaitFor(ctx, func() bool {
		for _, m := range w.dc.Messages(pageThread) {
			if m.Author.Bot && strings.Contains(m.Content, "not images") && strings.Contains(m.Content, "don't read web pages") {
				return len(discordtest.Buttons(m.Components)) == 0
			}
		}
		return false
	}); err != nil {
		t.Fatalf("no explanation for a page link: %+v", w.dc.Messages(pageThread))
	}
	if n := pageHits.Load(); n != 0 {
		t.Fatalf("the page was fetched %d times", n)
	}
}

// Discord may unfurl a link after artbridge gave up waiting: the late preview
// with an image still opens the offer, once.
func TestDiscordLateUnfurlOffersTheImage(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	w := newDiscordWorld(t)
	w.serve(t, ctx, "")
	page := "https://bsky.example/profile/mira/post/3k"
	thread, err := w.dc.CreateForumThread(w.forum, artistID, "Late", "On bsky: "+page)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.dc.WaitFor(ctx, func() bool {
		for _, m := range w.dc.Messages(thread) {
			if m.Author.Bot && strings.Contains(m.Content, "not images") {
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("no explanation before the preview: %+v", w.dc.Messages(thread))
	}
	preview := discordtest.LinkPreview{PageURL: page, ImageURL: "https://cdn.bsky.example/img/1.png",
		Image: &discordtest.File{Name: "1.png", ContentType: "image/png", Data: pngBytes(t, 30, 30), Width: 30, Height: 30}}
	if err := w.dc.UnfurlLinks(thread, thread, preview); err != nil {
		t.Fatal(err)
	}
	p := w.panel(t, ctx, thread, func(m discordtest.Message) bool {
		return strings.Contains(panelText(m), "Use this image from bsky.example?")
	})
	if err := w.dc.UnfurlLinks(thread, thread, preview); err != nil { // another preview update: still one panel
		t.Fatal(err)
	}
	click(t, ctx, w, artistID, p, "use_links")
	w.panel(t, ctx, thread, func(m discordtest.Message) bool { return strings.Contains(panelText(m), "Linked images copied") })
	if n := countPanels(w, thread); n != 1 {
		t.Fatalf("%d panels", n)
	}
}
