package ap

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"
)

// gridPageSize is the number of posts of one page of the profile grid.
const gridPageSize = 24

// tagScanLimit is how many recent posts a hashtag page looks through.
const tagScanLimit = 200

// profileBody is the profile (or hashtag) page: the grid of posts.
type profileBody struct {
	Tag          string
	IconURL      string
	Bio          []template.HTML
	Tiles        []noteView
	Newer, Older string
}

// recentNotes returns the live posts among the outbox items [offset, offset+limit).
func (s *Service) recentNotes(r *http.Request, offset, limit int) []noteView {
	acts, err := s.store.Outbox(r.Context(), offset, limit)
	if err != nil {
		s.log.WarnContext(r.Context(), "outbox for a page", "err", err)
		return nil
	}
	var out []noteView
	for _, a := range acts {
		if a.ObjectIRI == "" {
			continue
		}
		obj, err := s.store.Object(r.Context(), a.ObjectIRI)
		if err != nil || !obj.DeletedAt.IsZero() {
			continue
		}
		if v, ok := viewNote(obj.JSON); ok {
			out = append(out, v)
		}
	}
	return out
}

// renderProfile is the profile page: who we are, how to follow, and the grid
// of posts, newest first, paged with ?page=N.
func (s *Service) renderProfile(w http.ResponseWriter, r *http.Request) {
	total, err := s.store.CountOutbox(r.Context())
	if err != nil {
		httpError(w, http.StatusServiceUnavailable, "try again later")
		return
	}
	n, _ := pageParam(r)
	if n < 1 {
		n = 1
	}
	last := max(1, (total+gridPageSize-1)/gridPageSize)
	if n > last {
		httpError(w, http.StatusNotFound, fmt.Sprintf("there are only %d pages of posts", last))
		return
	}
	body := profileBody{IconURL: s.cfg.IconURL, Bio: paragraphs(s.cfg.Summary)}
	body.Tiles = s.recentNotes(r, (n-1)*gridPageSize, gridPageSize)
	if n > 1 {
		body.Newer = fmt.Sprintf("%s?page=%d", s.ActorIRI(), n-1)
	}
	if n < last {
		body.Older = fmt.Sprintf("%s?page=%d", s.ActorIRI(), n+1)
	}
	p := s.newPage("")
	if n > 1 {
		p.Title = fmt.Sprintf("%s · page %d", s.displayName(), n)
	}
	p.Alternate = s.ActorIRI()
	p.Body = body
	desc := excerpt(strings.Join(strings.Fields(s.cfg.Summary), " "), 200)
	p.OpenGraph = []metaTag{{"og:type", "profile"}, {"og:site_name", s.displayName()}, {"og:url", s.ActorIRI()},
		{"og:title", s.displayName()}, {"og:description", desc}}
	p.Twitter = []metaTag{{"twitter:card", "summary"}, {"twitter:title", s.displayName()}, {"twitter:description", desc}}
	if s.cfg.IconURL != "" {
		p.OpenGraph = append(p.OpenGraph, metaTag{"og:image", s.cfg.IconURL})
	}
	s.writePage(w, http.StatusOK, "profile", p)
}

// handleTag shows recent posts carrying a hashtag (the href of our Hashtag tags).
func (s *Service) handleTag(w http.ResponseWriter, r *http.Request) {
	tag := r.PathValue("tag")
	body := profileBody{Tag: tag}
	for _, v := range s.recentNotes(r, 0, tagScanLimit) {
		for _, t := range v.Tags {
			if strings.EqualFold(t, tag) {
				body.Tiles = append(body.Tiles, v)
				break
			}
		}
	}
	p := s.newPage("#" + tag + " · " + s.displayName())
	p.Body = body
	s.writePage(w, http.StatusOK, "profile", p)
}

// aboutBody is the About page.
type aboutBody struct {
	Bio                                   []template.HTML
	Contact, ContactMail, ContactURL      string
	Rules                                 []string
	DefaultLicenseURL, DefaultLicenseName string
	Reserve                               bool
	TDMPolicy                             string
}

// handleAbout is /about: what the account is, how posts get here, how to ask
// for a takedown, the rules and the AI/licensing policy.
func (s *Service) handleAbout(w http.ResponseWriter, r *http.Request) {
	in := s.cfg.Instance
	body := aboutBody{Bio: paragraphs(s.cfg.Summary), Contact: in.Contact, Rules: in.Rules,
		Reserve: s.reserving(), TDMPolicy: in.TDMPolicy}
	body.ContactMail, body.ContactURL = contactLink(in.Contact)
	if in.DefaultLicense != "" && CheckLicenseURL(in.DefaultLicense) == nil {
		body.DefaultLicenseURL, body.DefaultLicenseName = in.DefaultLicense, LicenseName(in.DefaultLicense)
	}
	p := s.newPage("About · " + s.displayName())
	p.Body = body
	s.writePage(w, http.StatusOK, "about", p)
}

// contactLink reads the operator's contact: an email address (mailto), a
// Fediverse handle @name@host (its profile URL), or a web link.
func contactLink(c string) (mail, link string) {
	c = strings.TrimSpace(c)
	switch {
	case c == "":
		return "", ""
	case strings.HasPrefix(c, "https://") || strings.HasPrefix(c, "http://"):
		return "", c
	case strings.HasPrefix(c, "@") && strings.Count(c, "@") == 2:
		parts := strings.SplitN(strings.TrimPrefix(c, "@"), "@", 2)
		return "", "https://" + parts[1] + "/@" + parts[0]
	case strings.Count(c, "@") == 1 && !strings.HasPrefix(c, "@"):
		return strings.TrimPrefix(c, "mailto:"), ""
	}
	return "", ""
}
