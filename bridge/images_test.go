package bridge_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/artbridge/artbridge/bridge"
	"github.com/artbridge/artbridge/bridge/media"
)

// A takedown removes a post's media files, except one another live post
// still shows.
func TestTakedownKeepsMediaAnotherPostShows(t *testing.T) {
	ctx := context.Background()
	svc, _, img, mediaDir := newService(t)
	artist := bridge.Artist{ID: "200000000000000001", Name: "mira"}
	first, err := svc.Publish(ctx, artist, bridge.Submission{Text: "One", Images: []bridge.Image{img}})
	if err != nil {
		t.Fatal(err)
	}
	second, err := svc.Publish(ctx, artist, bridge.Submission{Text: "Two", Images: []bridge.Image{img}})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(mediaDir, img.File)
	caller := bridge.Caller{ArtistID: artist.ID}
	if _, err := svc.Takedown(ctx, caller, first.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("the image the second post shows was removed: %v", err)
	}
	if _, err := svc.Takedown(ctx, caller, second.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the image is left after both takedowns: %v", err)
	}
}

// A refused image is ErrInvalid, names the file, and unwraps to the sentence
// the artist reads (the Discord flow shows errors.Unwrap(err)).
func TestStoreImageRefusalUnwrapsToTheArtistsMessage(t *testing.T) {
	svc, _, _, mediaDir := newService(t)
	before, _ := os.ReadDir(mediaDir)
	_, err := svc.StoreImage(t.Context(), []byte("<svg onload=alert(1)>"), "cat.png")
	if !errors.Is(err, bridge.ErrInvalid) || !errors.Is(err, media.ErrUnsupportedType) {
		t.Fatalf("error %v: want ErrInvalid and media.ErrUnsupportedType", err)
	}
	var ie *bridge.ImageError
	if !errors.As(err, &ie) || ie.Filename != "cat.png" || !strings.Contains(err.Error(), "cat.png") {
		t.Fatalf("error %v (%T) does not name the file", err, err)
	}
	msg := errors.Unwrap(err)
	if msg == nil || !strings.HasPrefix(msg.Error(), "this file is not an image artbridge can publish") ||
		ie.ArtistMessage() != msg.Error() {
		t.Fatalf("errors.Unwrap(err) = %v, want the artist's message", msg)
	}
	after, _ := os.ReadDir(mediaDir)
	if len(after) != len(before) {
		t.Fatalf("a refused image left files in the media directory: %v", after)
	}
}
