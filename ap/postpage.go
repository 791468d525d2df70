package ap

import (
	"encoding/json"
	"html"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// noteView is what the pages show of one of our Note documents.
type noteView struct {
	URL           string
	CW            string // the content warning; "Sensitive content" for sensitive posts without one
	Hidden        bool   // behind <details>: a content warning or sensitive
	Content       template.HTML
	Excerpt       string // plain text of the content, for tiles and descriptions
	Images        []imageView
	Image         imageView // the first image, for tiles
	PublishedISO  string
	PublishedText string
	LicenseURL    string
	LicenseName   string
	Tags          []string
}

type imageView struct {
	URL, Alt      string
	Width, Height int
}

// sensitiveLabel is the summary of a sensitive post that has no content warning.
const sensitiveLabel = "Sensitive content"

// viewNote reads a Note document we built. Its content is HTML that the
// bridge built with its own sanitiser (only p, br, a, span), so it is trusted;
// every other field is plain text and escaped by the templates.
func viewNote(raw []byte) (noteView, bool) {
	var n struct {
		ID         string `json:"id"`
		Content    string `json:"content"`
		Summary    string `json:"summary"`
		Sensitive  bool   `json:"sensitive"`
		Published  string `json:"published"`
		License    string `json:"license"`
		Attachment []struct {
			URL    string `json:"url"`
			Name   string `json:"name"`
			Width  int    `json:"width"`
			Height int    `json:"height"`
		} `json:"attachment"`
		Tag []struct {
			Type string `json:"type"`
			Name string `json:"name"`
		} `json:"tag"`
	}
	if err := json.Unmarshal(raw, &n); err != nil || n.ID == "" {
		return noteView{}, false
	}
	v := noteView{
		URL:         n.ID,
		CW:          n.Summary,
		Hidden:      n.Summary != "" || n.Sensitive,
		Content:     template.HTML(n.Content), // #nosec G203 -- our own sanitised HTML
		Excerpt:     plainText(n.Content),
		LicenseName: LicenseName(n.License),
	}
	if v.Hidden && v.CW == "" {
		v.CW = sensitiveLabel
	}
	if CheckLicenseURL(n.License) == nil {
		v.LicenseURL = n.License
	}
	if t, err := time.Parse(time.RFC3339, n.Published); err == nil {
		v.PublishedISO = t.UTC().Format(time.RFC3339)
		v.PublishedText = t.UTC().Format("2 January 2006, 15:04 UTC")
	}
	for _, a := range n.Attachment {
		v.Images = append(v.Images, imageView{URL: a.URL, Alt: a.Name, Width: a.Width, Height: a.Height})
	}
	if len(v.Images) > 0 {
		v.Image = v.Images[0]
	}
	for _, t := range n.Tag {
		if t.Type == "Hashtag" {
			v.Tags = append(v.Tags, strings.TrimPrefix(t.Name, "#"))
		}
	}
	return v, true
}

// plainText is the text of our sanitised content HTML (p, br, a, span), its
// paragraphs and lines joined by a space.
func plainText(h string) string {
	var b strings.Builder
	for h != "" {
		lt := strings.IndexByte(h, '<')
		if lt < 0 {
			b.WriteString(h)
			break
		}
		b.WriteString(h[:lt])
		gt := strings.IndexByte(h[lt:], '>')
		if gt < 0 {
			break
		}
		tag := strings.ToLower(strings.TrimLeft(h[lt+1:lt+gt], "/"))
		if strings.HasPrefix(tag, "p") || strings.HasPrefix(tag, "br") {
			b.WriteByte(' ')
		}
		h = h[lt+gt+1:]
	}
	return strings.Join(strings.Fields(html.UnescapeString(b.String())), " ")
}

// excerpt cuts plain text to about n characters on a word boundary.
func excerpt(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	cut := truncateRunes(s, n)
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}

// otherPostsShown is how many other posts a post page links to.
const otherPostsShown = 6

// renderNote is the page of one live post.
func (s *Service) renderNote(w http.ResponseWriter, r *http.Request, obj Object) {
	v, ok := viewNote(obj.JSON)
	if !ok {
		httpError(w, http.StatusInternalServerError, "the post could not be read")
		return
	}
	title := s.displayName()
	if v.Hidden {
		title = "CW: " + excerpt(v.CW, 70) + " · " + title
	} else if v.Excerpt != "" {
		title = excerpt(v.Excerpt, 70) + " · " + title
	}
	p := s.newPage(title)
	p.Alternate = obj.IRI
	body := struct {
		noteView
		Others []noteView
	}{noteView: v}
	for _, o := range s.recentNotes(r, 0, otherPostsShown+1) {
		if o.URL != v.URL && len(body.Others) < otherPostsShown {
			body.Others = append(body.Others, o)
		}
	}
	p.Body = body
	s.cardTags(&p, v)
	s.writePage(w, http.StatusOK, "post", p)
}

// cardTags fills the OpenGraph and Twitter card tags of a post. A hidden post
// shows its content warning, never its text or images, in link previews.
func (s *Service) cardTags(p *page, v noteView) {
	desc := excerpt(v.Excerpt, 200)
	if v.Hidden {
		desc = "CW: " + v.CW
	}
	p.OpenGraph = []metaTag{
		{"og:type", "article"}, {"og:site_name", s.displayName()}, {"og:url", v.URL},
		{"og:title", p.Title}, {"og:description", desc},
	}
	if v.PublishedISO != "" {
		p.OpenGraph = append(p.OpenGraph, metaTag{"article:published_time", v.PublishedISO})
	}
	card := "summary"
	if !v.Hidden && v.Image.URL != "" {
		card = "summary_large_image"
		p.OpenGraph = append(p.OpenGraph, metaTag{"og:image", v.Image.URL}, metaTag{"og:image:alt", v.Image.Alt})
		if v.Image.Width > 0 {
			p.OpenGraph = append(p.OpenGraph,
				metaTag{"og:image:width", strconv.Itoa(v.Image.Width)}, metaTag{"og:image:height", strconv.Itoa(v.Image.Height)})
		}
	}
	p.Twitter = []metaTag{{"twitter:card", card}, {"twitter:title", p.Title}, {"twitter:description", desc}}
	if card == "summary_large_image" {
		p.Twitter = append(p.Twitter, metaTag{"twitter:image", v.Image.URL}, metaTag{"twitter:image:alt", v.Image.Alt})
	}
}
