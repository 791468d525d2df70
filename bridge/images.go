package bridge

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/artbridge/artbridge/bridge/media"
)

// StoreImage checks, strips and stores an uploaded image under the media
// directory (content-addressed: the same bytes are stored once).
func (s *Service) StoreImage(ctx context.Context, data []byte, filename string) (Image, error) {
	img, err := media.Process(data, media.Limits{MaxBytes: s.cfg.MaxImageBytes, Types: s.cfg.AcceptedTypes})
	if err != nil {
		return Image{}, fmt.Errorf("%w: %s: %w", ErrInvalid, filename, err)
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
