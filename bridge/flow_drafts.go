package bridge

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/artbridge/artbridge/ap"
)

// startDrafts asks the AI for descriptions of undescribed images in the
// background, then updates the panel. It never blocks publishing: failures leave
// descriptions empty and tell the artist.
func (f *Flow) startDrafts(id string) {
	if f.ai == nil {
		return
	}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		f.draft(f.base, id)
	}()
}

func (f *Flow) draft(ctx context.Context, id string) {
	rec, err := f.store.Submission(ctx, id)
	if err != nil || rec.State != SubmissionPending || !rec.Draft.AIConsent {
		return
	}
	type result struct {
		idx   int
		draft AIDraft
		err   error
	}
	var results []result
	for i, img := range rec.Draft.Submission.Images {
		if strings.TrimSpace(img.Alt) != "" {
			continue // the artist's own words, or a draft already there
		}
		data, err := os.ReadFile(filepath.Join(f.svc.cfg.MediaDir, img.File))
		if err != nil {
			results = append(results, result{idx: i, err: err})
			continue
		}
		draft, err := f.ai.Describe(ctx, rec.ArtistID, data, img.MediaType)
		results = append(results, result{idx: i, draft: draft, err: err})
	}
	unlock := f.lock(id)
	defer unlock()
	rec, err = f.load(ctx, id)
	if err != nil || rec.State != SubmissionPending || !rec.Draft.AIConsent {
		return
	}
	var problems []string
	drafted := 0
	for _, r := range results {
		if r.idx >= len(rec.Draft.Submission.Images) {
			continue
		}
		img := &rec.Draft.Submission.Images[r.idx]
		if strings.TrimSpace(img.Alt) != "" {
			continue // the artist wrote one meanwhile: their words win
		}
		if r.err != nil {
			problems = append(problems, fmt.Sprintf("Image %d: %s", r.idx+1, f.ai.Message(r.err)))
			continue
		}
		img.Alt, img.AltSource, img.AltModel = truncateRunes(r.draft.Text, ap.MaxAltText), AltAI, r.draft.Model
		drafted++
	}
	switch {
	case len(problems) > 0:
		rec.Draft.Notice = strings.Join(problems, "\n") + "\nYou can still describe the images yourself, or publish without."
	case drafted > 0:
		rec.Draft.Notice = "AI drafted descriptions (marked AI). Check them with **Edit descriptions** before you confirm."
	default:
		rec.Draft.Notice = ""
	}
	if err := f.save(ctx, &rec); err != nil {
		f.svc.log.ErrorContext(ctx, "store AI drafts", "err", err)
		return
	}
	if rec.PanelMessageID != "" {
		if err := f.bot.EditPanel(ctx, rec.ThreadID, rec.PanelMessageID, f.panel(rec)); err != nil {
			f.svc.log.WarnContext(ctx, "edit panel with drafts", "err", err)
		}
	}
}
