package ap

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// FuzzPageText: the bio paragraphs (plain text with links), the plain text of
// content HTML, and the reading of Note documents never panic, and what
// paragraphs emits is only text, <a href> and <br>: the bio can never add an
// element, attribute or script of its own.
func FuzzPageText(f *testing.F) {
	for _, seed := range []string{
		"Artists of our server post here.\n\nRun by https://example.org/@mod.",
		`<script>alert(1)</script> "quoted" https://x.example/?a=1&b=<2>`,
		"https://evil.example/\"onmouseover=alert(1)",
		"<p>Evening <a href=\"https://x\" class=\"mention hashtag\">#<span>art</span></a></p><p>Art by Mira</p>",
		`{"id":"https://a.example/notes/1","content":"<p>x</p>","summary":"<b>cw</b>","attachment":[{"url":"https://a.example/m.png","name":"\"><img>","width":-1}]}`,
		"http://\x00\n\n\r\nhttps://a",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range paragraphs(s) {
			checkOnlyLinks(t, string(p))
		}
		txt := plainText(s)
		if utf8.ValidString(s) && !utf8.ValidString(txt) {
			t.Fatalf("plainText made invalid UTF-8 of %q", s)
		}
		_, _ = viewNote([]byte(s))
		_ = excerpt(s, 70)
		_ = LicenseName(s)
		_ = CheckLicenseURL(s)
	})
}

// checkOnlyLinks fails unless the fragment's only elements are a (with href
// and rel only) and br.
func checkOnlyLinks(t *testing.T, fragment string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(fragment))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			tok := z.Token()
			switch tok.Data {
			case "br":
			case "a":
				for _, a := range tok.Attr {
					if a.Key != "href" && a.Key != "rel" {
						t.Fatalf("bio link with attribute %q in %q", a.Key, fragment)
					}
					if v := strings.ToLower(a.Val); a.Key == "href" && !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "http://") { // schemes are case-insensitive (RFC 3986 §3.1)
						t.Fatalf("bio link to %q in %q", a.Val, fragment)
					}
				}
			default:
				t.Fatalf("bio made a <%s> element: %q", tok.Data, fragment)
			}
		}
	}
}
