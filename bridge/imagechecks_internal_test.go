package bridge

import (
	"context"
	"errors"
	"testing"
	"time"
)

// Images are checked a bounded number at a time: with every slot taken a
// check waits, and gives up when its context ends; a freed slot lets it run.
func TestImageChecksAreBounded(t *testing.T) {
	s := &Service{cfg: Config{MediaDir: t.TempDir()}, imageChecks: make(chan struct{}, 1)}
	s.imageChecks <- struct{}{} // another check holds the only slot
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.StoreImage(ctx, []byte("not an image"), "a.png"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("with every slot taken: %v, want the context's deadline", err)
	}
	<-s.imageChecks
	var ie *ImageError
	if _, err := s.StoreImage(context.Background(), []byte("not an image"), "a.png"); !errors.As(err, &ie) {
		t.Fatalf("with a free slot: %v, want the image refused", err)
	}
	if len(s.imageChecks) != 0 {
		t.Fatal("the slot was not given back")
	}
}
