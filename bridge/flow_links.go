package bridge

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/artbridge/artbridge/bridge/media"
	"github.com/artbridge/artbridge/discord"
)

// Texts of the link-only flow.
const (
	msgLinkOffer = "Your post links its art instead of attaching it. Shall I use the linked image? I copy it to this server without its metadata, and the post credits the link. Nothing is fetched before you press **Use linked images**."
	msgLinksUsed = "Linked images copied (without metadata). Describe them with **Edit descriptions**, then **Confirm**."
	msgNeedLinks = "There is no image yet: press **Use linked images** first (or attach your art in a new thread)."
)

// pagesNote explains links that are pages, not images: they are never read.
func pagesNote(pages []string) string {
	if len(pages) == 0 {
		return ""
	}
	hosts := make([]string, 0, len(pages))
	seen := map[string]bool{}
	for _, p := range pages {
		h := p
		if u, err := url.Parse(p); err == nil && u.Host != "" {
			h = strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
		}
		if !seen[h] && len(hosts) < 5 {
			seen[h] = true
			hosts = append(hosts, h)
		}
	}
	return "Links to pages (" + strings.Join(hosts, ", ") + ") are not images: I don't read web pages or take pictures out of them. Attach the file, or link the image itself."
}

// offerLinks returns the linked images to offer (at most MaxImages).
func (f *Flow) offerLinks(s discord.Starter) []discord.LinkImage {
	offers := s.LinkedImages
	if len(offers) > f.cfg.MaxImages {
		offers = offers[:f.cfg.MaxImages]
	}
	return offers
}

// useLinks fetches the offered images the artist accepted, with the rules of
// uploads (type sniffed, size capped, metadata stripped), and credits their links.
func (f *Flow) useLinks(ctx context.Context, rec *SubmissionRecord) {
	maxBytes := f.svc.cfg.MaxImageBytes
	if maxBytes <= 0 {
		maxBytes = 16 << 20
	}
	var notes []string
	var images []Image
	var credits []string
	for i, l := range rec.Draft.LinkOffers {
		if len(images) == f.cfg.MaxImages {
			break
		}
		name := linkFilename(l, i)
		data, _, err := f.bot.DownloadLink(ctx, l, maxBytes)
		if err != nil {
			f.svc.log.InfoContext(ctx, "linked image refused", "submission", rec.ID, "host", l.Host, "err", err)
			notes = append(notes, fmt.Sprintf("The image from %s can't be used: %s.", l.Host, discord.LinkError(err)))
			continue
		}
		img, err := f.svc.StoreImage(ctx, data, name)
		if err != nil {
			notes = append(notes, fmt.Sprintf("The link to %s can't be used: %s.", l.Host, linkMediaError(err)))
			continue
		}
		img.SourceID = "link:" + l.PageURL
		images = append(images, img)
		credits = append(credits, l.PageURL)
	}
	if len(images) == 0 {
		rec.Draft.Notice = strings.Join(append(notes, "Nothing was copied. Attach the file itself in a new thread, or link the image directly."), "\n")
		return
	}
	rec.Draft.Submission.Images = images
	rec.Draft.LinkCredits = credits
	rec.Draft.LinkOffers = nil
	rec.Draft.AskedMissingAlt = false
	rec.Draft.Notice = strings.Join(append([]string{msgLinksUsed}, notes...), "\n")
}

// linkMediaError says why a fetched link is not an image we take.
func linkMediaError(err error) string {
	if errors.Is(err, media.ErrUnsupportedType) {
		return "it is not a PNG, JPEG, GIF or WebP image (a web page is not read)"
	}
	return strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": ")
}

// linkFilename names a linked image after its URL's last path segment.
func linkFilename(l discord.LinkImage, i int) string {
	if u, err := url.Parse(l.ImageURL); err == nil {
		if b := path.Base(u.Path); b != "." && b != "/" && b != "" {
			return truncateRunes(b, 100)
		}
	}
	return fmt.Sprintf("linked-%d", i+1)
}

// creditLinks is the line crediting where linked images come from.
func creditLinks(links []string) string {
	if len(links) == 0 {
		return ""
	}
	return "Source: " + strings.Join(links, " ")
}
