package richtext

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

func tagURL(tag string) string {
	return "https://art.example.org/tags/" + url.PathEscape(tag)
}

var testOpts = Options{TagURL: tagURL}

// tagHTML is the expected anchor of a hashtag.
func tagHTML(name string) string {
	return `<a href="` + strings.ReplaceAll(tagURL(name), "&", "&amp;") +
		`" class="mention hashtag" rel="tag">#<span>` + name + `</span></a>`
}

const linkAttrs = `" rel="nofollow noopener noreferrer" target="_blank">`

func TestRender(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		html     string
		text     string // "" means: same as in
		hashtags []string
	}{
		{name: "empty", in: "", html: ""},
		{name: "whitespace only", in: " \n\t\n\r\n  ", html: "", text: ""},
		{name: "plain", in: "Hello world", html: "<p>Hello world</p>"},
		{name: "trimmed", in: "  \n\n Hello world \n\n ", html: "<p>Hello world</p>", text: "Hello world"},
		{name: "line break", in: "line one\nline two", html: "<p>line one<br>line two</p>"},
		{name: "crlf", in: "a\r\nb\rc", html: "<p>a<br>b<br>c</p>", text: "a\nb\nc"},
		{
			name: "paragraphs", in: "first\n\nsecond\nline\n\n\n\n   \nthird",
			html: "<p>first</p><p>second<br>line</p><p>third</p>", text: "first\n\nsecond\nline\n\nthird",
		},
		{name: "trailing spaces on lines", in: "a  \n  b\t\n\n\t c", html: "<p>a<br>  b</p><p>c</p>", text: "a\n  b\n\nc"},
		{name: "escaping", in: `<b>"Tom" & 'Jerry'</b>`, html: "<p>&lt;b&gt;&#34;Tom&#34; &amp; &#39;Jerry&#39;&lt;/b&gt;</p>"},
		{
			name: "script", in: "<script>alert(1)</script>",
			html: "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
		},
		{name: "entities stay text", in: "&amp; &#39; &lt;p&gt;", html: "<p>&amp;amp; &amp;#39; &amp;lt;p&amp;gt;</p>"},
		{name: "control characters", in: "a\x00b\x07c\x1bd\x7fe\u0085f\tg", html: "<p>abcdef\tg</p>", text: "abcdef\tg"},
		{name: "broken utf-8", in: "caf\xc3 \xff\xfe ok", html: "<p>caf\uFFFD \uFFFD\uFFFD ok</p>", text: "caf\uFFFD \uFFFD\uFFFD ok"},
		{name: "line separators", in: "a\u2028b\u2029c", html: "<p>a<br>b</p><p>c</p>", text: "a\nb\n\nc"},
		{
			name: "url", in: "see https://example.org/art",
			html: `<p>see <a href="https://example.org/art` + linkAttrs +
				`<span class="invisible">https://</span>example.org/art</a></p>`,
		},
		{
			name: "url trailing punctuation", in: "Look: http://example.org/a.b, or https://x.org!",
			html: `<p>Look: <a href="http://example.org/a.b` + linkAttrs +
				`<span class="invisible">http://</span>example.org/a.b</a>, or <a href="https://x.org` + linkAttrs +
				`<span class="invisible">https://</span>x.org</a>!</p>`,
		},
		{
			name: "url in parens", in: "(https://x.org/a)",
			html: `<p>(<a href="https://x.org/a` + linkAttrs + `<span class="invisible">https://</span>x.org/a</a>)</p>`,
		},
		{
			name: "url with balanced parens", in: "(see https://en.wikipedia.org/wiki/Cat_(disambiguation)).",
			html: `<p>(see <a href="https://en.wikipedia.org/wiki/Cat_(disambiguation)` + linkAttrs +
				`<span class="invisible">https://</span><span class="ellipsis">en.wikipedia.org/wiki/Cat_(dis</span>` +
				`<span class="invisible">ambiguation)</span></a>).</p>`,
		},
		{
			name: "url with query and quote", in: `"https://x.org/?a=1&b='2'"`,
			html: `<p>&#34;<a href="https://x.org/?a=1&amp;b=&#39;2` + linkAttrs +
				`<span class="invisible">https://</span>x.org/?a=1&amp;b=&#39;2</a>&#39;&#34;</p>`,
		},
		{
			name: "url www and uppercase scheme", in: "HTTPS://www.Example.org/",
			html: `<p><a href="https://www.Example.org/` + linkAttrs +
				`<span class="invisible">HTTPS://www.</span>Example.org/</a></p>`,
		},
		{
			name: "url with fragment is not a hashtag", in: "https://x.org/#cat #dog",
			html: `<p><a href="https://x.org/#cat` + linkAttrs + `<span class="invisible">https://</span>x.org/#cat</a> ` +
				tagHTML("dog") + `</p>`,
			hashtags: []string{"dog"},
		},
		{
			name: "iri stops at cjk punctuation", in: "https://ja.wikipedia.org/wiki/猫。",
			html: `<p><a href="https://ja.wikipedia.org/wiki/猫` + linkAttrs +
				`<span class="invisible">https://</span>ja.wikipedia.org/wiki/猫</a>。</p>`,
		},
		{name: "not urls", in: "javascript:alert(1) ftp://x.org https:// http://[::1 xhttps://x.org", html: "<p>javascript:alert(1) ftp://x.org https:// http://[::1 xhttps://x.org</p>"},
		{name: "javascript href attempt", in: `https://x.org/"onmouseover="alert(1)`, html: `<p><a href="https://x.org/` + linkAttrs + `<span class="invisible">https://</span>x.org/</a>&#34;onmouseover=&#34;alert(1)</p>`},
		{
			name: "hashtags", in: "Hello #cats and #Art_2024, #猫 #café #кот #فن #アート・イラスト #ศิลปะ",
			html: "<p>Hello " + tagHTML("cats") + " and " + tagHTML("Art_2024") + ", " + tagHTML("猫") + " " +
				tagHTML("café") + " " + tagHTML("кот") + " " + tagHTML("فن") + " " + tagHTML("アート・イラスト") +
				" " + tagHTML("ศิลปะ") + "</p>",
			hashtags: []string{"cats", "Art_2024", "猫", "café", "кот", "فن", "アート・イラスト", "ศิลปะ"},
		},
		{
			name: "hashtag dedupe keeps first spelling", in: "#Cat #cat\n#CAT #dog",
			html:     "<p>" + tagHTML("Cat") + " " + tagHTML("cat") + "<br>" + tagHTML("CAT") + " " + tagHTML("dog") + "</p>",
			hashtags: []string{"Cat", "dog"},
		},
		{
			name: "hashtag punctuation after", in: "(#cat), #dog's #a.",
			html:     "<p>(" + tagHTML("cat") + "), " + tagHTML("dog") + "&#39;s " + tagHTML("a") + ".</p>",
			hashtags: []string{"cat", "dog", "a"},
		},
		{
			name: "not hashtags", in: "a#b #1 #2024 #_ # cat &#39; /#x 5#x ##",
			html: "<p>a#b #1 #2024 #_ # cat &amp;#39; /#x 5#x ##</p>",
		},
		{
			name: "hashtag length", in: "#" + strings.Repeat("a", 100) + " #" + strings.Repeat("b", 101),
			html:     "<p>" + tagHTML(strings.Repeat("a", 100)) + " #" + strings.Repeat("b", 101) + "</p>",
			hashtags: []string{strings.Repeat("a", 100)},
		},
		{name: "mentions stay text", in: "thanks @bob@example.org!", html: "<p>thanks @bob@example.org!</p>"},
		{
			name: "discord emoji", in: "nice <:blobcat:123456789012345678><a:party_parrot:42>!",
			html: "<p>nice :blobcat:\u200B:party_parrot:!</p>", text: "nice :blobcat:\u200B:party_parrot:!",
		},
		{name: "not discord emoji", in: "<:x:1> <:ab:> <:ab:12a> <b:ab:1>", html: "<p>&lt;:x:1&gt; &lt;:ab:&gt; &lt;:ab:12a&gt; &lt;b:ab:1&gt;</p>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := Render(tc.in, testOpts)
			if res.HTML != tc.html {
				t.Errorf("HTML\n got %q\nwant %q", res.HTML, tc.html)
			}
			want := tc.text
			if want == "" && tc.html != "" {
				want = tc.in
			}
			if res.Text != want {
				t.Errorf("Text\n got %q\nwant %q", res.Text, want)
			}
			if !slices.Equal(res.Hashtags, tc.hashtags) {
				t.Errorf("Hashtags got %q, want %q", res.Hashtags, tc.hashtags)
			}
			checkInvariants(t, tc.in, res)
			checkHashtags(t, res)
		})
	}
}
