package main

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-fed/activity/streams"

	"github.com/artbridge/artbridge/ap"
	"github.com/artbridge/artbridge/ap/aptest"
)

// Hostile plain text: a content warning and an alt text that would run script
// if any page or document used them as HTML.
const (
	hostileCW  = `<img src=x onerror=alert(1)>"'</summary></details><script>alert(2)</script>`
	hostileAlt = `"><script>alert(3)</script><img src=x onerror=alert(4)>`
)

const pagesInstanceTOML = `
[instance]
contact = "mods@art.example"
rules = ["Post only your own work.", "Describe every image."]
default_license = "https://creativecommons.org/licenses/by-nc/4.0/"
tdm_policy = "https://art.example/tdm-policy"
`

// pagesFixture is a server with three live posts (plain, content warning,
// sensitive) and one removed, published with the built binary.
type pagesFixture struct {
	s                             *server
	plain, cw, sensitive, removed string // note IRIs
	plainMedia                    string // URL of the plain post's image
}

func publishWithBinary(t *testing.T, s *server, args ...string) string {
	t.Helper()
	res := runBinary(t, "", nil, append([]string{"post", "publish", "--config", s.Config}, args...)...)
	if res.Code != 0 {
		t.Fatalf("post publish %v: exit %d\n%s", args, res.Code, res.Stderr)
	}
	return strings.TrimSpace(res.Stdout)
}

func newPagesFixture(t *testing.T, extraTOML string) pagesFixture {
	t.Helper()
	s := startServer(t, serverOptions{extraTOML: extraTOML})
	dir := t.TempDir()
	f := pagesFixture{s: s}
	f.removed = publishWithBinary(t, s, "--image", writePNG(t, dir, "old.png"), "--text", "An old sketch")
	if res := runBinary(t, "", nil, "post", "delete", "--config", s.Config, f.removed); res.Code != 0 {
		t.Fatalf("post delete: %s", res.Stderr)
	}
	f.sensitive = publishWithBinary(t, s, "--image", writePNG(t, dir, "s.png"), "--alt", "A study of a skull.",
		"--text", "Anatomy study", "--sensitive", "--license", "all-rights-reserved")
	f.cw = publishWithBinary(t, s, "--image", writeJPEGWithExif(t, dir, "cw.jpg"), "--alt", hostileAlt,
		"--text", "Night scene", "--cw", hostileCW)
	f.plain = publishWithBinary(t, s, "--image", writeJPEGWithExif(t, dir, "harbour.jpg"),
		"--alt", "Watercolour of a harbour at dusk.", "--text", "Evening in the old port #watercolour",
		"--credits", "Art by Mira", "--license", "https://creativecommons.org/licenses/by-sa/4.0/")
	note := decode(t, mustGet(t, f.plain, "application/activity+json"))
	f.plainMedia = attachmentsOf(t, map[string]any{"object": note})[0]["url"].(string)
	return f
}

func mustGet(t *testing.T, url, accept string) []byte {
	t.Helper()
	resp, body := get(t, url, accept)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	return body
}

// metaContent returns the content of <meta property|name="key">, or "".
func metaContent(body []byte, key string) string {
	re := regexp.MustCompile(`<meta (?:property|name)="` + regexp.QuoteMeta(key) + `" content="([^"]*)">`)
	if m := re.FindSubmatch(body); m != nil {
		return string(m[1])
	}
	return ""
}

