package discordtest

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// LinkPreview is the embed Discord's unfurler makes for a link in a message.
// Discord fetches the linked image itself and serves a copy from its media
// proxy (proxy_url); the original URL stays in url.
type LinkPreview struct {
	// PageURL is the link as the user wrote it.
	PageURL string
	// ImageURL is the original image's address: PageURL itself for a direct
	// image link (an "image" embed), or the page's og:image (an "article"
	// embed with an image).
	ImageURL string
	// Image is what the media proxy serves for ImageURL. Nil makes a preview
	// without an image (a page Discord found no picture on).
	Image *File
	// Title is the page's title, for article embeds.
	Title string
}

// CreateForumThreadWithPreviews is CreateForumThread for a message whose links
// Discord has already unfurled: the starter message carries their embeds
// (Discord adds them within the MESSAGE_CREATE for links it has cached).
func (s *Server) CreateForumThreadWithPreviews(forumID, authorID, title, content string, previews ...LinkPreview) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	embeds := make([]Embed, 0, len(previews))
	for _, p := range previews {
		embeds = append(embeds, s.previewEmbedLocked(p))
	}
	return s.createForumThreadLocked(forumID, authorID, title, content, nil, embeds)
}

// previewEmbedLocked builds the embed of a link preview and stores its image
// on the media proxy.
func (s *Server) previewEmbedLocked(p LinkPreview) Embed {
	host := p.PageURL
	if u, err := url.Parse(p.PageURL); err == nil {
		host = u.Host
	}
	e := Embed{URL: p.PageURL, Provider: map[string]any{"name": host}}
	var media *EmbedMedia
	if p.Image != nil {
		id := s.newIDLocked()
		f := *p.Image
		s.proxied[id] = &f
		media = &EmbedMedia{URL: p.ImageURL, ProxyURL: s.http.URL + "/external/" + id + "/" + url.PathEscape(f.Name),
			Width: f.Width, Height: f.Height}
	}
	if p.ImageURL == p.PageURL && media != nil {
		e.Type, e.Thumbnail = "image", media // a direct image link
	} else {
		e.Type, e.Title, e.Image = "article", p.Title, media
	}
	return e
}

// serveProxy serves /external/{id}/{name}: the media proxy's copies.
func (s *Server) serveProxy(w http.ResponseWriter, r *http.Request) {
	idx := s.record(r, r.URL.Path, "", nil, 0)
	status := http.StatusOK
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/external/"), "/")
	s.mu.Lock()
	var f *File
	if len(parts) == 2 {
		f = s.proxied[parts[0]]
	}
	s.mu.Unlock()
	switch {
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		status = http.StatusMethodNotAllowed
		http.Error(w, "method not allowed", status)
	case f == nil || f.Name != parts[1]:
		status = http.StatusNotFound
		http.Error(w, "not found", status)
	default:
		ct := f.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Length", strconv.Itoa(len(f.Data)))
		w.Header().Set("Last-Modified", time.Now().UTC().Format(http.TimeFormat))
		if r.Method == http.MethodGet {
			_, _ = w.Write(f.Data)
		}
	}
	s.mu.Lock()
	s.requests[idx].Status = status
	s.notifyLocked()
	s.mu.Unlock()
}

// ProxyFetches counts GET requests to the media proxy (for tests asserting
// that nothing was fetched before a confirmation).
func (s *Server) ProxyFetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.Method == http.MethodGet && strings.HasPrefix(r.Route, "/external/") {
			n++
		}
	}
	return n
}

// UnfurlLinks adds link previews to a message after the fact, as Discord does a
// moment after a message with links is created: the embeds are set and a
// MESSAGE_UPDATE without edited_timestamp is dispatched (an unfurl is not an
// edit).
func (s *Server) UnfurlLinks(channelID, messageID string, previews ...LinkPreview) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.findMessageLocked(channelID, messageID)
	if m == nil || m.Deleted {
		return fmt.Errorf("discordtest: no message %s in %s", messageID, channelID)
	}
	for _, p := range previews {
		m.Embeds = append(m.Embeds, s.previewEmbedLocked(p))
	}
	s.dispatchMessageLocked("MESSAGE_UPDATE", m)
	s.notifyLocked()
	return nil
}
