package bridge

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/artbridge/artbridge/bridge/media"
)

// imageCheckBudget is how long checking one image may take: the context
// media.Process runs under. The worst image the limits accept takes a few
// seconds on one core (docs/performance.md); a file that would take longer is
// refused as too complex rather than holding a core.
const imageCheckBudget = 30 * time.Second

// ImageError is a refused image: it is ErrInvalid (errors.Is), and what it
// unwraps to is the *media.Error whose text tells the artist what is wrong
// and what to do, so errors.Unwrap(err) is the message to show.
type ImageError struct {
	// Filename is the name the artist gave the file.
	Filename string
	// Err is the reason, a *media.Error (or a context error when the intake
	// was cancelled).
	Err error
}

// Error names the file and the reason.
func (e *ImageError) Error() string {
	return fmt.Sprintf("%v: %s: %v", ErrInvalid, e.Filename, e.Err)
}

// Is makes the error match ErrInvalid.
func (e *ImageError) Is(target error) bool { return target == ErrInvalid }

// Unwrap returns the reason.
func (e *ImageError) Unwrap() error { return e.Err }

// ArtistMessage is the reason as the artist should read it.
func (e *ImageError) ArtistMessage() string { return e.Err.Error() }

// concurrentImageChecks is how many images are checked at once (one per core
// of the small VPS the design targets).
const concurrentImageChecks = 2

// StoreImage checks, strips and stores an uploaded image under the media
// directory (content-addressed: the same bytes are stored once). A refused
// image is an *ImageError. At most concurrentImageChecks images are checked
// at once; the others wait (as long as ctx allows).

func (s *Service) StoreImage(ctx context.Context, data []byte, filename string) (Image, error) {
	select {
	case s.imageChecks <- struct{}{}:
		defer func() { <-s.imageChecks }()
	case <-ctx.Done():
		return Image{}, fmt.Errorf("bridge: waiting to check %s: %w", filename, ctx.Err())
	}
	checkCtx, cancel := context.WithTimeout(ctx, imageCheckBudget)
	defer cancel()
	img, err := media.Process(checkCtx, data, media.Limits{MaxBytes: s.cfg.MaxImageBytes, Types: s.cfg.AcceptedTypes})
	if err != nil {
		return Image{}, &ImageError{Filename: filename, Err: err}
	}
	name := img.SHA256 + img.Ext
	if err := os.MkdirAll(s.cfg.MediaDir, 0o700); err != nil {
		return Image{}, fmt.Errorf("bridge: media dir: %w", err)
	}
	path := filepath.Join(s.cfg.MediaDir, name)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		tmp, err := os.CreateTemp(s.cfg.MediaDir, ".upload-*")
		if err != nil {
			return Image{}, fmt.Errorf("bridge: store image: %w", err)
		}
		_, werr := tmp.Write(img.Data)
		serr := tmp.Sync()
		cerr := tmp.Close()
		if err := errors.Join(werr, serr, cerr); err != nil {
			os.Remove(tmp.Name())
			return Image{}, fmt.Errorf("bridge: store image: %w", err)
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			os.Remove(tmp.Name())
			return Image{}, fmt.Errorf("bridge: store image: %w", err)
		}
	}
	return Image{
		File: name, MediaType: img.MediaType, Width: img.Width, Height: img.Height,
		Blurhash: img.Blurhash, SHA256: img.SHA256, Filename: filepath.Base(filename),
	}, nil
}

// removeImages deletes a taken-down post's files unless another live post uses
// them. It returns the files it could not remove (they are still online).
func (s *Service) removeImages(ctx context.Context, p Post) error {
	var errs []error
	for _, img := range p.Submission.Images {
		if img.File == "" || filepath.Base(img.File) != img.File {
			continue
		}
		if s.imageInUse(ctx, img.File, p.ID) {
			continue
		}
		if err := os.Remove(filepath.Join(s.cfg.MediaDir, img.File)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.log.WarnContext(ctx, "remove media file", "file", img.File, "err", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Service) imageInUse(ctx context.Context, file, exceptPost string) bool {
	used, err := s.store.ImageInUse(ctx, file, exceptPost)
	return used || err != nil // when unsure, keep the file
}
