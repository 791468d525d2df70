package ap

import (
	"encoding/json"
	"html"
	"html/template"
	"net/http"
	"strings"
)

func escapeText(s string) string { return html.EscapeString(s) }

// pageTemplates renders the pages browsers see. Note content is HTML that the
// bridge built with its own sanitiser (only p, br, a, span), so it is trusted here.
var pageTemplates = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
{{if .ActorIRI}}<link rel="alternate" type="application/activity+json" href="{{.ActivityIRI}}">{{end}}
<style>body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
figure{margin:1rem 0}img{max-width:100%;height:auto}figcaption{color:#444;font-size:.9rem}
.cw{font-weight:bold}.meta{color:#555;font-size:.9rem}</style></head>
<body>
<header><h1>{{.ActorName}}</h1><p class="meta">{{.Acct}} · an automated account</p><p>{{.Summary}}</p></header>
<main>
{{if .Gone}}<p>This post was removed by its artist.</p>{{end}}
{{range .Posts}}<article>
{{if .CW}}<p class="cw">Content warning: {{.CW}}</p>{{end}}
{{.Content}}
{{range .Images}}<figure><img src="{{.URL}}" alt="{{.Alt}}" loading="lazy">{{if .Alt}}<figcaption>{{.Alt}}</figcaption>{{end}}</figure>{{end}}
<p class="meta"><a href="{{.URL}}">{{.Published}}</a></p>
</article>{{end}}
</main>
<footer class="meta"><p>Follow {{.Acct}} from any Fediverse server.</p></footer>
</body></html>`))

type pageData struct {
	Title, ActorName, Acct, Summary string
	ActorIRI, ActivityIRI           string
	Gone                            bool
	Posts                           []pagePost
}

type pagePost struct {
	URL, CW, Published string
	Content            template.HTML
	Images             []pageImage
}

type pageImage struct{ URL, Alt string }

func (s *Service) basePage() pageData {
	name := s.cfg.DisplayName
	if name == "" {
		name = s.cfg.Username
	}
	return pageData{
		Title: name, ActorName: name, Acct: "@" + s.cfg.Username + "@" + s.base.Host,
		Summary: s.cfg.Summary, ActorIRI: s.ActorIRI(), ActivityIRI: s.ActorIRI(),
	}
}

func (s *Service) writePage(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Vary", "Accept")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src 'self' https: data:; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	_ = pageTemplates.Execute(w, d)
}

// postFromNote reads what a page shows from a Note document we built.
func postFromNote(raw []byte) (pagePost, bool) {
	var n struct {
		ID         string `json:"id"`
		Content    string `json:"content"`
		Summary    string `json:"summary"`
		Published  string `json:"published"`
		Attachment []struct {
			URL  string `json:"url"`
			Name string `json:"name"`
		} `json:"attachment"`
	}
	if err := json.Unmarshal(raw, &n); err != nil || n.ID == "" {
		return pagePost{}, false
	}
	p := pagePost{URL: n.ID, CW: n.Summary, Published: n.Published, Content: template.HTML(n.Content)} // #nosec: our own sanitised HTML
	for _, a := range n.Attachment {
		p.Images = append(p.Images, pageImage{URL: a.URL, Alt: a.Name})
	}
	return p, true
}

func (s *Service) renderProfile(w http.ResponseWriter, r *http.Request) {
	s.renderPosts(w, r, "")
}

// handleTag shows recent posts carrying a hashtag (the href of our Hashtag tags).
func (s *Service) handleTag(w http.ResponseWriter, r *http.Request) {
	s.renderPosts(w, r, r.PathValue("tag"))
}

// renderPosts shows recent live posts, only those tagged tag when it is set.
func (s *Service) renderPosts(w http.ResponseWriter, r *http.Request, tag string) {
	d := s.basePage()
	if tag != "" {
		d.Title = "#" + tag + " · " + d.Title
	}
	limit := collectionPageSize
	if tag != "" {
		limit = 200
	}
	acts, err := s.store.Outbox(r.Context(), 0, limit)
	if err == nil {
		for _, a := range acts {
			var c struct {
				Object json.RawMessage `json:"object"`
			}
			if json.Unmarshal(a.JSON, &c) != nil {
				continue
			}
			obj, err := s.store.Object(r.Context(), a.ObjectIRI)
			if err != nil || !obj.DeletedAt.IsZero() {
				continue
			}
			if tag != "" && !noteHasTag(obj.JSON, tag) {
				continue
			}
			if p, ok := postFromNote(obj.JSON); ok {
				d.Posts = append(d.Posts, p)
			}
		}
	}
	s.writePage(w, http.StatusOK, d)
}

func (s *Service) renderNote(w http.ResponseWriter, _ *http.Request, obj Object) {
	d := s.basePage()
	d.ActivityIRI = obj.IRI
	if p, ok := postFromNote(obj.JSON); ok {
		d.Posts = []pagePost{p}
	}
	s.writePage(w, http.StatusOK, d)
}

func (s *Service) renderGone(w http.ResponseWriter, _ *http.Request) {
	d := s.basePage()
	d.Gone = true
	s.writePage(w, http.StatusGone, d)
}

// noteHasTag reports whether a Note document carries the hashtag (case-insensitive).
func noteHasTag(raw []byte, tag string) bool {
	var n struct {
		Tag []struct {
			Type string `json:"type"`
			Name string `json:"name"`
		} `json:"tag"`
	}
	if json.Unmarshal(raw, &n) != nil {
		return false
	}
	for _, t := range n.Tag {
		if t.Type == "Hashtag" && strings.EqualFold(strings.TrimPrefix(t.Name, "#"), tag) {
			return true
		}
	}
	return false
}
