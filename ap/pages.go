package ap

import (
	"embed"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

func escapeText(s string) string { return html.EscapeString(s) }

//go:embed web/*.html web/style.css web/favicon.svg
var webFiles embed.FS

// pageSet holds one parsed template per page, each the layout plus the page's
// "content". html/template escapes every value by context, so the content
// warning, alt texts, bio and rules stay plain text wherever they appear.
type pageSet map[string]*template.Template

func parsePages() pageSet {
	layout := template.Must(template.ParseFS(webFiles, "web/layout.html"))
	set := pageSet{}
	for _, name := range []string{"profile", "post", "gone", "about"} {
		set[name] = template.Must(template.Must(layout.Clone()).ParseFS(webFiles, "web/"+name+".html"))
	}
	return set
}

// site is what every page shows in its header and footer.
type site struct {
	Name, Acct, ProfileURL string
}

// metaTag is one OpenGraph (property=) or Twitter card (name=) tag.
type metaTag struct{ Key, Value string }

// page is the data of one rendered page.
type page struct {
	Title     string
	Site      site
	Reserve   bool   // the robots meta tag of the AI-training reservation
	Alternate string // the ActivityStreams document of this page
	OpenGraph []metaTag
	Twitter   []metaTag
	Body      any
}

func (s *Service) newPage(title string) page {
	if title == "" {
		title = s.displayName()
	}
	return page{
		Title:   title,
		Site:    site{Name: s.displayName(), Acct: s.acct(), ProfileURL: s.ActorIRI()},
		Reserve: s.reserving(),
	}
}

func (s *Service) displayName() string {
	if s.cfg.DisplayName != "" {
		return s.cfg.DisplayName
	}
	return s.cfg.Username
}

// acct is the handle to paste into a Fediverse app: @user@host.
func (s *Service) acct() string { return "@" + s.cfg.Username + "@" + s.base.Host }

// contentSecurityPolicy allows nothing but our stylesheet and our images (and
// the configured icon's origin): no scripts, frames, forms or fonts.
func (s *Service) contentSecurityPolicy() string {
	img := "'self'"
	if u, err := url.Parse(s.cfg.IconURL); err == nil && s.cfg.IconURL != "" && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.Host != s.base.Host {
		img += " " + u.Scheme + "://" + u.Host
	}
	return "default-src 'none'; style-src 'self'; img-src " + img + "; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

func (s *Service) writePage(w http.ResponseWriter, status int, name string, p page) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Vary", "Accept")
	h.Set("Content-Security-Policy", s.contentSecurityPolicy())
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	s.setReservationHeaders(h)
	var b strings.Builder
	if err := s.pages[name].Execute(&b, p); err != nil {
		s.log.Error("render page", "page", name, "err", err)
		httpError(w, http.StatusInternalServerError, "the page could not be shown")
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// handleStyle serves the one stylesheet.
func (s *Service) handleStyle(w http.ResponseWriter, r *http.Request) {
	css, err := webFiles.ReadFile("web/style.css")
	if err != nil {
		httpError(w, http.StatusInternalServerError, "no stylesheet")
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(css)
}

// handleFavicon serves the small icon of every page (also at /favicon.ico,
// which browsers ask for on their own).
func (s *Service) handleFavicon(w http.ResponseWriter, r *http.Request) {
	svg, err := webFiles.ReadFile("web/favicon.svg")
	if err != nil {
		httpError(w, http.StatusInternalServerError, "no icon")
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_, _ = w.Write(svg)
}

// renderGone is the 410 page of a removed post.
func (s *Service) renderGone(w http.ResponseWriter, _ *http.Request) {
	p := s.newPage("Post removed · " + s.displayName())
	s.writePage(w, http.StatusGone, "gone", p)
}

// paragraphs splits plain text into paragraphs (blank lines) and links the
// http(s) URLs in them; everything else is escaped.
func paragraphs(text string) []template.HTML {
	var out []template.HTML
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			out = append(out, linkify(para))
		}
	}
	return out
}

// linkify escapes s and turns its http(s) URLs into links; single newlines
// become <br>.
func linkify(s string) template.HTML {
	var b strings.Builder
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			b.WriteString("<br>")
		}
		for j, word := range strings.Split(line, " ") {
			if j > 0 {
				b.WriteByte(' ')
			}
			trimmed := strings.TrimRight(word, ".,;:!?)")
			if u, err := url.Parse(trimmed); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
				b.WriteString(`<a href="` + html.EscapeString(trimmed) + `" rel="nofollow noopener">` + html.EscapeString(trimmed) + `</a>`)
				b.WriteString(html.EscapeString(word[len(trimmed):]))
				continue
			}
			b.WriteString(html.EscapeString(word))
		}
	}
	return template.HTML(b.String()) // #nosec G203 -- every piece is escaped above
}