const wantCSP = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Every page and every media file carries the AI-training reservation; pages
// also carry the robots meta tag, the strict CSP and a link to /about.
func TestPagesReservationHeadersAndMeta(t *testing.T) {
	t.Parallel()
	f := newPagesFixture(t, pagesInstanceTOML)
	base := f.s.BaseURL
	pages := map[string]int{
		base + "/users/art": 200, base + "/": 200, base + "/@art": 200, base + "/users/art?page=1": 200,
		f.plain: 200, f.cw: 200, base + "/about": 200, base + "/tags/watercolour": 200, f.removed: 410,
	}
	for url, status := range pages {
		resp, body := get(t, url, "text/html,application/xhtml+xml")
		if resp.StatusCode != status {
			t.Errorf("%s: status %d, want %d", url, resp.StatusCode, status)
		}
		h := resp.Header
		if h.Get("X-Robots-Tag") != "noai, noimageai" || h.Get("tdm-reservation") != "1" || h.Get("tdm-policy") != "https://art.example/tdm-policy" {
			t.Errorf("%s: reservation headers %q %q %q", url, h.Get("X-Robots-Tag"), h.Get("tdm-reservation"), h.Get("tdm-policy"))
		}
		if h.Get("Content-Security-Policy") != wantCSP || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: CSP %q", url, h.Get("Content-Security-Policy"))
		}
		if metaContent(body, "robots") != "noai, noimageai" {
			t.Errorf("%s: no robots meta tag", url)
		}
		if !strings.Contains(string(body), `<a href="/about">`) || !strings.Contains(string(body), `<link rel="stylesheet" href="/style.css">`) {
			t.Errorf("%s: no link to /about or to the stylesheet", url)
		}
		if strings.Contains(string(body), "<script") || strings.Contains(string(body), " style=") {
			t.Errorf("%s: a script or an inline style", url)
		}
	}
	resp, _ := get(t, f.plainMedia, "")
	if resp.StatusCode != 200 || resp.Header.Get("X-Robots-Tag") != "noai, noimageai" || resp.Header.Get("tdm-reservation") != "1" ||
		resp.Header.Get("tdm-policy") != "https://art.example/tdm-policy" {
		t.Errorf("media %s: %d %v", f.plainMedia, resp.StatusCode, resp.Header)
	}
	resp, css := get(t, base+"/style.css", "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/css; charset=utf-8" ||
		!strings.Contains(string(css), "prefers-color-scheme:dark") || len(css) > 8<<10 {
		t.Errorf("style.css: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(css))
	}

	// tdmrep.json reserves every page and the media, with the policy.
	resp, body := get(t, base+"/.well-known/tdmrep.json", "")
	var rules []map[string]any
	if resp.StatusCode != 200 || json.Unmarshal(body, &rules) != nil {
		t.Fatalf("tdmrep.json: %d %s", resp.StatusCode, body)
	}
	covered := map[string]bool{}
	for _, r := range rules {
		if r["tdm-reservation"] != float64(1) || r["tdm-policy"] != "https://art.example/tdm-policy" {
			t.Errorf("tdmrep rule %v", r)
		}
		covered[r["location"].(string)] = true
	}
	for _, loc := range []string{"/", "/about", "/users/*", "/notes/*", "/media/*", "/tags/*"} {
		if !covered[loc] {
			t.Errorf("tdmrep.json does not cover %s: %s", loc, body)
		}
	}

	// robots.txt: every listed AI crawler is shut out, everyone else may read.
	resp, body = get(t, base+"/robots.txt", "")
	robots := string(body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("robots.txt: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	groups := strings.Split(robots, "\n\n")
	if len(groups) != 2 || !strings.HasSuffix(strings.TrimSpace(groups[0]), "Disallow: /") ||
		!strings.Contains(groups[1], "User-agent: *\n") || !strings.Contains(groups[1], "Allow: /\n") {
		t.Fatalf("robots.txt groups:\n%s", robots)
	}
	for _, ua := range append([]string{"GPTBot", "CCBot", "Google-Extended", "ClaudeBot", "PerplexityBot", "Bytespider"}, ap.AICrawlers...) {
		if !strings.Contains(groups[0], "User-agent: "+ua+"\n") {
			t.Errorf("robots.txt does not disallow %s", ua)
		}
	}
	for _, se := range []string{"Googlebot", "Bingbot"} {
		if strings.Contains(strings.ToLower(robots), strings.ToLower("User-agent: "+se+"\n")) {
			t.Errorf("robots.txt names the search engine %s", se)
		}
	}

	// NodeInfo points to the About page.
	ni := decode(t, mustGet(t, base+"/nodeinfo/2.1", ""))
	if meta, _ := ni["metadata"].(map[string]any); meta["aboutUrl"] != base+"/about" {
		t.Errorf("nodeinfo metadata: %v", ni["metadata"])
	}
}

// With ai_reservation = false no header or meta tag reserves, robots.txt is
// open and tdmrep.json says 0.
func TestPagesReservationOff(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{extraTOML: "\n[instance]\nai_reservation = false\n"})
	note := publishWithBinary(t, s, "--image", writePNG(t, t.TempDir(), "a.png"), "--text", "hello")
	for _, url := range []string{s.BaseURL + "/users/art", note, s.BaseURL + "/about"} {
		resp, body := get(t, url, "text/html")
		if resp.Header.Get("X-Robots-Tag") != "" || resp.Header.Get("tdm-reservation") != "" || metaContent(body, "robots") != "" {
			t.Errorf("%s still reserves: %v", url, resp.Header)
		}
	}
	if robots := string(mustGet(t, s.BaseURL+"/robots.txt", "")); strings.Contains(robots, "GPTBot") || !strings.Contains(robots, "Allow: /") {
		t.Errorf("robots.txt:\n%s", robots)
	}
	var rules []map[string]any
	if err := json.Unmarshal(mustGet(t, s.BaseURL+"/.well-known/tdmrep.json", ""), &rules); err != nil || len(rules) == 0 || rules[0]["tdm-reservation"] != float64(0) {
		t.Errorf("tdmrep.json: %v %v", rules, err)
	}
}

// The post page: text, credits, every image with its alt, width and height,
// lazy; the date; the license; cards; the alternate link; other posts.
func TestPostPageContent(t *testing.T) {
	t.Parallel()
	f := newPagesFixture(t, pagesInstanceTOML)
	body := mustGet(t, f.plain, "text/html")
	page := string(body)
	for _, want := range []string{
		"Evening in the old port", "Art by Mira",
		`<img src="` + f.plainMedia + `" alt="Watercolour of a harbour at dusk." width="64" height="48" loading="lazy">`,
		`<link rel="alternate" type="application/activity+json" href="` + f.plain + `">`,
		`<a rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/">CC BY-SA 4.0</a>`,
		`href="` + f.cw + `"`, `href="` + f.sensitive + `"`, // other posts
	} {
		if !strings.Contains(page, want) {
			t.Errorf("post page lacks %s:\n%s", want, page)
		}
	}
	if strings.Contains(page, `href="`+f.removed+`"`) {
		t.Errorf("post page links the removed post")
	}
	if !regexp.MustCompile(`<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ">\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d UTC</time>`).MatchString(page) {
		t.Errorf("no readable <time datetime>:\n%s", page)
	}
	if strings.Contains(page, "<details") {
		t.Errorf("a post without CW is hidden")
	}
	for key, want := range map[string]string{
		"og:type": "article", "og:url": f.plain, "og:image": f.plainMedia, "og:image:alt": "Watercolour of a harbour at dusk.",
		"og:description": "Evening in the old port #watercolour Art by Mira", "twitter:card": "summary_large_image",
		"twitter:image": f.plainMedia,
	} {
		if got := metaContent(body, key); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	if !strings.HasPrefix(metaContent(body, "og:title"), "Evening in the old port") {
		t.Errorf("og:title %q", metaContent(body, "og:title"))
	}

	// The sensitive post hides text and image behind <details> and says
	// "all rights reserved"; its cards show neither its image nor its text.
	body = mustGet(t, f.sensitive, "text/html")
	page = string(body)
	if !regexp.MustCompile(`(?s)<details class="cw">\s*<summary>CW: Sensitive content</summary>.*Anatomy study.*<img [^>]*alt="A study of a skull.".*</details>`).MatchString(page) {
		t.Errorf("sensitive post not behind details:\n%s", page)
	}
	if !strings.Contains(page, "License: All rights reserved") || strings.Contains(page, `rel="license"`) {
		t.Errorf("sensitive post license:\n%s", page)
	}
	if metaContent(body, "og:image") != "" || strings.Contains(metaContent(body, "og:description"), "Anatomy") ||
		metaContent(body, "twitter:card") != "summary" {
		t.Errorf("a hidden post leaks into its cards: %q %q", metaContent(body, "og:image"), metaContent(body, "og:description"))
	}

	// The removed post keeps a 410 page for artist and operator removals.
	resp, gone := get(t, f.removed, "text/html")
	if resp.StatusCode != http.StatusGone || !strings.Contains(string(gone), "by the artist who posted it") ||
		!strings.Contains(string(gone), "by the operator of this account") || strings.Contains(string(gone), "An old sketch") {
		t.Errorf("410 page: %d\n%s", resp.StatusCode, gone)
	}

	// About: the account, takedowns (the command and the contact), rules, policy.
	about := string(mustGet(t, f.s.BaseURL+"/about", "text/html"))
	for _, want := range []string{"/delete_fedi", `<a href="mailto:mods@art.example">mods@art.example</a>`,
		"<li>Post only your own work.</li>", "<li>Describe every image.</li>",
		`<a rel="license" href="https://creativecommons.org/licenses/by-nc/4.0/">CC BY-NC 4.0</a>`,
		"AI training", `href="/robots.txt"`, `href="https://art.example/tdm-policy"`} {
		if !strings.Contains(about, want) {
			t.Errorf("about page lacks %s:\n%s", want, about)
		}
	}
}

// The profile: a grid of the live posts' images, newest first, each linking
// to its post; the follow hint; hidden posts show their warning, not their image.
func TestProfileGrid(t *testing.T) {
	t.Parallel()
	empty := startServer(t, serverOptions{})
	if page := string(mustGet(t, empty.BaseURL+"/users/art", "text/html")); !strings.Contains(page, "No posts yet.") ||
		!strings.Contains(page, "<code>@art@"+strings.TrimPrefix(empty.BaseURL, "http://")+"</code>") {
		t.Errorf("empty profile:\n%s", page)
	}
	if resp, _ := get(t, empty.BaseURL+"/users/art?page=abc", "text/html"); resp.StatusCode != http.StatusOK {
		t.Errorf("a page number that does not parse: %d, want page 1", resp.StatusCode)
	}
	if resp, _ := get(t, empty.BaseURL+"/users/art?page=9223372036854775807", "text/html"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a huge page number: %d, want 404", resp.StatusCode)
	}
	if resp, _ := get(t, empty.BaseURL+"/users/art?page=2", "text/html"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("page 2 of nothing: %d", resp.StatusCode)
	}

	f := newPagesFixture(t, pagesInstanceTOML)
	page := string(mustGet(t, f.s.BaseURL+"/users/art", "text/html"))
	tiles := regexp.MustCompile(`<li><a href="([^"]+)">`).FindAllStringSubmatch(page, -1)
	var order []string
	for _, m := range tiles {
		order = append(order, m[1])
	}
	if strings.Join(order, " ") != strings.Join([]string{f.plain, f.cw, f.sensitive}, " ") {
		t.Errorf("grid order %v, want plain, cw, sensitive", order)
	}
	if !strings.Contains(page, `<img src="`+f.plainMedia+`" alt="Watercolour of a harbour at dusk." width="64" height="48" loading="lazy">`) {
		t.Errorf("grid tile of the plain post:\n%s", page)
	}
	if strings.Count(page, "<img ") != 1 || !strings.Contains(page, "CW: Sensitive content") {
		t.Errorf("hidden posts show images in the grid:\n%s", page)
	}
}

// Paging: more posts than one grid page; page 2 has the older ones.
func TestProfileGridPaging(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	img := writePNG(t, t.TempDir(), "p.png")
	var notes []string
	for i := range 26 {
		out, code := runCLI(t, "post", "publish", "--config", s.Config, "--image", img, "--text", "post "+string(rune('a'+i)))
		if code != 0 {
			t.Fatalf("publish %d", i)
		}
		notes = append(notes, strings.TrimSpace(out))
	}
	first := string(mustGet(t, s.BaseURL+"/users/art", "text/html"))
	second := string(mustGet(t, s.BaseURL+"/users/art?page=2", "text/html"))
	if strings.Count(first, "<li><a href=") != 24 || strings.Count(second, "<li><a href=") != 2 {
		t.Fatalf("tiles: %d and %d", strings.Count(first, "<li><a href="), strings.Count(second, "<li><a href="))
	}
	if !strings.Contains(first, notes[25]) || !strings.Contains(second, `href="`+notes[0]+`"`) ||
		!strings.Contains(first, `href="`+s.BaseURL+`/users/art?page=2" rel="next">Older posts`) ||
		!strings.Contains(second, `rel="prev">Newer posts`) {
		t.Errorf("paging:\n%s\n----\n%s", first, second)
	}
	if resp, _ := get(t, s.BaseURL+"/users/art?page=3", "text/html"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("page 3: %d", resp.StatusCode)
	}
}

// Issue 15 item 7: a hostile content warning and alt text stay plain text in
// every place they appear: the post page (summary, alt, title, cards), the
// profile grid, and the Note (summary and name are plain, content has neither).
func TestHostileCWAndAltStayInert(t *testing.T) {
	t.Parallel()
	f := newPagesFixture(t, pagesInstanceTOML)
	for _, url := range []string{f.cw, f.s.BaseURL + "/users/art", f.plain} {
		body := mustGet(t, url, "text/html")
		page := string(body)
		for _, raw := range []string{"<script", "<img src=x", `"><script`, "</summary></details>"} {
			if strings.Contains(page, raw) {
				t.Errorf("%s contains %q raw:\n%s", url, raw, page)
			}
		}
		if url == f.cw {
			if !strings.Contains(page, "<summary>CW: &lt;img src=x onerror=alert(1)&gt;&#34;&#39;&lt;/summary&gt;&lt;/details&gt;&lt;script&gt;alert(2)&lt;/script&gt;</summary>") {
				t.Errorf("the CW is not shown escaped:\n%s", page)
			}
			if !strings.Contains(page, `alt="&#34;&gt;&lt;script&gt;alert(3)&lt;/script&gt;&lt;img src=x onerror=alert(4)&gt;"`) {
				t.Errorf("the alt is not escaped:\n%s", page)
			}
			if metaContent(body, "og:description") != "CW: &lt;img src=x onerror=alert(1)&gt;&#34;&#39;&lt;/summary&gt;&lt;/details&gt;&lt;script&gt;alert(2)&lt;/script&gt;" {
				t.Errorf("og:description %q", metaContent(body, "og:description"))
			}
		}
	}
	note := decode(t, mustGet(t, f.cw, "application/activity+json"))
	if note["summary"] != hostileCW {
		t.Errorf("Note summary %q, want the CW verbatim as plain text", note["summary"])
	}
	if att := attachmentsOf(t, map[string]any{"object": note}); att[0]["name"] != hostileAlt || att[0]["summary"] != hostileAlt {
		t.Errorf("attachment name/summary %v", att[0])
	}
	content, _ := note["content"].(string)
	if strings.Contains(content, "<script") || strings.Contains(content, "<img") || strings.Contains(content, "alert") {
		t.Errorf("Note content carries the CW or alt: %s", content)
	}
}

// The Note federates its license: declared in @context, the URL as
// "license"; a Mastodon-style server fetches and likes the Note (it ignores
// the unknown term safely), and go-fed's JSON-LD reader keeps it unharmed.
// `post publish --license` refuses what is not a web link.
func TestNoteLicenseFederates(t *testing.T) {
	t.Parallel()
	f := newPagesFixture(t, pagesInstanceTOML)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	masto := aptest.NewServer(t, aptest.WithStyle(aptest.Mastodon))
	ann := masto.AddActor("ann")
	resp, err := ann.SignedGet(ctx, f.plain)
	if err != nil {
		t.Fatal(err)
	}
	var note map[string]any
	err = json.NewDecoder(resp.Body).Decode(&note)
	resp.Body.Close()
	if err != nil || note["license"] != "https://creativecommons.org/licenses/by-sa/4.0/" {
		t.Fatalf("Note license: %v %v", note["license"], err)
	}
	ctxJSON, _ := json.Marshal(note["@context"])
	if !strings.Contains(string(ctxJSON), `"license":{"@id":"http://schema.org/license","@type":"@id"}`) {
		t.Errorf("@context does not declare license: %s", ctxJSON)
	}
	if typ, err := streams.ToType(ctx, note); err != nil || typ.GetTypeName() != "Note" {
		t.Errorf("go-fed cannot read the Note: %v", err)
	}
	if _, err := ann.Like(ctx, f.plain); err != nil {
		t.Fatalf("a Mastodon-style server could not like the Note: %v", err)
	}
	// Default license from the config, and none for all-rights-reserved.
	cw := decode(t, mustGet(t, f.cw, "application/activity+json"))
	sensitive := decode(t, mustGet(t, f.sensitive, "application/activity+json"))
	if cw["license"] != "https://creativecommons.org/licenses/by-nc/4.0/" {
		t.Errorf("default license: %v", cw["license"])
	}
	if _, has := sensitive["license"]; has {
		t.Errorf("all-rights-reserved sent a license: %v", sensitive["license"])
	}
	// Refusals with a message an artist or operator understands, exit 2.
	img := writePNG(t, t.TempDir(), "x.png")
	for _, bad := range []string{"javascript:alert(1)", "creativecommons", "https://x.example/" + strings.Repeat("a", 600)} {
		res := runBinary(t, "", nil, "post", "publish", "--config", f.s.Config, "--image", img, "--license", bad)
		if res.Code == 0 || !strings.Contains(res.Stderr, "license") {
			t.Errorf("--license %.40s: exit %d, %s", bad, res.Code, res.Stderr)
		}
	}
}
