package bridge_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/artbridge/artbridge/bridge"
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
