package richtext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzRender(f *testing.F) {
	for _, seed := range []string{
		"",
		"Hello #cats\n\nline\nline",
		"see https://en.wikipedia.org/wiki/Cat_(disambiguation)). and http://x.org/?a=1&b=2#frag,",
		"<script>alert('x')</script> &amp; &#39; \"q\"",
		"#猫 #café #1 a#b &#39; /#x #アート・イラスト #a\u200Cb #\u00B7",
		"caf\xc3 \xff\x00\r\n\r\u2028\u2029\u0085",
		"<:blob:123><a:party:456>x<:no:>",
		"HTTPS://www.EXAMPLE.org/" + strings.Repeat("path/", 20),
		"javascript:alert(1) https://\"onmouseover=x https://[::1]:8080/ http://a@b/",
		"@bob@example.org :blob: ::a:: #" + strings.Repeat("x", 120),
	} {
		f.Add(seed, 0)
		f.Add(seed, 12)
	}
	f.Fuzz(func(t *testing.T, in string, maxChars int) {
		opts := Options{TagURL: tagURL, MaxChars: maxChars % 200}
		res := Render(in, opts)
		checkInvariants(t, in, res)
		checkHashtags(t, res)
		if n := utf8.RuneCountInString(res.Text); n > opts.maxChars() {
			t.Fatalf("text has %d characters, cap %d", n, opts.maxChars())
		}
		if strings.HasPrefix(res.Text, " ") || strings.HasSuffix(res.Text, "\n") {
			t.Fatalf("text not trimmed: %q", res.Text)
		}
		// Rendering the rendered text again changes nothing.
		if again := Render(res.Text, opts); again.Text != res.Text || again.HTML != res.HTML {
			t.Fatalf("not idempotent:\n%q\n%q", res.HTML, again.HTML)
		}
		p := RenderParagraph(in, opts)
		checkInvariants(t, in, p)
		if strings.Count(p.HTML, "<p>") > 1 {
			t.Fatalf("paragraph has several p: %q", p.HTML)
		}
	})
}
